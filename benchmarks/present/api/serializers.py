"""Shapes of the benchmark API: the payload builders the views call, and the serializers
that document them in the OpenAPI schema.

Payloads are plain dicts built straight from published cells: a cohort read is
the hot path of the API, and a DRF serializer pass would cost more than the
query. The serializers below describe exactly those dicts (drf-spectacular
reads them, schemathesis checks every answer against them).

A cohort that is not published — suppressed by the privacy rules or empty —
gets `{"cohort": ..., "published": false, "snapshot": ...}` and nothing else,
so the two cannot be told apart (DESIGN.md privacy rule 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from rest_framework import serializers

from benchmarks.models import Cell, Metric
from benchmarks.read.answers import CohortPosition, PooledCohort, figures_of
from benchmarks.read.lookup import PublishedSnapshot, cell_memo

UNITS = {
    Metric.SALARY: "gross_annual_fte",
    Metric.SALARY_BASE: "gross_annual_fte",
    Metric.DAY_RATE: "day_rate_excl_vat",
}
BASIS = {Metric.SALARY: "total", Metric.SALARY_BASE: "base"}
# Share families of a cell's extras and the key each has in a payload.
SHARE_FAMILIES = (("under", "shares_under"), ("missions", "missions"), ("kpis", "kpis"))


def snapshot_payload(published: PublishedSnapshot) -> dict[str, Any]:
    """The `snapshot` block of every answer (shared between answers: do not modify it)."""
    snapshot = published.snapshot
    return _snapshot_payload(snapshot.pk, snapshot.published_at, snapshot.is_demo)


@lru_cache(maxsize=8)
def _snapshot_payload(pk: int, published_at: datetime | None, demo: bool) -> dict[str, Any]:
    return {
        "id": pk,
        "published_at": (
            published_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            if published_at is not None
            else None
        ),
        "demo": demo,
    }


def unpublished_payload(
    cohort: Mapping[str, Any], published: PublishedSnapshot, *, key: str = "cohort"
) -> dict[str, Any]:
    """The whole answer about a cohort with no published figures, suppressed or empty alike."""
    return {key: dict(cohort), "published": False, "snapshot": snapshot_payload(published)}


def shares(stored: Mapping[str, Sequence[int]]) -> dict[str, dict[str, Any]]:
    """{"200": (44, 40, 48)} -> {"200": {"percent": 44, "ci95": [40, 48]}}."""
    return {
        code: {"percent": share[0], "ci95": [share[1], share[2]]} for code, share in stored.items()
    }


def figures(cell: Cell) -> dict[str, Any]:
    """A published cell's figures: n, tier, percentiles (p10/p90 from 20), median CI, shares.

    Kept in the read lane's `cell_memo` with the cell: the figures of a
    published cell never change, and a worker may serve it many times. Shared:
    callers copy before changing the dict.
    """
    return cell_memo.remember(cell, "api-figures", lambda: _figures(cell))


def _figures(cell: Cell) -> dict[str, Any]:
    figures = figures_of(cell)
    payload: dict[str, Any] = {
        "n": figures.n,
        "confidence": figures.confidence,
        "percentiles": dict(figures.percentiles),
        "median_ci95": list(figures.median_ci),
    }
    for family, key in SHARE_FAMILIES:
        if figures.shares.get(family):
            payload[key] = shares(figures.shares[family])
    return payload


def cell_payload(
    cohort: Mapping[str, Any], cell: Cell, *, metric: str, published: PublishedSnapshot
) -> dict[str, Any]:
    """DESIGN.md's cohort answer: cohort, published, n, confidence, currency, unit, figures."""
    payload: dict[str, Any] = {
        "cohort": dict(cohort),
        "published": True,
        "n": cell.n,
        "confidence": cell.confidence,
        "currency": cell.currency,
        "unit": UNITS[metric],
    }
    if metric in BASIS:
        payload["basis"] = BASIS[metric]
    payload.update(
        (key, value) for key, value in figures(cell).items() if key not in ("n", "confidence")
    )
    payload["snapshot"] = snapshot_payload(published)
    return payload


