"""GET .../breakdown/, estimate/ and trends/: cohorts compared, a profile, editions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.test import Client
from scipy import stats

from benchmarks.models import Cell, Metric, ProfileModel
from surveys.models import SurveyResponse
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published, cell, published_json
from tests.expected import published_count, published_money

pytestmark = pytest.mark.django_db
published = api_fixtures.published

API = "/api/v1/benchmarks"


def test_a_breakdown_lists_every_published_level_in_order_with_the_comparison(
    published: Published, client: Client
) -> None:
    body = client.get(f"{API}/salaries/breakdown/", {"by": "education"}).json()

    assert body["cohort"] == {"country": "FR", "year": 2026}
    assert body["published"] is True
    assert body["by"] == "education"
    assert body["unit"] == "gross_annual_fte" and body["basis"] == "total"
    # The test answers use four education codes, all with enough answers; vocabulary order.
    assert [level["level"] for level in body["levels"]] == ["bac2", "bac3", "bac5"]
    for level in body["levels"]:
        stored = cell(published, Metric.SALARY, education=level["level"])
        assert level["cohort"] == {"country": "FR", "year": 2026, "education": level["level"]}
        assert level["n"] == stored.n
        assert level["percentiles"]["p50"] == stored.p50
        assert level["median_ci95"] == [stored.median_ci_low, stored.median_ci_high]
    comparison = body["comparison"]
    assert comparison == cell(published, Metric.SALARY).extras["comparisons"]["education"]
    assert comparison["groups"] == ["bac2", "bac3", "bac5"]
    assert comparison["df"] == 2  # three groups
    # The same H as scipy on the raw salaries of each level (nothing fenced out here).
    salaries = {
        code: np.array(
            SurveyResponse.objects.filter(
                edition__year=2026, country="FR", status="employee", education=code
            ).values_list("total_fte", flat=True),
            dtype=float,
        )
        for code in comparison["groups"]
    }
    size = sum(len(values) for values in salaries.values())
    assert size == cell(published, Metric.SALARY).true_n
    # Its size is a perturbed count of exactly those answers (privacy rules 3 and 6).
    keys = SurveyResponse.objects.filter(
        edition__year=2026, country="FR", status="employee", education__in=comparison["groups"]
    ).values_list("record_key", flat=True)
    assert comparison["n"] == published_count(keys)
    # Statistics are published rounded: H and effect size to 0.01, p to two digits.
    expected = stats.kruskal(*salaries.values())
    assert comparison["h"] == round(expected.statistic, 2)
    assert comparison["p_value"] == float(f"{expected.pvalue:.2g}")
    k = len(comparison["groups"])
    bias_corrected = (expected.statistic - k + 1) / (size - k)  # DESIGN.md, Statistics
    assert comparison["epsilon_squared"] == round(max(bias_corrected, 0.0), 2)
    assert [(pair["a"], pair["b"]) for pair in comparison["pairwise"]] == [
        ("bac2", "bac3"),
        ("bac2", "bac5"),
        ("bac3", "bac5"),
    ]
    for pair in comparison["pairwise"]:
        assert pair["p_value"] <= pair["p_holm"] <= 1


def test_a_breakdown_of_a_two_filter_cohort_has_no_comparison(
    published: Published, client: Client
) -> None:
    body = client.get(
        f"{API}/salaries/breakdown/", {"by": "region", "experience": "10+", "education": "bac5"}
    ).json()

    assert body["published"] is True
    assert body["comparison"] is None
    for level in body["levels"]:
        assert level["cohort"] == {
            "country": "FR",
            "year": 2026,
            "region": level["level"],
            "experience": "10+",
            "education": "bac5",
        }
        stored = cell(
            published, Metric.SALARY, region=level["level"], experience="10+", education="bac5"
        )
        assert level["n"] == stored.n


def test_the_mission_breakdown_sets_those_who_do_it_beside_those_who_do_not(
    published: Published, client: Client
) -> None:
    body = client.get(f"{API}/day-rates/breakdown/", {"by": "mission"}).json()
    overall = cell(published, Metric.DAY_RATE)

    assert body["by"] == "mission"
    assert body["comparison"] is None
    assert "shares_under" in body["levels"][0]
    by_mission: dict[str, dict[bool, int]] = {}
    true_n: dict[str, dict[bool, int]] = {}
    for level in body["levels"]:
        by_mission.setdefault(level["level"], {})[level["done"]] = level["n"]
        stored = Cell.objects.get(
            snapshot=published.snapshot,
            metric=Metric.DAY_RATE,
            country="FR",
            year=2026,
            mission=level["level"],
            mission_done=level["done"],
            region="",
            experience="",
            education="",
            role="",
        )
        assert level["n"] == stored.n
        true_n.setdefault(level["level"], {})[level["done"]] = stored.true_n
        assert level["cohort"] == {"country": "FR", "year": 2026, "mission": level["level"]}
    # Vocabulary order. The test answers only ever pick four missions: for the
    # others nobody does it, and "those who do not" are the whole cohort.
    assert list(by_mission)[:4] == ["animation", "content", "moderation", "customer-care"]
    # The true counts add up; the published ones carry their own noise (privacy rule 3).
    for mission, counts in true_n.items():
        if mission in ("animation", "content", "moderation", "crisis"):
            assert counts[True] + counts[False] == overall.true_n, mission
        else:
            assert counts == {False: overall.true_n}, mission
            # The same answers as the whole cohort: the same perturbed count.
            assert by_mission[mission] == {False: overall.n}, mission
    freelancers = SurveyResponse.objects.filter(
        edition__year=2026, country="FR", status="freelance"
    )
    animation = [
        key for key, mask in freelancers.values_list("record_key", "missions_mask") if mask & 1
    ]
    assert by_mission["animation"][True] == published_count(animation)


def test_a_breakdown_with_no_published_level_is_not_published(
    published: Published, client: Client
) -> None:
    body = client.get(f"{API}/day-rates/breakdown/", {"by": "region", "country": "CH"}).json()

    assert body == {
        "cohort": {"country": "CH", "year": 2026},
        "published": False,
        "snapshot": published_json(published),
    }


def test_a_breakdown_reads_its_cells_in_two_queries(
    published: Published, client: Client, django_assert_num_queries
) -> None:
    with django_assert_num_queries(2):
        response = client.get(f"{API}/day-rates/breakdown/", {"by": "experience"})
    assert response.status_code == 200
    assert len(response.json()["levels"]) == 4


def _design_row(fitted: dict, profile: dict) -> np.ndarray:
    """The model's design row for a profile, built by hand from the stored columns."""
    row = []
    for column in fitted["columns"]:
        if column == "intercept":
            row.append(1.0)
        elif column in fitted["numeric"]:
            row.append(float(profile[column]))
        else:
            factor, level = column[:-1].split("[")
            used = fitted["level_map"][factor].get(profile.get(factor) or "", None)
            used = used or fitted["reference"][factor]
            row.append(1.0 if used == level else 0.0)
    return np.array(row)


