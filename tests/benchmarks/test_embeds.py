"""Embeds (/embed/...): the only frameable pages, cookie-free, cacheable, in French and English.

Read through their URLs as a partner's page frames them, against one snapshot
published for the module (tests/benchmarks/api_fixtures.py).
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from benchmarks.models import Cell, Metric
from benchmarks.present.formatting import money_text, tier_text
from benchmarks.read import answers
from benchmarks.read.answers import Cohort
from surveys import vocabulary as vocab
from surveys.models import SurveyResponse
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published
from tests.expected import published_count, published_money

pytestmark = pytest.mark.django_db
published = api_fixtures.published

NBSP = "\u00a0"
COOKIE_NAMES = ("csrftoken", "sessionid", "django_language", "messages")


def text_of(response: Any) -> str:
    """The page's text, tags dropped and entities read, spaces kept as they are."""
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def assert_frameable_and_cookie_free(response: Any) -> None:
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "frame-ancestors 'none'" not in policy
    # The rest of the policy stays: no inline script, nothing from elsewhere.
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "X-Frame-Options" not in response
    assert "Set-Cookie" not in response
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def read_lane_cell(published: Published, metric: str, **filters: str) -> Cell | None:
    with translation.override("fr"):
        return answers.cohort_answer(
            api_fixtures_published(published),
            metric=metric,
            cohort=Cohort(country="FR", year=2026, filters=filters),
        ).cell


def api_fixtures_published(published: Published) -> Any:
    from benchmarks.read import lookup

    found = lookup.published_snapshot()
    assert found is not None and found.id == published.snapshot.pk
    return found


def test_the_cohort_embed_shows_the_read_lanes_figures_and_may_be_framed(
    published: Published, client: Client
) -> None:
    response = client.get("/embed/benchmarks/", {"experience": "3-5"})

    assert response.status_code == 200
    assert_frameable_and_cookie_free(response)
    cell = read_lane_cell(published, Metric.SALARY, experience="3-5")
    assert cell is not None
    text = text_of(response)
    with translation.override("fr"):
        for amount in (cell.p50, cell.median_ci_low, cell.median_ci_high, cell.p25, cell.p75):
            assert money_text(amount, "EUR") in text
    assert f"{cell.n}" in text.replace(NBSP, "")
    with translation.override("fr"):
        assert re.search(rf"Confiance\s?:\s{tier_text(cell.confidence)}", text)
    # Small: no site navigation, no form, no script; an attribution back to the explorer.
    body = response.content.decode()
    assert "<nav" not in body and "<form" not in body and "<script" not in body
    assert 'href="/benchmarks/?metric=salary&amp;basis=total&amp;country=FR&amp;year=2026' in body
    assert 'target="_blank" rel="noopener"' in body


def test_the_median_matches_numpy_on_the_stored_answers(
    published: Published, client: Client
) -> None:
    rows = SurveyResponse.objects.filter(
        status="employee", country="FR", edition__year=2026, experience_years__range=(6, 9)
    )
    values = np.array(rows.values_list("total_fte", flat=True), dtype=float)
    cell = read_lane_cell(published, Metric.SALARY, experience="6-9")
    assert cell is not None
    stored = Cell.objects.get(pk=cell.pk)
    assert stored.true_n == len(values)  # nothing fenced out of this cohort
    assert cell.n == published_count(rows.values_list("record_key", flat=True))
    median = published_money(float(np.quantile(values, 0.5)), 100)  # type 7, numpy's default

    response = client.get("/en/embed/benchmarks/", {"experience": "6-9"})

    assert response.status_code == 200
    assert f"€{median:,}" in text_of(response)


def test_the_english_embed_speaks_english_and_the_french_one_french(
    published: Published, client: Client
) -> None:
    french = text_of(client.get("/embed/benchmarks/", {"metric": "day-rate"}))
    english = text_of(client.get("/en/embed/benchmarks/", {"metric": "day-rate"}))
    cell = read_lane_cell(published, Metric.DAY_RATE)
    assert cell is not None

    assert "Median" in english and "Answers" in english
    assert f"€{cell.p50:,}" in english
    assert f"{cell.p50:,}".replace(",", NBSP) + f"{NBSP}€" in french
    assert "Answers" not in french


