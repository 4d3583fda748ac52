"""A practitioner's journey: survey in French, odd amount, position by region, withdrawal.

The respondent types a monthly salary where the yearly one goes: the survey
asks "did you mean…?" before storing anything; they correct it with the
monthly helper and see where their pay stands in the narrowest published
group of their role, experience and region, with a link to that group on the
explorer; a reload keeps the position but not the receipt code; they withdraw
with the code. A second journey, without script, confirms an unusual amount
and gets no position. Each ends with screenshots at both sizes (axe-core and
the overflow check run as scripts: the page reached without script is read
again in a browser with script to be checked).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from benchmarks.models import Cell, Metric, Snapshot
from benchmarks.read.answers import pay_position
from surveys import vocabulary as vocab
from surveys.models import LegalMinimum, SurveyResponse
from tests.browser.conftest import PHONE, screenshot, screenshots_at_both_sizes

pytestmark = pytest.mark.browser

NBSP, NNBSP = "\u00a0", "\u202f"
YEARS = {"0-2": "1", "3-5": "4", "6-9": "7", "10+": "12"}


def _published_regional_cell(snapshot: Snapshot) -> Cell:
    """A published 2026 salary group of role × experience × region (and nothing else).

    Also makes sure France's 2026 legal minimum is there, which the data migration
    loads but a browser test's restored database may lack after an earlier test:
    the odd amounts of these journeys are odd against it.
    """
    LegalMinimum.objects.get_or_create(
        country="FR", year=2026, defaults={"annual_gross": 21_876, "source": "SMIC × 12"}
    )
    cells = (
        Cell.objects.filter(
            snapshot=snapshot,
            metric=Metric.SALARY,
            country="FR",
            year=2026,
            mission="",
            education="",
            employer_size="",
            employer_type="",
        )
        .exclude(role="")
        .exclude(experience="")
        .exclude(region="")
    )
    cell = cells.order_by("-n").first()
    assert cell is not None, "the fixture publishes no regional group"
    return cell


def _fill_the_survey(page, *, role: str, years: str, region: str, share: str) -> None:  # type: ignore[no-untyped-def]
    page.select_option("select[name=status]", "employee")
    page.select_option("select[name=role]", role)
    page.fill("input[name=experience_years]", years)
    page.select_option("select[name=education]", "bac5")
    page.select_option("select[name=country]", "FR")
    page.select_option("select[name=region]", region)
    page.check(f"input[name=work_time_share][value='{share}']")
    page.select_option("select[name=employer_size]", "small")
    page.select_option("select[name=employer_type]", "brand")
    page.check("input[name=missions][value=animation]")
    page.check("input[name=missions][value=content]")
    page.fill("input[name=weekly_hours]", "37")
    page.fill("input[name=remote_days]", "2")
    page.select_option("select[name=satisfaction]", "4")


def _words(text: str) -> str:
    """Spaces and line breaks collapsed; the non-breaking spaces of amounts kept."""
    return re.sub(r"[ \t\n]+", " ", text).strip()


def _answers() -> int:
    return SurveyResponse.objects.count()


def _latest() -> SurveyResponse:
    latest = SurveyResponse.objects.order_by("-pk").first()
    assert latest is not None
    return latest


def _boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _assert_you_does_not_cross_the_median_label(page) -> None:  # type: ignore[no-untyped-def]
    """On a phone, the "you" label and its line leave the median's label readable.

    The line is drawn behind the texts, with white gaps where a text lies
    across it: wherever the line passes the median's label, a gap covers it.
    """
    geometry = page.evaluate(
        """() => {
          const svg = document.querySelector("section.position svg.chart--narrow");
          const texts = [...svg.querySelectorAll("text")];
          const box = (element) => {
            const r = element.getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height};
          };
          const median = texts.find((t) => t.textContent.startsWith("médiane"));
          const you = texts.find((t) => t.textContent.startsWith("Vous"));
          const line = svg.querySelector("line[stroke-dasharray]");
          const gaps = [...svg.querySelectorAll("rect[width='6']")].map(box);
          return {median: box(median), you: box(you), line: box(line), gaps: gaps};
        }"""
    )
    median, you, line = geometry["median"], geometry["you"], geometry["line"]
    assert median["width"] > 0 and you["width"] > 0
    assert not _boxes_overlap(median, you), geometry
    if median["x"] <= line["x"] <= median["x"] + median["width"]:
        covered = [
            gap
            for gap in geometry["gaps"]
            if gap["y"] <= median["y"] + 2
            and gap["y"] + gap["height"] >= median["y"] + median["height"] - 2
        ]
        assert covered, f"the dashed line crosses the median's label: {geometry}"


def test_a_practitioner_corrects_an_odd_amount_sees_their_regional_position_and_withdraws(
    open_page, published_site: Snapshot
) -> None:
    cell = _published_regional_cell(published_site)
    role_fr = vocab.ROLE.label(cell.role, "fr")
    region_fr = vocab.REGION.label(cell.region, "fr")
    before = _answers()
    watched = open_page()
    page = watched.page
    page.goto("/survey/")
    assert page.locator("html").get_attribute("lang") == "fr"

    # A monthly salary typed where the yearly one goes, at four days a week.
    _fill_the_survey(
        page, role=cell.role, years=YEARS[cell.experience], region=cell.region, share="0.8"
    )
    assert page.locator("#field-work_time_share_other").is_hidden()  # "another share" not chosen
    page.fill("input[name=base_salary]", "1900")
    page.click("form.survey-form p.submit button[type=submit] >> nth=-1")

    page.wait_for_selector("#confirm-amounts")
    assert _answers() == before  # nothing stored before it is confirmed
    question = _words(page.locator("#confirm-amounts").inner_text())
    assert "Salaire fixe, brut annuel" in question
    assert f"1{NBSP}900{NBSP}€" in question
    assert f"22{NBSP}800{NBSP}€" in question  # 12 × 1 900: did you mean the yearly amount?
    assert page.locator("input[name=work_time_share][value='0.8']").is_checked()
    screenshots_at_both_sizes(page, "practitioner-confirm")
    page.set_viewport_size({"width": 1366, "height": 900})

    # They meant a monthly salary: the helper fills the yearly one as they type.
    page.fill("input[name=base_salary]", "")
    page.fill("input[name=monthly_salary]", "1900")
    page.select_option("select[name=salary_months]", "13")
    assert page.input_value("input[name=base_salary]") == "24700"  # 13 × 1 900
    page.click("form.survey-form p.submit button[type=submit] >> nth=-1")

    page.wait_for_url("**/survey/done/")
    stored = _latest()
    assert (stored.state, stored.base_salary, stored.work_time_share) == ("accepted", 24_700, 0.8)
    code = page.locator(".receipt-code code").inner_text().strip()
    position = page.locator("section.position")
    text = _words(position.inner_text())
    assert f"30{NBSP}875{NBSP}€" in text  # 24 700 / 0.8, full-time equivalent
    chips = _words(position.locator(".cohort-line").inner_text())
    assert "Région" in chips and region_fr in chips and role_fr in chips
    explore = position.locator("a.position-explore")
    assert explore.inner_text().strip() == "Explorer ce groupe"
    query = parse_qs(urlsplit(explore.get_attribute("href") or "").query)
    assert query["region"] == [cell.region] and query["role"] == [cell.role]
    assert query["experience"] == [cell.experience]
    # The same reading as a pay check of that amount and profile: the same group, and a
    # band where it has fewer than 50 answers (unless the amount lies outside its figures).
    placed = pay_position(
        snapshot=published_site,
        metric=Metric.SALARY,
        country="FR",
        year=2026,
        profile={"role": cell.role, "experience": cell.experience, "region": cell.region},
        value=30_875,
    )
    assert placed is not None and placed.cell.pk == cell.pk
    assert f"{cell.n} réponses" in text
    assert ("moins de 50 réponses" in text) == placed.as_band
    screenshots_at_both_sizes(page, "practitioner-position")
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    _assert_you_does_not_cross_the_median_label(page)
    page.set_viewport_size({"width": 1366, "height": 900})

    # A reload keeps the position, not the code.
    page.reload()
    assert page.locator("section.position .cohort-line").is_visible()
    assert page.locator(".receipt-code").count() == 0

    # The explore link opens that very group on the explorer.
    explore = page.locator("a.position-explore")
    explore.click()
    page.wait_for_url(f"**region={cell.region}**")
    assert region_fr in page.locator(".cohort-line").inner_text()

    # Withdrawal, with the code, in the browser.
    page.goto("/survey/done/")
    page.click("a[href='/survey/withdraw/']")
    page.fill("input[name=receipt]", code)
    page.click("form[action='/survey/withdraw/'] button[type=submit]")
    page.wait_for_selector("text=Votre réponse est retirée")
    assert SurveyResponse.objects.get(pk=stored.pk).state == "withdrawn"
    screenshots_at_both_sizes(page, "practitioner-withdrawn")
    page.goto("/survey/done/")
    page.wait_for_url("**/survey/")  # nothing to show any more
    watched.assert_clean()


def test_without_script_a_confirmed_unusual_amount_is_stored_flagged_with_no_position(
    open_page, published_site: Snapshot
) -> None:
    cell = _published_regional_cell(published_site)
    before = _answers()
    watched = open_page(javascript=False)
    page = watched.page
    page.goto("/survey/")

    _fill_the_survey(
        page, role=cell.role, years=YEARS[cell.experience], region=cell.region, share="other"
    )
    page.fill("input[name=work_time_share_other]", "90 %")
    page.fill("input[name=base_salary]", "5")
    page.click("form.survey-form p.submit button[type=submit] >> nth=-1")
    page.wait_for_selector("#confirm-amounts")
    assert _answers() == before

    page.check("#id_confirm_amounts")
    page.click("#confirm-amounts button[type=submit]")

    page.wait_for_url("**/survey/done/")
    stored = _latest()
    assert (stored.state, stored.base_salary, stored.work_time_share) == ("flagged", 5, 0.9)
    assert page.locator("section.position--flagged").is_visible()
    assert page.locator(".position-result").count() == 0
    assert page.locator(".receipt-code code").inner_text().strip() != ""
    screenshot(page, "practitioner-flagged-no-script")
    watched.assert_clean()

    # axe-core runs as a script: the same page, read again (its session) in a browser with one.
    with_script = open_page()
    with_script.page.context.add_cookies(page.context.cookies())
    with_script.page.goto("/survey/done/")
    assert with_script.page.locator("section.position--flagged").is_visible()
    screenshots_at_both_sizes(with_script.page, "practitioner-flagged")
    with_script.assert_clean()
