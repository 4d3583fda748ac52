"""Writes to report texts: saving a version (with its revision) and rolling back to an old one.

The same design as `guides.services`: a save that changes the text adds a
revision signed by the editor; a text changed without one (from a shell) is
kept first, unsigned, so no version is ever lost; a rollback is a new revision.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from reports.models import ReportText, ReportTextRevision


def _revision(text: ReportText, *, number: int, author: Any, note: str) -> ReportTextRevision:
    return ReportTextRevision.objects.create(
        text=text, number=number, author=author, note=note[:200], **text.content()
    )


def report_text_save(*, text: ReportText, editor: Any, note: str = "") -> ReportTextRevision | None:
    """Save the text and keep the new version as a revision by `editor`, now.

    Nothing is added when the content is that of the latest revision (a save
    that only published it, say). Returns the new revision, or None.
    """
    with transaction.atomic():
        latest: ReportTextRevision | None = None
        number = 0
        if text.pk is not None:
            stored = ReportText.objects.select_for_update().filter(pk=text.pk).first()
            latest = text.revisions.order_by("-number").first()
            number = latest.number if latest else 0
            if stored is not None and (latest is None or latest.content() != stored.content()):
                number += 1
                latest = _revision(
                    stored, number=number, author=None, note="saved without a revision"
                )
        changed = latest is None or latest.content() != text.content()
        # Publishing or withdrawing changes what readers see: it dates the text too,
        # so that the report's cached page and PDF are made again.
        text.updated_at = timezone.now()
        if changed:
            text.updated_by = editor
        text.save()
        if not changed:
            return None
        return _revision(text, number=number + 1, author=editor, note=note)


def report_text_rollback(
    *, text: ReportText, revision: ReportTextRevision, editor: Any
) -> ReportTextRevision:
    """Bring back an old revision's content; the rollback is a new revision of its own."""
    if revision.text_id != text.pk:
        raise ValueError("the revision belongs to another text")
    for name, value in revision.content().items():
        setattr(text, name, value)
    note = f"rollback to revision {revision.number}"
    saved = report_text_save(text=text, editor=editor, note=note)
    if saved is None:
        # The text already reads as that revision: record the request all the same.
        number = (text.revisions.aggregate(top=Max("number"))["top"] or 0) + 1
        saved = _revision(text, number=number, author=editor, note=note)
    return saved
