"""cmbench statistics: pure numpy / pandas / scipy, nothing from Django or the project.

Quantiles (Hyndman–Fan type 7), confidence intervals (median by binomial order
statistics, shares by Wilson), group comparisons (Kruskal–Wallis, pairwise
Mann–Whitney with Holm), the log-salary profile model, outlier fences, the
publication (privacy) rules and positions among published percentiles. See
each module for formulas and units.

Names are loaded on first use (PEP 562): `from benchmarks.stats import
MIN_COHORT` reads `tiers` alone, so the web process, which needs thresholds,
shares (`shares`) and positions (`positions`), never loads pandas or scipy;
the snapshot build, which needs the rest, loads them with the module it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.stats.comparisons import (
        KruskalResult,
        epsilon_squared_unclipped,
        holm_adjust,
        kruskal_wallis,
        pairwise_mann_whitney,
    )
    from benchmarks.stats.errors import (
        CubeError,
        InsufficientDataError,
        RankDeficientError,
        StatsError,
    )
    from benchmarks.stats.intervals import (
        MedianCiRanks,
        grouped_median_ci,
        median_ci,
        median_ci_ranks,
    )
    from benchmarks.stats.model import (
        OPEN_LEVEL,
        LogSalaryModel,
        Prediction,
        fit_log_salary_model,
    )
    from benchmarks.stats.outliers import grouped_iqr_fence_mask, iqr_fence_mask
    from benchmarks.stats.positions import (
        PercentilePosition,
        percentile_band,
        percentile_interval,
        percentile_position,
    )
    from benchmarks.stats.privacy import (
        SuppressionReport,
        check_subtraction_rules,
        confidence_tiers,
        secondary_suppression,
        secondary_suppression_report,
        tails_published,
    )
    from benchmarks.stats.quantiles import group_starts, grouped_quantiles, quantile_type7
    from benchmarks.stats.shares import (
        SharePercent,
        WilsonInterval,
        interleaved_share_percent,
        share_percent,
        wilson_interval,
    )
    from benchmarks.stats.tiers import (
        MIN_COHORT,
        MIN_TAILS,
        TIER_HIGH_FROM,
        TIER_MEDIUM_FROM,
        Tier,
        confidence_tier,
    )

# Each public name and the module that defines it.
_MODULE_OF = {
    **dict.fromkeys(
        (
            "KruskalResult",
            "epsilon_squared_unclipped",
            "holm_adjust",
            "kruskal_wallis",
            "pairwise_mann_whitney",
        ),
        "comparisons",
    ),
    **dict.fromkeys(
        ("CubeError", "InsufficientDataError", "RankDeficientError", "StatsError"), "errors"
    ),
    **dict.fromkeys(
        ("MedianCiRanks", "grouped_median_ci", "median_ci", "median_ci_ranks"), "intervals"
    ),
    **dict.fromkeys(
        ("OPEN_LEVEL", "LogSalaryModel", "Prediction", "fit_log_salary_model"), "model"
    ),
    **dict.fromkeys(("grouped_iqr_fence_mask", "iqr_fence_mask"), "outliers"),
    **dict.fromkeys(
        (
            "PercentilePosition",
            "percentile_band",
            "percentile_interval",
            "percentile_position",
        ),
        "positions",
    ),
    **dict.fromkeys(
        (
            "SuppressionReport",
            "check_subtraction_rules",
            "confidence_tiers",
            "secondary_suppression",
            "secondary_suppression_report",
            "tails_published",
        ),
        "privacy",
    ),
    **dict.fromkeys(("group_starts", "grouped_quantiles", "quantile_type7"), "quantiles"),
    **dict.fromkeys(
        (
            "SharePercent",
            "WilsonInterval",
            "interleaved_share_percent",
            "share_percent",
            "wilson_interval",
        ),
        "shares",
    ),
    **dict.fromkeys(
        (
            "MIN_COHORT",
            "MIN_TAILS",
            "TIER_HIGH_FROM",
            "TIER_MEDIUM_FROM",
            "Tier",
            "confidence_tier",
        ),
        "tiers",
    ),
}

__all__ = [
    "MIN_COHORT",
    "MIN_TAILS",
    "OPEN_LEVEL",
    "TIER_HIGH_FROM",
    "TIER_MEDIUM_FROM",
    "CubeError",
    "InsufficientDataError",
    "KruskalResult",
    "LogSalaryModel",
    "MedianCiRanks",
    "PercentilePosition",
    "Prediction",
    "RankDeficientError",
    "SharePercent",
    "StatsError",
    "SuppressionReport",
    "Tier",
    "WilsonInterval",
    "check_subtraction_rules",
    "confidence_tier",
    "confidence_tiers",
    "epsilon_squared_unclipped",
    "fit_log_salary_model",
    "group_starts",
    "grouped_iqr_fence_mask",
    "grouped_median_ci",
    "grouped_quantiles",
    "holm_adjust",
    "interleaved_share_percent",
    "iqr_fence_mask",
    "kruskal_wallis",
    "median_ci",
    "median_ci_ranks",
    "pairwise_mann_whitney",
    "percentile_band",
    "percentile_interval",
    "percentile_position",
    "quantile_type7",
    "secondary_suppression",
    "secondary_suppression_report",
    "share_percent",
    "tails_published",
    "wilson_interval",
]


def __getattr__(name: str) -> Any:
    """Load the module defining `name` on first use, then keep the name here."""
    module_name = _MODULE_OF.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
