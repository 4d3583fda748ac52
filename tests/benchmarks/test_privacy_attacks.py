"""The attacker of DESIGN.md's threat model, run against published snapshots of demo data.

A module fixture plays a short history on seeded demo data and saves what an
outsider can read of each snapshot (cells.csv, profile estimates, a few cohorts
through the API, the explorer page and a guide figure), beside the true
answers only the test knows:

- A: the demo answers, published;
- B: one more answer (a salary the attacker wants), published;
- C: five answers of one profile added and two answers withdrawn, published;
- D: published again with no change.

Each test runs one attack of tests/benchmarks/attacks.py on those outputs
and asserts DESIGN's target. On a code base without perturbation the attacks
find leaks (the assertion messages give the numbers); `bench/privacy_report.py`
prints the same measures on 100,000 answers. The functions of the history
(`play_history`, `crawl`) are shared with that script.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone, translation
from pytest_django import DjangoDbBlocker

from benchmarks.build import inputs
from benchmarks.build.snapshots import DAY_RATE_DIMENSIONS, _fence, experience_bands, levels_of
from benchmarks.build.snapshots import snapshot_publish as publish
from benchmarks.layout import DIMENSIONS
from benchmarks.models import Snapshot
from benchmarks.read import lookup
from surveys import vocabulary as vocab
from surveys.models import Edition, SurveyResponse
from tests.benchmarks import attacks
from tests.conftest import forget_counts
from tests.factories import valid_answers

try:  # DESIGN.md privacy rule 3; before it lands, counts are published exactly.
    from benchmarks.stats.perturbation import NOISE_BOUND
except ImportError:  # pragma: no cover - today's code
    NOISE_BOUND = 0

pytestmark = pytest.mark.django_db

RESPONSES = 2_000
SEED = 2026
API = "/api/v1/benchmarks"
METRICS = {  # metric: (status of its answers, dimensions of its cube, value)
    "salary": ("employee", DIMENSIONS, "total_fte"),
    "day_rate": ("freelance", DAY_RATE_DIMENSIONS, "day_rate"),
}
# The one answer whose salary the attacker wants (stage B): a rare profile, so
# that one answer moves the model as much as one answer can.
VICTIM = {
    "experience_years": 7,
    "education": "bac2",
    "employer_size": "micro",
    "employer_type": "nonprofit",
    "region": "FR-BFC",
    "role": "moderator",
}
# The salary the victim declares: this much above the model's estimate for them,
# so that the estimate alone is no recovery.
VICTIM_PREMIUM = 1.25
# Common profiles: their intervals are the narrowest, hence the model's own spread.
REFERENCES = [
    {
        "experience_years": years,
        "education": "bac5",
        "employer_size": size,
        "employer_type": "brand",
        "region": "FR-IDF",
        "role": "community-manager",
    }
    for years in (2, 4, 6)
    for size in ("medium", "intermediate", "small")
]
# Stage C: several answers of one profile arrive together (a team answering).
NEWCOMERS = {
    "experience_years": 4,
    "education": "bac3",
    "employer_size": "small",
    "employer_type": "agency",
    "region": "FR-NOR",
    "role": "social-media-manager",
}
NEWCOMER_COUNT = 5
WITHDRAWN_COUNT = 2
# Cohorts whose n every output must agree on: (metric, API path, filters).
COHORTS = (
    ("salary", "salaries", {"experience": "3-5"}),
    ("day_rate", "day-rates", {"experience": "3-5"}),
    ("salary", "salaries", {"region": "FR-IDF", "role": "community-manager"}),
)
RECOVERY_TOLERANCE = 0.02  # an answer "recovered" within 2 % of its true salary
EXACT_HIT_TARGET = 0.35
EXACT_COUNT_SHARE = 0.30  # published counts equal to the true one, at most (rule 3)


# --- What an outsider saves of a snapshot -------------------------------------------------


@dataclass
class Reading:
    """One cohort's n as each output shows it (None where it shows none)."""

    api: int | None
    page: int | None
    csv: int | None
    guide: int | None


@dataclass
class Crawl:
    """Everything an outsider saved of one snapshot."""

    snapshot_id: int
    cells: pd.DataFrame
    estimates: dict[str, attacks.Estimate | None]
    readings: dict[str, Reading]
    api_amounts: list[tuple[str, float]]
    estimate_amounts: list[tuple[str, float]]


