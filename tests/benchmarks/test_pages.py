"""The benchmark pages, read as a recruiter or a practitioner reads them: through their URLs.

One snapshot is published for the whole module (publishing takes seconds):
500 answers in 2025 and 600 in 2026, employees and freelancers, in four
French regions. Tests only read it; a test that changes the snapshot does so
inside its own transaction, rolled back afterwards.
"""

from __future__ import annotations

import csv
import io
import math
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone, translation

from benchmarks.models import Cell, Metric, Snapshot
from benchmarks.present import charts
from benchmarks.present.api.views import CSV_HEADER
from benchmarks.present.formatting import money_text, ordinal_text
from benchmarks.present.forms import amount_as_typed
from benchmarks.read import answers, lookup
from surveys import vocabulary as vocab
from surveys.forms import started_token
from surveys.models import Edition, SurveyResponse
from tests.answers import random_answers, snapshot_for_module
from tests.expected import published_count

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture(scope="module")
def snapshot(django_db_setup: None, django_db_blocker) -> Iterator[Snapshot]:  # type: ignore[no-untyped-def]
    """One published snapshot for the module, committed, and removed afterwards."""
    yield from snapshot_for_module(
        django_db_blocker,
        {"count": 500, "seed": 21, "year": 2025, "freelance_share": 0.3},
        {"count": 600, "seed": 22, "year": 2026, "freelance_share": 0.3},
    )


@pytest.fixture
def overall(snapshot: Snapshot, db: None) -> Cell:
    cell = lookup.cell_lookup(snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026)
    assert cell is not None
    return cell


def euros_fr(amount: int) -> str:
    return f"{amount:,}".replace(",", NBSP) + f"{NBSP}€"


def section(html: str, element_id: str) -> str:
    """The markup of the element with this id up to the next element with an id of its kind."""
    start = html.index(f'id="{element_id}"')
    return html[start : start + 4000]


# --- Formats and charts, without a page ----------------------------------------------------


@pytest.mark.parametrize(
    ("language", "currency", "expected"),
    [
        ("fr", "EUR", f"34{NBSP}000{NBSP}€"),
        ("en", "EUR", "€34,000"),
        ("fr", "CHF", f"34{NBSP}000{NBSP}CHF"),
        ("en", "CHF", f"CHF{NBSP}34,000"),
        ("fr", "CAD", f"34{NBSP}000{NBSP}${NBSP}CA"),
        ("en", "CAD", "CA$34,000"),
    ],
)
def test_money_is_written_the_way_each_language_writes_it(
    language: str, currency: str, expected: str
) -> None:
    with translation.override(language):
        assert money_text(34_000, currency) == expected


def test_chart_ticks_are_round_and_cover_the_figures() -> None:
    # span 15,500 over 5 intervals is 3,100 a step: the next round step is 5,000.
    assert charts.nice_ticks(22_600, 38_100, count=6) == [20_000, 25_000, 30_000, 35_000, 40_000]


def test_a_box_plot_draws_one_box_and_one_median_bar_per_row() -> None:
    rows = [
        charts.BoxRow(label="A", p10=20, p25=25, p50=30, p75=35, p90=40, n=25),
        charts.BoxRow(label="B <b>", p25=26, p50=31, p75=36, n=12),
    ]

    svg = str(charts.box_plot(rows, currency="EUR", width=720, median_label="median"))

    assert svg.count('height="20" rx="2"') == 2  # the boxes
    assert svg.count('stroke-width="4"') == 2  # the median bars
    assert "B &lt;b&gt;" in svg and "<b>" not in svg  # labels are escaped
    assert 'aria-hidden="true"' in svg  # the table beside it carries the figures


def test_a_long_label_and_its_summary_never_share_a_line_on_a_phone() -> None:
    rows = [
        charts.BoxRow(label="Provence-Alpes-Côte d'Azur", p25=25, p50=30, p75=35, n=84),
        charts.BoxRow(label="Bretagne", p25=26, p50=31, p75=36, n=99),
    ]

    with translation.override("en"):
        svg = str(charts.box_plot(rows, currency="EUR", width=360, median_label="median"))

    texts = re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]+)</text>', svg)
    by_text = {text: (float(x), float(y)) for x, y, text in texts}
    long_label, long_summary = (
        by_text["Provence-Alpes-Côte d&#x27;Azur"],
        by_text["median €30 · n = 84"],
    )
    assert long_summary[1] > long_label[1]  # on a line of its own, under the label
    assert by_text["median €31 · n = 99"][1] == by_text["Bretagne"][1]  # a short one fits beside


