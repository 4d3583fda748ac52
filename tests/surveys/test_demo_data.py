"""Demo data: shaped like the field's published figures, valid, flagged as a submission would be.

The shape tests read one 20,000-row frame (no database) and check each target
of `surveys.demo` with a tolerance several standard errors wide; the command
tests store a few hundred rows through `call_command`.
"""

from __future__ import annotations

from datetime import date
from io import StringIO
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from benchmarks.stats.outliers import grouped_iqr_fence_mask
from surveys import demo
from surveys import vocabulary as vocab
from surveys.models import RECORD_KEY_RANGE, Edition, SurveyResponse
from surveys.rules import legal_minimums
from surveys.services import legal_minimum_for, response_build
from surveys.validation import validate_answers
from tests.factories import EditionFactory, SurveyResponseFactory

EDITIONS = (2024, 2025, 2026)
LATEST = 2026


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return demo.demo_frame(responses=20_000, seed=7, editions=EDITIONS)


@pytest.fixture(scope="module")
def french_employees(sample: pd.DataFrame) -> pd.DataFrame:
    """Accepted French employees of the latest edition: the cohort the targets describe."""
    return sample[
        (sample["country"] == "FR")
        & (sample["status"] == "employee")
        & (sample["state"] == "accepted")
        & (sample["edition"] == LATEST)
    ]


def share(mask: pd.Series) -> float:
    return float(np.mean(mask))


def answers_of(row: pd.Series) -> dict[str, Any]:
    """A frame row as the answer a client would have sent (DESIGN.md field names)."""
    answers: dict[str, Any] = {"edition": int(row["edition"])}
    for name in (
        "status", "role", "job_title", "experience_years", "education", "employer_size",
        "employer_type", "country", "region", "work_time_share", "base_salary", "variable_pay",
        "day_rate", "billed_days", "weekly_hours", "remote_days", "satisfaction", "gender",
        "age_band",
    ):  # fmt: skip
        value = row[name]
        answers[name] = None if pd.isna(value) else value
    answers["missions"] = vocab.codes_of(int(row["missions_mask"]), vocab.MISSIONS)
    answers["kpis"] = vocab.codes_of(int(row["kpis_mask"]), vocab.KPIS)
    for name in ("experience_years", "base_salary", "variable_pay", "day_rate", "billed_days",
                 "weekly_hours", "remote_days", "satisfaction"):  # fmt: skip
        if answers[name] is not None:
            answers[name] = int(answers[name])
    answers["work_time_share"] = float(answers["work_time_share"])
    return answers


def minimum_in_force(country: str, year: int, region: str) -> int | None:
    """The minimum a database starts with in force that year, as legal_minimum_for reads it."""
    return legal_minimums.minimum_in_force(
        country, year, region=region, table=legal_minimums.default_table()
    )


# --- Shape: the published figures ----------------------------------------------------


def test_every_row_is_marked_as_demo_data(sample: pd.DataFrame) -> None:
    assert set(sample["source"]) == {"demo"}


def test_french_employees_earn_about_29000_a_year_on_average(
    french_employees: pd.DataFrame,
) -> None:
    assert len(french_employees) > 4_000
    assert abs(french_employees["total_fte"].mean() - demo.FR_MEAN_SALARY) < 1_000


def test_the_paris_region_pays_about_5000_more(french_employees: pd.DataFrame) -> None:
    in_idf = french_employees["region"] == "FR-IDF"
    premium = (
        french_employees.loc[in_idf, "total_fte"].mean()
        - french_employees.loc[~in_idf, "total_fte"].mean()
    )
    assert abs(premium - demo.IDF_PREMIUM) < 1_200


def test_large_employers_pay_about_12000_more_than_micro_ones(
    french_employees: pd.DataFrame,
) -> None:
    means = french_employees.groupby("employer_size", observed=True)["total_fte"].mean()
    assert abs(means["large"] - means["micro"] - demo.LARGE_OVER_MICRO) < 1_500
    assert list(means[list(vocab.EMPLOYER_SIZE.codes)]) == sorted(means), "grows with size"


def test_bac5_is_the_most_common_degree_held_by_about_half(sample: pd.DataFrame) -> None:
    shares = sample["education"].value_counts(normalize=True)
    assert shares.idxmax() == "bac5"
    assert 0.45 < shares["bac5"] < 0.55


