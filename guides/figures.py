"""Live figures inside a guide's Markdown: the syntax, its validation and its rendering.

Syntax
------
A figure is written between double brackets: a name, then filters as
``key=value`` pairs separated by spaces::

    [[salary.p50 role=community-manager experience=3-5]]
    [[day_rate.under_300 role=social-media-manager]]
    [[missions.top role=moderator limit=3]]

Names:

- ``salary.<stat>``: gross annual salary of employees, full-time equivalent,
  base + variable; ``salary_base.<stat>``: base salary only;
  ``day_rate.<stat>``: freelance day rate, excluding VAT. ``<stat>`` is one of
  ``p10``, ``p25``, ``p50`` (the median), ``p75``, ``p90`` (amounts in the
  country's currency), ``median_ci`` (the 95% interval of the median), ``n``
  (the number of answers). ``day_rate.under_200`` (also ``under_300``,
  ``under_400``, ``under_500``): share of freelancers charging less.
- ``freelance.share``: freelancers among the employees and freelancers of the
  cohort, from the two published counts.
- ``missions.top`` / ``kpis.top``: the missions / KPIs most reported, with
  their shares (``limit=`` 1 to 12, default 3); ``missions.<code>`` /
  ``kpis.<code>`` (``missions.moderation``, ``kpis.engagement``): the share
  reporting that one. They read the employees' cohort, or the freelancers'
  with ``status=freelance``.

Filters: ``country`` (default FR), ``year`` (default: the latest edition of
the published snapshot), ``region``, ``experience``, ``education``,
``employer_size``, ``employer_type``, ``role`` — the codes of
surveys.vocabulary. Freelancers have no employer: day-rate figures,
``freelance.share`` and ``status=freelance`` take no employer filter.

Rendering
---------
Figures are read from the current published snapshot only
(``benchmarks.read``), one lookup per distinct cohort. A cohort that is
not published (empty, or suppressed by the privacy rules) renders "not enough
answers yet", exactly like one that does not exist. A token that does not
parse also renders that text on a page (an editor's mistake never breaks
one); the admin refuses to save it (``errors_in``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext, gettext_noop

from benchmarks.models import Cell, Metric, Snapshot

# Money, percents and counts are written by the one formatting module, so that a
# guide says "34 000 €" exactly where the explorer does.
from benchmarks.present.formatting import count_text, money_range_text, money_text, percent_text
from benchmarks.read import answers, lookup
from surveys import vocabulary as vocab

logger = logging.getLogger(__name__)

NOT_ENOUGH = gettext_noop("not enough answers yet")

TOKEN = re.compile(r"\[\[(?P<body>[^\[\]\n]*)\]\]")

PERCENTILES = ("p10", "p25", "p50", "p75", "p90")
AMOUNT_STATS = (*PERCENTILES, "median_ci", "n")
UNDER_THRESHOLDS = ("200", "300", "400", "500")
METRICS = {"salary": Metric.SALARY, "salary_base": Metric.SALARY_BASE, "day_rate": Metric.DAY_RATE}
SHARE_FAMILIES = {"missions": vocab.MISSIONS, "kpis": vocab.KPIS}

COHORT_FILTERS: dict[str, vocab.Vocabulary] = {
    "region": vocab.REGION,
    "experience": vocab.EXPERIENCE,
    "education": vocab.EDUCATION,
    "employer_size": vocab.EMPLOYER_SIZE,
    "employer_type": vocab.EMPLOYER_TYPE,
    "role": vocab.ROLE,
}
EMPLOYER_FILTERS = ("employer_size", "employer_type")
DEFAULT_COUNTRY = vocab.DEFAULT_COUNTRY
TOP_LIMIT_DEFAULT, TOP_LIMIT_MAX = 3, len(vocab.MISSIONS)


def figure_names() -> list[str]:
    """Every figure name the syntax knows, for the editors' reference."""
    names = [f"{family}.{stat}" for family in ("salary", "salary_base") for stat in AMOUNT_STATS]
    names += [f"day_rate.{stat}" for stat in AMOUNT_STATS]
    names += [f"day_rate.under_{threshold}" for threshold in UNDER_THRESHOLDS]
    names += ["freelance.share", "missions.top", "kpis.top"]
    names += [f"{family}.<code>" for family in SHARE_FAMILIES]
    return names


class FigureError(ValueError):
    """A figure token that cannot be understood; the message is for the editor."""


