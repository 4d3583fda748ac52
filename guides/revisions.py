"""Revisions of what editors write (guides, the yearly report's texts): one design, once.

A *revisioned* model names what an editor writes in `CONTENT_FIELDS` and has
`revisions`, the rows of a `Revision` subclass that copies those fields and
points back to it through the foreign key named by its `PARENT`:

    class Guide(models.Model):
        CONTENT_FIELDS = ("title_fr", ..., "body_en")
        ...

    class GuideRevision(Revision):
        PARENT = "guide"
        guide = models.ForeignKey(Guide, related_name="revisions", ...)
        title_fr = ...  # one field per content field

Every save that changes the content adds a revision signed by the editor; a
version changed without one (from a shell) is kept first, unsigned, so no
version is ever lost; a rollback copies an old revision back and is itself a
new revision: history only ever grows. `guides.revision_admin` is the admin's
side (history table, an old revision beside the current text, restore).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Revisioned(models.Model):
    """What an editor writes and keeps revisions of: who changed it last, and when.

    A subclass names its content fields in `CONTENT_FIELDS` and gets its
    `revisions` from a `Revision` subclass pointing back to it.
    """

    CONTENT_FIELDS: ClassVar[tuple[str, ...]]

    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        abstract = True

    def content(self) -> dict[str, str]:
        """What an editor wrote, by field name (CONTENT_FIELDS)."""
        return content_of(self)


class Revision(models.Model):
    """One saved version of an editor's text, with who saved it and when; never changed after."""

    # The foreign key to the revisioned object (set by each subclass).
    PARENT: ClassVar[str]

    number = models.PositiveIntegerField(_("revision"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{getattr(self, f'{self.PARENT}_id')} r{self.number}"

    @property
    def parent(self) -> models.Model:
        """The revisioned object this revision is a version of."""
        return getattr(self, self.PARENT)  # type: ignore[no-any-return]

    def content(self) -> dict[str, str]:
        """The content as this revision saved it (its parent's CONTENT_FIELDS)."""
        fields = type(self)._meta.get_field(self.PARENT).related_model.CONTENT_FIELDS
        return {name: getattr(self, name) for name in fields}


def content_of(obj: Any) -> dict[str, str]:
    """What an editor wrote in `obj`, by field name (its CONTENT_FIELDS)."""
    return {name: getattr(obj, name) for name in obj.CONTENT_FIELDS}


def revisioned_save(
    obj: Any, *, editor: Any, note: str = "", date_every_save: bool = False
) -> Revision | None:
    """Save `obj` and keep its new content as a revision by `editor`, now.

    Nothing is added when the content is that of the latest revision (a save
    that changed only a position or a published flag). `updated_at` and
    `updated_by` follow content changes, or every save with `date_every_save`
    (`updated_at` then; for a text whose publication changes what readers see).
    Returns the new revision, or None.
    """
    revision_model = obj.revisions.model
    with transaction.atomic():
        latest: Revision | None = None
        number = 0
        if obj.pk is not None:
            stored = type(obj).objects.select_for_update().filter(pk=obj.pk).first()
            latest = obj.revisions.order_by("-number").first()
            number = latest.number if latest else 0
            if stored is not None and (latest is None or latest.content() != content_of(stored)):
                number += 1
                latest = _revision(
                    revision_model,
                    stored,
                    number=number,
                    author=None,
                    note="saved without a revision",
                )
        changed = latest is None or latest.content() != content_of(obj)
        if changed or date_every_save:
            obj.updated_at = timezone.now()
        if changed:
            obj.updated_by = editor
        obj.save()
        if not changed:
            return None
        return _revision(revision_model, obj, number=number + 1, author=editor, note=note)


def revisioned_rollback(
    obj: Any, *, revision: Revision, editor: Any, date_every_save: bool = False
) -> Revision:
    """Bring back an old revision's content; the rollback is a new revision of its own."""
    if getattr(revision, f"{revision.PARENT}_id") != obj.pk:
        raise ValueError(f"the revision belongs to another {revision.PARENT}")
    for name, value in revision.content().items():
        setattr(obj, name, value)
    note = f"rollback to revision {revision.number}"
    saved = revisioned_save(obj, editor=editor, note=note, date_every_save=date_every_save)
    if saved is None:
        # It already reads as that revision: record the request all the same.
        number = (obj.revisions.aggregate(top=Max("number"))["top"] or 0) + 1
        saved = _revision(type(revision), obj, number=number, author=editor, note=note)
    return saved


def _revision(
    revision_model: type[Revision], obj: Any, *, number: int, author: Any, note: str
) -> Revision:
    return revision_model.objects.create(
        **{revision_model.PARENT: obj},
        number=number,
        author=author,
        note=note[:200],
        **content_of(obj),
    )