@dataclass
class Stage:
    """A published snapshot: what the outsider saw, and the truth (accepted rows, fenced)."""

    crawl: Crawl
    rows: pd.DataFrame
    snapshot: Snapshot

    def rows_of(self, metric: str, country: str, year: int) -> pd.DataFrame:
        status = METRICS[metric][0]
        rows = self.rows
        return rows[
            (rows["status"] == status) & (rows["country"] == country) & (rows["year"] == year)
        ]

    def cells_of(self, metric: str, country: str, year: int) -> pd.DataFrame:
        cells = self.crawl.cells
        return cells[
            (cells["metric"] == metric) & (cells["country"] == country) & (cells["year"] == year)
        ]

    def groups(self) -> list[tuple[str, str, int]]:
        """(metric, country, year) of every published table the attacks read."""
        cells = self.crawl.cells
        keys = cells[cells["metric"].isin(METRICS)][["metric", "country", "year"]]
        return [tuple(row) for row in keys.drop_duplicates().itertuples(index=False)]


@dataclass
class History:
    """The stages played, the edition they are about, and the victim's true salary."""

    year: int
    stages: dict[str, Stage]
    victim_salary: int


def _get(client: Client, path: str, params: Mapping[str, Any] | None = None) -> Any:
    # The outsider reads like many clients: the read throttle is not the subject here.
    forget_counts()
    response = client.get(path, params or {})
    assert response.status_code == 200, (path, params, response.status_code)
    return response


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _page_n(client: Client, metric: str, filters: Mapping[str, str]) -> int | None:
    """The n the explorer page shows for a cohort (English page, "n = 1,234")."""
    params = {**filters, "metric": "day-rate" if metric == "day_rate" else "salary"}
    html = _get(client, "/en/benchmarks/", params).content.decode()
    found = re.search(r'data-summary="[^"]*?n = ([\d,\s\u00a0\u202f]+)"', html)
    return _number(found.group(1)) if found else None


def _guide_n(metric: str, filters: Mapping[str, str]) -> int | None:
    """The n a guide shows for a cohort: its live figure [[salary.n ...]]."""
    from guides.figures import FigureContext, substitute

    token = "[[" + f"{metric}.n " + " ".join(f"{k}={v}" for k, v in filters.items()) + "]]"
    with translation.override("en"):
        html = substitute(token, FigureContext.current())
    found = re.search(r'<span class="figure">([^<]*)</span>', html)
    return _number(found.group(1)) if found else None


def _csv_n(cells: pd.DataFrame, metric: str, year: int, filters: Mapping[str, str]) -> int | None:
    chosen = cells[
        (cells["metric"] == metric)
        & (cells["country"] == "FR")
        & (cells["year"] == year)
        & (cells["mission"] == attacks.ALL)
    ]
    for dim in DIMENSIONS:
        chosen = chosen[chosen[dim] == filters.get(dim, attacks.ALL)]
    return int(chosen["n"].iloc[0]) if len(chosen) else None


def estimate_of(
    client: Client, profile: Mapping[str, Any], *, year: int
) -> attacks.Estimate | None:
    body = _get(client, f"{API}/estimate/", {"country": "FR", "year": year, **profile}).json()
    return attacks.Estimate.from_json(body) if body.get("published") else None


def crawl(
    client: Client, *, year: int, snapshot_id: int, references: bool = True, readings: bool = True
) -> Crawl:
    """Read a snapshot as an outsider: the CSV and the estimates; with `references`, the
    estimates of common profiles too; with `readings`, a few cohorts in every output."""
    response = _get(client, f"{API}/cells.csv")
    text = b"".join(response.streaming_content).decode()
    cells = attacks.read_cells_csv(text)
    estimates = {"victim": estimate_of(client, VICTIM, year=year)}
    for number, profile in enumerate(REFERENCES if references else ()):
        estimates[f"reference-{number}"] = estimate_of(client, profile, year=year)
    found: dict[str, Reading] = {}
    api_amounts: list[tuple[str, float]] = []
    for metric, path, filters in COHORTS if readings else ():
        body = _get(client, f"{API}/{path}/", {"year": year, **filters}).json()
        api_n = body.get("n") if body.get("published") else None
        for value in [*body.get("percentiles", {}).values(), *body.get("median_ci95", [])]:
            api_amounts.append((metric, float(value)))
        breakdown = _get(client, f"{API}/{path}/breakdown/", {"year": year, "by": "education"})
        for level in breakdown.json().get("levels", []):
            for value in [*level["percentiles"].values(), *level["median_ci95"]]:
                api_amounts.append((metric, float(value)))
        found[f"{metric} {filters}"] = Reading(
            api=api_n,
            page=_page_n(client, metric, filters),
            csv=_csv_n(cells, metric, year, filters),
            guide=_guide_n(metric, filters),
        )
    estimate_amounts = [
        ("salary", value)
        for estimate in estimates.values()
        if estimate is not None
        for value in (estimate.estimate, estimate.low, estimate.high)
    ]
    return Crawl(snapshot_id, cells, estimates, found, api_amounts, estimate_amounts)


