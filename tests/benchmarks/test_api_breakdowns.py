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

pytestmark = pytest.mark.django_db
published = api_fixtures.published

API = "/api/v1/benchmarks"


def rounded(value: float) -> int:
    return math.floor(value + 0.5)


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
    assert sum(len(values) for values in salaries.values()) == cell(published, Metric.SALARY).n
    expected = stats.kruskal(*salaries.values())
    assert comparison["h"] == pytest.approx(expected.statistic, abs=1e-4)
    assert comparison["p_value"] == pytest.approx(expected.pvalue, rel=1e-6)
    assert comparison["epsilon_squared"] == pytest.approx(
        expected.statistic / (cell(published, Metric.SALARY).n - 1), abs=1e-4
    )
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
    for level in body["levels"]:
        by_mission.setdefault(level["level"], {})[level["done"]] = level["n"]
        assert level["cohort"] == {"country": "FR", "year": 2026, "mission": level["level"]}
    # Vocabulary order. The test answers only ever pick four missions: for the
    # others nobody does it, and "those who do not" are the whole cohort.
    assert list(by_mission)[:4] == ["animation", "content", "moderation", "customer-care"]
    for mission, counts in by_mission.items():
        if mission in ("animation", "content", "moderation", "crisis"):
            assert counts[True] + counts[False] == overall.n, mission
        else:
            assert counts == {False: overall.n}, mission
    animation = SurveyResponse.objects.filter(
        edition__year=2026, country="FR", status="freelance", missions_mask__gt=0
    )
    done = sum(1 for mask in animation.values_list("missions_mask", flat=True) if mask & 1)
    assert by_mission["animation"][True] == done


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
        "estimate": rounded(math.exp(log_estimate)),
        "prediction_interval80": [
            rounded(math.exp(log_estimate - spread)),
            rounded(math.exp(log_estimate + spread)),
        ],
        "fitted_on": fitted["n"],
        "levels_used": {
            "education": "bac5",
            "employer_size": "large",
            "employer_type": "agency",
            "region": "FR-ARA",
            "role": "moderator",
        },
        "snapshot": published_json(published),
    }


def test_a_factor_left_out_is_read_at_its_most_common_level(
    published: Published, client: Client
) -> None:
    body = client.get(f"{API}/estimate/", {"experience_years": "4"}).json()
    fitted = ProfileModel.objects.get(snapshot=published.snapshot, country="FR", year=2026).fitted

    assert body["profile"] == {"country": "FR", "year": 2026, "experience_years": 4}
    assert body["levels_used"] == fitted["reference"]
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
    assert body["changes"] == [
        {
            "from_year": 2025,
            "to_year": 2026,
            "absolute": change,
            "percent": round(100 * change / before.p50, 1),
        }
    ]


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
