"""cmbench statistics: pure numpy / pandas / scipy, nothing from Django or the project.

Quantiles (Hyndman–Fan type 7), confidence intervals (median by binomial order
statistics, shares by Wilson), group comparisons (Kruskal–Wallis, pairwise
Mann–Whitney with Holm), the log-salary profile model, outlier fences and the
publication (privacy) rules. See each module for formulas and units.
"""

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
    SharePercent,
    WilsonInterval,
    grouped_median_ci,
    median_ci,
    median_ci_ranks,
    share_percent,
    wilson_interval,
)
from benchmarks.stats.model import OPEN_LEVEL, LogSalaryModel, Prediction, fit_log_salary_model
from benchmarks.stats.outliers import grouped_iqr_fence_mask, iqr_fence_mask
from benchmarks.stats.privacy import (
    MIN_COHORT,
    MIN_TAILS,
    TIER_HIGH_FROM,
    TIER_MEDIUM_FROM,
    SuppressionReport,
    Tier,
    check_subtraction_rules,
    confidence_tier,
    confidence_tiers,
    secondary_suppression,
    secondary_suppression_report,
    tails_published,
)
from benchmarks.stats.quantiles import group_starts, grouped_quantiles, quantile_type7

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
    "iqr_fence_mask",
    "kruskal_wallis",
    "median_ci",
    "median_ci_ranks",
    "pairwise_mann_whitney",
    "quantile_type7",
    "secondary_suppression",
    "secondary_suppression_report",
    "share_percent",
    "tails_published",
    "wilson_interval",
]