def true_rows() -> pd.DataFrame:
    """The accepted answers a snapshot is built from, after the stage-3 fence (the truth)."""
    frame = inputs.responses_frame()
    frame["experience"] = experience_bands(frame["experience_years"])
    kept, _fenced = _fence(frame)
    return kept


def submit(client: Client, answers: Mapping[str, Any]) -> None:
    """POST one answer to the survey API, as any respondent may."""
    forget_counts()  # one client submitting for several people: not the subject here
    response = client.post("/api/v1/responses/", answers, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "accepted"


def publish_and_crawl(
    client: Client, *, year: int, rebuild: Sequence[int] | None = None, **what: bool
) -> Stage:
    """Publish (`rebuild`: only those editions, the others kept), then crawl `year`."""
    snapshot = publish(years=rebuild)
    lookup.forget_published_snapshot()
    return Stage(crawl(client, year=year, snapshot_id=snapshot.pk, **what), true_rows(), snapshot)


def play_history(
    *, responses: int, seed: int, editions: Sequence[int] | None = None, stages: str = "ABCD"
) -> History:
    """Store demo answers, then publish and crawl each stage of the history (see above)."""
    year = timezone.now().year
    editions = list(editions) if editions else [year]
    call_command(
        "generate_demo_data",
        responses=responses,
        seed=seed,
        editions=",".join(map(str, editions)),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    client = Client()
    played = {"A": publish_and_crawl(client, year=year, readings=False)}
    before = played["A"].crawl.estimates["victim"]
    assert before is not None, "the victim's profile has no estimate"
    victim_salary = math.floor(before.estimate * VICTIM_PREMIUM) + 37  # not a round figure
    if "B" in stages:
        submit(client, valid_answers(**VICTIM, base_salary=victim_salary, variable_pay=None))
        played["B"] = publish_and_crawl(
            client, year=year, rebuild=[year], references=False, readings=False
        )
    if "C" in stages:
        for number in range(NEWCOMER_COUNT):
            submit(client, valid_answers(**NEWCOMERS, base_salary=31_000 + 450 * number))
        # Two respondents withdraw with their receipt codes, which only they hold: this
        # is what a withdrawal does to their answers.
        leaving = (
            SurveyResponse.objects.filter(
                edition__year=year, state=SurveyResponse.State.ACCEPTED, status="employee"
            )
            .exclude(region__in=(NEWCOMERS["region"], VICTIM["region"]))
            .order_by("pk")
            .values_list("pk", flat=True)[:WITHDRAWN_COUNT]
        )
        SurveyResponse.objects.filter(pk__in=list(leaving)).update(
            state=SurveyResponse.State.WITHDRAWN
        )
        played["C"] = publish_and_crawl(client, year=year, rebuild=[year], references=False)
    if "D" in stages:
        played["D"] = publish_and_crawl(client, year=year, rebuild=[year], references=False)
    return History(year=year, stages=played, victim_salary=victim_salary)


def wipe() -> None:
    Snapshot.objects.all().delete()
    SurveyResponse.objects.all().delete()
    Edition.objects.all().delete()
    lookup.forget_published_snapshot()


def page_settings() -> override_settings:
    """Pages render without `collectstatic` (as tests/conftest.py sets for each test)."""
    return override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )


@pytest.fixture(scope="module")
def history(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[History]:
    """The history above, played once for the module and removed afterwards."""
    with django_db_blocker.unblock(), page_settings():
        wipe()
        try:
            yield play_history(responses=RESPONSES, seed=SEED)
        finally:
            wipe()


# --- The attacks, as the bench runs them too ----------------------------------------------


def attack_context(metric: str, country: str) -> dict[str, Any]:
    dims = METRICS[metric][1]
    country_levels = levels_of(country)
    return {
        "dims": dims,
        "levels": {d: country_levels[d] for d in dims},
        "missions": vocab.MISSIONS.codes,
        "noise_bound": NOISE_BOUND,
    }


def _truth(stage: Stage, metric: str, country: str, year: int) -> pd.DataFrame:
    return attacks.universe_counts(
        stage.rows_of(metric, country, year),
        dims=METRICS[metric][1],
        max_filters=3,
        missions=vocab.MISSIONS.codes,
    )


@dataclass
class LinearFindings:
    """The linear attack on every table of one snapshot, summed."""

    suppressed: int = 0
    pinned: int = 0
    pinned_mission: int = 0
    exact_hits: int = 0
    constant_hits: int = 0
    informed: int = 0
    informed_hits: int = 0
    lp_solved: int = 0
    lp_out_of_budget: int = 0
    lp_skipped_tables: int = 0
    seconds: float = 0.0
    main_examples: list[str] = field(default_factory=list)
    mission_examples: list[str] = field(default_factory=list)

    @property
    def examples(self) -> list[str]:
        """Pinned cohorts, those of the main table first."""
        return self.main_examples + self.mission_examples

    @property
    def exact_hit_rate(self) -> float:
        return self.exact_hits / self.suppressed if self.suppressed else 0.0

    @property
    def informed_hit_rate(self) -> float:
        return self.informed_hits / self.informed if self.informed else 0.0

    def add(self, score: attacks.LinearScore, result: attacks.LinearAttack, label: str) -> None:
        for name in (
            "suppressed",
            "pinned",
            "pinned_mission",
            "exact_hits",
            "constant_hits",
            "informed",
            "informed_hits",
        ):
            setattr(self, name, getattr(self, name) + getattr(score, name))
        self.lp_solved += result.lp.solved
        self.lp_out_of_budget += result.lp.out_of_budget
        self.lp_skipped_tables += result.lp.skipped_tables
        self.seconds += result.seconds
        labelled = [f"{label}: {example}" for example in score.examples]
        main = min(score.pinned_main, len(labelled))  # score.examples lists them first
        self.main_examples += labelled[:main]
        self.mission_examples += labelled[main:]

    def __str__(self) -> str:
        constant = self.constant_hits / self.suppressed if self.suppressed else 0.0
        return (
            f"{self.pinned} of {self.suppressed} suppressed cohorts (true n 1-9) pinned "
            f"({self.pinned_mission} of them mission cells); best guess exact for "
            f"{self.exact_hit_rate:.1%} of them (the constant guess 1: {constant:.1%}) and for "
            f"{self.informed_hits} of the {self.informed} the table narrows below 9 values "
            f"({self.informed_hit_rate:.1%}); {self.lp_solved} LPs, {self.seconds:.1f} s"
            + (f", {self.lp_out_of_budget} targets out of budget" if self.lp_out_of_budget else "")
            + (f", {self.lp_skipped_tables} tables too big" if self.lp_skipped_tables else "")
            + (f"; e.g. {'; '.join(self.examples[:3])}" if self.examples else "")
        )


def linear_findings(stage: Stage, *, lp_budget_seconds: float = 120.0) -> LinearFindings:
    findings = LinearFindings()
    for metric, country, year in stage.groups():
        context = attack_context(metric, country)
        truth = _truth(stage, metric, country, year)
        cells = stage.cells_of(metric, country, year)
        published = set(attacks.cell_keys(cells, context["dims"]))
        small = truth[(truth["n_true"] >= 1) & (truth["n_true"] < attacks.MIN_COHORT)]
        targets = [key for key in attacks.cell_keys(small, context["dims"]) if key not in published]
        result = attacks.linear_attack(
            cells, targets=targets, lp_budget_seconds=lp_budget_seconds, **context
        )
        score = attacks.score_linear_attack(result.cells, truth, dims=context["dims"])
        findings.add(score, result, f"{metric} {country} {year}")
    return findings


@dataclass
class DifferenceFindings:
    changed: int = 0
    pinned: int = 0
    examples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.pinned} of {self.changed} cohorts whose true n moved by 1-9 have their change "
            "pinned" + (f"; e.g. {'; '.join(self.examples[:3])}" if self.examples else "")
        )


