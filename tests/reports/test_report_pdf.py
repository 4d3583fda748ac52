"""The report as a PDF: rendered server-side, its text readable, kept per snapshot and language."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from benchmarks.models import Metric, Snapshot
from benchmarks.present.formatting import money_text
from benchmarks.read import lookup
from reports import pdf

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def plain(text: str) -> str:
    """Text with every kind of space as one plain space (a PDF's text may drop the NBSP)."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture
def pdf_dir(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.REPORTS_PDF_DIR = tmp_path / "reports"
    return tmp_path / "reports"


def test_the_pdf_renders_with_the_headline_median_and_is_kept_for_the_next_request(
    client: Client, snapshot: Snapshot, pdf_dir: Path
) -> None:
    response = client.get("/barometre/2026/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="cmbench-barometre-2026-fr.pdf"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    reader = PdfReader(io.BytesIO(content))
    assert 6 <= len(reader.pages) <= 24
    text = plain(" ".join(page.extract_text() for page in reader.pages))
    cell = lookup.cell_lookup(snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026)
    assert cell is not None
    with translation.override("fr"):
        assert plain(money_text(cell.p50, "EUR")) in text
    assert "2026" in plain(reader.pages[0].extract_text())

    # Kept as one file; the second request reads it and renders nothing.
    (kept,) = pdf_dir.glob("report-2026-fr-*.pdf")
    before = kept.stat()
    again = client.get("/barometre/2026/pdf/")
    assert b"".join(again.streaming_content) == content
    after = kept.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert list(pdf_dir.glob("*.pdf")) == [kept]


def test_each_language_and_snapshot_has_its_own_pdf(
    client: Client, snapshot: Snapshot, pdf_dir: Path
) -> None:
    response = client.get("/en/report/2026/pdf/")

    assert 'filename="cmbench-report-2026-en.pdf"' in response["Content-Disposition"]
    text = plain(" ".join(page.extract_text() for page in PdfReader(
        io.BytesIO(b"".join(response.streaming_content))).pages))  # fmt: skip
    cell = lookup.cell_lookup(snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026)
    assert cell is not None
    with translation.override("en"):
        assert plain(money_text(cell.p50, "EUR")) in text
    assert [path.name.startswith("report-2026-en-") for path in pdf_dir.glob("*.pdf")] == [True]

    published = lookup.published_snapshot()
    assert published is not None
    here = pdf.pdf_path(published, year=2026, language="en", texts=())
    newer = lookup.PublishedSnapshot(
        snapshot=Snapshot(pk=snapshot.pk + 1, published_at=snapshot.published_at),
        years=published.years,
    )
    assert pdf.pdf_path(newer, year=2026, language="en", texts=()) != here
    assert pdf.pdf_path(published, year=2026, language="fr", texts=()) != here
    assert pdf.pdf_path(published, year=2026, language="en", texts=((1, "t"),)) != here


def test_a_new_pdf_replaces_the_older_ones_of_its_edition_and_language(tmp_path: Path) -> None:
    old = tmp_path / "report-2026-fr-aaaa.pdf"
    other = tmp_path / "report-2026-en-bbbb.pdf"
    old.write_bytes(b"%PDF old")
    other.write_bytes(b"%PDF other")

    kept = pdf.cached_pdf(tmp_path / "report-2026-fr-cccc.pdf", lambda: b"%PDF new")

    assert kept.read_bytes() == b"%PDF new"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "report-2026-en-bbbb.pdf",
        "report-2026-fr-cccc.pdf",
    ]


def test_a_web_process_loads_weasyprint_only_for_a_pdf() -> None:
    code = (
        "import django, sys\ndjango.setup()\n"
        "from django.urls import get_resolver\nget_resolver().url_patterns\n"
        "import reports.views, reports.pdf, reports.admin\n"
        "print('weasyprint' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "cmbench.settings",
            "PYTHONPATH": str(ROOT),
        },
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
