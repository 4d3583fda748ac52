"""The shape of the published table: what build writes and read looks up, in one place.

Both lanes import this module and nothing else of each other: the build
(`benchmarks.build`) computes cells along these dimensions and stores these
columns; the read side (`benchmarks.read`, `benchmarks.present`) looks them up
and validates queries against the same names. Add a dimension here first
(docs/architecture.md says what follows). Constants only: no Django, no pandas.
"""

from __future__ import annotations

from surveys import vocabulary as vocab

# Filter dimensions of a cohort, in the order of the cube. ALL ("") means "all levels".
DIMENSIONS = ("region", "experience", "education", "employer_size", "employer_type", "role")
ALL = ""
# Salaries are cut along every dimension; freelancers have no employer, so their
# cube leaves those two dimensions at ALL (and the day-rate queries refuse them).
SALARY_DIMENSIONS = DIMENSIONS
DAY_RATE_DIMENSIONS = ("region", "experience", "education", "role")
EMPLOYER_DIMENSIONS = ("employer_size", "employer_type")

# The mission breakdown and the group comparisons are computed for cohorts with
# at most this many filters besides country and year (the overall cohort and
# one-filter cohorts). A snapshot records the value it was built with in
# `Snapshot.parameters["breakdown_max_filters"]`, which wins when reading.
BREAKDOWN_MAX_FILTERS = 1

# Stage-3 outliers: values outside FENCE_K x IQR of the log values of their
# country, edition and status are left out of the snapshot (DESIGN.md).
FENCE_K = 3.0

# Thin countries (DESIGN.md, Thin data): a country whose latest edition publishes fewer
# main-table salary cells than this also gets a view pooled over its last three editions
# in the latest edition's money (`build.pooling`). 20 because a country under it shows at
# most its overall cohort and a handful of one-filter cohorts (one dimension's levels, e.g.
# the four experience bands, already make five): too little to read a profile in, while
# France, with hundreds, is never pooled. Belgium, Switzerland and Canada publish 1-7.
POOL_THRESHOLD = 20

# The percentiles a cell may publish, with their ranks (p10 and p90 from MIN_TAILS).
PERCENTILE_RANKS = (("p10", 10), ("p25", 25), ("p50", 50), ("p75", 75), ("p90", 90))
PERCENTILE_FIELDS = tuple(name for name, _rank in PERCENTILE_RANKS)

# What a published cell shows, in the order of the CSV and of the snapshot's COPY.
PUBLIC_CELL_COLUMNS = (
    "metric",
    "country",
    "year",
    *DIMENSIONS,
    "mission",
    "mission_done",
    "n",
    "confidence",
    "currency",
    *PERCENTILE_FIELDS,
    "median_ci_low",
    "median_ci_high",
    "extras",
)
# A thin cell's smoothed median and its 95% interval (money, rounded), stored beside the
# public columns: the explorer shows them; the API and cells.csv do not (yet).
SMOOTHED_CELL_COLUMNS = ("smoothed_p50", "smoothed_p50_low", "smoothed_p50_high")
# The unique key of a cell within its snapshot.
COHORT_KEY_FIELDS = ("metric", "country", "year", *DIMENSIONS, "mission", "mission_done")

# Day rates published with the share of freelancers billing strictly under each.
DAY_RATE_THRESHOLDS = (200, 300, 400, 500)
# The counts a cell's extras store, in this order: {"under": [...], "missions": [...],
# "kpis": [...]} (vocabulary order); shares and intervals are derived from them on reading.
SHARE_FAMILIES = (
    ("under", tuple(str(t) for t in DAY_RATE_THRESHOLDS)),
    ("missions", vocab.MISSIONS.codes),
    ("kpis", vocab.KPIS.codes),
)
