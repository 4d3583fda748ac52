from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.stats import StatsError, grouped_iqr_fence_mask, iqr_fence_mask

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
    )
)
def test_grouped_fences_equal_the_per_group_ones(rows: list[tuple[str | None, float]]) -> None:
    frame = pd.DataFrame(rows, columns=["country", "salary"])
    kept = grouped_iqr_fence_mask(frame, value="salary", by=["country"])
    for _, group in frame.groupby("country", dropna=False):
        expected = iqr_fence_mask(group.salary.to_numpy())
        assert kept.loc[group.index].tolist() == expected.tolist()