@dataclass(frozen=True)
class Figure:
    """One parsed figure: what to read, of which cohort."""

    name: str
    family: str
    stat: str
    country: str = DEFAULT_COUNTRY
    year: int | None = None
    filters: tuple[tuple[str, str], ...] = ()
    freelance: bool = False
    limit: int = TOP_LIMIT_DEFAULT

    @property
    def metric(self) -> str:
        """The metric of the cohort read (missions and KPIs: employees' or freelancers')."""
        if self.family in METRICS:
            return str(METRICS[self.family])
        return str(Metric.DAY_RATE if self.freelance else Metric.SALARY)


def parse(body: str) -> Figure:
    """The figure written inside `[[...]]`, or FigureError saying what is wrong."""
    words = body.split()
    if not words:
        raise FigureError(gettext("An empty figure: write a name such as salary.p50."))
    name, *pairs = words
    family, _dot, stat = name.partition(".")
    _check_name(name, family, stat)
    params: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key or not value:
            raise FigureError(
                gettext("“%(pair)s” is not a filter: write key=value, e.g. role=moderator.")
                % {"pair": pair}
            )
        if key in params:
            raise FigureError(gettext("The filter %(key)s is given twice.") % {"key": key})
        params[key] = value
    return _build(name, family, stat, params)


def _check_name(name: str, family: str, stat: str) -> None:
    known = (
        (family in ("salary", "salary_base") and stat in AMOUNT_STATS)
        or (
            family == "day_rate"
            and (stat in AMOUNT_STATS or stat in {f"under_{t}" for t in UNDER_THRESHOLDS})
        )
        or (family == "freelance" and stat == "share")
        or (family in SHARE_FAMILIES and (stat == "top" or stat in SHARE_FAMILIES[family]))
    )
    if not known:
        raise FigureError(
            gettext("Unknown figure name “%(name)s”. Known names: %(names)s.")
            % {"name": name, "names": ", ".join(figure_names())}
        )


def _build(name: str, family: str, stat: str, params: dict[str, str]) -> Figure:
    country = params.pop("country", DEFAULT_COUNTRY)
    if country not in vocab.COUNTRY:
        raise FigureError(_not_a_code("country", country, vocab.COUNTRY.codes))
    year: int | None = None
    if "year" in params:
        raw_year = params.pop("year")
        if not (raw_year.isdigit() and 2000 <= int(raw_year) <= 2100):
            raise FigureError(gettext("year must be an edition, e.g. year=2026."))
        year = int(raw_year)
    freelance = family in ("day_rate", "freelance")
    limit = TOP_LIMIT_DEFAULT
    if family in SHARE_FAMILIES:
        status = params.pop("status", "employee")
        if status not in ("employee", "freelance"):
            raise FigureError(_not_a_code("status", status, ("employee", "freelance")))
        freelance = status == "freelance"
        if "limit" in params:
            raw_limit = params.pop("limit")
            if stat != "top":
                raise FigureError(gettext("limit goes with missions.top and kpis.top only."))
            if not (raw_limit.isdigit() and 1 <= int(raw_limit) <= TOP_LIMIT_MAX):
                raise FigureError(
                    gettext("limit must be a whole number from 1 to %(max)d.")
                    % {"max": TOP_LIMIT_MAX}
                )
            limit = int(raw_limit)
    filters: dict[str, str] = {}
    for key, value in params.items():
        if key not in COHORT_FILTERS:
            raise FigureError(
                gettext("Unknown filter “%(key)s”. Filters: %(keys)s.")
                % {
                    "key": key,
                    "keys": ", ".join(["country", "year", *COHORT_FILTERS, "status", "limit"]),
                }
            )
        allowed = (
            vocab.REGIONS_BY_COUNTRY[country].codes
            if key == "region"
            else COHORT_FILTERS[key].codes
        )
        if value not in allowed:
            raise FigureError(_not_a_code(key, value, allowed))
        if freelance and key in EMPLOYER_FILTERS:
            raise FigureError(
                gettext("Freelancers have no employer: %(key)s cannot filter %(name)s.")
                % {"key": key, "name": name}
            )
        filters[key] = value
    return Figure(
        name=name,
        family=family,
        stat=stat,
        country=country,
        year=year,
        filters=tuple(sorted(filters.items())),
        freelance=freelance,
        limit=limit,
    )


def _not_a_code(key: str, value: str, allowed: Iterable[str]) -> str:
    return gettext("%(key)s: “%(value)s” is not a code; allowed: %(allowed)s.") % {
        "value": value,
        "key": key,
        "allowed": ", ".join(allowed),
    }


