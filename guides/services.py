"""Writes to guides: saving a version (with its revision) and rolling back to an old one.

The design is guides.revisions', shared with the yearly report's texts.
"""

from __future__ import annotations

from typing import Any

from guides.models import Guide, GuideRevision
from guides.revisions import revisioned_rollback, revisioned_save


def guide_save(*, guide: Guide, editor: Any, note: str = "") -> GuideRevision | None:
    """Save the guide and keep the new version as a revision by `editor`, now.

    Nothing is added when the content is that of the latest revision (a save
    that changed only the position, say). If the stored guide had been changed
    without a revision (from a shell), that version is kept first, unsigned,
    so no body is ever lost. Returns the new revision, or None.
    """
    return revisioned_save(guide, editor=editor, note=note)  # type: ignore[return-value]


def guide_rollback(*, guide: Guide, revision: GuideRevision, editor: Any) -> GuideRevision:
    """Bring back an old revision's content; the rollback is a new revision of its own."""
    return revisioned_rollback(guide, revision=revision, editor=editor)  # type: ignore[return-value]