def pooled_payload(pooled: PooledCohort) -> dict[str, Any]:
    """The `pooled` block of a thin country's cohort answer: its figures over several editions.

    Shown beside the cohort's own figures (or their absence), never instead of
    them: {"editions": [2024, 2025, 2026], "money_of": 2026, "price_index":
    {"source": ..., "factors": {"2024": 1.0512, ...}}, "n", "confidence",
    "percentiles", "median_ci95", shares}.
    """
    return {
        "editions": list(pooled.editions),
        "money_of": pooled.last_year,
        "price_index": {
            "source": pooled.index_source,
            "factors": {str(year): factor for year, factor in pooled.price_factors.items()},
        },
        **figures(pooled.cell),
    }


def with_pooled(payload: dict[str, Any], pooled: PooledCohort) -> dict[str, Any]:
    """A cohort answer with its `pooled` block, placed before `snapshot`."""
    snapshot = payload.pop("snapshot")
    return {**payload, "pooled": pooled_payload(pooled), "snapshot": snapshot}


def position_payload(placed: CohortPosition) -> dict[str, Any]:
    """The `position` block: the reading the pay-check pages give (`answers.pay_position`).

    Exactly one of `percentile` (n >= 50), `band` (n < 50; either rank may be
    null) and `below` / `above` (outside the published percentiles) is set,
    and `reading` names it. With `band`, `percentile_band` gives the band in
    whole percentiles allowing for the cohort's size (95% Wilson interval of the
    interpolated rank: `stats.percentile_interval`); null otherwise.
    """
    if placed.below is not None:
        reading = "below"
    elif placed.above is not None:
        reading = "above"
    elif placed.band is not None:
        reading = "band"
    else:
        reading = "percentile"
    return {
        "reading": reading,
        "percentile": placed.percentile,
        "band": (
            {"lower": placed.band[0], "upper": placed.band[1]} if placed.band is not None else None
        ),
        "below": placed.below,
        "above": placed.above,
        "percentile_band": (
            {"lower": placed.percentile_band[0], "upper": placed.percentile_band[1]}
            if placed.percentile_band is not None
            else None
        ),
    }


# --- Schema ----------------------------------------------------------------------------------


class PublishedSnapshotSerializer(serializers.Serializer):
    """The snapshot the figures come from."""

    id = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    demo = serializers.BooleanField(help_text="Built from synthetic demo answers, not real ones.")


class PercentilesSerializer(serializers.Serializer):
    """Type-7 percentiles in whole currency units; p10 and p90 only from n = 20."""

    p10 = serializers.IntegerField(required=False)
    p25 = serializers.IntegerField()
    p50 = serializers.IntegerField()
    p75 = serializers.IntegerField()
    p90 = serializers.IntegerField(required=False)


class ShareSerializer(serializers.Serializer):
    """A share in whole percents, with its 95% Wilson score interval."""

    percent = serializers.IntegerField(min_value=0, max_value=100)
    ci95 = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=100), min_length=2, max_length=2
    )


def _money_pair(help_text: str, *, required: bool = True) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(),
        min_length=2,
        max_length=2,
        help_text=help_text,
        required=required,
    )


class FiguresSerializer(serializers.Serializer):
    """The published figures of one cell."""

    n = serializers.IntegerField(min_value=10, help_text="Answers in the cohort (at least 10).")
    confidence = serializers.ChoiceField(
        choices=["low", "medium", "high"], help_text="low: n 10-19; medium: 20-49; high: 50+."
    )
    percentiles = PercentilesSerializer()
    median_ci95 = _money_pair("95% interval of the median (binomial order statistics).")
    shares_under = serializers.DictField(
        child=ShareSerializer(),
        required=False,
        help_text='Day rates: share under each threshold, e.g. {"300": {...}}.',
    )
    missions = serializers.DictField(
        child=ShareSerializer(), required=False, help_text="Share doing each mission."
    )
    kpis = serializers.DictField(
        child=ShareSerializer(), required=False, help_text="Share reporting on each KPI."
    )


COHORT_HELP = 'The cohort asked for, defaults applied: {"country": "FR", "year": 2026, ...}.'
PUBLISHED_HELP = (
    "false when the cohort is suppressed (fewer than 10 answers, or privacy rule 2) or empty: "
    "the answer then holds cohort, published and snapshot only."
)