def errors_in(markdown: str) -> list[str]:
    """One message per figure token of `markdown` that does not parse, with the token quoted."""
    errors = []
    for match in TOKEN.finditer(markdown):
        try:
            parse(match.group("body"))
        except FigureError as error:
            errors.append(f"{match.group(0)}: {error}")
    return errors


@dataclass
class FigureContext:
    """The published snapshot figures are read from, with each cohort looked up once.

    `cell` memoizes `lookup.cell_lookup`, so a page costs one query per
    distinct cohort it names, whatever the number of figures; `prefetch_children`
    fills the memo for every level of a dimension with one query. `latest_year`
    is the snapshot's latest edition (the default year of every figure).
    """

    snapshot: Snapshot | None
    latest_year: int | None = None
    _cells: dict[tuple[Any, ...], Cell | None] = field(default_factory=dict)

    @classmethod
    def current(cls) -> FigureContext:
        """The context of the snapshot readers see now (one query), or an empty one."""
        published = lookup.published_snapshot()
        if published is None:
            return cls(snapshot=None)
        return cls(snapshot=published.snapshot, latest_year=published.latest_year)

    @staticmethod
    def _key(metric: str, country: str, year: int, filters: Mapping[str, str]) -> tuple[Any, ...]:
        return (metric, country, year, tuple(sorted((k, v) for k, v in filters.items() if v)))

    def cell(
        self, *, metric: str, country: str, year: int | None, filters: Mapping[str, str]
    ) -> Cell | None:
        """The published cell of a cohort, or None (not published, no snapshot, no year)."""
        year = year if year is not None else self.latest_year
        if self.snapshot is None or year is None:
            return None
        key = self._key(metric, country, year, filters)
        if key not in self._cells:
            self._cells[key] = lookup.cell_lookup(
                snapshot=self.snapshot, metric=metric, country=country, year=year, filters=filters
            )
        return self._cells[key]

    def prefetch_children(
        self, *, metric: str, country: str, filters: Mapping[str, str], by: str
    ) -> None:
        """Look up every level of `by` under a cohort at once (one query)."""
        year = self.latest_year
        if self.snapshot is None or year is None:
            return
        children = lookup.breakdown_cells(
            snapshot=self.snapshot,
            metric=metric,
            country=country,
            year=year,
            filters=filters,
            by=by,
        )
        found = {getattr(child, by): child for child in children}
        for code in COHORT_FILTERS[by].codes:
            self._cells[self._key(metric, country, year, {**filters, by: code})] = found.get(code)


def share_of(part: int, whole: int) -> int:
    """100 * part / whole rounded half up to a whole percent (the snapshot's rounding)."""
    return (200 * part + whole) // (2 * whole)


def figure_text(figure: Figure, context: FigureContext) -> str | None:
    """The figure as plain text in the active language, or None when it cannot be published."""
    filters = dict(figure.filters)
    if figure.family == "freelance":
        freelancers = context.cell(
            metric=Metric.DAY_RATE, country=figure.country, year=figure.year, filters=filters
        )
        employees = context.cell(
            metric=Metric.SALARY, country=figure.country, year=figure.year, filters=filters
        )
        if freelancers is None or employees is None:
            return None
        return percent_text(share_of(freelancers.n, freelancers.n + employees.n))
    cell = context.cell(
        metric=figure.metric, country=figure.country, year=figure.year, filters=filters
    )
    if cell is None:
        return None
    if figure.family in SHARE_FAMILIES:
        return _share_text(figure, cell)
    if figure.stat == "n":
        return count_text(cell.n)
    if figure.stat == "median_ci":
        return money_range_text(cell.median_ci_low, cell.median_ci_high, cell.currency)
    if figure.stat.startswith("under_"):
        share = answers.cell_shares(cell).get("under", {}).get(figure.stat.removeprefix("under_"))
        return percent_text(share[0]) if share else None
    amount = getattr(cell, figure.stat)
    return None if amount is None else money_text(amount, cell.currency)


def _share_text(figure: Figure, cell: Cell) -> str | None:
    vocabulary = SHARE_FAMILIES[figure.family]
    shares = answers.cell_shares(cell).get(figure.family, {})
    if figure.stat != "top":
        share = shares.get(figure.stat)
        return percent_text(share[0]) if share else None
    ranked = top_shares(shares, vocabulary, limit=figure.limit)
    if not ranked:
        return None
    return ", ".join(
        f"{vocabulary.label(code)} ({percent_text(percent)})" for code, percent in ranked
    )