def test_most_have_under_six_years_of_experience_and_pay_grows_with_it(
    sample: pd.DataFrame, french_employees: pd.DataFrame
) -> None:
    assert 0.65 < share(sample["experience_years"] < 6) < 0.75
    bands = french_employees["experience_years"].map(vocab.experience_band)
    means = french_employees.groupby(bands)["total_fte"].mean()[list(vocab.EXPERIENCE.codes)]
    assert list(means) == sorted(means)
    assert means["10+"] - means["0-2"] > 4_000


def test_salaries_grow_about_two_percent_a_year(sample: pd.DataFrame) -> None:
    employees = sample[
        (sample["country"] == "FR")
        & (sample["status"] == "employee")
        & (sample["state"] == "accepted")
    ]
    means = employees.groupby("edition")["total_fte"].mean()
    yearly = (means[2026] / means[2024]) ** 0.5 - 1
    assert 0.0 < yearly < 0.04


def test_freelancers_are_15_to_20_percent_and_about_44_percent_bill_under_200(
    sample: pd.DataFrame,
) -> None:
    assert 0.15 <= share(sample["status"] == "freelance") <= 0.20
    freelancers = sample[
        (sample["status"] == "freelance")
        & (sample["country"] == "FR")
        & (sample["state"] == "accepted")
    ]
    assert abs(share(freelancers["day_rate"] < 200) - demo.FREELANCE_UNDER_200_SHARE) < 0.05
    assert 200 <= freelancers["day_rate"].median() <= 250
    assert freelancers["employer_size"].eq("").all() and freelancers["base_salary"].isna().all()


def test_trainees_are_about_8_percent_and_paid_trainee_wages(sample: pd.DataFrame) -> None:
    assert 0.06 < share(sample["status"] == "trainee") < 0.10
    trainees = sample[(sample["status"] == "trainee") & (sample["country"] == "FR")]
    low, high = demo.TRAINEE_PAY_RANGE
    # Earlier editions are deflated by 2% a year: 7,000 / 1.02^2 = 6,728, rounded to 100.
    assert trainees["base_salary"].between(6_700, high).all()
    assert trainees["base_salary"].mean() == pytest.approx((low + high) / 2, rel=0.05)
    assert trainees["state"].eq("accepted").all(), "trainees are not held to the minimum"


def test_roles_are_mostly_community_and_social_media_managers_with_the_others_present(
    sample: pd.DataFrame,
) -> None:
    shares = sample["role"].value_counts(normalize=True)
    assert shares["community-manager"] + shares["social-media-manager"] > 0.7
    assert (shares[list(vocab.ROLE.codes)] > 0.01).all()


def test_animation_and_content_are_common_missions_and_crisis_is_rare(
    sample: pd.DataFrame,
) -> None:
    masks = sample["missions_mask"].to_numpy()

    def ticked(code: str) -> float:
        return float(np.mean(masks >> vocab.MISSIONS.codes.index(code) & 1))

    assert ticked("animation") > 0.75 and ticked("content") > 0.8
    assert ticked("crisis") < 0.1
    assert (masks > 0).all()
    assert 0.8 < float(np.mean(sample["kpis_mask"].to_numpy() >> 2 & 1)) < 0.95  # engagement


def test_about_ten_percent_work_part_time(sample: pd.DataFrame) -> None:
    part_time = sample.loc[sample["work_time_share"] < 1, "work_time_share"]
    assert 0.07 < len(part_time) / len(sample) < 0.12
    assert part_time.between(0.5, 0.9).all()
    assert sample.loc[sample["status"] == "trainee", "work_time_share"].eq(1.0).all()


def test_about_four_percent_answer_from_abroad_in_their_currency_and_regions(
    sample: pd.DataFrame,
) -> None:
    assert 0.03 < share(sample["country"] != "FR") < 0.05
    assert (sample["region"].map(vocab.COUNTRY_OF_REGION) == sample["country"]).all()
    employees = sample[(sample["status"] == "employee") & (sample["state"] == "accepted")]
    means = employees.groupby("country", observed=True)["total_fte"].mean()
    assert 70_000 < means["CH"] < 80_000  # CHF
    assert 45_000 < means["CA"] < 55_000  # CAD
    assert means["FR"] < means["BE"] < means["CA"] < means["CH"]
    assert share(sample.loc[sample["country"] == "CA", "region"] == "CA-QC") > 0.8


def test_other_answers_are_plausible(sample: pd.DataFrame) -> None:
    full_time = sample[(sample["work_time_share"] == 1) & (sample["status"] == "employee")]
    assert 37 < full_time["weekly_hours"].median() < 41
    assert sample["remote_days"].between(0, 5).all()
    assert set(sample["satisfaction"]) == {1, 2, 3, 4, 5}
    assert share(sample["gender"] == "woman") > 0.6