class PriceIndexSerializer(serializers.Serializer):
    """The consumer price index that brought earlier editions to the latest one's money."""

    source = serializers.CharField(help_text="Who publishes the index, and where.")
    factors = serializers.DictField(
        child=serializers.FloatField(),
        help_text='Each edition\'s factor index(latest) / index(edition), e.g. {"2024": 1.0512}.',
    )


class PooledFiguresSerializer(FiguresSerializer):
    """A thin country's cohort pooled over its last editions, in the latest edition's money."""

    editions = serializers.ListField(
        child=serializers.IntegerField(), help_text="The editions pooled, oldest first."
    )
    money_of = serializers.IntegerField(help_text="The edition whose money every amount is in.")
    price_index = PriceIndexSerializer()


POOLED_HELP = (
    "Only where the country is thin (its latest edition publishes fewer than 20 salary cells) "
    "and the edition asked is the latest: the same cohort pooled over the country's last three "
    "editions, every earlier amount multiplied by index(latest) / index(its edition) (the "
    "country's consumer price index, `price_index`), under the same privacy rules (perturbed "
    "n, rounded money, nothing under 10 answers). Absent otherwise, and absent when the pooled "
    "cohort is not published either."
)


class CohortAnswerSerializer(serializers.Serializer):
    """One cohort's figures, or `published: false` and nothing else (but `pooled`)."""

    cohort = serializers.DictField(child=serializers.JSONField(), help_text=COHORT_HELP)
    published = serializers.BooleanField(help_text=PUBLISHED_HELP)
    n = serializers.IntegerField(required=False, min_value=10)
    confidence = serializers.ChoiceField(choices=["low", "medium", "high"], required=False)
    currency = serializers.CharField(required=False, help_text="ISO 4217: EUR, CHF or CAD.")
    unit = serializers.ChoiceField(
        choices=["gross_annual_fte", "day_rate_excl_vat"],
        required=False,
        help_text="Salaries: gross per year, full-time equivalent. Day rates: excluding VAT.",
    )
    basis = serializers.ChoiceField(
        choices=["total", "base"], required=False, help_text="Salaries only."
    )
    percentiles = PercentilesSerializer(required=False)
    median_ci95 = _money_pair("95% interval of the median.", required=False)
    shares_under = serializers.DictField(
        child=ShareSerializer(), required=False, help_text="Day rates: share under 200/300/400/500."
    )
    missions = serializers.DictField(child=ShareSerializer(), required=False)
    kpis = serializers.DictField(child=ShareSerializer(), required=False)
    pooled = PooledFiguresSerializer(required=False, help_text=POOLED_HELP)
    snapshot = PublishedSnapshotSerializer()


class PairwiseSerializer(serializers.Serializer):
    a = serializers.CharField()
    b = serializers.CharField()
    p_value = serializers.FloatField(help_text="Mann-Whitney U, two-sided.")
    p_holm = serializers.FloatField(help_text="Holm-adjusted over every pair.")
    rank_biserial = serializers.FloatField(help_text="Effect size, -1 to 1.")


class ComparisonSerializer(serializers.Serializer):
    """Kruskal-Wallis across the published levels, with pairwise Mann-Whitney (Holm)."""

    test = serializers.CharField()
    groups = serializers.ListField(child=serializers.CharField())
    h = serializers.FloatField()
    df = serializers.IntegerField()
    p_value = serializers.FloatField()
    epsilon_squared = serializers.FloatField(help_text="Effect size, 0 to 1.")
    pairwise = PairwiseSerializer(many=True)


class LevelSerializer(FiguresSerializer):
    """One published level of the breakdown."""

    level = serializers.CharField(help_text="The level's code (a mission's for by=mission).")
    done = serializers.BooleanField(
        required=False,
        help_text="by=mission: true for those who do the mission, false for those who do not.",
    )
    cohort = serializers.DictField(child=serializers.JSONField())


class BreakdownAnswerSerializer(serializers.Serializer):
    """A cohort broken down along one dimension, or `published: false` and nothing else."""

    cohort = serializers.DictField(child=serializers.JSONField(), help_text=COHORT_HELP)
    published = serializers.BooleanField(help_text="false when no level is published.")
    by = serializers.CharField(required=False)
    currency = serializers.CharField(required=False)
    unit = serializers.CharField(required=False)
    basis = serializers.ChoiceField(choices=["total", "base"], required=False)
    levels = LevelSerializer(many=True, required=False)
    comparison = ComparisonSerializer(
        required=False,
        allow_null=True,
        help_text="null where the snapshot did not compute it (cohorts with two filters or more, "
        "by=mission, fewer than two published levels).",
    )
    snapshot = PublishedSnapshotSerializer()


