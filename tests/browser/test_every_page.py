"""Every public page, in French and English, on a desktop and on a phone.

Each page must have no serious or critical accessibility violation (axe-core),
fit the screen (nothing wider than 390 px on a phone), and log no console
error; a screenshot of each goes to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from benchmarks.models import Snapshot
from guides.models import Guide
from guides.services import guide_save
from tests.browser.conftest import SIZES, check_page, tab_to
from tests.factories import EditorFactory

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "explorer": "/benchmarks/",
    "explorer-by-region": "/benchmarks/?by=region",
    "explorer-day-rates": "/benchmarks/?metric=day-rate&by=mission",
    "estimate": "/benchmarks/estimate/?experience_years=6&role=social-media-manager",
    "trends": "/benchmarks/trends/",
    "methodology": "/methodology/",
    "survey": "/survey/",
    # Not /survey/done/: without an answer in the session it redirects to /survey/
    # (checked below), so listing it here checked the survey twice. The done page
    # with a position, and a flagged answer's, are checked (axe, overflow, console,
    # at both sizes) where an answer is given first: tests/browser/test_practitioner.py.
    "interviews": "/interviews/",
    "guides": "/guides/",
    "salary-check": "/benchmarks/salary-check/",
    "salary-check-result": (
        "/benchmarks/salary-check/?salary=34000&role=community-manager&experience=3-5&region=FR-ARA"
    ),
    "day-rate-check-result": "/benchmarks/day-rate-check/?rate=400&experience=6-9",
}


@pytest.mark.parametrize("size", SIZES)
def test_every_page_is_accessible_fits_the_screen_and_logs_no_error(
    open_page, published_site: Snapshot, size: str
) -> None:
    guide_save(
        guide=Guide(
            slug="a-test-guide",
            position=1,
            roles=["community-manager"],
            title_fr="Le métier de community manager",
            title_en="The community manager's job",
            summary_fr="Ce que fait un community manager.",
            summary_en="What a community manager does.",
            body_fr="## Salaire\n\nMédiane : [[salary.p50 role=community-manager]].",
            body_en="## Pay\n\nMedian: [[salary.p50 role=community-manager]].",
        ),
        editor=EditorFactory(),
        note="for the browser tests",
    )
    width, height = SIZES[size]
    watched = open_page(width=width, height=height)
    page = watched.page
    for language, prefix in (("fr", ""), ("en", "/en")):
        for name, path in PAGES.items():
            page.goto(prefix + path)
            assert page.locator("html").get_attribute("lang") == language, path
            check_page(page, f"page-{name}-{language}")
        # The done page says nothing to someone who has not answered: back to the survey.
        page.goto(f"{prefix}/survey/done/")
        assert page.url.endswith(f"{prefix}/survey/"), page.url
        page.goto(f"{prefix}/guides/a-test-guide/")
        # A guide writes money as the explorer does: 32 500 € in French, €32,500 in English.
        amount = page.locator(".figure").first.inner_text()
        money = r"\d{1,3}(\u00a0\d{3})*\u00a0€" if language == "fr" else r"€\d{1,3}(,\d{3})*"
        assert re.fullmatch(money, amount), amount
        check_page(page, f"page-guide-{language}")
        # The yearly report: a translated path (/barometre/, /en/report/), to the latest edition.
        page.goto("/barometre/" if language == "fr" else "/en/report/")
        assert "/barometre/20" in page.url or "/en/report/20" in page.url, page.url
        check_page(page, f"page-report-{language}")
    watched.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_a_page_of_errors_is_accessible_and_fits_the_screen_too(
    open_page, published_site: Snapshot, size: str
) -> None:
    width, height = SIZES[size]
    watched = open_page(width=width, height=height)
    page = watched.page
    for language, prefix in (("fr", ""), ("en", "/en")):
        for name, path in (
            ("explorer-error", "/benchmarks/?experience=99&region=XX"),
            ("salary-check-error", "/benchmarks/salary-check/?salary=beaucoup&region=CH-GE"),
        ):
            response = page.goto(prefix + path)
            assert response is not None and response.status == 400
            assert page.locator(".errorlist").count() == 2
            check_page(page, f"page-{name}-{language}")
    # The 400 status of each page is the only thing the console reports.
    assert {problem.split(":", 1)[0] for problem in watched.problems} <= {"console error"}
    assert all("status of 400" in problem for problem in watched.problems)


def test_the_phone_menu_shows_every_link_including_the_survey(
    open_page, published_site: Snapshot
) -> None:
    watched = open_page(width=390)
    page = watched.page
    page.goto("/benchmarks/")

    for link in page.locator(".site-header nav a").all():
        box = link.bounding_box()
        assert box is not None
        # Inside the screen, none hidden off its right edge.
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, link.inner_text()
    assert page.locator(".site-header nav a.nav-survey").is_visible()
    watched.assert_clean()


def test_the_explorer_is_usable_with_the_keyboard_alone(
    open_page, published_site: Snapshot
) -> None:
    # Without script the filters are a plain form: open the folded group, pick, submit.
    watched = open_page(javascript=False)
    page = watched.page
    page.goto("/en/benchmarks/")

    tab_to(page, "details.filter-group > summary")
    page.keyboard.press("Enter")
    tab_to(page, "select[name=experience]")
    page.keyboard.press("ArrowDown")  # "all" -> the first band
    tab_to(page, "select[name=by]")
    page.keyboard.press("End")  # the last dimension: missions
    tab_to(page, ".filters-submit button")
    page.keyboard.press("Enter")

    page.wait_for_url("**experience=0-2**")
    assert "by=mission" in page.url
    assert "Experience: 0–2 years" in page.locator(".cohort-line").inner_text()
    assert page.locator("#breakdown-title").inner_text() == "By missions"
    watched.assert_clean()

    # With script, a change updates the results in place and keeps the focus on the field.
    scripted = open_page()
    page = scripted.page
    page.goto("/en/benchmarks/")
    tab_to(page, "select[name=experience]")
    page.keyboard.press("ArrowDown")
    page.wait_for_url("**experience=0-2**")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'experience'")
    assert "Experience: 0–2 years" in page.locator(".cohort-line").inner_text()
    tab_to(page, "a[download]")  # the results' links follow the filters in the tab order
    scripted.assert_clean()


def test_the_breakdown_table_fits_a_laptop_and_says_it_scrolls_on_a_phone(
    open_page, published_site: Snapshot
) -> None:
    watched = open_page(width=1366)
    page = watched.page
    page.goto("/en/benchmarks/?by=region")
    table = page.locator(".breakdown .table-scroll")

    assert table.evaluate("box => box.scrollWidth <= box.clientWidth")  # every column in sight
    p90 = page.locator(".breakdown thead th", has_text="p90").bounding_box()
    assert p90 is not None and p90["x"] + p90["width"] <= 1366
    assert not page.locator(".breakdown .scroll-hint").is_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    assert table.evaluate("box => box.scrollWidth > box.clientWidth")
    assert page.locator(".breakdown .scroll-hint").is_visible()  # and a shadow at its edge
    assert table.get_attribute("tabindex") == "0"  # the keyboard can scroll it too
    watched.assert_clean()
