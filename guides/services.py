"""Writes to guides: saving a version (with its revision) and rolling back to an old one."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from guides.models import CONTENT_FIELDS, Guide, GuideRevision


def _revision(guide: Guide, *, number: int, author: Any, note: str) -> GuideRevision:
    return GuideRevision.objects.create(
        guide=guide, number=number, author=author, note=note[:200], **guide.content()
    )


def guide_save(*, guide: Guide, editor: Any, note: str = "") -> GuideRevision | None:
    """Save the guide and keep the new version as a revision by `editor`, now.

    Nothing is added when the content is that of the latest revision (a save
    that changed only the position, say). If the stored guide had been changed
    without a revision (from a shell), that version is kept first, unsigned,
    so no body is ever lost. Returns the new revision, or None.
    """
    with transaction.atomic():
        latest: GuideRevision | None = None
        number = 0
        if guide.pk is not None:
            stored = Guide.objects.select_for_update().filter(pk=guide.pk).first()
            latest = guide.revisions.order_by("-number").first()
            number = latest.number if latest else 0
            if stored is not None and (latest is None or latest.content() != stored.content()):
                number += 1
                latest = _revision(
                    stored, number=number, author=None, note="saved without a revision"
                )
        changed = latest is None or latest.content() != guide.content()
        if changed:
            guide.updated_at = timezone.now()
            guide.updated_by = editor
        guide.save()
        if not changed:
            return None
        return _revision(guide, number=number + 1, author=editor, note=note)


def guide_rollback(*, guide: Guide, revision: GuideRevision, editor: Any) -> GuideRevision:
    """Bring back an old revision's content; the rollback is a new revision of its own."""
    if revision.guide_id != guide.pk:
        raise ValueError("the revision belongs to another guide")
    for name in CONTENT_FIELDS:
        setattr(guide, name, getattr(revision, name))
    saved = guide_save(
        guide=guide,
        editor=editor,
        note=f"rollback to revision {revision.number}",
    )
    if saved is None:
        # The guide already reads as that revision: record the request all the same.
        number = (guide.revisions.aggregate(top=Max("number"))["top"] or 0) + 1
        saved = _revision(
            guide, number=number, author=editor, note=f"rollback to revision {revision.number}"
        )
    return saved
