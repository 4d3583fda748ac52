"""The pages in a real browser: a practitioner answers, the explorer without script, an estimate.

The recruiter's and the freelancer's journeys have their own modules, and
every page's accessibility and fit on a desktop and a phone are checked in
test_every_page.py. Screenshots go to test-artifacts/screenshots/ (gitignored).
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
