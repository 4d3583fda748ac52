from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.stats import StatsError, grouped_iqr_fence_mask, iqr_fence_mask
from benchmarks.stats.outliers import MIN_LOG_IQR

# logs 10.0 .. 10.4 and 13: q1 at h = 5*0.25 = 1.25 -> 10.125, q3 at h = 3.75 -> 10.375,
# IQR 0.25, fences 10.125 - 0.75 = 9.375 and 10.375 + 0.75 = 11.125 -> exp(13) is out.
LOGS = np.array([10.0, 10.1, 10.2, 10.3, 10.4, 13.0])


def test_it_keeps_values_within_three_iqr_of_the_log_quartiles() -> None:
    assert iqr_fence_mask(np.exp(LOGS)).tolist() == [True] * 5 + [False]


def test_the_fence_sits_at_q3_plus_k_iqr_and_k_widens_it() -> None:
    # logs 10,10,10,10.5,10.5,10.5,11,11,x: q1 at h = 8*0.25 = 2 -> 10, q3 at h = 6 -> 11,
    # whatever the largest value x is; IQR 1, so the upper fence is 11 + 3*1 = 14.
    logs = np.array([10.0, 10.0, 10.0, 10.5, 10.5, 10.5, 11.0, 11.0])
    just_inside = np.exp(np.append(logs, 14.0 - 1e-9))
    just_outside = np.exp(np.append(logs, 14.0 + 1e-9))
    assert iqr_fence_mask(just_inside).all()
    assert iqr_fence_mask(just_outside).tolist() == [True] * 8 + [False]
    assert iqr_fence_mask(just_outside, k=3.1).all()
    assert iqr_fence_mask(np.exp(LOGS), k=20.0).all()  # 10.375 + 20*0.25 = 15.375 > 13


def test_non_positive_and_missing_values_are_never_kept() -> None:
    values = np.concatenate((np.exp(LOGS), [0.0, -5.0, np.nan]))
    kept = iqr_fence_mask(values)
    assert kept.tolist() == [True] * 5 + [False] * 4
    assert not iqr_fence_mask(np.array([0.0, -1.0])).any()


@pytest.mark.parametrize("k", [-1.0, float("nan")])
def test_it_rejects_a_bad_k(k: float) -> None:
    with pytest.raises(StatsError):
        iqr_fence_mask(np.exp(LOGS), k=k)


def test_it_rejects_infinite_values() -> None:
    with pytest.raises(StatsError):
        iqr_fence_mask(np.array([1.0, np.inf]))


# The two cases of issue 13 (with seven of 12 or six of 11 tied the type-7 IQR is near 0, not
# exactly 0: that takes 8 of 12 or 7 of 11). Day rates: logs sorted, q1 at h = 11 * 0.25 = 2.75
# between two 400s -> 400; q3 at h = 8.25 -> 400 * (420/400)^0.25 = 404.9; IQR = 0.25 log 1.05
# = 0.0122, so plain fences keep 400 e^(-3 * 0.0122) = 385.6 .. 420 only. The floor log 1.25
# keeps 400 / 1.25^3 = 204.8 .. 404.9 * 1.25^3 = 790.8.
DAY_RATES = np.array([350, 390, 400, 400, 400, 400, 400, 400, 400, 420, 500, 600], dtype=float)
# Salaries: q1 at h = 2.5 between two 35,000s; q3 at h = 7.5 halfway (on logs) between 35,000
# and 36,000 -> 35,497; IQR = 0.5 log(36/35) = 0.0141: plain fences keep 33,552 .. 37,029.
# The floor keeps 35,000 / 1.953 = 17,920 .. 35,497 * 1.953 = 69,330.
SALARIES = np.array(
    [28_000, 32_000, 35_000, 35_000, 35_000, 35_000, 35_000, 35_000, 36_000, 42_000, 48_000],
    dtype=float,
)


def test_ties_no_longer_fence_out_the_day_rates_around_them() -> None:
    assert iqr_fence_mask(DAY_RATES).all()
    # Without the floor (the old fences) 350, 500 and 600 went.
    lost = DAY_RATES[~iqr_fence_mask(DAY_RATES, min_log_iqr=0.0)]
    assert lost.tolist() == [350.0, 500.0, 600.0]


def test_ties_no_longer_fence_out_the_salaries_around_them() -> None:
    assert iqr_fence_mask(SALARIES).all()
    lost = SALARIES[~iqr_fence_mask(SALARIES, min_log_iqr=0.0)]
    assert lost.tolist() == [28_000.0, 32_000.0, 42_000.0, 48_000.0]