def test_the_estimate_is_the_models_median_with_an_80_percent_prediction_interval(
    published: Published, client: Client
) -> None:
    profile = {
        "experience_years": 4,
        "education": "bac5",
        "employer_size": "large",
        "region": "FR-ARA",
        "role": "moderator",
        "employer_type": "agency",
    }

    body = client.get(f"{API}/estimate/", profile).json()

    fitted = ProfileModel.objects.get(snapshot=published.snapshot, country="FR", year=2026).fitted
    x0 = _design_row(fitted, profile)
    log_estimate = float(x0 @ np.array(fitted["coefficients"]))
    # t quantile of (1 + 0.8) / 2 with n - p degrees of freedom; s^2 (1 + x0'(X'X)^-1 x0).
    t = stats.t.ppf(0.9, fitted["n"] - fitted["p"])
    spread = t * math.sqrt(
        fitted["residual_variance"] * (1 + x0 @ np.array(fitted["xtx_inv"]) @ x0)
    )
    assert body == {
        "kind": "estimate",
        "profile": {"country": "FR", "year": 2026, **profile},
        "published": True,
        "currency": "EUR",
        "unit": "gross_annual_fte",
        "basis": "total",
        # Rounded to 100 like every published salary (privacy rule 4).
        "estimate": published_money(math.exp(log_estimate), 100),
        "prediction_interval80": [
            published_money(math.exp(log_estimate - spread), 100),
            published_money(math.exp(log_estimate + spread), 100),
        ],
        # A perturbed count of the employees it was fitted on (privacy rule 5).
        "fitted_on": published_count(
            SurveyResponse.objects.filter(
                edition__year=2026, country="FR", status="employee"
            ).values_list("record_key", flat=True)
        ),
        "levels_used": {
            "education": "bac5",
            "employer_size": "large",
            "employer_type": "agency",
            "region": "FR-ARA",
            "role": "moderator",
        },
        "snapshot": published_json(published),
    }


