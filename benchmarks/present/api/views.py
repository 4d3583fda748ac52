"""The benchmark API: read-only views over the current published snapshot.

Every view does the same four steps: find the current snapshot (503 before
the first one), validate the query with the parameters class the pages share (400
naming each bad parameter), answer a conditional request with 304 from the
snapshot's identity alone, then read the answer through `benchmarks.read.answers`.

HTTP caching: a published snapshot never changes, so an answer is determined
by its URL and the snapshot. ETag and Last-Modified come from the snapshot's
id and publication time; answers may be kept by any cache for five minutes
(`Cache-Control: public, max-age=300`). They set no cookie and do not vary
on cookies. They carry `Vary: Accept-Language`, added by LocaleMiddleware to
every response outside the translated URLs: it is accurate for the 400
messages, which follow the request's language, and harmless for the
figures, which are the same in every language.

Throttling: anonymous reads share the scope `anon_read`
(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], `THROTTLE_READ` in the
environment), keyed on a hash of `cmbench.clients.client_address` in the
default cache (Redis in production), so a forged X-Forwarded-For opens no
fresh bucket.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import batched
from typing import Any, ClassVar

import numpy as np
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext, gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from benchmarks.layout import PUBLIC_CELL_COLUMNS, SHARE_FAMILIES
from benchmarks.models import Cell, Metric
from benchmarks.present.api.answer_memo import remembering
from benchmarks.present.api.serializers import (
    BASIS,
    UNITS,
    BreakdownAnswerSerializer,
    CohortAnswerSerializer,
    EstimateAnswerSerializer,
    ParameterErrorsSerializer,
    RatePositionAnswerSerializer,
    SalaryPositionAnswerSerializer,
    TrendAnswerSerializer,
    cell_payload,
    figures,
    position_payload,
    snapshot_payload,
    unpublished_payload,
    with_pooled,
)
from benchmarks.present.queries import (
    SALARY,
    DayRateBreakdownParameters,
    DayRateParameters,
    DayRatePositionParameters,
    EstimateParameters,
    Parameters,
    SalaryBreakdownParameters,
    SalaryParameters,
    SalaryPositionParameters,
    TrendParameters,
    metric_of,
)
from benchmarks.read import answers
from benchmarks.read.lookup import (
    PublishedSnapshot,
    cell_memo,
    public_cell_rows,
    published_snapshot,
)
from benchmarks.stats.shares import interleaved_share_percent
from cmbench.api import (
    LANG_PARAMETER,
    DetailSerializer,
    PublicAPIView,
    RequestLanguageMixin,
)

NO_SNAPSHOT = gettext_noop("No figures are published yet.")
INVALID_PARAMETERS = gettext_noop("Invalid query parameters: %(names)s.")
CACHE_CONTROL = "public, max-age=300"
# Part of every ETag: bump it when the shape of the answers changes, so that
# caches drop answers of the same snapshot in the old shape.
PAYLOAD_VERSION = "4"


class FirstRenderer(BaseContentNegotiation):
    """Always the view's first renderer: these views speak JSON (or CSV) whatever is asked.

    DRF's default would answer 406 to `Accept: text/csv` on cells.csv and look
    through the Accept header on every request; there is nothing to choose.
    """

    def select_parser(self, request: Request, parsers: Sequence[BaseParser]) -> BaseParser:
        return parsers[0]

    def select_renderer(
        self, request: Request, renderers: Sequence[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


def validators(published: PublishedSnapshot) -> tuple[str, int, str]:
    """ETag, Last-Modified (epoch seconds) and its HTTP date, of every answer from a snapshot."""
    return _validators(published.id, published.snapshot.published_at)


@lru_cache(maxsize=8)
def _validators(pk: int, published_at: datetime | None) -> tuple[str, int, str]:
    seconds = int(published_at.timestamp()) if published_at is not None else 0
    return f'"{PAYLOAD_VERSION}-{pk}-{seconds}"', seconds, http_date(seconds)


def cacheable(response: HttpResponseBase, published: PublishedSnapshot) -> HttpResponseBase:
    etag, _seconds, last_modified = validators(published)
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = last_modified
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


JSON = JSONRenderer()


def rendered_cell_answer(
    cohort: dict[str, Any], cell: Cell, *, metric: str, published: PublishedSnapshot
) -> bytes:
    """`cell_payload` as DRF renders it, kept in the read lane's `cell_memo`.

    The hot path of the API: a published cell's answer never changes, so a
    worker renders it once per cell and cohort rather than on every request
    (`benchmarks.read.lookup.CellMemo` says how long it is kept).
    """
    return cell_memo.remember(
        cell,
        ("api-body", published.id, metric, tuple(cohort.items())),
        lambda: JSON.render(cell_payload(cohort, cell, metric=metric, published=published)),
    )


def query_parameters(parameters_class: type[Parameters]) -> list[OpenApiParameter]:
    """The OpenAPI description of an endpoint's parameters, from their declarations.

    Types, bounds, allowed codes and defaults come from each `Parameter.schema()`,
    the same declarations that validate the query, so the two cannot drift.
    """
    return [
        *(
            OpenApiParameter(
                name,
                type=parameter.schema(),
                location=OpenApiParameter.QUERY,
                required=parameter.required,
                description=parameter.description,
            )
            for name, parameter in parameters_class.declared.items()
        ),
        LANG_PARAMETER,
    ]


ERROR_RESPONSES = {
    400: OpenApiResponse(
        ParameterErrorsSerializer, description="A parameter is unknown, repeated or invalid."
    ),
    429: OpenApiResponse(DetailSerializer, description="Too many requests from this client."),
    503: OpenApiResponse(DetailSerializer, description="No snapshot is published yet."),
}


def read_schema(
    *,
    operation_id: str,
    summary: str,
    description: str,
    parameters_class: type[Parameters],
    answer: Any,
) -> Any:
    """extend_schema for a snapshot read: its parameters, its answer, the shared errors."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        parameters=query_parameters(parameters_class),
        responses={
            200: answer,
            304: OpenApiResponse(description="Not modified since the ETag or date sent."),
            **ERROR_RESPONSES,
        },
        tags=["benchmarks"],
    )


