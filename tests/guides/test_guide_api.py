"""GET /api/v1/guides/ and /api/v1/guides/<slug>/: the published guides, source and HTML."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from benchmarks.models import Metric, Snapshot
from benchmarks.read import lookup


@pytest.mark.django_db
class TestGuideApi:
    def test_the_list_gives_every_published_guide_in_the_request_language(
        self, client: Client, make_guide: Any
    ) -> None:
        make_guide(is_published=False)

        english = client.get("/api/v1/guides/?lang=en").json()
        french = client.get("/api/v1/guides/?lang=fr").json()

        assert [guide["slug"] for guide in english] == [
            "community-manager",
            "social-media-manager",
            "community-lead",
            "moderator-social-care",
            "community-kpis",
            "community-maturity-model",
        ]
        assert english[4]["title"] == "The KPIs of community management"
        assert french[4]["title"] == "Les KPI du community management"
        assert english[3]["roles"] == ["moderator", "social-care"]
        assert english[0]["url"] == "http://testserver/en/guides/community-manager/"
        assert french[0]["url"] == "http://testserver/guides/community-manager/"
        assert english[0]["api_url"] == "http://testserver/api/v1/guides/community-manager/"

    def test_a_guide_comes_with_its_markdown_its_html_and_its_role_figures(
        self, client: Client, make_guide: Any, published: Snapshot
    ) -> None:
        make_guide(
            roles=["moderator"],
            body_en="## Pay\n\nMedian: [[salary.p50 role=moderator]].\n\n<script>x()</script>",
        )
        cell = lookup.cell_lookup(
            snapshot=published, metric=Metric.SALARY, country="FR", year=2026,
            filters={"role": "moderator"},
        )  # fmt: skip
        assert cell is not None

        guide = client.get("/api/v1/guides/test-guide/?lang=en").json()

        assert guide["language"] == "en"
        assert guide["body_markdown"].startswith("## Pay\n\nMedian: [[salary.p50 role=moderator]].")
        assert guide["body_html"] == (
            f'<h2 id="s-pay">Pay</h2>\n<p>Median: <span class="figure">€{cell.p50:,}</span>.</p>\n'
        )
        figures = guide["role_figures"][0]
        assert figures["role"] == "moderator" and figures["year"] == 2026
        assert figures["rows"][0]["salary"]["p50"] == cell.p50
        assert figures["rows"][0]["salary"]["n"] == cell.n
        assert figures["missions"][0].keys() == {"code", "percent"}
        assert guide["snapshot"]["id"] == published.pk

    def test_a_guide_falls_back_to_the_language_it_is_written_in(
        self, client: Client, make_guide: Any
    ) -> None:
        make_guide(title_en="", summary_en="", body_en="")

        guide = client.get("/api/v1/guides/test-guide/?lang=en").json()

        assert guide["language"] == "fr"
        assert guide["title"] == "Guide d'essai"
        assert guide["snapshot"] is None
        assert guide["role_figures"] == []

    def test_an_unpublished_or_unknown_guide_is_a_404(
        self, client: Client, make_guide: Any
    ) -> None:
        make_guide(is_published=False)

        assert client.get("/api/v1/guides/test-guide/").status_code == 404
        assert client.get("/api/v1/guides/no-such-guide/").status_code == 404
