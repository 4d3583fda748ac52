"""What an attacker learns from published snapshots of 100,000 demo answers (DESIGN.md privacy).

    python bench/privacy_report.py [--responses 100000] [--seed 1] [--lp-budget 300]

A throwaway database — a fresh SQLite one, or, when DATABASE_URL is set (as
for the other scripts of bench/), a temporary copy of that PostgreSQL
database — gets demo answers over three editions and a published snapshot A;
then one more answer (a salary the attacker wants) and snapshot B. The attacks
of tests/benchmarks/attacks.py run on what an outsider reads of them
(cells.csv and profile estimates, through the public URLs) and are scored
against the raw answers, with the history the tests play
(tests/benchmarks/test_privacy_attacks.py) at this size. Printed beside
DESIGN's target (a measure, not a verdict):

- suppressed cohorts (true n 1-9) that the published table pins to their
  exact n, and how often the attacker's best guess of one is exact;
- groups of 1-9 new answers sized exactly from the difference of A and B;
- answers recovered (within 2 %) from the difference of two profile estimates;
- published shares that invert to their true numerator;
- max |published n - true n|, and the share of published medians within the
  rounding step of the true median;
- published amounts not a multiple of their rounding step, and those equal to
  an answer of their cohort all the same (answers are often round figures);
- cells published (and the "put back" counts, when the snapshot's notes
  carry them).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, setup_django, temporary_database

# Kept alive for the process: settings may write their secret key there.
_SCRATCH: tempfile.TemporaryDirectory[str] | None = None


def configure() -> None:
    """Django on DATABASE_URL when set (as the other scripts), else on SQLite in a scratch dir."""
    global _SCRATCH
    from django.conf import settings

    if settings.configured:
        return
    if os.environ.get("DATABASE_URL"):
        setup_django()
        return
    _SCRATCH = tempfile.TemporaryDirectory(prefix="cmbench-privacy-")
    os.environ["CMBENCH_VAR_DIR"] = _SCRATCH.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cmbench.settings")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()


@contextmanager
def scratch_database() -> Iterator[None]:
    """Django's test database: PostgreSQL's through bench.common, else a fresh SQLite one."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor == "postgresql":
        with temporary_database():
            yield
        return
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(old_config, verbosity=0)


def _put_back(notes: Any, path: str = "") -> list[str]:
    """Every "put back" count the notes carry, as "path: value"."""
    found: list[str] = []
    if isinstance(notes, dict):
        for key, value in notes.items():
            where = f"{path}.{key}" if path else str(key)
            if "put" in str(key).lower() and not isinstance(value, dict | list):
                found.append(f"{where}: {value}")
            else:
                found += _put_back(value, where)
    elif isinstance(notes, list):
        for index, value in enumerate(notes):
            found += _put_back(value, f"{path}[{index}]")
    return found