class SnapshotReadView(PublicAPIView):
    """A GET over the current snapshot: find it, validate the query, answer or say 304."""

    # Figures read the same in every language: the request's language is
    # looked up only when there is a message to write (an error, a 503, a 400).
    language_on_demand = True
    content_negotiation_class = FirstRenderer
    parameters_class: ClassVar[type[Parameters]]

    def get(self, request: Request) -> HttpResponseBase:
        published = published_snapshot()
        if published is None:
            self.speak_the_requests_language(request)
            return Response(
                {"detail": gettext(NO_SNAPSHOT)}, status=status.HTTP_503_SERVICE_UNAVAILABLE
            )
        parameters = self.parameters_class(request.query_params, snapshot=published)
        if not parameters.is_valid():
            # The messages are lazy: they are written now, in the request's language.
            self.speak_the_requests_language(request)
            errors = parameters.errors
            return Response(
                {
                    "detail": gettext(INVALID_PARAMETERS) % {"names": ", ".join(errors)},
                    "errors": errors,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        etag, last_modified, _http_date = validators(published)
        django_request: HttpRequest = request._request
        not_modified = get_conditional_response(
            django_request, etag=etag, last_modified=last_modified
        )
        if not_modified is not None:
            return cacheable(not_modified, published)
        return cacheable(self.answer(parameters, published), published)

    def answer(
        self, parameters: Any, published: PublishedSnapshot
    ) -> HttpResponseBase:  # pragma: no cover - every view defines it
        raise NotImplementedError


class CohortView(SnapshotReadView):
    """One cohort's figures: the API's most frequent read, answered again from memory.

    `as_view` puts `answer_memo.remembering` in front of DRF's view: a query
    answered 200 before, under the same snapshot, is served from the worker's
    memory, counted by the same throttle, with the same bytes and headers.
    """

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return remembering(
            super().as_view(**initkwargs),
            route=cls.__name__,
            scope=cls.throttle_scope,
            etag=lambda published: validators(published)[0],
        )

    def metric(self, cleaned: dict[str, Any]) -> str:
        raise NotImplementedError

    def answer(self, parameters: Any, published: PublishedSnapshot) -> HttpResponseBase:
        answer = answers.cohort_answer(
            published, metric=self.metric(parameters.cleaned_data), cohort=parameters.cohort()
        )
        # A thin country's latest edition also gets its view pooled over editions; other
        # answers are untouched (no query, the same bytes).
        pooled = answers.pooled_cohort(published, metric=answer.metric, cohort=answer.cohort)
        if pooled is not None:
            cohort = answer.cohort.as_dict()
            payload = (
                unpublished_payload(cohort, published)
                if answer.cell is None
                else cell_payload(cohort, answer.cell, metric=answer.metric, published=published)
            )
            return Response(with_pooled(payload, pooled))
        if answer.cell is None:
            return Response(unpublished_payload(answer.cohort.as_dict(), published))
        return HttpResponse(
            rendered_cell_answer(
                answer.cohort.as_dict(), answer.cell, metric=answer.metric, published=published
            ),
            content_type=JSON.media_type,
        )


COHORT_DESCRIPTION = (
    "Percentiles (type 7; p10 and p90 from 20 answers), the median's 95% interval and the "
    "confidence tier of one cohort in the current snapshot{extra}. A cohort with fewer than "
    "10 answers, or suppressed so that no subtraction reveals a small one, answers exactly like "
    'an empty one: `{{"cohort": ..., "published": false, "snapshot": ...}}`. Where the '
    "country is thin (its latest edition publishes fewer than 20 salary cells) and the edition "
    "asked is the latest, a `pooled` object adds the same cohort pooled over the country's last "
    "three editions in the latest edition's money (a consumer price index, named with its "
    "source), clearly apart from the edition's own figures."
)


class SalaryView(CohortView):
    parameters_class = SalaryParameters

    def metric(self, cleaned: dict[str, Any]) -> str:
        return metric_of(SALARY, cleaned["basis"])

    @read_schema(
        operation_id="salaries",
        summary="Salary figures of one cohort",
        description=COHORT_DESCRIPTION.format(
            extra=", gross per year, full-time equivalent, with the shares doing each mission "
            "and reporting on each KPI"
        ),
        parameters_class=SalaryParameters,
        answer=CohortAnswerSerializer,
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)


class DayRateView(CohortView):
    parameters_class = DayRateParameters

    def metric(self, cleaned: dict[str, Any]) -> str:
        return Metric.DAY_RATE

    @read_schema(
        operation_id="day_rates",
        summary="Freelance day rates of one cohort",
        description=COHORT_DESCRIPTION.format(
            extra=", excluding VAT, with the shares of freelancers under 200, 300, 400 and 500 "
            "per day (95% Wilson intervals)"
        ),
        parameters_class=DayRateParameters,
        answer=CohortAnswerSerializer,
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)


class BreakdownView(SnapshotReadView):
    def metric(self, cleaned: dict[str, Any]) -> str:
        raise NotImplementedError

    def answer(self, parameters: Any, published: PublishedSnapshot) -> HttpResponseBase:
        cohort = parameters.cohort()
        cleaned = parameters.cleaned_data
        by = cleaned["by"]
        metric = self.metric(cleaned)
        found = answers.breakdown(published, metric=metric, cohort=cohort, by=by, year=cohort.year)
        echo = cohort.as_dict()
        if not found.children:
            return Response(unpublished_payload(echo, published))
        levels = []
        for cell in found.children:
            level = found.level_of(cell)
            entry: dict[str, Any] = {"level": level}
            if by == "mission":
                entry["done"] = cell.mission_done
            entry["cohort"] = {**echo, by: level}
            entry.update(figures(cell))
            levels.append(entry)
        payload: dict[str, Any] = {
            "cohort": echo,
            "published": True,
            "by": by,
            "currency": found.children[0].currency,
            "unit": UNITS[metric],
        }
        if metric in BASIS:
            payload["basis"] = BASIS[metric]
        payload.update(
            levels=levels, comparison=found.comparison, snapshot=snapshot_payload(published)
        )
        return Response(payload)


BREAKDOWN_DESCRIPTION = (
    "Every published level of one dimension within the cohort, with its figures, and the group "
    "comparison the snapshot computed: Kruskal-Wallis H with epsilon squared across the published "
    "levels and pairwise Mann-Whitney with Holm's correction (computed for cohorts with at most "
    "one filter besides country and year; `null` otherwise). `by=mission` gives, for each "
    "mission, those who do it (`done: true`) beside those who do not."
)


class SalaryBreakdownView(BreakdownView):
    parameters_class = SalaryBreakdownParameters

    def metric(self, cleaned: dict[str, Any]) -> str:
        return metric_of(SALARY, cleaned["basis"])

    @read_schema(
        operation_id="salaries_breakdown",
        summary="Salaries per level of one dimension, compared",
        description=BREAKDOWN_DESCRIPTION,
        parameters_class=SalaryBreakdownParameters,
        answer=BreakdownAnswerSerializer,
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)


class DayRateBreakdownView(BreakdownView):
    parameters_class = DayRateBreakdownParameters

    def metric(self, cleaned: dict[str, Any]) -> str:
        return Metric.DAY_RATE

    @read_schema(
        operation_id="day_rates_breakdown",
        summary="Day rates per level of one dimension, compared",
        description=BREAKDOWN_DESCRIPTION,
        parameters_class=DayRateBreakdownParameters,
        answer=BreakdownAnswerSerializer,
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


class PositionView(SnapshotReadView):
    """An amount placed as the pay-check pages place it (`answers.pay_position`).

    A query whose filters are a profile (role, experience, region, any of them)
    is read in the narrowest published cohort of that profile, then wider ones,
    like the pay checks and the survey's thank-you page: the same amount and
    profile get the same reading everywhere. A query with another filter
    (education, employer size or type) is read in that cohort only, since
    widening would drop what was asked.
    """

    value_name: ClassVar[str]

    def metric(self, cleaned: dict[str, Any]) -> str:
        raise NotImplementedError

    def answer(self, parameters: Any, published: PublishedSnapshot) -> HttpResponseBase:
        cleaned = parameters.cleaned_data
        metric = self.metric(cleaned)
        cohort = parameters.cohort()
        value = cleaned[self.value_name]
        placed = _reading(published, metric=metric, cohort=cohort, value=value)
        if placed is None:
            return Response(unpublished_payload(cohort.as_dict(), published))
        cell = placed.cell
        body = figures(cell)
        used = {"country": cohort.country, "year": cell.year}
        payload: dict[str, Any] = {
            "cohort": cohort.as_dict(),
            "published": True,
            self.value_name: _number(value),
            "position": position_payload(placed),
            "cohort_used": {**used, **placed.filters},
            "narrower": [{**used, **filters} for filters in placed.narrower],
            "n": cell.n,
            "confidence": cell.confidence,
            "currency": cell.currency,
            "unit": UNITS[metric],
        }
        if metric in BASIS:
            payload["basis"] = BASIS[metric]
        payload.update(percentiles=body["percentiles"], snapshot=snapshot_payload(published))
        return Response(payload)


def _reading(
    published: PublishedSnapshot, *, metric: str, cohort: answers.Cohort, value: float
) -> answers.CohortPosition | None:
    """The reading of `value`: along the profile's ladder, or in the one cohort asked."""
    year = cohort.year or published.latest_year
    if year is None:
        return None
    if set(cohort.filters) <= set(answers.PROFILE_DIMENSIONS):
        return answers.pay_position(
            snapshot=published.snapshot,
            metric=metric,
            country=cohort.country,
            year=year,
            profile=cohort.filters,
            value=value,
        )
    cell = answers.cohort_answer(published, metric=metric, cohort=cohort).cell
    if cell is None:
        return None
    # The one cohort asked, read by the rule `pay_position` applies to the cohort it finds
    # (a band where n < 50). answers.py names it privately; it is the same function.
    return answers.place_in_cell(cell, dict(cohort.filters), value, [])


POSITION_DESCRIPTION = (
    "Where {value} stands, read as the pay-check pages read it. With filters on role, "
    "experience and region only (any of them, or none), the value is placed in the narrowest "
    "published cohort of that profile, then wider ones (role x experience x region, role x "
    "experience, experience x region, experience, role, everyone): `cohort` echoes the query, "
    "`cohort_used` is the cohort read, `narrower` the cohorts tried before it, not published; "
    "`n`, `confidence` and `percentiles` are those of `cohort_used`. With any other filter, "
    "only the cohort asked is read (`cohort_used` equals `cohort`). The position is "
    "interpolated between the cohort's published percentiles (p10 or p25 to p75 or p90): a "
    "whole `percentile` where the cohort has 50 answers or more, a `band` between two "
    "published ranks where it has fewer (DESIGN.md: a position is a band where n < 50); "
    "outside the published ones, only `below` or `above` the outermost, so that probing "
    "reveals no answer. `position.reading` says which one is set. Where the cohort has "
    "fewer than 50 answers, `position.percentile_band` also gives the band of whole "
    "percentiles where the value stands allowing for the cohort's size ('between the 16th "
    "and the 65th percentile'): the 95% Wilson score interval of the interpolated rank at the "
    "published n, rounded outward and clipped to the published ranks; null where n >= 50 or "
    "outside the published percentiles."
)


class SalaryPositionView(PositionView):
    parameters_class = SalaryPositionParameters
    value_name = "salary"

    def metric(self, cleaned: dict[str, Any]) -> str:
        return metric_of(SALARY, cleaned["basis"])

    @read_schema(
        operation_id="salaries_position",
        summary="Position of a salary in its cohort (a percentile, or a band where n < 50)",
        description=POSITION_DESCRIPTION.format(value="a gross annual salary"),
        parameters_class=SalaryPositionParameters,
        answer=SalaryPositionAnswerSerializer,
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)


class DayRatePositionView(PositionView):
    parameters_class = DayRatePositionParameters
    value_name = "rate"

    def metric(self, cleaned: dict[str, Any]) -> str:
        return Metric.DAY_RATE

    @read_schema(
        operation_id="day_rates_position",
        summary="Position of a day rate in its cohort (a percentile, or a band where n < 50)",
        description=POSITION_DESCRIPTION.format(value="a day rate"),
        parameters_class=DayRatePositionParameters,
        answer=RatePositionAnswerSerializer,
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)


class EstimateView(SnapshotReadView):
    parameters_class = EstimateParameters

    @read_schema(
        operation_id="estimate",
        summary="Salary estimate for a profile",
        description=(
            "The median gross annual salary (full-time equivalent) that the snapshot's log-salary "
            "model gives a profile, with an 80% prediction interval, in whole currency units. "
            "The model is fitted per country and edition on the main effects of experience "
            "years, education, employer size and type, region and role; a level with fewer "
            "than 10 answers (whose one-filter cohort is not published) is merged into `other` "
            "(and, when `other` itself has fewer than 10 answers, read with the factor's most "
            "common level, which `levels_used` then names), and a factor not given is averaged "
            "over its mix in the fitted answers (a predictive margin; `levels_used` shows `*` "
            "for it). Amounts are rounded to 100 and "
            "`fitted_on` is a perturbed count (privacy rules 4 and 5). An estimate, not a cohort."
        ),
        parameters_class=EstimateParameters,
        answer=EstimateAnswerSerializer,
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)

    def answer(self, parameters: Any, published: PublishedSnapshot) -> HttpResponseBase:
        cleaned = parameters.cleaned_data
        country, year = cleaned["country"], cleaned["year"]
        profile = parameters.profile()
        echo = {
            "country": country,
            "year": year,
            **{name: value for name, value in profile.items() if value is not None},
        }
        estimate = answers.profile_estimate(
            snapshot=published.snapshot, country=country, year=year, profile=profile
        )
        if estimate is None:
            return Response(
                {"kind": "estimate", **unpublished_payload(echo, published, key="profile")}
            )
        return Response(
            {
                "kind": "estimate",
                "profile": echo,
                "published": True,
                "currency": estimate.currency,
                "unit": UNITS[Metric.SALARY],
                "basis": BASIS[Metric.SALARY],
                "estimate": estimate.estimate,
                "prediction_interval80": [estimate.low, estimate.high],
                "fitted_on": estimate.fitted_on,
                "levels_used": dict(estimate.levels_used),
                "snapshot": snapshot_payload(published),
            }
        )


class TrendView(SnapshotReadView):
    parameters_class = TrendParameters

    @read_schema(
        operation_id="trends",
        summary="Median of a cohort in every edition",
        description=(
            "The cohort's published median and its 95% interval in each edition of the "
            "snapshot, and the change between consecutive editions where both are published "
            "(absolute, in currency units, and in percent) with its 95% interval, in nominal "
            "and in constant money (the earlier edition brought to the later one's money with "
            "the country's consumer price index; null where an index is missing). "
            "`metric=day-rate` for freelancers."
        ),
        parameters_class=TrendParameters,
        answer=TrendAnswerSerializer,
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)

    def answer(self, parameters: Any, published: PublishedSnapshot) -> HttpResponseBase:
        cohort = parameters.cohort()
        cleaned = parameters.cleaned_data
        metric = metric_of(cleaned["metric"], cleaned["basis"])
        found = answers.trend(published, metric=metric, cohort=cohort)
        echo = cohort.as_dict()
        if not found.published:
            return Response(unpublished_payload(echo, published))
        editions: list[dict[str, Any]] = []
        for edition in found.editions:
            cell = edition.cell
            if cell is None:
                editions.append({"year": edition.year, "published": False})
                continue
            editions.append(
                {
                    "year": edition.year,
                    "published": True,
                    "n": cell.n,
                    "confidence": cell.confidence,
                    "median": cell.p50,
                    "median_ci95": [cell.median_ci_low, cell.median_ci_high],
                }
            )
        changes = [
            {
                "from_year": change.from_year,
                "to_year": change.to_year,
                "absolute": change.absolute,
                "percent": change.percent,
                "absolute_ci95": [change.nominal.low, change.nominal.high],
                "percent_ci95": [change.nominal.percent_low, change.nominal.percent_high],
                "clear": change.nominal.clear,
                "constant_money": None
                if change.constant is None
                else {
                    "price_factor": change.price_factor,
                    "absolute": change.constant.absolute,
                    "absolute_ci95": [change.constant.low, change.constant.high],
                    "percent": change.constant.percent,
                    "percent_ci95": [change.constant.percent_low, change.constant.percent_high],
                    "clear": change.constant.clear,
                },
            }
            for change in found.changes
        ]
        payload: dict[str, Any] = {
            "cohort": echo,
            "published": True,
            "metric": cleaned["metric"],
        }
        if metric in BASIS:
            payload["basis"] = BASIS[metric]
        payload.update(
            currency=found.cells[0].currency,
            unit=UNITS[metric],
            editions=editions,
            changes=changes,
            snapshot=snapshot_payload(published),
        )
        return Response(payload)


class NoParameters(Parameters):
    """cells.csv takes no parameter (but `lang`)."""


# The published table's columns: the cohort, its figures, then each share (under a
# day rate, doing a mission, reporting on a KPI) as percent and 95% interval bounds.
SHARE_PREFIXES = {"under": "under", "missions": "mission", "kpis": "kpi"}
SHARE_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (family, tuple(codes)) for family, codes in SHARE_FAMILIES
)
FIGURE_COLUMNS = tuple(column for column in PUBLIC_CELL_COLUMNS if column != "extras")
CSV_HEADER = (
    *FIGURE_COLUMNS,
    *(
        f"{SHARE_PREFIXES[family]}_{code}_{part}"
        for family, codes in SHARE_COLUMNS
        for code in codes
        for part in ("percent", "ci95_low", "ci95_high")
    ),
)


class _Sink:
    """A write-only file for csv.writer that hands back what was written."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def _share_cells(extras: list[dict[str, Any]], n: np.ndarray) -> list[list[Any]]:
    """The share columns of a batch of cells: percent, low, high of each code, or blanks.

    A cell stores counts (`layout.SHARE_FAMILIES`); `stats.interleaved_share_percent`
    turns each family's counts of a batch into the same whole percents and
    Wilson intervals the JSON answers give (`answers.cell_shares`). A cell
    without a family (no missions on a day-rate cell) leaves its columns blank.
    """
    blocks = []
    for family, codes in SHARE_COLUMNS:
        block = np.full((len(extras), 3 * len(codes)), "", dtype=object)
        present = [i for i, extra in enumerate(extras) if extra.get(family)]
        if present:
            counts = np.zeros((len(present), len(codes)), dtype=np.int64)
            for row, i in enumerate(present):
                stored = extras[i][family]
                counts[row, : len(stored)] = stored
            block[present, :] = interleaved_share_percent(counts, n[present])
        blocks.append(block)
    return np.hstack(blocks).tolist()


def csv_lines(rows: Iterator[tuple[Any, ...]], *, batch: int = 1000) -> Iterator[str]:
    """The header, then one line per cell, sent `batch` lines at a time."""
    sink = _Sink()
    writer = csv.writer(sink, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    yield sink.take()
    extras_at = PUBLIC_CELL_COLUMNS.index("extras")
    n_at = PUBLIC_CELL_COLUMNS.index("n")
    for chunk in batched(rows, batch):
        extras = [
            (json.loads(row[extras_at]) if isinstance(row[extras_at], str) else row[extras_at])
            or {}
            for row in chunk
        ]
        shares = _share_cells(extras, np.array([row[n_at] for row in chunk], dtype=np.int64))
        writer.writerows(
            [
                ("" if value is None else int(value) if isinstance(value, bool) else value)
                for value in (*row[:extras_at], *row[extras_at + 1 :])
            ]
            + row_shares
            for row, row_shares in zip(chunk, shares, strict=True)
        )
        yield sink.take()


class CellsCsvView(SnapshotReadView):
    parameters_class = NoParameters

    @extend_schema(
        operation_id="cells_csv",
        summary="The whole published table, as CSV",
        description=(
            "Every published cell of the current snapshot, one line each, streamed: metric "
            "(salary, salary_base, day_rate), country, year, the six dimensions (empty for all), "
            "mission and mission_done (the mission breakdown), n, confidence, currency, "
            "percentiles and the median's 95% interval in whole currency units, then each share "
            "(under a day rate, doing a mission, reporting on a KPI) as percent and 95% interval."
        ),
        parameters=[LANG_PARAMETER],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The table."),
            304: OpenApiResponse(description="Not modified since the ETag or date sent."),
            **ERROR_RESPONSES,
        },
        tags=["benchmarks"],
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)

    def answer(self, parameters: Any, published: PublishedSnapshot) -> HttpResponseBase:
        response = StreamingHttpResponse(
            csv_lines(public_cell_rows(snapshot=published.snapshot)),
            content_type="text/csv; charset=utf-8",
        )
        response.headers["Content-Disposition"] = (
            f'attachment; filename="cmbench-cells-{published.id}.csv"'
        )
        return response


class ApiDocsView(RequestLanguageMixin, SpectacularSwaggerSplitView):
    """/api/v1/docs/: Swagger UI, its header in the reader's language (`?lang=`, Accept-Language).

    The page is our template (benchmarks/api_docs.html): drf-spectacular's own
    puts Swagger's page rules in an inline <style>, which the
    Content-Security-Policy refuses; ours reads them from a static file, so the
    policy stays as strict on this page as on every other.
    """

    template_name = "benchmarks/api_docs.html"
    url_name = "schema"