def test_an_iqr_of_exactly_zero_keeps_values_within_the_floor() -> None:
    # 10 values, q1 at h = 2.25 and q3 at h = 6.75 both inside the run of 400s: IQR = 0, so the
    # fences are 400 * 1.25^-+3 = 204.8 and 781.25.
    ties = [400.0] * 9
    assert iqr_fence_mask(np.array([350.0, 400, 400, 400, 400, 400, 400, 400, 500, 600])).all()
    assert iqr_fence_mask(np.array([*ties, 781.0])).all()
    assert iqr_fence_mask(np.array([*ties, 782.0])).tolist() == [True] * 9 + [False]
    assert iqr_fence_mask(np.array([205.0, *ties])).all()
    assert iqr_fence_mask(np.array([204.0, *ties])).tolist() == [False] + [True] * 9


def test_the_floor_still_fences_typing_errors() -> None:
    # An extra zero on a day rate (x 10) and a monthly salary typed as annual (/ 12).
    rates = np.append(DAY_RATES, 4_000.0)
    assert iqr_fence_mask(rates).tolist() == [True] * 12 + [False]
    salaries = np.append(SALARIES, 35_000 / 12)
    assert iqr_fence_mask(salaries).tolist() == [True] * 11 + [False]


def test_the_floor_only_binds_below_it() -> None:
    # LOGS has an IQR of 0.25 > log 1.25 = 0.2231: the same fences with or without it.
    assert np.exp(MIN_LOG_IQR) == pytest.approx(1.25)
    assert (
        iqr_fence_mask(np.exp(LOGS)).tolist()
        == iqr_fence_mask(np.exp(LOGS), min_log_iqr=0.0).tolist()
    )
    # A larger floor widens the fences: 10.375 + 3 * 1.0 = 13.375 > 13 keeps exp(13).
    assert iqr_fence_mask(np.exp(LOGS), min_log_iqr=1.0).all()


@pytest.mark.parametrize("floor", [-0.1, float("nan"), float("inf")])
def test_it_rejects_a_bad_floor(floor: float) -> None:
    with pytest.raises(StatsError, match="min_log_iqr"):
        iqr_fence_mask(np.exp(LOGS), min_log_iqr=floor)
    with pytest.raises(StatsError, match="min_log_iqr"):
        grouped_iqr_fence_mask(
            pd.DataFrame({"salary": [1.0]}), value="salary", by=[], min_log_iqr=floor
        )


def test_grouped_fences_apply_the_floor_within_each_group() -> None:
    frame = pd.DataFrame(
        {
            "status": ["freelance"] * 12 + ["employee"] * 11,
            "amount": np.concatenate((DAY_RATES, SALARIES)),
        }
    )
    assert grouped_iqr_fence_mask(frame, value="amount", by=["status"]).all()
    plain = grouped_iqr_fence_mask(frame, value="amount", by=["status"], min_log_iqr=0.0)
    assert frame.amount[~plain].tolist() == [350, 500, 600, 28_000, 32_000, 42_000, 48_000]


def test_grouped_fences_apply_within_each_group() -> None:
    frame = pd.DataFrame(
        {
            "country": ["FR"] * 6 + ["CH"] * 6,
            "status": ["employee"] * 12,
            "salary": np.concatenate((np.exp(LOGS), np.exp(LOGS + 3.0))),
        },
        index=np.arange(100, 112),
    )
    kept = grouped_iqr_fence_mask(frame, value="salary", by=["country", "status"])
    assert kept.index.tolist() == frame.index.tolist()
    assert kept.tolist() == ([True] * 5 + [False]) * 2
    pooled = grouped_iqr_fence_mask(frame, value="salary", by=[])
    assert pooled.tolist() == iqr_fence_mask(frame.salary.to_numpy()).tolist()


def test_grouped_fences_reject_a_missing_column() -> None:
    with pytest.raises(StatsError, match="lacks"):
        grouped_iqr_fence_mask(pd.DataFrame({"salary": [1.0]}), value="salary", by=["country"])


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["FR", "BE", None]),
            st.one_of(st.floats(1.0, 1e6), st.just(0.0), st.just(float("nan"))),
        ),
        max_size=80,
    ),
    floor=st.sampled_from([0.0, MIN_LOG_IQR, 1.0]),
)
def test_grouped_fences_equal_the_per_group_ones(
    rows: list[tuple[str | None, float]], floor: float
) -> None:
    frame = pd.DataFrame(rows, columns=["country", "salary"])
    kept = grouped_iqr_fence_mask(frame, value="salary", by=["country"], min_log_iqr=floor)
    for _, group in frame.groupby("country", dropna=False):
        expected = iqr_fence_mask(group.salary.to_numpy(), min_log_iqr=floor)
        assert kept.loc[group.index].tolist() == expected.tolist()
