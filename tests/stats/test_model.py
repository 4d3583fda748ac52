from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from benchmarks.stats import (
    InsufficientDataError,
    LogSalaryModel,
    RankDeficientError,
    StatsError,
    fit_log_salary_model,
)

FACTORS = ["education", "employer_size", "role"]


def synthetic_responses(size: int = 600, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "experience_years": rng.integers(0, 25, size),
            "education": rng.choice(
                ["bac3", "bac5", "bac2", "doctorate"], size, p=[0.4, 0.4, 0.19, 0.01]
            ),
            "employer_size": rng.choice(["micro", "small", "medium", "large"], size),
            "role": rng.choice(
                ["community-manager", "social-media-manager", "moderator", "other"],
                size,
                p=[0.5, 0.3, 0.185, 0.015],
            ),
        }
    )
    log_salary = (
        10.3
        + 0.025 * frame.experience_years
        + 0.12 * (frame.education == "bac5")
        + 0.15 * (frame.employer_size == "large")
        - 0.1 * (frame.role == "moderator")
        + rng.normal(0, 0.18, size)
    )
    frame["salary"] = np.round(np.exp(log_salary))
    return frame


def fit(frame: pd.DataFrame) -> LogSalaryModel:
    return fit_log_salary_model(
        frame, target="salary", numeric=["experience_years"], categorical=FACTORS
    )


def statsmodels_fit(
    frame: pd.DataFrame, model: LogSalaryModel
) -> sm.regression.linear_model.RegressionResults:
    design = pd.DataFrame({"intercept": 1.0, "experience_years": frame.experience_years * 1.0})
    for factor in FACTORS:
        used = frame[factor].map(model.level_map[factor])
        for level in model.levels[factor][1:]:
            design[f"{factor}[{level}]"] = (used == level).astype(float)
    return sm.OLS(np.log(frame.salary), design).fit()


def test_it_matches_statsmodels_ols_and_its_prediction_interval() -> None:
    frame = synthetic_responses()
    model = fit(frame)
    reference = statsmodels_fit(frame, model)
    assert list(reference.model.exog_names) == list(model.columns)
    np.testing.assert_allclose(model.coefficients, reference.params.to_numpy(), rtol=1e-10)
    assert model.residual_variance == pytest.approx(reference.scale, rel=1e-10)
    np.testing.assert_allclose(
        model.xtx_inv, reference.normalized_cov_params.to_numpy(), rtol=1e-8, atol=1e-12
    )
    profiles = [
        {
            "experience_years": 4,
            "education": "bac5",
            "employer_size": "large",
            "role": "community-manager",
        },
        {"experience_years": 0, "education": "bac2", "employer_size": "micro", "role": "moderator"},
        {
            "experience_years": 18,
            "education": "bac3",
            "employer_size": "small",
            "role": "social-media-manager",
        },
    ]
    for profile in profiles:
        prediction = model.predict(profile)
        row = pd.DataFrame(
            [[1.0 if name == "intercept" else 0.0 for name in model.columns]],
            columns=model.columns,
        )
        row["experience_years"] = float(profile["experience_years"])
        for factor in FACTORS:
            name = f"{factor}[{profile[factor]}]"
            if name in row.columns:
                row[name] = 1.0
        summary = reference.get_prediction(row).summary_frame(alpha=0.2)
        assert prediction.estimate == pytest.approx(math.exp(summary["mean"].iloc[0]), rel=1e-10)
        assert prediction.low == pytest.approx(math.exp(summary["obs_ci_lower"].iloc[0]), rel=1e-10)
        assert prediction.high == pytest.approx(
            math.exp(summary["obs_ci_upper"].iloc[0]), rel=1e-10
        )
        assert prediction.level == 0.80
        assert prediction.n == 600


def test_an_intercept_only_model_matches_hand_computed_values() -> None:
    frame = pd.DataFrame({"salary": np.exp([10.0, 10.2, 10.4, 10.6])})
    model = fit_log_salary_model(frame, target="salary", numeric=[], categorical=[])
    prediction = model.predict({})
    # mean of logs 10.3; s^2 = (0.09 + 0.01 + 0.01 + 0.09) / 3; t_{0.9, 3} = 1.637744
    # half-width = t * s * sqrt(1 + 1/4) = 1.637744 * 0.258199 * 1.118034 = 0.472776
    assert prediction.estimate == pytest.approx(math.exp(10.3))
    half_width = stats.t.ppf(0.9, 3) * math.sqrt(0.2 / 3) * math.sqrt(1.25)
    assert half_width == pytest.approx(0.472776, abs=1e-6)
    assert prediction.low == pytest.approx(math.exp(10.3 - half_width))
    assert prediction.high == pytest.approx(math.exp(10.3 + half_width))