def test_an_unpublished_cohort_says_not_enough_answers_and_no_figure(
    published: Published, client: Client
) -> None:
    filters = {"country": "BE", "experience": "10+", "role": "moderator"}
    assert (
        answers.cohort_answer(
            api_fixtures_published(published),
            metric=Metric.SALARY,
            cohort=Cohort(
                country="BE", year=2026, filters={"experience": "10+", "role": "moderator"}
            ),
        ).cell
        is None
    )

    response = client.get("/en/embed/benchmarks/", filters)

    assert response.status_code == 200
    text = text_of(response)
    assert "Not enough answers" in text
    assert "€" not in text and "Median" not in text


def test_embeds_carry_the_snapshots_validators_and_answer_304(
    published: Published, client: Client
) -> None:
    snapshot = published.snapshot
    for path in ("/embed/benchmarks/", "/en/embed/benchmarks/chart/?by=education"):
        first = client.get(path)
        assert first.status_code == 200, path
        assert first["Cache-Control"] == "public, max-age=300"
        assert str(snapshot.pk) in first["ETag"]
        assert str(int(snapshot.published_at.timestamp())) in first["ETag"]

        again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])

        assert again.status_code == 304
        assert again["ETag"] == first["ETag"]
        assert_frameable_and_cookie_free(again)


def test_a_cookie_sent_by_the_reader_gets_none_back(published: Published, client: Client) -> None:
    client.cookies["sessionid"] = "whatever"
    client.cookies["csrftoken"] = "x" * 32
    response = client.get("/embed/benchmarks/chart/", {"by": "role"})
    assert response.status_code == 200
    assert_frameable_and_cookie_free(response)


def test_the_chart_embed_draws_the_breakdown_and_its_table(
    published: Published, client: Client
) -> None:
    response = client.get("/en/embed/benchmarks/chart/", {"by": "education"})

    assert response.status_code == 200
    assert_frameable_and_cookie_free(response)
    body = response.content.decode()
    assert body.count("<svg") == 1
    found = answers.breakdown(
        api_fixtures_published(published),
        metric=Metric.SALARY,
        cohort=Cohort(country="FR", year=2026),
        by="education",
        year=2026,
    )
    assert found.parent is not None and found.children
    text = text_of(response)
    with translation.override("en"):
        for child in found.children:
            assert money_text(child.p50, "EUR") in text
    assert "Percentiles by education" in text


def test_the_chart_embed_draws_the_day_rate_shares(published: Published, client: Client) -> None:
    response = client.get("/en/embed/benchmarks/chart/", {"metric": "day-rate", "by": "shares"})

    assert response.status_code == 200
    cell = read_lane_cell(published, Metric.DAY_RATE)
    assert cell is not None
    share, low, high = answers.cell_shares(cell)["under"]["200"]
    text = text_of(response)
    assert "under €200" in text
    assert f"{share}%" in text and f"{low}% – {high}%" in text


def test_the_chart_embed_draws_the_share_doing_each_mission_most_common_first(
    published: Published, client: Client
) -> None:
    response = client.get("/en/embed/benchmarks/chart/", {"by": "missions"})

    assert response.status_code == 200
    assert_frameable_and_cookie_free(response)
    cell = read_lane_cell(published, Metric.SALARY)
    assert cell is not None
    missions = answers.cell_shares(cell)["missions"]
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td>(\d+)%</td><td>(\d+)% – (\d+)%</td></tr>',
        response.content.decode(),
    )
    expected = sorted(
        ((vocab.MISSIONS.label(code, "en"), *missions[code]) for code in missions),
        key=lambda row: -row[1],
    )
    assert [(html.unescape(label), int(s), int(lo), int(hi)) for label, s, lo, hi in rows] == [
        (label, share, low, high) for label, share, low, high in expected
    ]
    assert "Share doing each mission" in text_of(response)


def test_the_trend_embed_gives_each_editions_published_median(
    published: Published, client: Client
) -> None:
    response = client.get("/en/embed/benchmarks/trend/", {"metric": "salary", "country": "FR"})

    assert response.status_code == 200
    assert_frameable_and_cookie_free(response)
    found = answers.trend(
        api_fixtures_published(published),
        metric=Metric.SALARY,
        cohort=Cohort(country="FR", year=None),
    )
    assert found.cells
    rows = re.findall(
        r'<tr><th scope="row">(\d{4})</th><td>([^<]+)</td><td>([^<]+) <span',
        response.content.decode(),
    )
    with translation.override("en"):
        assert [(int(y), html.unescape(n), html.unescape(m)) for y, n, m in rows] == [
            (cell.year, str(cell.n), money_text(cell.p50, cell.currency)) for cell in found.cells
        ]
    bad = client.get("/en/embed/benchmarks/trend/", {"country": "XX"})
    assert bad.status_code == 400 and "country" in text_of(bad)


