"""The guide pages: languages, sanitizing, live figures from the published snapshot, quotes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from benchmarks.models import Metric, Snapshot
from benchmarks.read import answers, lookup
from guides.models import Guide
from interviews.models import Interview
from interviews.services import interview_approve
from tests.guides.conftest import SMALL_COHORT

NOT_ENOUGH = '<span class="figure figure-missing">not enough answers yet</span>'


def text_of(html: str) -> str:
    """Page text with no-break spaces (entities or characters) as plain spaces."""
    return re.sub(r"&nbsp;|\xa0|\u202f", " ", html)


def body_of(html: str) -> str:
    """The rendered guide body of a page."""
    return html.split('<div class="guide-body"', 1)[1].split("</div>", 1)[0]


@pytest.mark.django_db
class TestPages:
    def test_the_list_shows_role_guides_then_topic_guides_in_both_languages(
        self, client: Client
    ) -> None:
        french = client.get("/guides/").content.decode()
        english = client.get("/en/guides/").content.decode()

        assert "Responsable de communauté (head of community)" in french
        assert "Le modèle de maturité communautaire" in french
        assert "Community lead (head of community)" in english
        assert "The KPIs of community management" in english
        assert english.index("Moderator and social customer care") < english.index(
            "The KPIs of community management"
        )
        assert 'href="/en/guides/community-maturity-model/"' in english

    def test_a_guide_shows_the_active_language(self, client: Client, make_guide: Any) -> None:
        make_guide()

        french = client.get("/guides/test-guide/").content.decode()
        english = client.get("/en/guides/test-guide/").content.decode()

        assert "Texte en français." in french and "English text." not in french
        assert "English text." in english and "Texte en français." not in english
        assert "<h1>Test guide</h1>" in english

    def test_a_guide_written_in_one_language_falls_back_to_it(
        self, client: Client, make_guide: Any
    ) -> None:
        make_guide(title_en="", summary_en="", body_en="")

        english = client.get("/en/guides/test-guide/").content.decode()

        assert "This guide is not yet available in English: here is the French version." in english
        assert "Texte en français." in english
        assert '<div class="guide-body" lang="fr">' in english

    def test_an_unpublished_guide_is_not_found(self, client: Client, make_guide: Any) -> None:
        make_guide(is_published=False)

        assert client.get("/en/guides/test-guide/").status_code == 404
        assert "Test guide" not in client.get("/en/guides/").content.decode()

    def test_a_script_in_a_guide_never_reaches_the_page(
        self, client: Client, make_guide: Any
    ) -> None:
        make_guide(
            body_en=(
                "## Safe\n\n<script>alert('body')</script>\n\n"
                '<img src="x" onerror="alert(1)">\n\n'
                '[click](javascript:alert(2)) and <a href="https://example.org" '
                'onclick="alert(3)">a link</a>\n\n'
                '<span class="figure" style="color:red">styled</span>'
            )
        )

        html = client.get("/en/guides/test-guide/").content.decode()
        body = body_of(html)

        assert "<script" not in html
        assert "alert" not in body
        assert "onerror" not in body and "onclick" not in body and "style=" not in body
        assert "<img" not in body
        assert 'href="https://example.org"' in body
        assert '<h2 id="s-safe">Safe</h2>' in body


@pytest.mark.django_db
class TestLiveFigures:
    def test_a_figure_matches_the_published_cell(
        self, client: Client, make_guide: Any, published: Snapshot
    ) -> None:
        make_guide(
            body_en=(
                "Median [[salary.p50 role=social-media-manager]], "
                "n [[salary.n role=social-media-manager]], "
                "interval [[salary.median_ci role=social-media-manager]]."
            )
        )
        cell = lookup.cell_lookup(
            snapshot=published,
            metric=Metric.SALARY,
            country="FR",
            year=2026,
            filters={"role": "social-media-manager"},
        )
        assert cell is not None

        body = text_of(body_of(client.get("/en/guides/test-guide/").content.decode()))

        # Written by the explorer's own helper: the same amount reads the same everywhere.
        assert f'Median <span class="figure">€{cell.p50:,}</span>' in body
        assert f'n <span class="figure">{cell.n}</span>' in body
        assert (
            f'interval <span class="figure">€{cell.median_ci_low:,} – €{cell.median_ci_high:,}'
            in body
        )

    def test_a_french_guide_writes_money_exactly_as_the_explorer_does(
        self, client: Client, make_guide: Any, published: Snapshot
    ) -> None:
        make_guide(body_fr="Médiane [[salary.p50 role=moderator]].")
        cell = lookup.cell_lookup(
            snapshot=published, metric=Metric.SALARY, country="FR", year=2026,
            filters={"role": "moderator"},
        )  # fmt: skip
        assert cell is not None

        guide = body_of(client.get("/guides/test-guide/").content.decode())
        explorer = client.get("/benchmarks/", {"role": "moderator"}).content.decode()

        # One helper for both: "34 000 €", never "34 000 EUR".
        amount = f"{cell.p50:,}".replace(",", "\u00a0") + "\u00a0€"
        assert f'<span class="figure">{amount}</span>' in guide.replace("&nbsp;", "\u00a0")
        assert amount in explorer
        assert "EUR" not in guide

    def test_a_cohort_under_ten_answers_reads_not_enough_answers(
        self, client: Client, make_guide: Any, published: Snapshot
    ) -> None:
        make_guide(
            body_en=(
                "Content managers earn [[salary.p50 role=content-manager]] "
                "([[salary.n role=content-manager]] answers)."
            ),
            body_fr="Les content managers gagnent [[salary.p50 role=content-manager]].",
        )
        assert (
            lookup.cell_lookup(
                snapshot=published,
                metric=Metric.SALARY,
                country="FR",
                year=2026,
                filters={"role": "content-manager"},
            )
            is None
        )

        english = body_of(client.get("/en/guides/test-guide/").content.decode())
        french = body_of(client.get("/guides/test-guide/").content.decode())

        assert english == (
            ' lang="en">\n    <p>Content managers earn '
            f"{NOT_ENOUGH} ({NOT_ENOUGH} answers).</p>\n  "
        )
        assert "36,000" not in english and str(SMALL_COHORT) not in english
        assert "pas encore assez de réponses" in french

    def test_figures_read_not_enough_answers_before_any_snapshot(
        self, client: Client, make_guide: Any
    ) -> None:
        make_guide(body_en="Median [[salary.p50]] and [[missions.top]].")

        body = body_of(client.get("/en/guides/test-guide/").content.decode())

        assert body.count(NOT_ENOUGH) == 2

    def test_a_bad_token_that_slipped_past_the_admin_never_breaks_the_page(
        self, client: Client, make_guide: Any
    ) -> None:
        guide = make_guide()
        Guide.objects.filter(pk=guide.pk).update(body_en="Median [[salary.p5O role=guru]].")

        response = client.get("/en/guides/test-guide/")

        assert response.status_code == 200
        assert NOT_ENOUGH in response.content.decode()

    def test_the_role_table_shows_published_medians_and_the_share_of_freelancers(
        self, client: Client, published: Snapshot
    ) -> None:
        def cell(metric: str, **filters: str) -> Any:
            return lookup.cell_lookup(
                snapshot=published, metric=metric, country="FR", year=2026, filters=filters
            )

        employees = cell(Metric.SALARY, role="moderator")
        freelancers = cell(Metric.DAY_RATE, role="moderator")
        seniors = cell(Metric.SALARY, role="moderator", experience="10+")
        assert employees and freelancers and seniors

        response = client.get("/en/guides/moderator-social-care/")
        html = text_of(response.content.decode())

        table = response.context["tables"][0]
        assert table["role"] == "moderator" and table["year"] == 2026
        assert table["rows"][0]["salary"]["p50"] == employees.p50
        assert table["rows"][4]["salary"]["p50"] == seniors.p50
        share = round(100 * freelancers.n / (freelancers.n + employees.n))
        assert table["freelance_share"] == share  # 15 / (15 + 78) = 16.1% with seed 11
        assert f"<strong>€{employees.p50:,}</strong>" in html
        assert f"{share}% <small>of the employees and freelancers who answered" in html
        # Missions most reported: the published shares of the role's cell, largest first.
        top_code, (top_percent, _low, _high) = max(
            answers.cell_shares(employees)["missions"].items(), key=lambda item: item[1][0]
        )
        assert (table["missions"][0]["code"], table["missions"][0]["percent"]) == (
            top_code,
            top_percent,
        )
        # Social customer care has no answers: its table says so, with no figure.
        care = response.context["tables"][1]
        assert care["role"] == "social-care"
        assert all(row["salary"] is None for row in care["rows"])
        assert care["freelance_share"] is None

    def test_the_guide_page_takes_a_bounded_number_of_queries(
        self,
        client: Client,
        make_guide: Any,
        published: Snapshot,
        django_assert_num_queries: Any,
    ) -> None:
        make_guide(
            roles=["moderator"],
            body_en=(
                "[[salary.p50 role=moderator]] [[salary.p25 role=moderator]] "
                "[[salary.p75 role=moderator]] [[salary.n role=moderator]] "
                "[[missions.top role=moderator]] [[kpis.top role=moderator]] "
                "[[salary.p50 role=moderator experience=3-5]] [[day_rate.p50]]"
            ),
        )
        # Guide, snapshot with its editions, interviews: 3. The body's 3 distinct cohorts (the role,
        # the role at 3-5 years, all freelancers): 3. The table shares the role's salary cell
        # and adds the role's day-rate cell and 2 breakdowns by experience: 3. The eight
        # figures and the five table rows cost nothing more.
        with django_assert_num_queries(3 + 3 + 3):
            first = client.get("/en/guides/test-guide/")
        # Then the body and the table come from the cache (a snapshot never changes).
        with django_assert_num_queries(3):
            second = client.get("/en/guides/test-guide/")
        assert body_of(first.content.decode()) == body_of(second.content.decode())


@pytest.mark.django_db
class TestQuotes:
    def test_quotes_come_from_approved_interviews_of_the_guides_roles(self, client: Client) -> None:
        def interview(**fields: Any) -> Interview:
            return Interview.objects.create(
                **{
                    "role": "moderator",
                    "country": "FR",
                    "language": "en",
                    "consent_to_publish": True,
                    **{
                        name: "An answer."
                        for name in (
                            "path_to_job",
                            "current_position",
                            "typical_week",
                            "missions_and_tools",
                            "measuring_work",
                            "advice",
                        )
                    },
                    **fields,
                }
            )

        shown = interview_approve(
            interview=interview(community_management="Keeping the peace, kindly."), editor=None
        )
        interview(community_management="Still pending, never quoted.")
        interview_approve(
            interview=interview(role="community-lead", community_management="Another role."),
            editor=None,
        )

        html = client.get("/en/guides/moderator-social-care/").content.decode()
        quotes = html.split('id="in-their-words"', 1)[1]

        assert "In their words" in html
        assert "Keeping the peace, kindly." in quotes
        assert f'href="/en/interviews/{shown.slug}/"' in quotes
        assert "Still pending" not in html and "Another role." not in html
        # The sample social-care interview is quoted too, marked as a sample.
        assert 'class="badge badge-sample"' in quotes