def test_rare_levels_merge_into_other_and_a_small_other_into_the_most_frequent_level() -> None:
    model = fit(synthetic_responses())
    # doctorate has ~6 rows < 10 and there is no other education: "other" would have
    # fewer than 10 rows, so it is folded into the most frequent level.
    assert "other" not in model.levels["education"]
    assert model.level_map["education"]["doctorate"] == model.reference["education"]
    assert model.reference["education"] == max(
        model.level_counts["education"], key=model.level_counts["education"].__getitem__
    )
    # role "other" (~9 rows) absorbs nothing and is itself too small: folded the same way.
    assert model.level_map["role"]["other"] == "community-manager"


def test_an_existing_other_level_absorbs_rare_levels() -> None:
    frame = synthetic_responses()
    frame.loc[frame.index[:30], "role"] = "other"
    frame.loc[frame.index[30:35], "role"] = "influence-manager"
    model = fit(frame)
    assert "other" in model.levels["role"]
    assert model.level_map["role"]["influence-manager"] == "other"
    prediction = model.predict(
        {
            "experience_years": 3,
            "education": "bac3",
            "employer_size": "small",
            "role": "influence-manager",
        }
    )
    assert prediction.levels_used["role"] == "other"
    unknown = model.predict(
        {
            "experience_years": 3,
            "education": "master-of-memes",
            "employer_size": "small",
            "role": "astronaut",
        }
    )
    assert unknown.levels_used == {
        "education": model.reference["education"],  # no "other" education: the reference
        "employer_size": "small",
        "role": "other",
    }


def test_the_json_round_trip_gives_identical_predictions() -> None:
    frame = synthetic_responses()
    model = fit(frame)
    stored = json.loads(json.dumps(model.to_dict()))
    restored = LogSalaryModel.from_dict(stored)
    profiles = frame.sample(50, random_state=2)
    pd.testing.assert_frame_equal(
        model.predict_frame(profiles, level=0.8), restored.predict_frame(profiles, level=0.8)
    )
    profile = {
        "experience_years": 7,
        "education": "bac5",
        "employer_size": "medium",
        "role": "moderator",
    }
    assert restored.predict(profile) == model.predict(profile)


def test_predict_frame_agrees_with_predict() -> None:
    frame = synthetic_responses()
    model = fit(frame)
    rows = frame.head(5)
    table = model.predict_frame(rows, level=0.9)
    for (_, row), (_, predicted) in zip(rows.iterrows(), table.iterrows(), strict=True):
        single = model.predict(row.to_dict(), level=0.9)
        assert single.estimate == pytest.approx(predicted.estimate, rel=1e-12)
        assert single.low == pytest.approx(predicted.low, rel=1e-12)
        assert single.high == pytest.approx(predicted.high, rel=1e-12)


def test_from_dict_rejects_a_malformed_model() -> None:
    stored = fit(synthetic_responses()).to_dict()
    with pytest.raises(StatsError, match="version"):
        LogSalaryModel.from_dict({**stored, "version": 99})
    with pytest.raises(StatsError, match="incomplete"):
        LogSalaryModel.from_dict({k: v for k, v in stored.items() if k != "levels"})
    with pytest.raises(StatsError, match="shapes"):
        LogSalaryModel.from_dict({**stored, "coefficients": stored["coefficients"][:-1]})


def test_it_refuses_more_coefficients_than_rows() -> None:
    frame = synthetic_responses(size=3)
    with pytest.raises(InsufficientDataError, match="n > p"):
        fit_log_salary_model(
            frame,
            target="salary",
            numeric=["experience_years"],
            categorical=FACTORS,
            min_level_count=1,
        )


def test_it_names_the_collinear_columns_of_a_rank_deficient_design() -> None:
    frame = synthetic_responses()
    frame["experience_months"] = frame.experience_years * 12
    with pytest.raises(RankDeficientError, match="experience_months"):
        fit_log_salary_model(
            frame,
            target="salary",
            numeric=["experience_years", "experience_months"],
            categorical=[],
        )
    frame["constant"] = 3.0
    with pytest.raises(RankDeficientError, match="constant"):
        fit_log_salary_model(frame, target="salary", numeric=["constant"], categorical=[])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"salary": 0.0}, "positive"),
        ({"salary": np.nan}, "missing"),
        ({"experience_years": np.nan}, "missing"),
        ({"role": None}, "missing values"),
    ],
)
def test_it_rejects_bad_rows(change: dict[str, object], message: str) -> None:
    frame = synthetic_responses()
    for column, value in change.items():
        frame[column] = frame[column].astype(object)
        frame.loc[frame.index[0], column] = value
    with pytest.raises(StatsError, match=message):
        fit(frame)


def test_it_rejects_a_missing_column_and_a_bad_profile() -> None:
    frame = synthetic_responses()
    with pytest.raises(StatsError, match="lacks"):
        fit_log_salary_model(frame, target="salary", numeric=["age"], categorical=[])
    model = fit(frame)
    with pytest.raises(StatsError, match="experience_years"):
        model.predict({"education": "bac5", "employer_size": "small", "role": "moderator"})
    with pytest.raises(StatsError, match="number"):
        model.predict(
            {
                "experience_years": "ten",
                "education": "bac5",
                "employer_size": "small",
                "role": "moderator",
            }
        )