def test_the_checked_amount_is_hidden_where_it_would_cross_a_label() -> None:
    row = charts.BoxRow(label="This group", p10=20, p25=25, p50=30, p75=35, p90=40, n=55)

    svg = str(
        charts.box_plot(
            [row], currency="EUR", width=720, median_label="median", marker=39, marker_label="x"
        )
    )

    # One dashed line, with a white mask across the summary printed on the right.
    assert svg.count("stroke-dasharray") == 1
    assert svg.count('width="6"') == 1


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("38 000 €", "38000"),
        ("38\u202f000", "38000"),
        ("38,000", "38000"),
        ("38.000", "38000"),
        ("450,50", "450.50"),
        ("450.5", "450.5"),
        ("CHF 1'200", "1200"),
        (" a lot ", "a lot"),
    ],
)
def test_amounts_are_read_the_way_people_type_them(typed: str, read: str) -> None:
    assert amount_as_typed(typed) == read


# --- The explorer --------------------------------------------------------------------------


def test_the_explorer_shows_the_cohorts_percentiles_with_n_interval_and_tier(
    client: Client, overall: Cell, django_assert_num_queries
) -> None:
    # One query for the current snapshot, one for the cohort and its breakdown.
    with django_assert_num_queries(2):
        response = client.get("/en/benchmarks/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f"€{overall.p50:,}" in html
    assert f"95% interval: €{overall.median_ci_low:,} to €{overall.median_ci_high:,}" in html
    assert f"€{overall.p10:,}" in html and f"€{overall.p90:,}" in html
    assert f">{overall.n:,}<" in html
    assert overall.confidence == "high"
    assert "Edition 2026" in html  # a year is never grouped like an amount
    assert 'value="2026" selected' in html  # the latest edition, chosen by default


def test_a_breakdown_is_drawn_as_box_plots_and_written_as_a_table(
    client: Client, snapshot: Snapshot
) -> None:
    response = client.get("/en/benchmarks/", {"by": "education"})

    html = response.content.decode()
    children = (
        Cell.objects.filter(
            snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026, mission=""
        )
        .exclude(education="")
        .filter(region="", experience="", employer_size="", employer_type="", role="")
    )
    published = sorted(children, key=lambda cell: cell.education)
    assert len(published) >= 2
    wide = re.search(r'<svg class="chart chart--wide".*?</svg>', html, re.S)
    assert wide is not None
    # One box per published level, plus the whole cohort's.
    assert wide.group(0).count('height="20" rx="2"') == len(published) + 1
    table = section(html, "breakdown-caption")
    for cell in published:
        assert f"<td>{cell.n}<span" in table
        assert f"€{cell.p50:,}" in table
    # Levels with no published figure are named alike, whatever their count.
    assert "Too few answers to publish:" in html and "Doctorate" in html


def test_day_rates_show_the_share_under_each_threshold_with_its_interval(
    client: Client, snapshot: Snapshot
) -> None:
    cell = lookup.cell_lookup(snapshot=snapshot, metric=Metric.DAY_RATE, country="FR", year=2026)
    assert cell is not None

    html = client.get("/en/benchmarks/", {"metric": "day-rate"}).content.decode()

    freelancers = SurveyResponse.objects.filter(status="freelance", edition__year=2026)
    # None fenced out; counts perturbed by their cell keys (privacy rule 3).
    assert cell.n == published_count(freelancers.values_list("record_key", flat=True))
    under = min(
        published_count(freelancers.filter(day_rate__lt=300).values_list("record_key", flat=True)),
        cell.n,
    )
    share, low, high = answers.cell_shares(cell)["under"]["300"]
    assert share == round(100 * under / cell.n)
    assert f'<th scope="row">under €300</th><td>{share}%</td><td>{low}% – {high}%</td>' in html
    assert f"€{cell.p50:,}" in html
    # Freelancers have no employer: the form offers no employer filter.
    assert 'name="employer_size"' not in html


def test_a_small_cohort_and_an_empty_one_look_exactly_alike(
    client: Client, snapshot: Snapshot
) -> None:
    filters = {"education": "bac2", "role": "moderator", "experience": "10+", "by": "employer_type"}
    small = SurveyResponse.objects.filter(
        status="employee",
        region="FR-ARA",
        education="bac2",
        role="moderator",
        experience_years__gte=10,
    ).count()
    assert 0 < small < 10  # answers exist, too few to publish
    assert not SurveyResponse.objects.filter(region="FR-IDF").exists()

    pages = [
        client.get("/en/benchmarks/", {**filters, "region": region, "fragment": "explorer"})
        for region in ("FR-ARA", "FR-IDF")
    ]

    assert [page.status_code for page in pages] == [200, 200]
    # The results part: the form above it echoes the region asked for.
    small_html, empty_html = (page.content.decode().split('id="results"', 1)[1] for page in pages)
    assert "Too few answers to publish" in small_html
    normalized = small_html.replace("FR-ARA", "FR-IDF").replace(
        "Auvergne-Rhône-Alpes", "Île-de-France (Paris region)"
    )
    assert normalized == empty_html


def test_the_fragment_holds_the_filters_and_results_alone(client: Client, overall: Cell) -> None:
    html = client.get("/benchmarks/", {"fragment": "explorer"}).content.decode()

    assert "<html" not in html and "<h1" not in html
    assert html.count("<form") == 1
    assert euros_fr(overall.p50) in html


def test_pages_are_cached_until_a_new_snapshot_is_published(client: Client, overall: Cell) -> None:
    def median_shown() -> str:
        html = client.get("/en/benchmarks/").content.decode()
        found = re.search(r'key-figure--main">.*?class="key-value">([^<]+)<', html, re.S)
        assert found is not None
        return found.group(1)

    first = median_shown()
    Cell.objects.filter(pk=overall.pk).update(p50=overall.p50 + 1)
    while_cached = median_shown()
    # What publishing does: a new publication time (and usually a new snapshot).
    Snapshot.objects.filter(pk=overall.snapshot_id).update(published_at=timezone.now())
    after_publishing = median_shown()

    assert first == while_cached == f"€{overall.p50:,}"
    assert after_publishing == f"€{overall.p50 + 1:,}"


def test_two_visitors_of_a_cached_page_each_get_their_own_token_and_address(
    overall: Cell,
) -> None:
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    paths = ["/en/benchmarks/?experience=3-5&by=role", "/en/benchmarks/?by=role&experience=3-5"]

    pages = [visitor.get(path) for visitor, path in zip(visitors, paths, strict=True)]

    tokens = []
    for visitor, path, page in zip(visitors, paths, pages, strict=True):
        html = page.content.decode()
        assert f'name="next" type="hidden" value="{path.replace("&", "&amp;")}"' in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token is not None
        tokens.append(token.group(1))
        # The language switch works with the token this visitor was given.
        switched = visitor.post(
            "/i18n/setlang/",
            {"language": "fr", "next": path, "csrfmiddlewaretoken": token.group(1)},
        )
        assert switched.status_code == 302
    assert tokens[0] != tokens[1]
    assert "placeholder" not in pages[0].content.decode()


def test_a_visitor_with_a_session_never_gets_the_shared_copy(client: Client, overall: Cell) -> None:
    client.get("/en/benchmarks/")  # fills the shared copy
    session = client.session
    session["any"] = "value"
    session.save()

    html = client.get("/en/benchmarks/").content.decode()

    assert "placeholder" not in html
    assert 'name="next" type="hidden" value="/en/benchmarks/"' in html


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        (
            {"education": "phd"},
            "education",
            "“phd” is not one of the choices for “Education”: pick one from the list.",
        ),
        (
            {"country": "BE", "region": "FR-IDF"},
            "region",
            "Île-de-France (Paris region) is not a region of the country chosen (Belgium): "
            "pick one of its regions, or choose France as the country.",
        ),
        (
            {"year": "1999"},
            "year",
            "No figures are published for the edition 1999: pick one of 2025, 2026.",
        ),
        ({"by": "shoe-size"}, "by", "“shoe-size” is not one of the choices for “Break down by”"),
        ({"metric": "bitcoin"}, "metric", "“bitcoin” is not one of the choices for “Figure”"),
    ],
)
def test_an_unknown_filter_value_shows_the_form_with_the_error_next_to_its_field(
    client: Client,
    snapshot: Snapshot,
    db: None,
    parameters: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = client.get("/en/benchmarks/", parameters)

    assert response.status_code == 400
    html = response.content.decode()
    next_to_field = section(html, f"filter-{field}")
    assert 'class="errorlist"' in next_to_field[:1500]
    assert message in next_to_field[:1500]
    # A page speaks in labels: no code list, no API syntax.
    assert "Allowed values" not in html and "country=" not in next_to_field[:1500]


def test_unknown_values_are_named_by_their_field_without_listing_every_code(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    response = client.get("/en/benchmarks/", {"experience": "99", "region": "XX"})

    assert response.status_code == 400
    html = response.content.decode()
    region, experience = section(html, "filter-region"), section(html, "filter-experience")
    assert "“XX” is not one of the choices for “Region”: pick one from the list." in region
    assert "“99” is not one of the choices for “Experience”: pick one from the list." in experience
    assert "FR-ARA, FR-BFC" not in html and "0-2, 3-5" not in html


def test_the_api_keeps_its_codes_in_its_messages(client: Client, snapshot: Snapshot) -> None:
    answer = client.get("/api/v1/benchmarks/salaries/", {"country": "CH", "region": "FR-IDF"})

    assert answer.status_code == 400
    assert "country=FR" in str(answer.json())


def test_employer_filters_with_day_rates_are_left_out_and_said_so(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    response = client.get("/en/benchmarks/", {"metric": "day-rate", "employer_size": "large"})

    assert response.status_code == 200
    assert "Freelancers have no employer: Employer size left out." in response.content.decode()


def test_the_explorer_links_the_same_query_in_the_api_and_the_csv_file(
    client: Client, overall: Cell
) -> None:
    html = client.get("/benchmarks/", {"experience": "3-5", "by": "role"}).content.decode()

    api = re.search(r'href="(/api/v1/benchmarks/salaries/breakdown/\?[^"]+)"', html)
    assert api is not None
    link = api.group(1).replace("&amp;", "&")
    assert "experience=3-5" in link and "by=role" in link and "year=2026" in link
    answer = client.get(link).json()
    # The page and the API say the same, level by level.
    assert len(answer["levels"]) >= 2
    table = section(html, "breakdown-caption")
    for level in answer["levels"]:
        low, high = level["median_ci95"]
        assert f"<td>{level['n']}<span" in table
        assert euros_fr(level["percentiles"]["p50"]) in table
        assert f"{euros_fr(low)} – {euros_fr(high)}" in table
    # The CSV link gives the table on screen, for the same query.
    csv_link = re.search(r'href="(/benchmarks/table\.csv\?[^"]+)" download', html)
    assert csv_link is not None
    assert "experience=3-5" in csv_link.group(1) and "by=role" in csv_link.group(1)


# --- The table on screen, as CSV -------------------------------------------------------------


def _csv_rows(response) -> tuple[str, list[list[str]]]:  # type: ignore[no-untyped-def]
    """The raw text of a CSV answer and its rows, read with the separator it declares."""
    text = response.content.decode("utf-8")
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    return text, list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def test_the_french_csv_of_the_screen_is_the_table_with_labels_semicolons_and_a_bom(
    client: Client, overall: Cell
) -> None:
    query = {"experience": "3-5", "by": "role"}
    response = client.get("/benchmarks/table.csv", query)
    answer = client.get("/api/v1/benchmarks/salaries/breakdown/", query).json()
    cohort = client.get("/api/v1/benchmarks/salaries/", {"experience": "3-5"}).json()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="cmbench-salary-FR-2026-by-role.csv"'
    )
    text, rows = _csv_rows(response)
    assert text.startswith("\ufeffmetric;")  # Excel in French: BOM, then ";" between columns
    header, whole, *levels = rows
    column = {name: index for index, name in enumerate(header)}
    # Codes beside labels, in French, with the filters of the screen on every line.
    assert whole[column["metric"]] == "salary" and whole[column["country"]] == "FR"
    assert whole[column["experience"]] == "3-5" and whole[column["experience"] + 1] == "3 à 5 ans"
    assert whole[column["level"]] == "" and whole[column["n"]] == str(cohort["n"])
    assert whole[column["p50"]] == str(cohort["percentiles"]["p50"])
    by_code = {line[column["level"]]: line for line in levels}
    assert [line[column["level"]] for line in levels] == list(vocab.ROLE.codes)
    for level in answer["levels"]:
        line = by_code[level["level"]]
        assert line[column["level"] + 1] == vocab.ROLE.label(level["level"], "fr")
        assert line[column["n"]] == str(level["n"])
        assert line[column["p50"]] == str(level["percentiles"]["p50"])  # a plain number
        assert [int(line[column["median_ci95_low"]]), int(line[column["median_ci95_high"]])] == (
            level["median_ci95"]
        )
    # Levels without published figures are listed alike, with no figure.
    published = {level["level"] for level in answer["levels"]}
    for code in set(vocab.ROLE.codes) - published:
        assert by_code[code][column["n"]] == "" and by_code[code][column["p50"]] == ""


def test_the_english_csv_uses_commas_and_english_labels(client: Client, overall: Cell) -> None:
    response = client.get("/en/benchmarks/table.csv", {"metric": "day-rate", "by": "region"})

    text, rows = _csv_rows(response)
    assert response.status_code == 200
    assert text.startswith("\ufeffmetric,Figure,country,Country,year,by,Break down by,level,")
    assert rows[1][:2] == ["day_rate", "Freelance day rate, excluding VAT"]
    assert rows[1][rows[0].index("level") + 1] == "Whole cohort"
    assert "Auvergne-Rhône-Alpes" in text


def test_the_csv_of_an_unreadable_query_says_what_is_wrong_in_words(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    response = client.get("/en/benchmarks/table.csv", {"experience": "99"})

    assert response.status_code == 400
    assert response.content.decode() == (
        "“99” is not one of the choices for “Experience”: pick one from the list.\n"
    )


def test_the_full_dataset_is_documented_column_by_column_on_the_methodology_page(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    html = client.get("/en/methodology/").content.decode()

    data = html.split('id="data"', 1)[1]
    assert 'href="/api/v1/benchmarks/cells.csv" download' in data
    documented = " ".join(re.findall(r'<th scope="row"><code>(.*?)</code>', data))
    documented = documented.replace("&lt;", "<").replace("&gt;", ">")
    for column in CSV_HEADER:
        share = re.fullmatch(r"(under|mission|kpi)_(.+)_(percent|ci95_low|ci95_high)", column)
        name = f"{share.group(1)}_<" if share else column
        assert name in documented, column
    assert '<a href="#data">Downloading the data</a>' in html


def test_a_demo_snapshot_is_marked_on_every_page(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    assert "Demo data." not in client.get("/en/benchmarks/").content.decode()

    Snapshot.objects.filter(pk=snapshot.pk).update(is_demo=True)

    for path in ("/en/", "/en/benchmarks/", "/en/benchmarks/estimate/", "/en/benchmarks/trends/"):
        assert "Demo data." in client.get(path).content.decode(), path


def test_without_a_published_snapshot_the_pages_say_no_figures_yet(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    Snapshot.objects.update(is_current=False)

    for path in ("/en/benchmarks/", "/en/benchmarks/estimate/", "/en/benchmarks/trends/"):
        response = client.get(path, {"experience": "3-5"})
        assert response.status_code == 200
        assert "No figures published yet" in response.content.decode()
    assert client.get("/en/").status_code == 200
    assert client.get("/en/methodology/").status_code == 200


# --- Estimate, trends, home, methodology ---------------------------------------------------


def test_the_estimate_gives_the_models_figure_with_its_80_percent_interval(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    profile = {"experience_years": "4", "role": "community-manager", "education": "bac5"}

    response = client.get("/en/benchmarks/estimate/", profile)
    answer = client.get("/api/v1/benchmarks/estimate/", profile).json()

    html = response.content.decode()
    assert response.status_code == 200
    low, high = answer["prediction_interval80"]
    assert f"€{answer['estimate']:,}" in html
    assert f"80% prediction interval: €{low:,} to €{high:,}." in html
    assert "Estimate" in html and "not a group of real answers" in html


def test_the_estimate_form_refuses_a_missing_experience_next_to_its_field(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    response = client.get("/en/benchmarks/estimate/", {"role": "community-manager"})

    assert response.status_code == 400
    errors = re.findall(
        r'<ul class="errorlist"[^>]*><li>(.*?)</li>',
        section(response.content.decode(), "filter-experience_years"),
    )
    assert errors == ["Fill in “Years of experience”, for example 4."]


def test_trends_show_each_editions_median_and_the_change(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    html = client.get("/en/benchmarks/trends/").content.decode()

    # numpy.quantile over the stored employees' salaries (tests/answers.py, seeds 21 and 22):
    # 2025: 33,755.0 -> €33,800; 2026: 34,251.5 -> €34,300 (rounded to 100, rule 4).
    # Change +€500, i.e. 100 * 500 / 33,800 = +1.479... -> +1.5%.
    assert "€33,800" in html
    assert "€34,300" in html
    assert "+€500 (+1.5%)" in html
    assert html.count('<circle cx="') == 4  # two editions, in the narrow and the wide chart


def test_the_home_page_leads_to_the_three_uses(client: Client, overall: Cell) -> None:
    html = client.get("/").content.decode()

    for path in ('href="/benchmarks/"', 'href="/benchmarks/estimate/"', 'href="/survey/"'):
        assert path in html
    assert euros_fr(overall.p50) in html


def test_the_methodology_reads_in_both_languages(client: Client, snapshot: Snapshot) -> None:
    french = client.get("/methodology/")
    english = client.get("/en/methodology/")

    assert french.status_code == english.status_code == 200
    assert '<html lang="fr">' in french.content.decode()
    assert "Hyndman–Fan type 7" in english.content.decode()
    assert "Wilson" in english.content.decode()


@pytest.mark.parametrize(
    "path", ["/", "/benchmarks/", "/benchmarks/estimate/", "/benchmarks/trends/", "/methodology/"]
)
def test_pages_carry_no_inline_script_or_style(
    client: Client, snapshot: Snapshot, db: None, path: str
) -> None:
    response = client.get(path)

    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert re.search(r"<script(?![^>]*\ssrc=)", html) is None
    assert " style=" not in html and "<style" not in html


# --- Pay checks ----------------------------------------------------------------------------


def _cell(snapshot: Snapshot, metric: str, **filters: str) -> Cell | None:
    return lookup.cell_lookup(
        snapshot=snapshot, metric=metric, country="FR", year=2026, filters=filters
    )


def _result_text(html: str) -> str:
    """The text of the pay check's result, tags and no-break spaces out."""
    part = html.split('<section class="pay-position"', 1)[1].split("</section>", 1)[0]
    part = re.sub(r"<svg.*?</svg>", "", part, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", part).replace(NBSP, " ").split())


def test_a_salary_check_gives_the_same_percentile_as_the_api_in_a_large_cohort(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    cell = _cell(snapshot, Metric.SALARY, role="community-manager")
    assert cell is not None and cell.n >= 50
    salary = (cell.p50 + cell.p75) // 2
    position = client.get(
        "/api/v1/benchmarks/salaries/position/", {"salary": salary, "role": "community-manager"}
    ).json()["position"]

    # Typed the way people write amounts: grouped, with the currency.
    amount = f"{salary:,} €".replace(",", " ")
    response = client.get(
        "/en/benchmarks/salary-check/", {"salary": amount, "role": "community-manager"}
    )

    assert response.status_code == 200
    text = _result_text(response.content.decode())
    assert f"Higher than about {position['percentile']}% of this group." in text
    assert f"Amount checked: €{salary:,}." in text
    assert "Role: Community manager" in text and f"{cell.n} answers" in text
    assert "Too few answers" not in text  # the first cohort tried is published
    explore = re.search(
        r'href="(/en/benchmarks/\?[^"]+)">Explore this group', response.content.decode()
    )
    assert explore is not None
    explored = client.get(explore.group(1).replace("&amp;", "&")).content.decode()
    assert "Role: Community manager" in explored and f"€{cell.p50:,}" in explored


def test_a_check_falls_back_to_the_narrowest_published_cohort_and_gives_a_band_under_50(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    # A role, band and region whose own group is not published but role x band is, under 50.
    found = None
    for role in ("community-manager", "social-media-manager", "moderator"):
        for band in vocab.EXPERIENCE.codes:
            for region in vocab.REGIONS_BY_COUNTRY["FR"].codes[:4]:
                narrow = _cell(snapshot, Metric.SALARY, role=role, experience=band, region=region)
                wider = _cell(snapshot, Metric.SALARY, role=role, experience=band)
                if narrow is None and wider is not None and wider.n < 50:
                    found = (role, band, region, wider)
    assert found is not None
    role, band, region, wider = found
    salary = (wider.p25 + wider.p50) // 2 + 1

    html = client.get(
        "/en/benchmarks/salary-check/",
        {"salary": salary, "role": role, "experience": band, "region": region},
    ).content.decode()

    text = _result_text(html)
    region_label = vocab.REGION.label(region, "en")
    role_label, band_label = vocab.ROLE.label(role, "en"), vocab.EXPERIENCE.label(band, "en")
    # The band allows for n (stats.percentile_interval): p = 25 + 25 (salary - p25) / (p50 - p25),
    # its 95% Wilson interval at the published n, rounded outward, within the published ranks.
    share = (25 + 25 * (salary - wider.p25) / (wider.p50 - wider.p25)) / 100
    z, n = 1.959963984540054, wider.n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    low = max(10 if wider.p10 is not None else 25, math.floor(100 * (centre - half)))
    high = min(90 if wider.p90 is not None else 75, math.ceil(100 * (centre + half)))
    with translation.override("en"):
        ordinals = (ordinal_text(low), ordinal_text(high))
    assert "Between the {} and the {} percentile".format(*ordinals) in text
    assert f"Higher than {low}% to {high}% of this group." in text
    assert "fewer than 50 answers: the position is given as a range" in text
    assert f"Role: {role_label}" in text and f"Experience: {band_label}" in text
    assert f"Region: {region_label}" not in text
    assert (
        f"Too few answers to publish for the narrower groups: {role_label} · {band_label} · "
        f"{region_label}" in text
    )


def test_a_day_rate_check_reads_the_freelancers_figures(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    cell = _cell(snapshot, Metric.DAY_RATE)
    assert cell is not None and cell.p90 is not None

    html = client.get("/en/benchmarks/day-rate-check/", {"rate": cell.p90 + 50}).content.decode()

    text = _result_text(html)
    assert "Where this day rate stands" in text
    assert "Above the 90th percentile" in text and "Higher than 90% or more of this group." in text
    assert f"Amount checked: €{cell.p90 + 50:,}." in text
    assert "Everyone" in text
    api = re.search(r'href="(/api/v1/benchmarks/day-rates/position/\?[^"]+)"', html)
    assert api is not None
    answer = client.get(api.group(1).replace("&amp;", "&")).json()
    assert answer["position"] == {
        "reading": "above",
        "percentile": None,
        "band": None,
        "below": None,
        "above": 90,
        "percentile_band": None,
    }


def test_a_pay_check_without_an_amount_says_so_in_words(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    blank = client.get("/en/benchmarks/salary-check/")
    missing = client.get("/en/benchmarks/salary-check/", {"role": "moderator"})
    wrong = client.get("/en/benchmarks/day-rate-check/", {"rate": "a lot", "region": "CH-GE"})

    assert blank.status_code == 200 and "How it works" in blank.content.decode()
    assert missing.status_code == 400
    assert "Fill in “Gross annual salary”, for example 38,000." in missing.content.decode()
    assert wrong.status_code == 400
    html = wrong.content.decode()
    assert "“Day rate” must be a number, for example 350." in html
    assert "Geneva is not a region of the country chosen (France)" in html


@pytest.mark.parametrize("path", ["/", "/benchmarks/", "/methodology/"])
def test_every_page_leads_to_the_pay_check_and_the_api_docs(
    client: Client, snapshot: Snapshot, db: None, path: str
) -> None:
    html = client.get(path).content.decode()

    assert 'href="/benchmarks/salary-check/"' in html
    assert 'href="/api/v1/docs/?lang=fr"' in html


def test_the_api_docs_page_keeps_the_strict_policy_and_carries_no_inline_style(
    client: Client, db: None
) -> None:
    response = client.get("/api/v1/docs/", {"lang": "en"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<style" not in html and " style=" not in html
    assert re.search(r"<script(?![^>]*\ssrc=)", html) is None
    policy = response["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert '<html lang="en">' in html and 'href="/en/benchmarks/"' in html


# --- The respondent's position -------------------------------------------------------------


def _answer(client: Client, answers: dict[str, object]) -> str:
    """Answer the open 2026 survey through its form; the page shown afterwards."""
    Edition.objects.filter(year=2026).update(state=Edition.State.OPEN)
    form = {name: value for name, value in answers.items() if value is not None}
    form |= {"website": "", "started": started_token(time.time() - 60)}
    sent = client.post("/en/survey/", form)
    assert sent.status_code == 302, sent.content.decode()[:2000]
    return client.get(sent["Location"]).content.decode()


def test_a_respondent_is_placed_in_the_narrowest_published_cohort_of_their_region(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    answer = random_answers(1, seed=99, freelance_share=0.0)[0] | {
        "role": "community-manager",
        "experience_years": 4,
    }
    profile = {"role": "community-manager", "experience": "3-5", "region": answer["region"]}
    ladder = answers.cohort_ladder(profile)
    published = [
        (filters, cell)
        for filters in ladder
        if (
            cell := lookup.cell_lookup(
                snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026, filters=filters
            )
        )
        is not None
    ]
    filters, cell = published[0]  # the narrowest published cohort
    salary = (cell.p25 + cell.p50) // 2
    assert salary == (cell.p25 + cell.p50) / 2, "p25 and p50 of the same parity"

    html = _answer(client, answer | {"base_salary": salary})

    if cell.n >= 50:
        # Halfway between p25 and p50: rank 37.5, rounded half up to 38.
        assert "You earn more than about 38% of this group." in html
    else:
        # Under 50 answers, a band allowing for n (stats.percentile_interval): rank 37.5,
        # its 95% Wilson interval at the published n, rounded outward.
        z, n, share = 1.959963984540054, cell.n, 0.375
        centre = (share + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
        low = max(10 if cell.p10 is not None else 25, math.floor(100 * (centre - half)))
        high = min(90 if cell.p90 is not None else 75, math.ceil(100 * (centre + half)))
        assert f"You earn more than {low}% to {high}% of this group." in html
    assert f"{cell.n} answers" in html
    assert "You: €" in html  # the marker on the cohort's box
    explore = re.search(r'class="position-explore" href="([^"]+)"', html)
    assert explore is not None
    assert all(f"{dimension}={code}" in explore.group(1) for dimension, code in filters.items())


def test_a_role_without_published_figures_is_left_out_of_the_cohort(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    answer = random_answers(1, seed=98, freelance_share=0.0)[0] | {
        "role": "influence-manager",
        "experience_years": 7,
    }
    html = _answer(client, answer)

    cohort = html[html.index('class="cohort-line"') : html.index('class="position-n"')]
    assert "Role:" not in cohort and "Experience: 6–9 years" in cohort
    # The narrower cohorts with the role were tried first, and the page says so.
    assert "Too few answers to publish for the narrower groups: Influence manager" in html


def test_a_freelancer_is_placed_among_day_rates_and_a_trainee_told_there_is_no_benchmark(
    client: Client, snapshot: Snapshot, db: None
) -> None:
    freelancer = random_answers(1, seed=5, freelance_share=1.0)[0] | {
        "role": "influence-manager",
        "experience_years": 12,
        "day_rate": 2500,
    }
    trainee = random_answers(1, seed=7, freelance_share=0.0)[0] | {
        "status": "trainee",
        "employer_size": "large",
    }
    cohort = lookup.cell_lookup(
        snapshot=snapshot,
        metric=Metric.DAY_RATE,
        country="FR",
        year=2026,
        filters={"experience": "10+"},
    )
    assert cohort is not None and cohort.p90 is not None

    freelancer_html = _answer(client, freelancer)
    trainee_html = _answer(Client(), trainee)

    assert "Your day rate: €2,500 excluding VAT." in freelancer_html
    # Over the highest published percentile: a bound, not an extrapolated rank.
    assert "You earn more than 90% of this group." in freelancer_html
    assert f"{cohort.n} answers" in freelancer_html
    assert "no benchmark for internships and apprenticeships" in trainee_html


# --- Static files in production ------------------------------------------------------------


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`collectstatic` as a deployment runs it: hashed names, compressed copies, a manifest."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=MANIFEST_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_static_files_are_served_hashed_and_cached_for_a_year_by_the_app(
    collected_static: Path,
    settings,
    client: Client,
    snapshot: Snapshot,
    db: None,  # type: ignore[no-untyped-def]
) -> None:
    settings.STATIC_ROOT = collected_static
    settings.STORAGES = MANIFEST_STORAGES
    manifest = (collected_static / "staticfiles.json").read_text()
    hashed = re.search(r'"css/site\.css": "([^"]+)"', manifest)
    assert hashed is not None
    # The real WSGI application (WhiteNoise in its middleware), behind a real HTTP server.
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/static/"
        with urllib.request.urlopen(base + hashed.group(1)) as answer:
            hashed_headers = answer.headers
        with urllib.request.urlopen(base + "css/site.css") as answer:
            plain_headers = answer.headers
    finally:
        server.shutdown()
        server.server_close()

    assert hashed_headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert hashed_headers["Content-Type"].startswith("text/css")
    # The unhashed name may change meaning at the next deployment: cached briefly only.
    assert "immutable" not in plain_headers["Cache-Control"]
    page = client.get("/methodology/").content.decode()
    assert f'href="/static/{hashed.group(1)}"' in page