def test_age_follows_experience(sample: pd.DataFrame) -> None:
    answered = sample[sample["age_band"] != ""]
    band = answered["age_band"].map({code: i for i, code in enumerate(vocab.AGE_BAND.codes)})
    juniors = band[answered["experience_years"] <= 2].astype(int)
    seniors = band[answered["experience_years"] >= 10].astype(int)
    assert juniors.mean() + 1 < seniors.mean()
    assert share(answered["age_band"] == "under-25") > 0


def test_answers_are_submitted_on_a_day_of_their_edition_year(sample: pd.DataFrame) -> None:
    days = sample["submitted_on"]
    assert (days.dt.year == sample["edition"]).all()
    # Days, not moments (privacy rule 10).
    assert days.dt.tz is None
    assert (days == days.dt.normalize()).all()
    assert days.dt.day_of_year.nunique() > 300


def test_none_is_submitted_after_the_given_day() -> None:
    until = date(2026, 3, 1)
    frame = demo.demo_frame(responses=2_000, seed=1, editions=(2025, 2026), until=until)
    this_year = frame.loc[frame["edition"] == 2026, "submitted_on"]
    assert this_year.max() == pd.Timestamp("2026-03-01")
    assert this_year.min() == pd.Timestamp("2026-01-01")
    assert frame.loc[frame["edition"] == 2025, "submitted_on"].max() == pd.Timestamp("2025-12-31")


def test_each_row_has_its_own_record_key_drawn_from_the_seed(sample: pd.DataFrame) -> None:
    keys = sample["record_key"]
    assert keys.min() == 0 and keys.max() == RECORD_KEY_RANGE - 1
    # 20,000 draws: about 78 of each key; a shared or skewed key would show.
    assert keys.value_counts().min() > 30
    # The seed decides them (test_the_same_seed_gives_the_same_frame compares them too).
    first = demo.demo_frame(responses=500, seed=7, editions=EDITIONS)["record_key"]
    again = demo.demo_frame(responses=500, seed=7, editions=EDITIONS)["record_key"]
    other = demo.demo_frame(responses=500, seed=8, editions=EDITIONS)["record_key"]
    assert first.equals(again) and not first.equals(other)


def test_a_few_deliberate_outliers_are_flagged_or_left_to_the_fences(
    sample: pd.DataFrame,
) -> None:
    flags = sample["flags"].explode().value_counts()
    assert 0.003 < share(sample["state"] == "flagged") < 0.015
    assert flags["below_legal_minimum"] > 10 and flags["day_rate_below_floor"] > 10
    assert (sample["state"] == "flagged").eq(sample["flags"].str.len() > 0).all()
    # Accepted rows that the snapshot's 3 x IQR fences on log values leave out.
    accepted = sample[(sample["state"] == "accepted") & (sample["status"] != "freelance")]
    kept = grouped_iqr_fence_mask(
        accepted.astype({"total_fte": float}),
        value="total_fte",
        by=["country", "edition", "status"],
    )
    assert 0 < (~kept).sum() < 0.01 * len(accepted)


def test_the_same_seed_gives_the_same_frame() -> None:
    first = demo.demo_frame(responses=500, seed=11, editions=EDITIONS)
    again = demo.demo_frame(responses=500, seed=11, editions=EDITIONS)
    other = demo.demo_frame(responses=500, seed=12, editions=EDITIONS)
    pd.testing.assert_frame_equal(first, again)
    assert not first["total_fte"].equals(other["total_fte"])


def test_no_responses_give_an_empty_frame_with_the_columns() -> None:
    frame = demo.demo_frame(responses=0, seed=1, editions=EDITIONS)
    assert frame.empty and "total_fte" in frame.columns


# --- Validity: every row is an answer a respondent could have sent ------------------


def test_sampled_rows_are_valid_and_carry_what_response_build_computes(
    sample: pd.DataFrame,
) -> None:
    flagged = sample[sample["state"] == "flagged"].head(60)
    picked = pd.concat([sample.sample(240, random_state=1), flagged])
    for _index, row in picked.iterrows():
        year = int(row["edition"])
        clean = validate_answers(answers_of(row))
        built = response_build(
            answers=clean,
            edition=Edition(year=year),
            source=SurveyResponse.Source.DEMO,
            legal_minimum=minimum_in_force(clean["country"], year, clean["region"]),
        )
        stored = (row["state"], row["flags"], row["total_fte"], row["base_fte"])
        assert stored[:2] == (built.state, built.flags)
        assert [None if pd.isna(v) else v for v in stored[2:]] == [built.total_fte, built.base_fte]
        assert (row["missions_mask"], row["kpis_mask"]) == (built.missions_mask, built.kpis_mask)