def test_a_bad_query_is_a_small_400_page_naming_the_field_in_the_readers_language(
    published: Published, client: Client
) -> None:
    english = client.get("/en/embed/benchmarks/", {"experience": "99-100"})
    french = client.get("/embed/benchmarks/chart/", {"by": "shares"})

    assert english.status_code == 400
    assert_frameable_and_cookie_free(english)
    text = text_of(english)
    assert "experience" in text and "Experience" in text and "99-100" in text
    assert french.status_code == 400
    text = text_of(french)
    assert "by" in text
    assert "adresse" in text or "metric=day-rate" in text
    assert english["Cache-Control"] == "no-store"


def test_the_explorer_offers_the_embed_code_and_the_share_card(
    published: Published, client: Client, django_assert_num_queries: Any
) -> None:
    # The snippet and the meta tags cost no query: the page's two (snapshot, breakdown) only.
    with django_assert_num_queries(2):
        response = client.get("/en/benchmarks/", {"experience": "3-5", "by": "role"})

    assert response.status_code == 200
    body = response.content.decode()
    # The snippet: a labelled, read-only field holding the iframe (selectable without script).
    assert '<textarea id="embed-code-1"' in body and "readonly" in body
    assert '<label for="embed-code-1">' in body
    codes = re.findall(r"<textarea[^>]*>(.*?)</textarea>", body, re.S)
    assert len(codes) == 2
    iframe = html.unescape(codes[0])
    assert iframe.startswith('<iframe src="http://testserver/en/embed/benchmarks/?')
    assert "experience=3-5" in iframe and "by=" not in iframe
    assert "/en/embed/benchmarks/chart/?" in html.unescape(codes[1])
    assert "by=role" in html.unescape(codes[1])
    # The share card's meta tags.
    image = re.search(r'<meta property="og:image" content="([^"]+)"', body)
    assert image is not None
    assert html.unescape(image.group(1)).startswith("http://testserver/en/share/benchmarks.png?")
    assert '<meta property="og:image:width" content="1200">' in body
    assert '<meta property="og:image:height" content="630">' in body
    assert '<meta name="twitter:card" content="summary_large_image">' in body
    description = re.search(r'<meta property="og:description" content="([^"]+)"', body)
    assert description is not None and "by role" in description.group(1)
    cell = read_lane_cell(published, Metric.SALARY, experience="3-5")
    assert cell is not None
    # Its iframe, followed, shows the same cohort.
    src = html.unescape(re.search(r'src="([^"]+)"', iframe).group(1))  # type: ignore[union-attr]
    framed = client.get(src.removeprefix("http://testserver"))
    assert framed.status_code == 200
    assert f"€{cell.p50:,}" in text_of(framed)


def _routes(resolver: URLResolver, prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            found.append((route, pattern))
    return found


SAMPLE_VALUES = {"int": "2026", "slug": "sample", "str": "sample", "path": "sample/1", "uuid": ""}


def _sample_path(route: str) -> str | None:
    """A path that reaches `route`: each converter filled with a sample value (None if regex)."""
    route = route.removeprefix("^").removesuffix("$")
    if any(mark in route for mark in ("(?P", "\\", "[", "*", "+")):
        return None
    path = re.sub(
        r"<(?:(\w+):)?\w+>",
        lambda match: SAMPLE_VALUES.get(match.group(1) or "str", "sample"),
        route,
    )
    return "/" + path


def test_only_embed_routes_may_be_framed(published: Published, client: Client) -> None:
    """Every route of the resolver, in both languages: frameable if and only if under embed/."""
    resolver = get_resolver()
    checked = 0
    for language, prefix in (("fr", ""), ("en", "en/")):
        with translation.override(language):
            routes = _routes(resolver)
        for route, pattern in routes:
            path = _sample_path(route)
            if path is None:
                continue
            if language == "en" and not path.startswith("/en/"):
                continue  # not translated: seen once
            response = client.get(path)
            policy = response.get("Content-Security-Policy", "")
            frameable = "X-Frame-Options" not in response and "frame-ancestors *" in policy
            embed = path.removeprefix(f"/{prefix}").startswith("embed/")
            assert frameable == embed, (path, response.status_code)
            assert getattr(pattern.callback, "frameable", False) == embed, path
            if not embed:
                assert response.get("X-Frame-Options") == "DENY", path
                assert "frame-ancestors 'none'" in policy, path
            checked += 1
    assert checked > 40