class PositionBandSerializer(serializers.Serializer):
    """The two published percentile ranks around the value (10, 25, 50, 75 or 90)."""

    lower = serializers.IntegerField(
        allow_null=True, help_text="The published rank just under the value; null if none."
    )
    upper = serializers.IntegerField(
        allow_null=True, help_text="The published rank just over the value; null if none."
    )


class PercentileBandSerializer(serializers.Serializer):
    """A band of whole percentiles: the 95% Wilson interval of the value's rank (n < 50)."""

    lower = serializers.IntegerField(
        min_value=0, max_value=100, help_text="The band's lowest percentile."
    )
    upper = serializers.IntegerField(
        min_value=0, max_value=100, help_text="The band's highest percentile."
    )


class PositionSerializer(serializers.Serializer):
    """Where the value stands among `cohort_used`'s published percentiles: one reading is set."""

    reading = serializers.ChoiceField(
        choices=["percentile", "band", "below", "above"],
        help_text="Which field below holds the reading.",
    )
    percentile = serializers.IntegerField(
        allow_null=True,
        help_text="Whole percentile where the cohort has 50 answers or more; null otherwise "
        "(a band below 50 answers, or outside the published range).",
    )
    band = PositionBandSerializer(
        allow_null=True,
        help_text="Where the cohort has fewer than 50 answers: the published ranks around the "
        'value, e.g. {"lower": 25, "upper": 50}; both equal on a published percentile. '
        "null otherwise.",
    )
    below = serializers.IntegerField(
        allow_null=True, help_text="Set when the value is under the lowest published percentile."
    )
    above = serializers.IntegerField(
        allow_null=True, help_text="Set when the value is over the highest published percentile."
    )
    percentile_band = PercentileBandSerializer(
        allow_null=True,
        help_text="Where the cohort has fewer than 50 answers and the value lies within its "
        "published percentiles: the band of whole percentiles where the value stands, allowing "
        'for the cohort\'s size, e.g. {"lower": 16, "upper": 65} (\'between the 16th and the '
        "65th percentile'). It is the 95% Wilson score interval of the interpolated rank p at "
        "the published n, rounded outward and clipped to the published ranks. null where n >= 50 "
        "(read `percentile`) or outside the published percentiles.",
    )


COHORT_USED_HELP = (
    "The cohort the value was read in: the narrowest published cohort of the profile (role, "
    "experience, region), or the cohort asked when it filters on anything else."
)


def _position_answer(value_name: str, value_help: str) -> type[serializers.Serializer]:
    return type(
        f"{value_name.capitalize()}PositionAnswerSerializer",
        (serializers.Serializer,),
        {
            "__doc__": "Where a value stands in a cohort, or `published: false` and nothing else.",
            "__module__": __name__,
            "cohort": serializers.DictField(child=serializers.JSONField(), help_text=COHORT_HELP),
            "published": serializers.BooleanField(help_text=PUBLISHED_HELP),
            value_name: serializers.FloatField(required=False, help_text=value_help),
            "position": PositionSerializer(required=False),
            "cohort_used": serializers.DictField(
                child=serializers.JSONField(), required=False, help_text=COHORT_USED_HELP
            ),
            "narrower": serializers.ListField(
                child=serializers.DictField(child=serializers.JSONField()),
                required=False,
                help_text="The narrower cohorts of the profile tried first, not published.",
            ),
            "n": serializers.IntegerField(required=False, min_value=10),
            "confidence": serializers.ChoiceField(
                choices=["low", "medium", "high"], required=False
            ),
            "currency": serializers.CharField(required=False),
            "unit": serializers.CharField(required=False),
            "basis": serializers.ChoiceField(choices=["total", "base"], required=False),
            "percentiles": PercentilesSerializer(required=False),
            "snapshot": PublishedSnapshotSerializer(),
        },
    )


SalaryPositionAnswerSerializer = _position_answer("salary", "The salary asked about.")
RatePositionAnswerSerializer = _position_answer("rate", "The day rate asked about.")


