"""A freelancer's journey: the day-rate check page, then the same question through the API docs.

The page and the API read the same published cell: the page gives the
position (a band under 50 answers), Swagger UI's "Try it out" gives the API's
answer for the cohort the page used, and the two agree.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from benchmarks.models import Snapshot
from tests.browser.conftest import screenshots_at_both_sizes

pytestmark = pytest.mark.browser

ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")


def test_a_freelancer_checks_a_day_rate_on_the_page_then_through_the_api_docs(
    open_page, published_site: Snapshot
) -> None:
    watched = open_page()
    page = watched.page
    page.goto("/en/")
    page.click("text=Freelancers: check a day rate")
    page.wait_for_url("**/en/benchmarks/day-rate-check/")

    page.fill("input[name=rate]", "420")
    page.select_option("select[name=role]", "community-manager")
    page.select_option("select[name=experience]", "6-9")
    page.select_option("select[name=region]", "FR-ARA")
    page.click(".filters-submit button")
    page.wait_for_url("**rate=420**")

    result = page.locator(".pay-position")
    headline = result.locator(".position-result").inner_text()
    ranks = [int(rank) for rank in ORDINAL.findall(headline)]
    assert ranks, headline
    assert "Amount checked: €420." in result.inner_text().replace("\u00a0", " ")
    cohort = result.locator(".cohort-line").inner_text()
    assert "France" in cohort
    answers = re.search(r"([\d,]+) answers · confidence", result.inner_text())
    assert answers is not None
    api_link = result.locator("a", has_text="This position in the API (JSON)").get_attribute("href")
    assert api_link is not None
    asked = dict(parse_qsl(urlsplit(api_link).query))
    assert asked["rate"] == "420"
    screenshots_at_both_sizes(page, "freelancer-day-rate-check")

    # The same question in the API's documentation page, with the cohort the page used.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("footer a:has-text('API documentation')")
    page.wait_for_url("**/api/v1/docs/?lang=en")
    operation = page.locator("#operations-benchmarks-day_rates_position")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    for name, value in asked.items():
        field = operation.locator(f'tr[data-param-name="{name}"]').locator("input, select").first
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    operation.locator("button.execute").click()
    body = operation.locator(".live-responses-table .response-col_description pre").first
    body.wait_for()
    answer = json.loads(body.inner_text())

    position = answer["position"]
    reading = position["reading"]
    if reading == "band":
        # The page words the band allowing for n (stats.percentile_interval).
        band = position["percentile_band"]
        assert ranks == sorted({band["lower"], band["upper"]})
        assert answer["n"] < 50 and position["percentile"] is None
    elif reading == "percentile":
        assert ranks == [position["percentile"]] and answer["n"] >= 50
    else:
        assert ranks == [position[reading]]
    assert answer["cohort_used"] == answer["cohort"]
    assert answer["n"] == int(answers.group(1).replace(",", ""))
    screenshots_at_both_sizes(page, "freelancer-api-docs", ours=False)
    watched.assert_clean()
