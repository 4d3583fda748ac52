"""Writes to report texts: saving a version (with its revision) and rolling back to an old one.

The design is guides.revisions', as for guides: a save that changes the text
adds a revision signed by the editor; a text changed without one (from a
shell) is kept first, unsigned; a rollback is a new revision. Publishing or
withdrawing a text dates it too (`date_every_save`), so that the report's
cached page and PDF are made again.
"""

from __future__ import annotations

from typing import Any

from guides.revisions import revisioned_rollback, revisioned_save
from reports.models import ReportText, ReportTextRevision


def report_text_save(*, text: ReportText, editor: Any, note: str = "") -> ReportTextRevision | None:
    """Save the text and keep the new version as a revision by `editor`, now.

    Nothing is added when the content is that of the latest revision (a save
    that only published it, say). Returns the new revision, or None.
    """
    return revisioned_save(text, editor=editor, note=note, date_every_save=True)  # type: ignore[return-value]


def report_text_rollback(
    *, text: ReportText, revision: ReportTextRevision, editor: Any
) -> ReportTextRevision:
    """Bring back an old revision's content; the rollback is a new revision of its own."""
    return revisioned_rollback(text, revision=revision, editor=editor, date_every_save=True)  # type: ignore[return-value]