def report(responses: int, seed: int, lp_budget: float) -> None:
    import numpy as np
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from surveys import vocabulary as vocab
    from tests.benchmarks import attacks
    from tests.benchmarks import test_privacy_attacks as history_module

    setup_test_environment()
    year = timezone.now().year
    started = time.perf_counter()
    with scratch_database(), history_module.page_settings():
        history = history_module.play_history(
            responses=responses, seed=seed, editions=[year - 2, year - 1, year], stages="AB"
        )
        played = time.perf_counter() - started
        first, second = history.stages["A"], history.stages["B"]
        cells_published = [first.snapshot.cell_count, second.snapshot.cell_count]
        put_back = _put_back(first.snapshot.notes)

        step = time.perf_counter()
        linear = history_module.linear_findings(first, lp_budget_seconds=lp_budget)
        linear_seconds = time.perf_counter() - step
        step = time.perf_counter()
        difference = history_module.difference_findings(first, second)
        difference_seconds = time.perf_counter() - step
        found, recovered = history_module.recovery(history)
        shares = history_module.share_findings(first)

        worst = 0.0
        exact_counts: list[float] = []
        medians: list[dict[str, float]] = []
        equal_amounts = [0, 0]
        for metric, country, edition in first.groups():
            cells = first.cells_of(metric, country, edition)
            rows = first.rows_of(metric, country, edition)
            dims = history_module.METRICS[metric][1]
            flags = attacks.flag_columns(rows, missions=vocab.MISSIONS.codes, kpis=())
            truth = attacks.true_counts(cells, rows, flags, dims=dims)
            errors = attacks.count_errors(cells["n"], truth["n_true"])
            worst = max(worst, errors["max_abs"])
            exact_counts += [errors["exact_share"]] * len(cells)
            true_median = attacks.true_medians(
                cells,
                rows,
                dims=dims,
                value=history_module.METRICS[metric][2],
                missions=vocab.MISSIONS.codes,
            )
            gaps = attacks.median_errors(
                cells["p50"].to_numpy(np.float64), true_median, step=attacks.MONEY_STEPS[metric]
            )
            medians += [gaps] * gaps["cells"]
            equal, amounts = attacks.amounts_equal_to_answers(
                cells, rows, dims=dims, value=history_module.METRICS[metric][2]
            )
            equal_amounts[0] += equal
            equal_amounts[1] += amounts
        money = attacks.money_off_step(
            attacks.csv_money(first.crawl.cells)
            + first.crawl.estimate_amounts
            + second.crawl.estimate_amounts
        )

    def share(key: str) -> float:
        return float(np.mean([m[key] for m in medians])) if medians else 0.0

    before = first.crawl.estimates["victim"]
    after = second.crawl.estimates["victim"]
    rows = [
        ("suppressed cohorts (true n 1-9)", f"{linear.suppressed:,}", ""),
        ("  pinned to their exact n", f"{linear.pinned:,}", "0"),
        ("  of which mission cells", f"{linear.pinned_mission:,}", ""),
        ("  best guess exact, all", f"{linear.exact_hit_rate:.1%}", ""),
        (
            "  constant guess 1 exact, all",
            f"{linear.constant_hits / max(linear.suppressed, 1):.1%}",
            "",
        ),
        (
            f"  best guess exact, {linear.informed:,} narrowed below 9 values",
            f"{linear.informed_hit_rate:.1%}",
            "<= 35%",
        ),
        (
            "  LPs solved / targets out of budget",
            f"{linear.lp_solved:,} / {linear.lp_out_of_budget}",
            "- / 0",
        ),
        (
            "groups of 1-9 new answers sized exactly (A -> B)",
            f"{difference.pinned} of {difference.changed}",
            "0",
        ),
        (
            "answers recovered from model differences",
            f"{int(recovered)} of 1",
            "0",
        ),
        (
            "  solved salary / true",
            (f"{found.salary:,.0f}" if found.salary else "no change")
            + f" / {history.victim_salary:,}",
            "",
        ),
        (
            "  estimate A -> B (fitted_on)",
            f"{before.estimate:,.0f} ({before.fitted_on}) -> {after.estimate:,.0f} "
            f"({after.fitted_on})"
            if before and after
            else "-",
            "",
        ),
        (
            "shares inverting to their true numerator (> 0)",
            f"{shares.rate_nonzero:.1%} of {shares.scored_nonzero:,}",
            "<= 35%",
        ),
        ("max |published n - true n|", f"{worst:g}", f"<= {history_module.NOISE_BOUND}"),
        (
            "published counts exact",
            f"{float(np.mean(exact_counts)) if exact_counts else 0.0:.1%}",
            "<= 30%",
        ),
        ("medians exact (within 0.5)", f"{share('exact'):.1%}", ""),
        ("medians within half the rounding step", f"{share('within_half_step'):.1%}", ""),
        ("medians within the rounding step", f"{share('within_step'):.1%}", ""),
        (
            "amounts not a multiple of their step",
            f"{money.off_step:,} of {money.figures:,}",
            "0",
        ),
        (
            "amounts equal to an answer of their cohort",
            f"{equal_amounts[0]:,} of {equal_amounts[1]:,}",
            "0 (rule 4)",
        ),
        ("cells published A / B", " / ".join(f"{n:,}" for n in cells_published), ""),
    ]
    rows += [(f"  notes: {entry}", "", "") for entry in put_back]
    width = max(len(name) for name, _, _ in rows)
    print(
        f"\n{responses:,} demo answers, editions {year - 2}-{year}, noise bound "
        f"{history_module.NOISE_BOUND}: history played in {played:.0f} s, linear attack "
        f"{linear_seconds:.0f} s, difference attack {difference_seconds:.0f} s"
    )
    print(f"{'':{width}}  {'measured':>22}  target")
    for name, value, target in rows:
        print(f"{name:{width}}  {value:>22}  {target}")
    if linear.examples:
        print("pinned, e.g.: " + "; ".join(linear.examples[:3]))
    if difference.examples:
        print("sized, e.g.: " + "; ".join(difference.examples[:3]))


def main(argv: list[str] | None = None) -> None:
    # The pages render without collectstatic; WhiteNoise says so once per client.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--lp-budget",
        type=float,
        default=300.0,
        help="seconds of linear programs per metric, country and edition",
    )
    options = parser.parse_args(argv)
    configure()
    report(options.responses, options.seed, options.lp_budget)


if __name__ == "__main__":
    main()
