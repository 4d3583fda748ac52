"""The yearly report, read through its URLs: every figure is the read lane's, in fr and en.

The figures expected here come from `benchmarks.read` (cohort, breakdown,
trend, sample) and are written with `benchmarks.present.formatting`, the
way any page writes them; the headline median is checked once more against a
median computed with numpy from the stored answers.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from benchmarks.models import Cell, Metric, Snapshot
from benchmarks.present.formatting import count_text, money_text, percent_text
from benchmarks.present.pages import level_label
from benchmarks.read import answers, lookup
from benchmarks.read.answers import Cohort
from benchmarks.read.sample import sample_makeup
from surveys import vocabulary as vocab
from surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db

LANGUAGES = (("fr", "/barometre/2026/"), ("en", "/en/report/2026/"))
PAY_DIMENSIONS = ("experience", "education", "employer_size", "employer_type", "region", "role")


def section(page: str, element_id: str) -> str:
    """The markup from the element with this id to the end of its section."""
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</section>", start)]


def text_of(fragment: str) -> str:
    """Visible text: tags become one space, entities are decoded, spaces (not NBSP) collapse."""
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"[ \t\n]+", " ", text).strip()


def table_rows(fragment: str) -> dict[str, list[str]]:
    """{row header: [each cell's text]} of the tables in a fragment."""
    rows = {}
    for header, cells in re.findall(
        r'<tr[^>]*>\s*<th scope="row">(.*?)</th>(.*?)</tr>', fragment, flags=re.S
    ):
        rows[text_of(header)] = [
            text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells)
        ]
    return rows


def percentile_cells(cell: Cell) -> list[str]:
    """A published cell's row as the report writes it: n, p10, p25, median (interval), p75, p90."""
    money = [
        money_text(value, cell.currency) if value is not None else "—"
        for value in (cell.p10, cell.p25)
    ]
    median = (
        f"{money_text(cell.p50, cell.currency)} "
        f"{money_text(cell.median_ci_low, cell.currency)} – "
        f"{money_text(cell.median_ci_high, cell.currency)}"
    )
    tail = [
        money_text(value, cell.currency) if value is not None else "—"
        for value in (cell.p75, cell.p90)
    ]
    return [count_text(cell.n), *money, median, *tail]


@pytest.fixture
def published(snapshot: Snapshot) -> lookup.PublishedSnapshot:
    found = lookup.published_snapshot()
    assert found is not None and found.years == (2025, 2026)
    return found


@pytest.mark.parametrize(("language", "path"), LANGUAGES)
def test_the_report_has_a_french_and_an_english_address(
    client: Client, snapshot: Snapshot, language: str, path: str
) -> None:
    with translation.override(language):
        assert reverse("report", kwargs={"year": 2026}) == path
        assert reverse("report-pdf", kwargs={"year": 2026}) == f"{path}pdf/"

    response = client.get(path)

    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


@pytest.mark.parametrize(
    ("path", "target"), [("/barometre/", "/barometre/2026/"), ("/en/report/", "/en/report/2026/")]
)
def test_the_latest_report_address_leads_to_the_latest_edition(
    client: Client, snapshot: Snapshot, path: str, target: str
) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == target


def test_a_previous_editions_report_stays_at_its_address(
    client: Client, snapshot: Snapshot
) -> None:
    page = client.get("/barometre/2025/").content.decode()
    cell = lookup.cell_lookup(snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2025)

    assert cell is not None
    with translation.override("fr"):
        assert money_text(cell.p50, "EUR") in text_of(section(page, "headline"))
    # The first edition has no earlier one to compare with.
    assert "première édition publiée" in page or "first published edition" in page


@pytest.mark.parametrize(
    "path", ["/barometre/2019/", "/en/report/2031/", "/barometre/2019/pdf/", "/barometre/0/"]
)
def test_a_year_without_published_figures_is_not_found(
    client: Client, snapshot: Snapshot, path: str
) -> None:
    assert client.get(path).status_code == 404


def test_without_any_snapshot_the_report_is_not_found(client: Client, db: None) -> None:
    Snapshot.objects.update(is_current=False)  # rolled back with the test
    assert lookup.published_snapshot() is None

    # The navigation's link says "nothing published yet" rather than a 404.
    assert client.get("/barometre/").templates[0].name == "benchmarks/unpublished.html"
    assert client.get("/barometre/2026/").status_code == 404


@pytest.mark.parametrize(("language", "path"), LANGUAGES)
def test_the_headline_figures_are_the_published_cells(
    client: Client, published: lookup.PublishedSnapshot, language: str, path: str
) -> None:
    page = client.get(path).content.decode()
    cohort = Cohort(country="FR", year=2026)
    salary = answers.cohort_answer(published, metric=Metric.SALARY, cohort=cohort).cell
    day_rate = answers.cohort_answer(published, metric=Metric.DAY_RATE, cohort=cohort).cell
    assert salary is not None and day_rate is not None
    under_200 = answers.figures_of(day_rate).shares["under"]["200"]

    with translation.override(language):
        salary_text = text_of(section(page, "headline-salary"))
        for expected in (
            money_text(salary.p50, "EUR"),
            money_text(salary.median_ci_low, "EUR"),
            money_text(salary.median_ci_high, "EUR"),
            count_text(salary.n),
        ):
            assert expected in salary_text
        day_rate_text = text_of(section(page, "headline-day-rate"))
        for expected in (
            money_text(day_rate.p50, "EUR"),
            money_text(day_rate.median_ci_low, "EUR"),
            money_text(day_rate.median_ci_high, "EUR"),
            count_text(day_rate.n),
        ):
            assert expected in day_rate_text
        under_text = text_of(section(page, "headline-under-200"))
        assert money_text(200, "EUR") in under_text
        for value in under_200:
            assert percent_text(value) in under_text


def test_the_headline_median_is_the_median_of_the_accepted_answers(
    client: Client, snapshot: Snapshot
) -> None:
    """Recomputed from the stored answers with numpy: fences of 3 IQR on logs, type-7 median."""
    salaries = np.array(
        SurveyResponse.objects.accepted()
        .filter(edition__year=2026, country="FR", status="employee")
        .values_list("total_fte", flat=True),
        dtype=float,
    )
    logs = np.log(salaries)
    q1, q3 = np.percentile(logs, [25, 75])
    spread = max(q3 - q1, np.log(1.25))
    kept = salaries[(logs >= q1 - 3 * spread) & (logs <= q3 + 3 * spread)]
    median = int(np.floor(np.median(kept) / 100 + 0.5) * 100)

    page = client.get("/barometre/2026/").content.decode()

    with translation.override("fr"):
        assert money_text(median, "EUR") in text_of(section(page, "headline-salary"))


@pytest.mark.parametrize(("language", "path"), LANGUAGES)
def test_every_breakdown_row_is_the_read_lanes_cell(
    client: Client, published: lookup.PublishedSnapshot, language: str, path: str
) -> None:
    page = client.get(path).content.decode()
    cohort = Cohort(country="FR", year=2026)
    parts = [(Metric.SALARY, by, by) for by in PAY_DIMENSIONS]
    parts.append((Metric.DAY_RATE, "experience", "day-rate-experience"))

    with translation.override(language):
        for metric, by, element_id in parts:
            found = answers.breakdown(published, metric=metric, cohort=cohort, by=by, year=2026)
            assert found.parent is not None and found.children
            rows = table_rows(section(page, element_id))
            expected = {
                level_label(by, found.level_of(child)): percentile_cells(child)
                for child in found.children
            }
            whole = rows.pop("Groupe entier" if language == "fr" else "Whole cohort")
            assert whole == percentile_cells(found.parent), element_id
            assert rows == expected, element_id
            comparison = found.comparison
            assert comparison is not None
            words = text_of(section(page, element_id))
            significant = comparison["p_value"] < 0.05
            assert ("Kruskal" in words) and (("ε²" in words) == significant), (
                f"{element_id}: the effect size is told only for a significant difference"
            )


@pytest.mark.parametrize(("language", "path"), LANGUAGES)
def test_day_rate_shares_under_each_threshold_are_the_cells_shares(
    client: Client, published: lookup.PublishedSnapshot, language: str, path: str
) -> None:
    page = client.get(path).content.decode()
    day_rate = answers.cohort_answer(
        published, metric=Metric.DAY_RATE, cohort=Cohort(country="FR", year=2026)
    ).cell
    assert day_rate is not None
    under = answers.figures_of(day_rate).shares["under"]

    rows = table_rows(section(page, "day-rates"))
    with translation.override(language):
        label = "moins de {}" if language == "fr" else "under {}"
        for threshold in ("200", "300", "400", "500"):
            share, low, high = under[threshold]
            name = label.format(money_text(int(threshold), "EUR"))
            assert rows[name] == [
                percent_text(share),
                f"{percent_text(low)} – {percent_text(high)}",
            ]
        # The percentiles of all freelancers, with the median's interval.
        assert percentile_cells(day_rate)[3] in text_of(section(page, "day-rates"))


@pytest.mark.parametrize(("language", "path"), LANGUAGES)
def test_missions_and_kpis_are_the_cells_shares(
    client: Client, published: lookup.PublishedSnapshot, language: str, path: str
) -> None:
    page = client.get(path).content.decode()
    cohort = Cohort(country="FR", year=2026)
    employees = answers.cohort_answer(published, metric=Metric.SALARY, cohort=cohort).cell
    freelancers = answers.cohort_answer(published, metric=Metric.DAY_RATE, cohort=cohort).cell
    assert employees is not None and freelancers is not None

    rows = table_rows(section(page, "missions"))
    with translation.override(language):
        for family, vocabulary in (("missions", vocab.MISSIONS), ("kpis", vocab.KPIS)):
            of_employees = answers.figures_of(employees).shares[family]
            of_freelancers = answers.figures_of(freelancers).shares[family]
            for code in vocabulary.codes:
                expected = [
                    f"{percent_text(share)} {percent_text(low)} – {percent_text(high)}"
                    for share, low, high in (of_employees[code], of_freelancers[code])
                ]
                assert rows[vocabulary.label(code)] == expected, code


@pytest.mark.parametrize(("language", "path"), LANGUAGES)
def test_the_change_since_the_previous_edition_is_the_trends_change(
    client: Client, published: lookup.PublishedSnapshot, language: str, path: str
) -> None:
    from benchmarks.present.formatting import signed_money_text, signed_percent_text

    page = client.get(path).content.decode()
    with translation.override(language):
        for metric in (Metric.SALARY, Metric.DAY_RATE):
            found = answers.trend(published, metric=metric, cohort=Cohort(country="FR", year=None))
            (change,) = found.changes
            assert (change.from_year, change.to_year) == (2025, 2026)
            words = text_of(page[page.index(f'id="change-{metric}"') :])[:1500]
            for expected in (
                signed_money_text(change.nominal.absolute, "EUR"),
                signed_money_text(change.nominal.low, "EUR"),
                signed_money_text(change.nominal.high, "EUR"),
                signed_percent_text(change.nominal.percent),
            ):
                assert expected in words, (metric, expected)
            if change.constant is not None:
                assert signed_money_text(change.constant.absolute, "EUR") in words
            for cell in found.cells:
                assert money_text(cell.p50, "EUR") in words


@pytest.mark.parametrize(("language", "path"), LANGUAGES)
def test_who_answered_is_the_published_sample(
    client: Client, published: lookup.PublishedSnapshot, language: str, path: str
) -> None:
    page = client.get(path).content.decode()
    makeup = sample_makeup(published, year=2026)
    assert [sample.country for sample in makeup.countries] == ["FR", "BE"]

    rows = table_rows(section(page, "sample"))
    with translation.override(language):
        for sample in makeup.countries:
            assert rows[vocab.COUNTRY.label(sample.country)] == [
                count_text(sample.n_of("status", status)) if sample.n_of("status", status) else "—"
                for status in ("employee", "freelance")
            ]
        france = makeup.country("FR")
        assert france is not None
        freelance = dict(france.freelance_by_dimension["experience"])
        for code, n in france.by_dimension["experience"]:
            assert rows[vocab.EXPERIENCE.label(code)] == [
                count_text(n) if n is not None else "—",
                count_text(freelance[code]) if freelance[code] is not None else "—",
            ]


def test_who_answered_gives_frances_employer_sizes_and_regions(
    client: Client, published: lookup.PublishedSnapshot
) -> None:
    page = client.get("/en/report/2026/").content.decode()
    france = sample_makeup(published, year=2026).country("FR")
    assert france is not None

    def table(element_id: str) -> str:
        start = page.index(f'id="{element_id}"')
        return page[start : page.index("</table>", start)]

    sizes = table_rows(table("table-fr-employer_size"))
    with translation.override("en"):
        assert sizes == {
            vocab.EMPLOYER_SIZE.label(code): [count_text(n) if n is not None else "not published"]
            for code, n in france.by_dimension["employer_size"]
        }
        regions = table_rows(table("table-fr-region"))
        published_regions = {
            vocab.REGION.label(code): count_text(n)
            for code, n in france.by_dimension["region"]
            if n is not None
        }
    assert regions and all(published_regions[label] == row[0] for label, row in regions.items())


def test_every_chart_says_its_metric_and_dimension_for_an_embed(
    client: Client, snapshot: Snapshot
) -> None:
    page = client.get("/en/report/2026/").content.decode()

    charts = re.findall(r'data-metric="([a-z_]+)" data-by="([a-z_]+)"', page)

    assert ("salary", "experience") in charts and ("day_rate", "under") in charts
    assert {by for _metric, by in charts} >= {*PAY_DIMENSIONS, "missions", "kpis", "year"}


def test_each_pay_chart_offers_the_embed_code_of_its_own_embed_page(
    client: Client, snapshot: Snapshot
) -> None:
    page = client.get("/en/report/2026/").content.decode()

    codes = [
        html_lib.unescape(code) for code in re.findall(r"<textarea[^>]*>([^<]*)</textarea>", page)
    ]
    sources = [html_lib.unescape(re.search(r'src="([^"]+)"', code).group(1)) for code in codes]
    queries = {urlsplit(src).path: [] for src in sources}
    for src in sources:
        queries[urlsplit(src).path].append(dict(parse_qsl(urlsplit(src).query)))
    charts = queries.pop("/en/embed/benchmarks/chart/")
    trends = queries.pop("/en/embed/benchmarks/trend/")

    assert not queries  # every code points to a chart or a trend embed
    assert {"metric": "salary", "country": "FR"} in trends
    assert {"metric": "day-rate", "country": "FR"} in trends
    for query in trends:
        answer = client.get("/en/embed/benchmarks/trend/", query)
        assert answer.status_code == 200, query
        assert "frame-ancestors *" in answer["Content-Security-Policy"]
    assert {query["by"] for query in charts if query["metric"] == "salary"} == {
        *PAY_DIMENSIONS,
        "missions",
        "kpis",
    }
    assert {"metric": "day-rate", "country": "FR", "year": "2026", "by": "shares"} in charts
    # Each code's address serves that chart, in a frame.
    for query in charts:
        answer = client.get("/en/embed/benchmarks/chart/", query)
        assert answer.status_code == 200, query
        assert "frame-ancestors *" in answer["Content-Security-Policy"]
    # Ids stay unique with a snippet per chart.
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_the_report_carries_its_share_card(client: Client, snapshot: Snapshot) -> None:
    page = client.get("/barometre/2026/").content.decode()

    image = re.search(r'<meta property="og:image" content="([^"]+)"', page)
    assert image is not None and image.group(1) == "http://testserver/share/report/2026.png"
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    card = client.get(urlsplit(image.group(1)).path)
    assert card.status_code == 200 and card["Content-Type"] == "image/png"
    assert card.content[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")


def test_the_methodology_box_links_the_methodology_page(client: Client, snapshot: Snapshot) -> None:
    for path, methodology in (("/barometre/2026/", "/methodology/"),
                              ("/en/report/2026/", "/en/methodology/")):  # fmt: skip
        box = section(client.get(path).content.decode().replace("</aside>", "</section>"),
                      "methodology")  # fmt: skip
        assert f'href="{methodology}"' in box


def test_the_navigation_and_the_home_page_link_the_latest_report(
    client: Client, snapshot: Snapshot
) -> None:
    home = client.get("/").content.decode()

    assert home.count('href="/barometre/"') >= 2  # the navigation and the home page


def test_two_readers_of_the_cached_report_each_get_their_own_token(snapshot: Snapshot) -> None:
    readers = [Client(enforce_csrf_checks=True) for _ in range(2)]

    pages = [reader.get("/en/report/2026/").content.decode() for reader in readers]

    tokens = []
    for reader, html in zip(readers, pages, strict=True):
        assert "placeholder" not in html
        assert 'name="next" type="hidden" value="/en/report/2026/"' in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token is not None
        tokens.append(token.group(1))
        switched = reader.post(
            "/i18n/setlang/",
            {"language": "fr", "next": "/en/report/2026/", "csrfmiddlewaretoken": token.group(1)},
        )
        assert switched.status_code == 302
    assert tokens[0] != tokens[1]
    # Apart from the token, both read the same page (the second one from the cache).
    assert pages[0].replace(tokens[0], "") == pages[1].replace(tokens[1], "")
