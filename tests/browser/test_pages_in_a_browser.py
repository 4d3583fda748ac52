"""The pages in a real browser: a practitioner answers, a recruiter explores and estimates.

Screenshots of every page go to test-artifacts/screenshots/ (gitignored).
"""

from __future__ import annotations

import re

import pytest

from benchmarks.models import Snapshot
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

NBSP = "\u00a0"


def test_a_practitioner_answers_in_french_and_sees_where_their_pay_stands(
    open_page, published_site: Snapshot
) -> None:
    watched = open_page()
    page = watched.page
    page.goto("/survey/")
    assert page.locator("html").get_attribute("lang") == "fr"

    page.select_option("select[name=status]", "employee")
    page.select_option("select[name=role]", "community-manager")
    page.fill("input[name=experience_years]", "4")
    page.select_option("select[name=education]", "bac5")
    page.select_option("select[name=country]", "FR")
    page.select_option("select[name=region]", "FR-ARA")
    page.select_option("select[name=employer_size]", "small")
    page.select_option("select[name=employer_type]", "brand")
    page.fill("input[name=base_salary]", "32000")
    page.check("input[name=missions][value=animation]")
    page.check("input[name=missions][value=content]")
    page.fill("input[name=weekly_hours]", "37")
    page.fill("input[name=remote_days]", "2")
    page.select_option("select[name=satisfaction]", "4")
    page.click("form.survey-form button[type=submit]")

    page.wait_for_url("**/survey/done/")
    position = page.locator("section.position")
    assert position.is_visible()
    text = position.inner_text()
    assert f"32{NBSP}000{NBSP}€" in text  # their own pay, written the French way
    assert re.search(r"\d+\s?%", text)  # a percentile of their cohort
    assert position.locator("svg.chart--wide line[stroke-dasharray]").count() == 1  # "you"
    assert page.locator(".receipt-code code").inner_text().strip() != ""
    screenshot(page, "survey-done-fr")
    watched.assert_clean()


def test_a_recruiter_filters_the_explorer_switches_to_english_and_downloads_the_csv(
    open_page, published_site: Snapshot
) -> None:
    watched = open_page()
    page = watched.page
    page.goto("/benchmarks/")
    chart = page.locator("svg.chart--wide").first
    assert chart.is_visible()
    # The whole cohort's box and one per experience band.
    assert chart.locator('rect[height="20"]').count() == 5
    screenshot(page, "explorer-fr")
    page.evaluate("window.stayedOnThePage = true")

    page.select_option("select[name=experience]", "3-5")
    page.wait_for_url("**/benchmarks/?*experience=3-5*")
    page.select_option("select[name=by]", "role")
    page.wait_for_url("**by=role*")
    page.wait_for_selector("#breakdown-caption")

    assert page.evaluate("window.stayedOnThePage") is True  # updated in place, not reloaded
    assert "3 à 5 ans" in page.locator(".cohort-line").inner_text()
    assert page.locator("svg.chart--wide").first.locator('rect[height="20"]').count() >= 2

    page.click(".language-switch button[value=en]")
    page.wait_for_url("**/en/benchmarks/?*")
    assert "experience=3-5" in page.url and "by=role" in page.url
    assert page.locator("h1").inner_text() == "Salaries and day rates of community managers"
    assert "3–5 years" in page.locator(".cohort-line").inner_text()
    assert re.search(r"€\d{2},\d{3}", page.locator(".key-figure--main").inner_text())
    screenshot(page, "explorer-en-filtered")

    with page.expect_download() as download_info:
        page.click("text=Download every published figure (CSV)")
    download = download_info.value
    with open(download.path(), encoding="utf-8") as csv_file:
        header = csv_file.readline()
    assert header.startswith("metric,country,year")
    watched.assert_clean()


def test_the_explorer_works_as_a_plain_form_without_javascript(
    open_page, published_site: Snapshot
) -> None:
    watched = open_page(javascript=False)
    page = watched.page
    page.goto("/en/benchmarks/")

    page.click("summary")  # the filters are folded on a phone and without script
    page.select_option("select[name=education]", "bac5")
    page.click("text=Show the figures")

    page.wait_for_url("**education=bac5*")
    assert "Education: Five years (master's)" in page.locator(".cohort-line").inner_text()
    watched.assert_clean()


def test_the_estimate_form_gives_an_estimate_with_its_interval(
    open_page, published_site: Snapshot
) -> None:
    watched = open_page()
    page = watched.page
    page.goto("/en/benchmarks/estimate/")

    page.fill("input[name=experience_years]", "4")
    page.select_option("select[name=role]", "community-manager")
    page.select_option("select[name=education]", "bac5")
    page.click("text=Estimate >> nth=-1")

    page.wait_for_url("**experience_years=4*")
    result = page.locator(".estimate-result")
    assert result.locator(".badge").inner_text().strip().lower() == "estimate"
    assert re.search(r"80% prediction interval: €[\d,]+ to €[\d,]+\.", result.inner_text())
    screenshot(page, "estimate-en")
    watched.assert_clean()


@pytest.mark.parametrize("width", [375, 1280])
def test_every_page_fits_the_screen_and_is_saved_as_a_screenshot(
    open_page, published_site: Snapshot, width: int
) -> None:
    pages = {
        "home": "/",
        "explorer": "/benchmarks/?by=education",
        "explorer-day-rates": "/en/benchmarks/?metric=day-rate",
        "estimate": "/benchmarks/estimate/?experience_years=6&role=social-media-manager",
        "trends": "/benchmarks/trends/",
        "methodology": "/methodology/",
        "survey": "/survey/",
    }
    watched = open_page(width=width)
    page = watched.page
    for name, path in pages.items():
        page.goto(path)
        # Nothing wider than the screen: tables scroll inside their own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        screenshot(page, f"{name}-{width}")
    watched.assert_clean()