def top_shares(
    shares: Mapping[str, Sequence[int]], vocabulary: vocab.Vocabulary, *, limit: int
) -> list[tuple[str, int]]:
    """The `limit` codes most reported (share > 0), largest first, ties in vocabulary order."""
    order = {code: index for index, code in enumerate(vocabulary.codes)}
    ranked = sorted(
        ((code, int(share[0])) for code, share in shares.items() if code in order and share[0]),
        key=lambda item: (-item[1], order[item[0]]),
    )
    return ranked[:limit]


# Characters HTML or Markdown would read as markup, as numeric character references.
_ENTITIES = {char: f"&#{ord(char)};" for char in "&<>\"'\\`*_{}[]()#+!|~"}


def _safe(text: str) -> str:
    """Text that Markdown leaves as it is and HTML shows as it is: specials as entities."""
    return "".join(_ENTITIES.get(char, char) for char in text)


def substitute(markdown: str, context: FigureContext) -> str:
    """Markdown with every figure token replaced by its value as safe inline HTML.

    A figure that cannot be published, or a token that does not parse, becomes
    "not enough answers yet": a page never breaks on an editor's mistake.
    """

    def replace(match: re.Match[str]) -> str:
        try:
            text = figure_text(parse(match.group("body")), context)
        except FigureError as error:
            logger.warning("Figure %s cannot be rendered: %s", match.group(0), error)
            text = None
        if text is None:
            return f'<span class="figure figure-missing">{_safe(gettext(NOT_ENOUGH))}</span>'
        return f'<span class="figure">{_safe(text)}</span>'

    return TOKEN.sub(replace, markdown)


def _cell_figures(cell: Cell | None) -> dict[str, Any] | None:
    """A published cell's `answers.Figures` as the role table keeps them (plain JSON)."""
    if cell is None:
        return None
    figures = answers.figures_of(cell)
    return {
        "n": figures.n,
        "confidence": figures.confidence,
        "currency": figures.currency,
        **{name: figures.percentiles[name] for name in ("p25", "p50", "p75")},
        "median_ci": list(figures.median_ci),
    }


def role_table(context: FigureContext, *, role: str, country: str) -> dict[str, Any]:
    """The live figures of one role in one country: plain codes and numbers, cacheable.

    Median salary (employees) and day rate (freelancers) overall and by
    experience band, the share of freelancers from the two published counts,
    and the missions and KPIs most reported by the role's employees (from the
    cell's published shares). Anything not published is None. Four queries
    (two cells, two breakdowns), whatever the number of bands.
    """
    role_filter = {"role": role}
    for metric in (Metric.SALARY, Metric.DAY_RATE):
        context.prefetch_children(
            metric=metric, country=country, filters=role_filter, by="experience"
        )
    salary = context.cell(metric=Metric.SALARY, country=country, year=None, filters=role_filter)
    day_rate = context.cell(metric=Metric.DAY_RATE, country=country, year=None, filters=role_filter)
    rows = []
    for band in ("", *vocab.EXPERIENCE.codes):
        filters = {**role_filter, "experience": band} if band else role_filter
        rows.append(
            {
                "experience": band,
                "salary": _cell_figures(
                    context.cell(metric=Metric.SALARY, country=country, year=None, filters=filters)
                ),
                "day_rate": _cell_figures(
                    context.cell(
                        metric=Metric.DAY_RATE, country=country, year=None, filters=filters
                    )
                ),
            }
        )
    freelance_share = share_of(day_rate.n, day_rate.n + salary.n) if salary and day_rate else None
    shares = answers.cell_shares(salary) if salary else {}
    return {
        "role": role,
        "country": country,
        "year": context.latest_year,
        "rows": rows,
        "freelance_share": freelance_share,
        "shares_n": salary.n if salary else None,
        "missions": top_shares(shares.get("missions", {}), vocab.MISSIONS, limit=5),
        "kpis": top_shares(shares.get("kpis", {}), vocab.KPIS, limit=5),
    }


def cached_role_table(context: FigureContext, *, role: str, country: str) -> dict[str, Any]:
    """role_table, kept for the life of the snapshot (a published snapshot never changes)."""
    if context.snapshot is None:
        return role_table(context, role=role, country=country)
    key = f"guides:role-table:{context.snapshot.pk}:{role}:{country}"
    table = cache.get(key)
    if table is None:
        table = role_table(context, role=role, country=country)
        cache.set(key, table, timeout=24 * 3600)
    return table