# --- The command ----------------------------------------------------------------------


def run(**options: Any) -> str:
    out = StringIO()
    call_command("generate_demo_data", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def stored_rows() -> list[tuple[Any, ...]]:
    fields = [f.attname for f in SurveyResponse._meta.concrete_fields if f.attname != "id"]
    return list(SurveyResponse.objects.order_by("id").values_list(*fields))


@pytest.mark.django_db
def test_the_command_stores_demo_rows_and_creates_the_editions() -> None:
    year = timezone.now().year
    output = run(responses=300, seed=3)
    assert "300 demo responses stored (" in output and " rows/s)" in output
    assert SurveyResponse.objects.count() == 300
    assert set(SurveyResponse.objects.values_list("source", flat=True)) == {"demo"}
    states = dict(Edition.objects.values_list("year", "state"))
    assert states == {year - 2: "closed", year - 1: "closed", year: "open"}
    counts = dict(SurveyResponse.objects.values_list("edition__year").annotate(n=Count("id")))
    assert set(counts) == set(states) and min(counts.values()) > 60


@pytest.mark.django_db
def test_stored_rows_read_back_as_valid_answers_flagged_as_on_submission() -> None:
    run(responses=400, seed=4, editions="2025,2026")
    for response in SurveyResponse.objects.select_related("edition"):
        clean = validate_answers(response.as_answers())
        built = response_build(
            answers=clean,
            edition=response.edition,
            source=SurveyResponse.Source.DEMO,
            legal_minimum=legal_minimum_for(
                response.country, response.edition.year, region=response.region
            ),
        )
        assert (response.state, response.flags, response.total_fte) == (
            built.state,
            built.flags,
            built.total_fte,
        )
        assert response.submitted_on.year == response.edition.year
        assert response.submitted_on <= timezone.localdate()


@pytest.mark.django_db
def test_the_current_edition_stays_closed_when_another_one_is_open() -> None:
    year = timezone.now().year
    EditionFactory(year=year - 1)  # open
    run(responses=50, seed=1, editions=f"{year - 1},{year}")
    assert Edition.objects.get(year=year).state == "closed"
    assert Edition.objects.get(year=year - 1).state == "open"


@pytest.mark.django_db
def test_if_empty_does_nothing_once_there_are_responses() -> None:
    run(responses=100, seed=1, if_empty=True)
    output = run(responses=100, seed=2, if_empty=True)
    assert "no demo data added" in output
    assert SurveyResponse.objects.count() == 100


@pytest.mark.django_db
def test_replace_deletes_the_previous_demo_rows_only() -> None:
    real = SurveyResponseFactory(edition=EditionFactory(year=2025, closed=True))
    run(responses=80, seed=1, editions="2025")
    output = run(responses=30, seed=2, editions="2025", replace=True)
    assert "80 previous demo responses deleted" in output
    assert SurveyResponse.objects.filter(source="demo").count() == 30
    assert SurveyResponse.objects.filter(pk=real.pk).exists()


@pytest.mark.django_db
def test_stored_demo_rows_carry_varied_record_keys_in_range() -> None:
    run(responses=300, seed=3)
    keys = list(SurveyResponse.objects.values_list("record_key", flat=True))
    assert all(0 <= key < RECORD_KEY_RANGE for key in keys)
    assert len(set(keys)) > 150  # 300 draws of 256 show about 177 keys


@pytest.mark.django_db
def test_the_same_seed_stores_the_same_rows() -> None:
    run(responses=120, seed=9, editions="2025,2026")
    first = stored_rows()
    run(responses=120, seed=9, editions="2025,2026", replace=True)
    assert stored_rows() == first
    run(responses=120, seed=10, editions="2025,2026", replace=True)
    assert stored_rows() != first


@pytest.mark.django_db
@pytest.mark.parametrize("editions", ["20x4", "1999", ","])
def test_it_refuses_editions_that_are_not_years(editions: str) -> None:
    with pytest.raises(CommandError, match="--editions"):
        run(responses=10, seed=1, editions=editions)
    assert not Edition.objects.exists()
