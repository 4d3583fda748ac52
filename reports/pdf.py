"""The report as a PDF: rendered once per snapshot, language and editors' version, kept as a file.

WeasyPrint (from PyPI; it needs Pango from the system) lays out the report's
own HTML with the page's stylesheets, `static/css/report.css` last (its
`@media print` rules and `@page` margins), so the PDF and a browser's print
read alike. It is imported inside
`render_pdf` only: a web process that never serves a PDF never loads it
(tests/test_architecture.py checks what loading every URL imports).

The file lives in REPORTS_PDF_DIR (settings; default `var/reports/` under
the project, beside the SQLite database), named after the edition, the
language and a digest of what it depends on: the published snapshot (its id,
publication time and demo flag) and the editors' published texts (their ids
and save times). A new snapshot or a new text gives a new name, hence a new
PDF; the previous files of that edition and language are then removed. Each
app server keeps its own files (a shared MEDIA volume works the same way):
one render per server and version, a few seconds, then a file read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders

from benchmarks.read.lookup import PublishedSnapshot

# The report page's stylesheets, in its order: report.css holds the print rules.
STYLESHEETS = ("css/site.css", "css/content.css", "css/report.css")


def pdf_directory() -> Path:
    configured = getattr(settings, "REPORTS_PDF_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "reports"


def pdf_path(
    published: PublishedSnapshot, *, year: int, language: str, texts: Sequence[Any]
) -> Path:
    """Where the PDF of this edition, language, snapshot and version of the texts is kept."""
    snapshot = published.snapshot
    stamp = snapshot.published_at.isoformat() if snapshot.published_at else ""
    identity = repr((published.id, stamp, snapshot.is_demo, year, language, tuple(texts)))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:20]
    return pdf_directory() / f"report-{year}-{language}-{digest}.pdf"


def render_pdf(html: str, *, base_url: str) -> bytes:
    """The PDF of a report's HTML, laid out with the page's stylesheets (print rules apply)."""
    # Loaded on the first PDF only: see the module's docstring.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    # The report's resources are all inline (SVG charts, the stylesheets given here):
    # nothing is fetched, so neither a link nor an editor's text can make the server
    # fetch a URL. Only data: URLs are allowed.
    fetcher = URLFetcher(allowed_protocols=("data",))
    paths = [finders.find(name) for name in STYLESHEETS]
    if not all(paths):
        raise FileNotFoundError(", ".join(STYLESHEETS))
    # site.css's width queries (@media (max-width: ...)) mean nothing on paper and
    # WeasyPrint warns once for each on every render: only its errors are logged here.
    weasyprint_log = logging.getLogger("weasyprint")
    level = weasyprint_log.level
    weasyprint_log.setLevel(logging.ERROR)
    try:
        stylesheets = [CSS(filename=str(path)) for path in paths]
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        pdf: bytes = document.write_pdf(stylesheets=stylesheets)
    finally:
        weasyprint_log.setLevel(level)
    return pdf


def cached_pdf(path: Path, build: Callable[[], bytes]) -> Path:
    """The PDF at `path`, built and written there first if it is not yet.

    Written to a temporary file and renamed, so that a reader never sees half a
    PDF; two first requests at once may both render, and the second rename wins
    with the same content. Older files of the same edition and language go.
    """
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    content = build()
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    prefix = path.name.rsplit("-", 1)[0] + "-"
    for old in path.parent.glob(f"{prefix}*.pdf"):
        if old != path:
            old.unlink(missing_ok=True)
    return path