class EstimateAnswerSerializer(serializers.Serializer):
    """A profile estimate from the log-salary model: not a cohort, and labelled so."""

    kind = serializers.ChoiceField(choices=["estimate"])
    profile = serializers.DictField(
        child=serializers.JSONField(), help_text="The profile asked for, country and year included."
    )
    published = serializers.BooleanField(
        help_text="false when no model is published for that country and edition."
    )
    currency = serializers.CharField(required=False)
    unit = serializers.CharField(required=False)
    basis = serializers.CharField(required=False)
    estimate = serializers.IntegerField(
        required=False, help_text="Median salary of the profile, whole currency units."
    )
    prediction_interval80 = _money_pair(
        "80% prediction interval for one person of that profile.", required=False
    )
    fitted_on = serializers.IntegerField(
        required=False,
        help_text="Answers the model was fitted on: a perturbed count (privacy rules 3 and 5).",
    )
    levels_used = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="The model level each factor was read at: levels whose one-filter cohort is "
        "not published are merged into `other`, and when `other` itself has fewer than 10 "
        "answers (or is not published) they are read with the factor's most common level, "
        "which is then the level named here; `*` marks a factor not given, averaged over its "
        "mix in the fitted answers.",
    )
    snapshot = PublishedSnapshotSerializer()


class TrendEditionSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    published = serializers.BooleanField()
    n = serializers.IntegerField(required=False)
    confidence = serializers.CharField(required=False)
    median = serializers.IntegerField(required=False)
    median_ci95 = _money_pair("95% interval of the median.", required=False)


def _percent_pair(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, help_text=help_text
    )


_CHANGE_CI = (
    "95% interval of the change, from the published figures only: each median's standard "
    "error is (interval high - low) / (2 z), z at the exact coverage of its order-statistic "
    "interval and its published n; the two editions are independent. Rounded like the medians."
)
_PERCENT_CI = "95% interval of the change in percent (log-ratio interval), one decimal."
_CLEAR = "false when the 95% interval includes 0: no clear change, the difference may be noise."


class TrendConstantMoneySerializer(serializers.Serializer):
    """The change with from_year's median in to_year's money (consumer price index)."""

    price_factor = serializers.FloatField(
        help_text="Price index of to_year / price index of from_year (country's consumer prices)."
    )
    absolute = serializers.IntegerField(
        help_text="Median of to_year minus price_factor x median of from_year, rounded."
    )
    absolute_ci95 = _money_pair(_CHANGE_CI)
    percent = serializers.FloatField(help_text="The real change in percent, one decimal.")
    percent_ci95 = _percent_pair(_PERCENT_CI)
    clear = serializers.BooleanField(help_text=_CLEAR)


class TrendChangeSerializer(serializers.Serializer):
    from_year = serializers.IntegerField()
    to_year = serializers.IntegerField()
    absolute = serializers.IntegerField(help_text="Median of to_year minus median of from_year.")
    percent = serializers.FloatField(help_text="The change in percent of from_year's median.")
    absolute_ci95 = _money_pair(_CHANGE_CI)
    percent_ci95 = _percent_pair(_PERCENT_CI)
    clear = serializers.BooleanField(help_text=_CLEAR)
    constant_money = TrendConstantMoneySerializer(
        allow_null=True,
        help_text="The change in constant money; null when the country has no consumer price "
        "index for either year (then only the nominal change is given).",
    )


class TrendAnswerSerializer(serializers.Serializer):
    """The cohort's median per edition, or `published: false` and nothing else."""

    cohort = serializers.DictField(child=serializers.JSONField(), help_text=COHORT_HELP)
    published = serializers.BooleanField(help_text="false when no edition publishes the cohort.")
    metric = serializers.ChoiceField(choices=["salary", "day-rate"], required=False)
    basis = serializers.ChoiceField(choices=["total", "base"], required=False)
    currency = serializers.CharField(required=False)
    unit = serializers.CharField(required=False)
    editions = TrendEditionSerializer(many=True, required=False)
    changes = TrendChangeSerializer(
        many=True, required=False, help_text="Between consecutive editions both published."
    )
    snapshot = PublishedSnapshotSerializer()


class ParameterErrorsSerializer(serializers.Serializer):
    """Refused query parameters: messages per parameter, in the request's language."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Parameter name to messages, e.g. {"experience": ["Unknown experience ..."]}.',
    )
