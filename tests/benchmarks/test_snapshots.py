"""Publishing a snapshot: atomic, complete, honest about exclusions, safe against attackers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from benchmarks import selectors
from benchmarks.models import ALL, DIMENSIONS, Cell, Metric, Snapshot
from benchmarks.snapshots import DAY_RATE_DIMENSIONS, SnapshotError, snapshot_publish
from benchmarks.stats import (
    MIN_COHORT,
    LogSalaryModel,
    check_subtraction_rules,
    fit_log_salary_model,
)
from surveys.models import Edition, SurveyResponse


def cells_frame(snapshot: Snapshot, **filters: object) -> pd.DataFrame:
    return pd.DataFrame.from_records(Cell.objects.filter(snapshot=snapshot, **filters).values())


def test_it_publishes_a_snapshot_that_readers_then_see(make_answers) -> None:
    make_answers(400, seed=1)

    call_command("publish_snapshot")

    snapshot = selectors.current_snapshot()
    assert snapshot is not None and snapshot.status == Snapshot.Status.PUBLISHED
    overall = selectors.cell_lookup(
        snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026
    )
    assert overall is not None
    employees = SurveyResponse.objects.filter(status="employee").count()
    assert overall.n <= employees and overall.n >= employees - 5  # a few may be fenced out
    assert overall.confidence == "high"
    assert overall.p10 <= overall.p25 <= overall.p50 <= overall.p75 <= overall.p90
    assert overall.median_ci_low <= overall.p50 <= overall.median_ci_high
    assert snapshot.cell_count == Cell.objects.filter(snapshot=snapshot).count()


def test_every_published_figure_matches_an_independent_computation(make_answers) -> None:
    make_answers(300, seed=2, freelance_share=0.0)
    snapshot = snapshot_publish()
    values = np.array(
        SurveyResponse.objects.filter(status="employee", region="FR-ARA").values_list(
            "total_fte", flat=True
        ),
        dtype=float,
    )
    cell = selectors.cell_lookup(
        snapshot=snapshot,
        metric=Metric.SALARY,
        country="FR",
        year=2026,
        filters={"region": "FR-ARA"},
    )
    assert cell is not None and cell.n == values.size
    expected = np.quantile(values, [0.1, 0.25, 0.5, 0.75, 0.9])  # numpy's default is type 7
    published = [cell.p10, cell.p25, cell.p50, cell.p75, cell.p90]
    assert published == [int(np.floor(v + 0.5)) for v in expected]


def test_day_rate_cells_carry_the_shares_under_each_threshold(make_answers) -> None:
    make_answers(300, seed=3, freelance_share=1.0)
    snapshot = snapshot_publish()
    rates = np.array(SurveyResponse.objects.values_list("day_rate", flat=True), dtype=float)
    cell = selectors.cell_lookup(snapshot=snapshot, metric=Metric.DAY_RATE, country="FR", year=2026)
    assert cell is not None and cell.n == rates.size
    share, low, high = selectors.cell_shares(cell)["under"]["300"]
    assert share == round(100 * (rates < 300).mean())
    assert low <= share <= high
    # Freelancers have no employer: no day-rate cell filters on one.
    assert not Cell.objects.filter(metric=Metric.DAY_RATE).exclude(employer_size=ALL).exists()


def test_no_published_cell_is_smaller_than_the_minimum_and_tails_need_twenty(make_answers) -> None:
    make_answers(500, seed=4)
    snapshot = snapshot_publish()
    frame = cells_frame(snapshot)
    assert (frame["n"] >= MIN_COHORT).all()
    small = frame[frame["n"] < 20]
    assert small["p10"].isna().all() and small["p90"].isna().all()
    assert set(frame.loc[frame["n"] < 20, "confidence"]) <= {"low"}
    assert set(frame.loc[frame["n"] >= 50, "confidence"]) == {"high"}


def test_an_attacker_walking_every_published_cell_finds_no_subtraction_leak(make_answers) -> None:
    make_answers(900, seed=5)
    snapshot = snapshot_publish()
    frame = cells_frame(snapshot)
    assert len(frame) > 50
    for (metric, _country, _year), cells in frame.groupby(["metric", "country", "year"]):
        dims = list(DAY_RATE_DIMENSIONS if metric == Metric.DAY_RATE else DIMENSIONS)
        main = cells[cells["mission"] == ALL].assign(mission_flag=ALL)
        assert check_subtraction_rules(main, dims=dims, all_value=ALL) == []
        for mission, family in cells[cells["mission"] != ALL].groupby("mission"):
            family = family.assign(mission_flag=np.where(family["mission_done"], "yes", "no"))
            union = pd.concat([main, family], ignore_index=True)
            violations = check_subtraction_rules(union, dims=[*dims, "mission_flag"], all_value=ALL)
            assert violations == [], (metric, mission, violations[:3])


def test_a_few_more_answers_never_move_a_published_n_by_one_to_nine(make_answers) -> None:
    make_answers(600, seed=6)
    first = snapshot_publish()
    make_answers(4, seed=7)
    second = snapshot_publish()

    key = ["metric", "country", "year", *DIMENSIONS, "mission", "mission_done"]
    before = cells_frame(first).set_index(key)["n"]
    after = cells_frame(second).set_index(key)["n"]
    both = before.index.intersection(after.index)
    moved = (after.loc[both] - before.loc[both]).abs()
    assert len(both) > 0
    assert not ((moved >= 1) & (moved < MIN_COHORT)).any()
    assert Cell.objects.filter(snapshot=second, carried=True).exists()


def test_a_suppressed_cohort_answers_exactly_like_an_empty_one(make_answers) -> None:
    make_answers(200, seed=8)
    snapshot = snapshot_publish()
    # One respondent in Normandy: a real but suppressed cohort; Corsica: empty.
    assert SurveyResponse.objects.filter(region="FR-NOR").count() == 0
    make_answers(1, seed=9)
    SurveyResponse.objects.filter(pk=SurveyResponse.objects.latest("pk").pk).update(region="FR-NOR")
    snapshot = snapshot_publish()
    for region in ("FR-NOR", "FR-20R"):
        assert (
            selectors.cell_lookup(
                snapshot=snapshot,
                metric=Metric.SALARY,
                country="FR",
                year=2026,
                filters={"region": region},
            )
            is None
        )


def test_a_failed_build_leaves_the_published_snapshot_in_place(make_answers, monkeypatch) -> None:
    make_answers(200, seed=10)
    first = snapshot_publish()
    cells_before = Cell.objects.filter(snapshot=first).count()

    from benchmarks import snapshots

    real_store = snapshots._store_cells

    def store_then_crash(snapshot: Snapshot, cells: pd.DataFrame) -> int:
        real_store(snapshot, cells)
        raise RuntimeError("disk full")

    monkeypatch.setattr(snapshots, "_store_cells", store_then_crash)
    with pytest.raises(RuntimeError):
        snapshot_publish()

    assert selectors.current_snapshot() == first
    failed = Snapshot.objects.exclude(pk=first.pk).get()
    assert failed.status == Snapshot.Status.FAILED and "disk full" in failed.error
    assert Cell.objects.filter(snapshot=failed).count() == 0
    assert Cell.objects.filter(snapshot=first).count() == cells_before


def test_past_snapshots_are_kept_and_only_one_is_current(make_answers) -> None:
    make_answers(150, seed=11)
    first = snapshot_publish()
    second = snapshot_publish()
    assert list(Snapshot.objects.published()) == [second, first]
    assert list(Snapshot.objects.current()) == [second]
    assert Cell.objects.filter(snapshot=first).exists()


def test_an_unknown_edition_or_an_empty_database_publishes_nothing(db) -> None:
    with pytest.raises(CommandError, match="No accepted answer"):
        call_command("publish_snapshot")
    Edition.objects.create(year=2025)
    with pytest.raises(CommandError, match=r"Unknown edition.*2031"):
        call_command("publish_snapshot", editions="2031")
    assert not Snapshot.objects.current().exists()


def test_the_notes_count_every_exclusion_by_stage(make_answers) -> None:
    responses = make_answers(120, seed=12, freelance_share=0.0)
    SurveyResponse.objects.filter(pk=responses[0].pk).update(state="flagged")
    SurveyResponse.objects.filter(pk=responses[1].pk).update(state="rejected")
    # A wild salary (100x the others) is fenced out at stage 3.
    SurveyResponse.objects.filter(pk=responses[2].pk).update(total_fte=3_000_000)
    snapshot = snapshot_publish()
    (row,) = [r for r in snapshot.notes["exclusions"] if r["status"] == "employee"]
    assert row["stage1_flagged_pending"] == 1
    assert row["stage2_rejected"] == 1
    assert row["stage3_fenced"] == 1
    assert row["used"] == 117


def test_a_snapshot_of_demo_answers_says_so(make_answers) -> None:
    make_answers(100, seed=13, source=SurveyResponse.Source.DEMO)
    assert snapshot_publish().is_demo


def test_rebuilding_one_edition_keeps_the_others_figures(make_answers) -> None:
    make_answers(150, seed=14, year=2025)
    make_answers(150, seed=15, year=2026)
    first = snapshot_publish()
    second = snapshot_publish(years=[2026])
    assert (
        Cell.objects.filter(snapshot=second, year=2025).count()
        == Cell.objects.filter(snapshot=first, year=2025).count()
    )
    with pytest.raises(SnapshotError):
        snapshot_publish(years=[1999])


def test_the_profile_model_is_stored_with_the_snapshot(make_answers) -> None:
    make_answers(300, seed=16, freelance_share=0.0)
    snapshot = snapshot_publish()
    stored = LogSalaryModel.from_dict(snapshot.models.get(country="FR", year=2026).fitted)
    (used,) = [r["used"] for r in snapshot.notes["exclusions"] if r["status"] == "employee"]
    employees = SurveyResponse.objects.filter(status="employee")
    assert used == employees.count()  # nothing fenced out: the model saw every employee
    frame = pd.DataFrame.from_records(
        employees.values(
            "total_fte",
            "experience_years",
            "education",
            "employer_size",
            "employer_type",
            "region",
            "role",
        )
    )
    refit = fit_log_salary_model(
        frame,
        target="total_fte",
        numeric=["experience_years"],
        categorical=["education", "employer_size", "employer_type", "region", "role"],
    )
    profile = {
        "experience_years": 4,
        "education": "bac5",
        "employer_size": "large",
        "employer_type": "brand",
        "region": "FR-ARA",
        "role": "community-manager",
    }
    from_snapshot, direct = stored.predict(profile), refit.predict(profile)
    assert from_snapshot.n == used
    assert from_snapshot.low < from_snapshot.estimate < from_snapshot.high
    assert (from_snapshot.estimate, from_snapshot.low, from_snapshot.high) == pytest.approx(
        (direct.estimate, direct.low, direct.high), rel=1e-9
    )