def test_a_factor_left_out_is_averaged_over_its_mix_not_read_at_one_level(
    published: Published, client: Client
) -> None:
    profile = {
        "experience_years": 4,
        "education": "bac5",
        "employer_size": "large",
        "region": "FR-ARA",
        "employer_type": "agency",
    }
    body = client.get(f"{API}/estimate/", profile).json()
    fitted = ProfileModel.objects.get(snapshot=published.snapshot, country="FR", year=2026).fitted

    assert body["profile"] == {"country": "FR", "year": 2026, **profile}
    assert body["levels_used"]["role"] == "*"
    # Computed by hand: the mixture of each role's predictive t distribution,
    # weighted by the role's share of the fitted answers; its median, on a grid.
    df = fitted["n"] - fitted["p"]
    means, scales, weights = [], [], []
    for role, weight in fitted["level_shares"]["role"].items():
        x0 = _design_row(fitted, {**profile, "role": role})
        means.append(float(x0 @ np.array(fitted["coefficients"])))
        scales.append(
            math.sqrt(fitted["residual_variance"] * (1 + x0 @ np.array(fitted["xtx_inv"]) @ x0))
        )
        weights.append(weight)
    grid = np.linspace(min(means) - 1, max(means) + 1, 400_001)
    cdf = sum(
        w * stats.t.cdf((grid - m) / sc, df)
        for w, m, sc in zip(weights, means, scales, strict=True)
    ) / sum(weights)
    median = math.exp(grid[np.searchsorted(cdf, 0.5)])
    assert abs(body["estimate"] - median) <= 50 + 1  # rounded to the nearest 100
    assert body["estimate"] % 100 == 0
    low, high = body["prediction_interval80"]
    assert low < body["estimate"] < high


def test_without_a_model_for_the_country_the_estimate_is_not_published(
    published: Published, client: Client
) -> None:
    # 14 Belgian answers: too few to fit a model (50).
    body = client.get(f"{API}/estimate/", {"experience_years": "4", "country": "BE"}).json()

    assert body == {
        "kind": "estimate",
        "profile": {"country": "BE", "year": 2026, "experience_years": 4},
        "published": False,
        "snapshot": published_json(published),
    }


def test_trends_give_the_median_of_each_edition_and_the_change(
    published: Published, client: Client
) -> None:
    body = client.get(f"{API}/trends/", {"metric": "day-rate"}).json()
    before = cell(published, Metric.DAY_RATE, year=2025)
    after = cell(published, Metric.DAY_RATE, year=2026)

    assert body["cohort"] == {"country": "FR"}
    assert body["metric"] == "day-rate"
    assert body["unit"] == "day_rate_excl_vat"
    assert body["editions"] == [
        {
            "year": year,
            "published": True,
            "n": stored.n,
            "confidence": stored.confidence,
            "median": stored.p50,
            "median_ci95": [stored.median_ci_low, stored.median_ci_high],
        }
        for year, stored in ((2025, before), (2026, after))
    ]
    change = after.p50 - before.p50
    nominal = ("from_year", "to_year", "absolute", "percent")
    assert [{key: item[key] for key in nominal} for item in body["changes"]] == [
        {
            "from_year": 2025,
            "to_year": 2026,
            "absolute": change,
            "percent": round(100 * change / before.p50, 1),
        }
    ]
    # Its interval and the constant-money change: tests/benchmarks/test_trend_changes.py.
    low, high = body["changes"][0]["absolute_ci95"]
    assert low <= change <= high


def test_an_edition_where_the_cohort_is_suppressed_breaks_the_chain_of_changes(
    published: Published, client: Client
) -> None:
    # A salary cohort published in 2026 but not in 2025 (300 answers that year, not 600).
    only_2026 = (
        Cell.objects.filter(
            snapshot=published.snapshot, metric=Metric.SALARY, year=2026, mission=""
        )
        .exclude(region="")
        .exclude(experience="")
        .filter(education="", employer_size="", employer_type="", role="")
    )
    for candidate in only_2026:
        if (
            cell(
                published,
                Metric.SALARY,
                year=2025,
                region=candidate.region,
                experience=candidate.experience,
            )
            is None
        ):
            break
    else:
        raise AssertionError("no cohort is published in 2026 only")

    body = client.get(
        f"{API}/trends/", {"region": candidate.region, "experience": candidate.experience}
    ).json()

    assert body["editions"][0] == {"year": 2025, "published": False}
    assert body["editions"][1]["median"] == candidate.p50
    assert body["changes"] == []