def _same_answers(first: pd.DataFrame, second: pd.DataFrame) -> bool:
    if len(first) != len(second):
        return False
    columns = list(first.columns)
    ordered = [
        frame.sort_values(columns, kind="stable").reset_index(drop=True)
        for frame in (first, second)
    ]
    return ordered[0].equals(ordered[1])


def difference_findings(
    before: Stage, after: Stage, *, earlier: Stage | None = None
) -> DifferenceFindings:
    """The difference attack between two snapshots; `earlier`, the one before `before`,
    tells which of `before`'s cells may carry older figures."""
    findings = DifferenceFindings()
    for metric, country, year in after.groups():
        if _same_answers(
            before.rows_of(metric, country, year), after.rows_of(metric, country, year)
        ):
            continue  # no true change to find (an edition not rebuilt, say)
        context = attack_context(metric, country)
        truth_before = _truth(before, metric, country, year)
        truth_after = _truth(after, metric, country, year)
        key_columns = [*context["dims"], "mission", "mission_done"]
        both = truth_after.merge(
            truth_before, on=key_columns, how="outer", suffixes=("", "_before")
        ).fillna({"n_true": 0, "n_true_before": 0})
        change = (both["n_true"] - both["n_true_before"]).abs()
        moved = both[(change >= 1) & (change < attacks.MIN_COHORT)]
        if moved.empty:
            continue
        stale = (
            attacks.unchanged_keys(
                earlier.cells_of(metric, country, year),
                before.cells_of(metric, country, year),
                dims=context["dims"],
            )
            if earlier is not None
            else set()
        )
        result = attacks.difference_attack(
            before.cells_of(metric, country, year),
            after.cells_of(metric, country, year),
            stale_before=stale,
            targets=attacks.cell_keys(moved, context["dims"]),
            **context,
        )
        score = attacks.score_difference_attack(
            result.cells, truth_before, truth_after, dims=context["dims"]
        )
        findings.changed += score.changed
        findings.pinned += score.pinned
        findings.examples += [f"{metric} {country} {year}: {e}" for e in score.examples]
    return findings


