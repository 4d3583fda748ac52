"""Share cards (/share/...png): 1200 × 630 PNGs of a cohort and of an edition, per snapshot."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from benchmarks.models import Metric
from benchmarks.present import share_images
from benchmarks.present.embeds import embed_query
from benchmarks.present.formatting import money_text
from benchmarks.read import answers, lookup
from benchmarks.read.answers import Cohort
from benchmarks.read.lookup import PublishedSnapshot
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published

pytestmark = pytest.mark.django_db
published = api_fixtures.published

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "share-images"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, the first after the signature."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def count_drawings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SVG handed to CairoSVG during the test (the real rasteriser still runs)."""
    drawn: list[str] = []
    rasterise = share_images.svg_to_png

    def counting(svg: str) -> bytes:
        drawn.append(svg)
        return rasterise(svg)

    monkeypatch.setattr(share_images, "svg_to_png", counting)
    return drawn


def save(name: str, data: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)


def test_a_cohorts_card_is_a_1200_by_630_png_drawn_once_per_snapshot(
    published: Published, client: Client, count_drawings: list[str]
) -> None:
    first = client.get("/share/benchmarks.png", {"experience": "3-5", "by": "education"})

    assert first.status_code == 200
    assert first["Content-Type"] == "image/png"
    assert png_size(first.content) == (1200, 630)
    assert first["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in first
    save("cohort-fr.png", first.content)
    assert len(count_drawings) == 1
    cell = lookup.cell_lookup(
        snapshot=published.snapshot,
        metric=Metric.SALARY,
        country="FR",
        year=2026,
        filters={"experience": "3-5"},
    )
    assert cell is not None
    with translation.override("fr"):
        # The card writes the read lane's median, as the pages do, beside the pages' chart.
        assert money_text(cell.p50, "EUR") in count_drawings[0]
        assert count_drawings[0].count("<svg") == 3  # the card, the placed box, the chart
        assert "paint-order" not in count_drawings[0]  # CairoSVG would hide the labels

    second = client.get("/share/benchmarks.png", {"by": "education", "experience": "3-5"})

    assert second.status_code == 200
    assert second.content == first.content
    assert len(count_drawings) == 1  # served from the cache
    not_modified = client.get(
        "/share/benchmarks.png?experience=3-5&by=education", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert not_modified.status_code == 304

    english = client.get("/en/share/benchmarks.png", {"experience": "3-5", "by": "education"})
    assert png_size(english.content) == (1200, 630)
    assert len(count_drawings) == 2  # another language, another card
    with translation.override("en"):
        assert money_text(cell.p50, "EUR") in count_drawings[1]
    save("cohort-en.png", english.content)


def test_the_cache_key_holds_the_snapshot_the_language_and_the_normalised_query(
    published: Published, rf: Any
) -> None:
    current = lookup.published_snapshot()
    assert current is not None

    def key(data: dict[str, str], snapshot: PublishedSnapshot, language: str = "fr") -> str:
        request = rf.get("/share/benchmarks.png", data)
        with translation.override(language):
            embed = embed_query(request.GET, published=snapshot)
            assert embed.is_valid()
            return share_images.share_key("cohort", snapshot, embed.cache_parts())

    base = key({"experience": "3-5"}, current)
    # The same cohort asked another way: the same key.
    assert (
        key({"experience": "3-5", "country": "FR", "basis": "total", "utm": "x"}, current) == base
    )
    assert key({"experience": "6-9"}, current) != base
    assert key({"experience": "3-5"}, current, "en") != base
    # Another snapshot (another id, another publication time): another key.
    other = PublishedSnapshot(
        snapshot=type(current.snapshot)(pk=current.id + 1), years=current.years
    )
    other.snapshot.published_at = current.snapshot.published_at
    assert key({"experience": "3-5"}, other) != base


def test_an_unpublished_cohort_still_gets_a_card(published: Published, client: Client) -> None:
    response = client.get(
        "/en/share/benchmarks.png", {"country": "BE", "experience": "10+", "role": "moderator"}
    )
    assert response.status_code == 200
    assert png_size(response.content) == (1200, 630)


def test_a_bad_query_is_a_400_naming_the_field(published: Published, client: Client) -> None:
    response = client.get("/en/share/benchmarks.png", {"education": "phd"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "education" in response.content.decode()


def test_the_reports_card_shows_the_editions_french_median_by_experience(
    published: Published, client: Client, count_drawings: list[str]
) -> None:
    response = client.get("/share/report/2026.png")

    assert response.status_code == 200
    assert png_size(response.content) == (1200, 630)
    save("report-2026-fr.png", response.content)
    current = lookup.published_snapshot()
    assert current is not None
    found = answers.breakdown(
        current,
        metric=Metric.SALARY,
        cohort=Cohort(country="FR", year=2026),
        by="experience",
        year=2026,
    )
    assert found.parent is not None
    with translation.override("fr"):
        assert money_text(found.parent.p50, "EUR") in count_drawings[0]
        for child in found.children:
            assert money_text(child.p50, "EUR") in count_drawings[0]
    assert client.get("/share/report/2026.png").content == response.content
    assert len(count_drawings) == 1
    assert client.get("/share/report/1999.png").status_code == 404
