"""A recruiter's journey: filters, a breakdown, the table on screen as CSV, an estimate.

In French first, as most recruiters read the site, then in English for the
estimate; the journey ends with screenshots at both sizes.
"""

from __future__ import annotations

import csv
import re

import pytest

from benchmarks.models import Snapshot
from surveys import vocabulary as vocab
from tests.browser.conftest import screenshots_at_both_sizes

pytestmark = pytest.mark.browser


def test_a_recruiter_filters_breaks_down_downloads_the_screen_and_estimates_a_profile(
    open_page, published_site: Snapshot
) -> None:
    watched = open_page()
    page = watched.page
    page.goto("/")
    page.click("main a[href='/benchmarks/']")
    page.wait_for_url("**/benchmarks/")
    page.evaluate("window.stayedOnThePage = true")

    # Filters: three to five years of experience, then a breakdown by role.
    page.select_option("select[name=experience]", "3-5")
    page.wait_for_url("**experience=3-5**")
    page.select_option("select[name=by]", "role")
    page.wait_for_url("**by=role**")
    page.wait_for_selector("#breakdown-caption")
    assert page.evaluate("window.stayedOnThePage") is True  # updated in place
    assert "3 à 5 ans" in page.locator(".cohort-line").inner_text()
    shown = {
        row.locator("th").inner_text(): row.locator("td").first.inner_text().split("\n")[0]
        for row in page.locator("table.figures tbody tr").all()
    }

    # The table on screen, as the French version of Excel reads it.
    with page.expect_download() as download_info:
        page.click("a[href*='/benchmarks/table.csv']")
    download = download_info.value
    assert download.suggested_filename == "cmbench-salary-FR-2026-by-role.csv"
    with open(download.path(), encoding="utf-8", newline="") as csv_file:
        text = csv_file.read()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(text.removeprefix("\ufeff").splitlines(), delimiter=";"))
    header = rows[0]
    level, n = header.index("level"), header.index("n")
    assert rows[1][header.index("experience") + 1] == "3 à 5 ans"
    downloaded = {
        row[level + 1]: row[n] for row in rows[2:] if row[n]
    }  # the published levels, by label
    for code in vocab.ROLE.codes:
        label = vocab.ROLE.label(code, "fr")
        if label in shown:
            # The same count on screen (grouped the French way) and in the file.
            assert shown[label].replace("\u202f", "").replace("\u00a0", "") == downloaded[label]
        else:
            assert label not in downloaded
    screenshots_at_both_sizes(page, "recruiter-explorer")

    # The estimate, in English, with most factors left open.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click(".language-switch button[value=en]")
    page.wait_for_url("**/en/benchmarks/?*")
    page.click("header nav a[href='/en/benchmarks/estimate/']")
    page.fill("input[name=experience_years]", "4")
    page.select_option("select[name=role]", "community-manager")
    page.click(".filters-submit button")
    page.wait_for_url("**experience_years=4*")

    result = page.locator(".estimate-result")
    assert result.locator(".badge").inner_text().strip().lower() == "estimate"
    assert re.search(r"80% prediction interval: €[\d,]+ to €[\d,]+\.", result.inner_text())
    factors = {
        row.locator("th").inner_text(): row.locator("td").last.inner_text()
        for row in result.locator("tbody tr").all()
    }
    assert factors["Role"] == "Community manager"
    for open_factor in ("Education", "Employer size", "Employer type", "Region"):
        # Averaged over the answers' mix, never read at one level such as "other".
        assert factors[open_factor].startswith("every level, in the answers' mix"), open_factor
    screenshots_at_both_sizes(page, "recruiter-estimate")
    watched.assert_clean()