MODEL_FACTORS = ("education", "employer_size", "employer_type", "region", "role")


def recovery(history: History) -> tuple[attacks.Recovery, bool]:
    """The attacker's answer for the victim's salary, and whether it is within 2 %."""
    first = history.stages["A"]
    before, after = first.crawl, history.stages["B"].crawl
    # The published one-filter counts tell roughly how common each level is.
    cells = first.cells_of("salary", "FR", history.year)
    cells = cells[cells["mission"] == attacks.ALL]
    filters = (cells[list(DIMENSIONS)] != attacks.ALL).sum(axis=1)
    total = int(cells.loc[filters == 0, "n"].iloc[0])
    counts = {
        factor: dict(
            zip(
                cells.loc[(filters == 1) & (cells[factor] != attacks.ALL), factor],
                cells.loc[(filters == 1) & (cells[factor] != attacks.ALL), "n"],
                strict=True,
            )
        )
        for factor in MODEL_FACTORS
    }
    names = [name for name, e in before.estimates.items() if name != "victim" and e]
    found = attacks.recover_added_salary(
        before.estimates["victim"],
        after.estimates["victim"],
        [before.estimates[name] for name in names],
        [
            attacks.approximate_leverage(REFERENCES[int(name.split("-")[1])], counts, total)
            for name in names
        ],
    )
    recovered = (
        found.salary is not None
        and abs(found.salary - history.victim_salary) <= RECOVERY_TOLERANCE * history.victim_salary
    )
    return found, recovered


def share_findings(stage: Stage) -> attacks.ShareInversion:
    totals = dict.fromkeys(
        ("shares", "pinned", "pinned_true", "pinned_true_nonzero", "scored_nonzero"), 0
    )
    cells = stage.crawl.cells
    thresholds = sorted(
        int(column.split("_")[1])
        for column in cells.columns
        if re.fullmatch(r"under_\d+_percent", column)
    )
    for metric, country, year in stage.groups():
        main = stage.cells_of(metric, country, year)
        main = main[main["mission"] == attacks.ALL]
        rows = stage.rows_of(metric, country, year)
        flags = attacks.flag_columns(
            rows,
            missions=vocab.MISSIONS.codes,
            kpis=vocab.KPIS.codes,
            thresholds=thresholds if metric == "day_rate" else (),
            value=METRICS[metric][2],
        )
        truth = attacks.true_counts(main, rows, flags, dims=METRICS[metric][1])
        found = attacks.share_inversion_attack(main, truth)
        for name in totals:
            totals[name] += getattr(found, name)
    return attacks.ShareInversion(**totals)


# --- The tests ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def linear(history: History) -> LinearFindings:
    return linear_findings(history.stages["A"])


