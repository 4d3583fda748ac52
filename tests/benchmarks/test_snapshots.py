"""Publishing a snapshot: atomic, complete, honest about exclusions, safe against attackers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from benchmarks.build.snapshots import DAY_RATE_DIMENSIONS, SnapshotError, snapshot_publish
from benchmarks.layout import ALL, DIMENSIONS
from benchmarks.models import Cell, Metric, PastPublication, Snapshot
from benchmarks.read import answers, lookup
from benchmarks.stats import (
    MIN_COHORT,
    LogSalaryModel,
    check_subtraction_rules,
    fit_log_salary_model,
)
from surveys.models import Edition, SurveyResponse
from tests.expected import published_count, published_money


def cells_frame(snapshot: Snapshot, **filters: object) -> pd.DataFrame:
    return pd.DataFrame.from_records(Cell.objects.filter(snapshot=snapshot, **filters).values())


def test_it_publishes_a_snapshot_that_readers_then_see(make_answers) -> None:
    make_answers(400, seed=1)

    call_command("publish_snapshot")

    snapshot = lookup.current_snapshot()
    assert snapshot is not None and snapshot.status == Snapshot.Status.PUBLISHED
    overall = lookup.cell_lookup(snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026)
    assert overall is not None
    employees = SurveyResponse.objects.filter(status="employee").count()
    true_n = Cell.objects.get(pk=overall.pk).true_n
    assert employees - 5 <= true_n <= employees  # a few may be fenced out
    assert abs(overall.n - true_n) <= 2  # perturbed (privacy rule 3)
    assert overall.confidence == "high"
    assert overall.p10 <= overall.p25 <= overall.p50 <= overall.p75 <= overall.p90
    assert overall.median_ci_low <= overall.p50 <= overall.median_ci_high
    assert snapshot.cell_count == Cell.objects.filter(snapshot=snapshot).count()


def test_every_published_figure_matches_an_independent_computation(make_answers) -> None:
    make_answers(300, seed=2, freelance_share=0.0)
    snapshot = snapshot_publish()
    rows = SurveyResponse.objects.filter(status="employee", region="FR-ARA")
    values = np.array(rows.values_list("total_fte", flat=True), dtype=float)
    cell = lookup.cell_lookup(
        snapshot=snapshot,
        metric=Metric.SALARY,
        country="FR",
        year=2026,
        filters={"region": "FR-ARA"},
    )
    assert cell is not None and cell.n == published_count(rows.values_list("record_key", flat=True))
    assert cell.n >= 20
    expected = np.quantile(values, [0.1, 0.25, 0.5, 0.75, 0.9])  # numpy's default is type 7
    published = [cell.p10, cell.p25, cell.p50, cell.p75, cell.p90]
    assert published == [published_money(v, 100) for v in expected]
    assert all(
        amount % 100 == 0 for amount in (*published, cell.median_ci_low, cell.median_ci_high)
    )


def test_day_rate_cells_carry_the_shares_under_each_threshold(make_answers) -> None:
    make_answers(300, seed=3, freelance_share=1.0)
    snapshot = snapshot_publish()
    rates = np.array(SurveyResponse.objects.values_list("day_rate", flat=True), dtype=float)
    keys = np.array(SurveyResponse.objects.values_list("record_key", flat=True))
    cell = lookup.cell_lookup(snapshot=snapshot, metric=Metric.DAY_RATE, country="FR", year=2026)
    assert cell is not None and cell.n == published_count(keys.tolist())
    # The share is computed from perturbed counts: numerator and denominator alike.
    under = min(published_count(keys[rates < 300].tolist()), cell.n)
    share, low, high = answers.cell_shares(cell)["under"]["300"]
    assert share == round(100 * under / cell.n)
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
        # Rules 1 and 2 hold on the true counts; the published ones carry noise on top.
        cells = cells.assign(n=cells["true_n"])
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
    before = cells_frame(first).set_index(key)["true_n"]
    after = cells_frame(second).set_index(key)["true_n"]
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
            lookup.cell_lookup(
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

    from benchmarks.build import store

    real_store = store.store_cells

    def store_then_crash(snapshot: Snapshot, cells: pd.DataFrame) -> int:
        real_store(snapshot, cells)
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "store_cells", store_then_crash)
    with pytest.raises(RuntimeError):
        snapshot_publish()

    assert lookup.current_snapshot() == first
    failed = Snapshot.objects.exclude(pk=first.pk).get()
    assert failed.status == Snapshot.Status.FAILED and "disk full" in failed.error
    assert Cell.objects.filter(snapshot=failed).count() == 0
    assert Cell.objects.filter(snapshot=first).count() == cells_before


def test_cells_a_failed_build_could_not_delete_go_with_the_next_build(make_answers) -> None:
    make_answers(150, seed=13)
    first = snapshot_publish()
    # As if the database had gone away while a build cleaned up after itself.
    failed = Snapshot.objects.create(status=Snapshot.Status.FAILED, error="server closed")
    left = Cell.objects.filter(snapshot=first).first()
    assert left is not None
    left.pk, left.snapshot = None, failed
    left.save()

    second = snapshot_publish()

    assert not Cell._base_manager.filter(snapshot=failed).exists()
    assert Cell.objects.filter(snapshot=first).exists() and second.is_current


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
    release = snapshot.models.get(country="FR", year=2026)
    stored = LogSalaryModel.from_dict(release.fitted)
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
    factors = ["education", "employer_size", "employer_type", "region", "role"]
    # Privacy rule 5: only levels whose one-filter cohort is published stand alone.
    published_levels = {
        factor: set(
            Cell.objects.filter(
                snapshot=snapshot,
                metric=Metric.SALARY,
                mission=ALL,
                **{other: ALL for other in DIMENSIONS if other != factor},
            )
            .exclude(**{factor: ALL})
            .values_list(factor, flat=True)
        )
        for factor in factors
    }
    refit = fit_log_salary_model(
        frame,
        target="total_fte",
        numeric=["experience_years"],
        categorical=factors,
        allowed_levels=published_levels,
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
    # What readers see of its size is a perturbed count of the same answers.
    assert release.fitted_on == published_count(employees.values_list("record_key", flat=True))
    assert from_snapshot.low < from_snapshot.estimate < from_snapshot.high
    assert (from_snapshot.estimate, from_snapshot.low, from_snapshot.high) == pytest.approx(
        (direct.estimate, direct.low, direct.high), rel=1e-9
    )


def test_the_model_is_carried_until_ten_answers_changed(make_answers) -> None:
    make_answers(300, seed=17, freelance_share=0.0)
    first = snapshot_publish().models.get(country="FR", year=2026)
    make_answers(9, seed=18, freelance_share=0.0)
    second = snapshot_publish().models.get(country="FR", year=2026)
    # Nine new answers: the last fit is carried, so two estimates a few answers
    # apart cannot be differenced into one salary (privacy rule 5).
    assert second.carried and second.fitted == first.fitted
    assert second.fitted_on == first.fitted_on
    make_answers(1, seed=19, freelance_share=0.0)
    third = snapshot_publish().models.get(country="FR", year=2026)
    # Ten changed since the last published fit (not since the previous snapshot): refitted.
    assert not third.carried and third.fitted != first.fitted


def test_a_cohort_published_again_is_compared_with_its_last_publication(make_answers) -> None:
    make_answers(400, seed=20, freelance_share=0.0)
    first = snapshot_publish()
    alone = {dimension: ALL for dimension in DIMENSIONS if dimension != "region"}
    cell = (
        Cell.objects.filter(snapshot=first, metric=Metric.SALARY, mission=ALL, **alone)
        .exclude(region=ALL)
        .first()
    )
    assert cell is not None and cell.true_n >= 20
    members = SurveyResponse.objects.filter(status="employee", region=cell.region)
    hidden = list(members.values_list("pk", flat=True)[: cell.true_n - 5])
    # The region drops under the threshold: not published, but remembered.
    SurveyResponse.objects.filter(pk__in=hidden).update(state="withdrawn")
    second = snapshot_publish()
    region = {"metric": Metric.SALARY, "mission": ALL, "region": cell.region, **alone}
    assert not Cell.objects.filter(snapshot=second, **region).exists()
    assert PastPublication.objects.get(snapshot=second, **region).true_n == cell.true_n
    # Back with three answers fewer than when it was last published, two
    # snapshots ago: publishing it fresh would reveal a group of three.
    SurveyResponse.objects.filter(pk__in=hidden[3:]).update(state="accepted")
    third = snapshot_publish()
    again = Cell.objects.filter(snapshot=third, **region).first()
    assert again is None or (again.carried and again.true_n == cell.true_n)
    # And for every cohort: since its last publication, in whichever earlier
    # snapshot, its true n moved by 0 or at least MIN_COHORT (privacy rule 8).
    key = ["metric", "country", "year", *DIMENSIONS, "mission", "mission_done"]
    last: dict[tuple[object, ...], int] = {}
    for earlier in (first, second):
        for row in Cell.objects.filter(snapshot=earlier).values(*key, "true_n"):
            last[tuple(row[k] for k in key)] = row["true_n"]
    compared = 0
    for row in Cell.objects.filter(snapshot=third).values(*key, "true_n"):
        before = last.get(tuple(row[k] for k in key))
        if before is not None:
            compared += 1
            assert abs(row["true_n"] - before) in (0, *range(MIN_COHORT, 10_000)), row
    assert compared > 100


def test_the_put_back_pass_publishes_at_least_what_the_greedy_pass_did(make_answers) -> None:
    make_answers(600, seed=21)
    snapshot = snapshot_publish()
    suppression = snapshot.notes["suppression"]
    assert suppression["published_after_put_back"] >= suppression["published_before_put_back"]
    # Salary and day-rate cells decided here; base salary repeats salary's decisions.
    fresh = Cell.objects.filter(snapshot=snapshot).exclude(metric=Metric.SALARY_BASE).count()
    assert suppression["published_after_put_back"] == fresh


def test_record_keys_and_cell_keys_share_one_range() -> None:
    from benchmarks.stats.perturbation import KEY_RANGE
    from surveys.models import RECORD_KEY_RANGE

    # A cell key is a sum of record keys modulo this range (privacy rule 3).
    assert RECORD_KEY_RANGE == KEY_RANGE
