"""The cell key method's table and helpers (DESIGN.md privacy rules 3 and 4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.stats import MIN_COHORT, StatsError
from benchmarks.stats.perturbation import (
    KEY_RANGE,
    NOISE_BOUND,
    PERTURBATION_TABLE,
    cell_keys,
    perturbed_counts,
    perturbed_share_counts,
    round_money,
)

ALL_KEYS = np.arange(KEY_RANGE)


def noise_of(n: int) -> np.ndarray:
    return perturbed_counts(np.full(KEY_RANGE, n), ALL_KEYS) - n


@pytest.mark.parametrize("n", range(0, 40))
def test_every_row_is_bounded_and_unbiased(n: int) -> None:
    noise = noise_of(n)
    assert noise.min() >= -NOISE_BOUND
    assert noise.max() <= NOISE_BOUND
    # Exact arithmetic over the 256 equally likely keys: the mean is 0, not about 0.
    assert noise.sum() == 0


@pytest.mark.parametrize("n", [1, *range(2, 10), 11, 12, 50, 10_000])
def test_a_count_is_left_exact_for_at_most_30_percent_of_keys(n: int) -> None:
    assert (noise_of(n) == 0).mean() <= 0.30  # 52 / 256 = 0.203


def test_zero_and_the_threshold_are_the_only_rows_left_exact() -> None:
    # Mean 0 with nothing allowed below: the noise can only be 0 there.
    assert (noise_of(0) == 0).all()
    assert (noise_of(MIN_COHORT) == 0).all()


@pytest.mark.parametrize("n", range(MIN_COHORT, 60))
def test_a_published_cell_never_falls_under_the_threshold(n: int) -> None:
    assert perturbed_counts(np.full(KEY_RANGE, n), ALL_KEYS).min() >= MIN_COHORT


@pytest.mark.parametrize("n", range(0, 12))
def test_a_numerator_never_falls_under_zero(n: int) -> None:
    assert perturbed_counts(np.full(KEY_RANGE, n), ALL_KEYS).min() >= 0


def test_the_symmetric_row_spreads_the_noise() -> None:
    # Keys per value -2..+2 out of 256: 38, 64, 52, 64, 38 (variance 1.69).
    values, counts = np.unique(noise_of(25), return_counts=True)
    assert values.tolist() == [-2, -1, 0, 1, 2]
    assert counts.tolist() == [38, 64, 52, 64, 38]
    assert (noise_of(25) ** 2).mean() == pytest.approx(1.6875)  # (4*2*38 + 1*2*64) / 256


def test_the_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(ValueError):
        PERTURBATION_TABLE[0, 0] = 1


@given(st.lists(st.integers(0, KEY_RANGE - 1), min_size=1, max_size=60))
def test_the_same_responses_give_the_same_count_in_any_order(record_keys: list[int]) -> None:
    forward = cell_keys([sum(record_keys)])
    backward = cell_keys([sum(reversed(record_keys))])
    n = np.array([len(record_keys)])
    assert perturbed_counts(n, forward)[0] == perturbed_counts(n, backward)[0]


def test_a_cell_key_is_the_sum_of_record_keys_modulo_the_range() -> None:
    assert cell_keys([0, 255, 256, 600]).tolist() == [0, 255, 0, 88]  # 600 - 512 = 88


def test_a_numerator_is_clipped_to_its_published_denominator() -> None:
    keys = np.array([KEY_RANGE - 1])  # the last key reads +2 on a symmetric row
    assert perturbed_counts(np.array([30]), keys)[0] == 32
    assert perturbed_share_counts(np.array([30]), keys, np.array([31]))[0] == 31


def test_bad_counts_and_keys_are_refused() -> None:
    with pytest.raises(StatsError):
        perturbed_counts(np.array([-1]), np.array([0]))
    with pytest.raises(StatsError):
        perturbed_counts(np.array([3]), np.array([KEY_RANGE]))
    with pytest.raises(StatsError):
        perturbed_counts(np.array([3.5]), np.array([1]))
    with pytest.raises(StatsError):
        cell_keys([1.5])


def test_money_is_rounded_to_the_nearest_step_halves_up() -> None:
    rounded = round_money([34_049.9, 34_050.0, 34_149.99, np.nan], step=100)
    assert rounded[:3].tolist() == [34_000, 34_100, 34_100]
    assert np.isnan(rounded[3])
    # Day rates to 5: 212.4 -> 210, 212.5 -> 215 (half up).
    assert round_money([212.4, 212.5], step=5).tolist() == [210, 215]
    with pytest.raises(StatsError):
        round_money([1.0], step=0)