def test_solving_the_published_table_pins_no_suppressed_cohort(linear: LinearFindings) -> None:
    assert linear.suppressed > 0
    assert linear.lp_out_of_budget == linear.lp_skipped_tables == 0, str(linear)
    assert linear.pinned == 0, str(linear)


def test_the_best_guess_of_a_suppressed_count_is_more_often_wrong_than_right(
    linear: LinearFindings,
) -> None:
    # Among the cohorts the table says something about: over all suppressed cohorts the
    # rate is mostly that of guessing 1 (see attacks.LinearScore), whatever is published.
    assert linear.informed > 0
    assert linear.informed_hit_rate <= EXACT_HIT_TARGET, str(linear)


def test_one_new_answer_between_two_snapshots_is_not_revealed(history: History) -> None:
    findings = difference_findings(history.stages["A"], history.stages["B"])
    assert findings.changed > 0
    assert findings.pinned == 0, str(findings)


def test_a_few_answers_added_and_withdrawn_between_snapshots_are_not_revealed(
    history: History,
) -> None:
    stages = history.stages
    findings = difference_findings(stages["B"], stages["C"], earlier=stages["A"])
    assert findings.changed > 0
    assert findings.pinned == 0, str(findings)


def test_the_salary_of_one_added_answer_cannot_be_solved_from_two_estimates(
    history: History,
) -> None:
    found, recovered = recovery(history)
    before = history.stages["A"].crawl.estimates["victim"]
    after = history.stages["B"].crawl.estimates["victim"]
    assert not recovered, (
        f"estimate {before} -> {after}: solved {found.salary:,.0f} (leverage {found.leverage:.4f})"
        f" against a true {history.victim_salary:,}"
    )


def test_a_published_share_does_not_give_away_its_true_numerator(history: History) -> None:
    found = share_findings(history.stages["A"])
    message = (
        f"{found.pinned_true} of {found.shares} published shares ({found.rate:.1%}) invert to "
        f"their true numerator; {found.pinned_true_nonzero} of {found.scored_nonzero} "
        f"({found.rate_nonzero:.1%}) where it is not 0"
    )
    assert found.shares > 0
    assert found.rate_nonzero <= EXACT_HIT_TARGET, message


def test_every_published_amount_is_a_multiple_of_its_rounding_step(history: History) -> None:
    amounts: list[tuple[str, float]] = []
    for stage in history.stages.values():
        amounts += attacks.csv_money(stage.crawl.cells)
        amounts += stage.crawl.api_amounts + stage.crawl.estimate_amounts
    found = attacks.money_off_step(amounts)
    assert found.figures > 0
    assert found.off_step == 0, (
        f"{found.off_step} of {found.figures} published amounts are not rounded, "
        f"e.g. {', '.join(found.examples)}"
    )


def test_published_counts_are_off_by_at_most_the_noise_bound_and_seldom_exact(
    history: History,
) -> None:
    stage = history.stages["A"]
    published: list[int] = []
    true: list[int] = []
    for metric, country, year in stage.groups():
        cells = stage.cells_of(metric, country, year)
        rows = stage.rows_of(metric, country, year)
        flags = attacks.flag_columns(rows, missions=vocab.MISSIONS.codes, kpis=())
        truth = attacks.true_counts(cells, rows, flags, dims=METRICS[metric][1])
        assert (truth["n_true"] >= attacks.MIN_COHORT).all(), (metric, country, year)
        published += cells["n"].tolist()
        true += truth["n_true"].tolist()
    errors = attacks.count_errors(published, true)
    assert errors["max_abs"] <= NOISE_BOUND, errors
    assert errors["exact_share"] <= EXACT_COUNT_SHARE, errors  # "zero for at most 30 %"


def test_every_output_shows_the_same_n_and_a_republished_snapshot_changes_nothing(
    history: History,
) -> None:
    for name in ("C", "D"):
        for cohort, reading in history.stages[name].crawl.readings.items():
            assert reading.api is not None, (name, cohort, reading)
            assert {reading.api, reading.page, reading.csv, reading.guide} == {reading.api}, (
                name,
                cohort,
                reading,
            )
    third, fourth = history.stages["C"].crawl, history.stages["D"].crawl
    assert third.readings == fourth.readings
    assert third.estimates == fourth.estimates
    key = ["metric", "country", "year", *DIMENSIONS, "mission", "mission_done"]
    before = third.cells.set_index(key).sort_index()
    after = fourth.cells.set_index(key).sort_index()
    pd.testing.assert_frame_equal(before, after)
