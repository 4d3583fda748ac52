"""The profile estimate: OLS of log salary on main effects, with a prediction interval.

    log(y) = b0 + sum_j b_j x_j + sum_f sum_{l != ref_f} b_{f,l} [factor f = l] + e,
    e ~ N(0, s^2)

Numeric columns enter as they are (e.g. experience years); each categorical
column is treatment-coded against its reference level. A prediction is a
*profile estimate*, labelled as such: it is not a cohort and carries no n of
its own beyond the model's.

Privacy (DESIGN.md, rule 5): before fitting, a level with too few rows, or whose
one-filter cohort is not published (``allowed_levels``), is merged into
``other``; an ``other`` still too small (or itself unpublished) is read with the
reference level, and the model records it (``pooled_with_reference``). The
stored model keeps no per-level count, only shares rounded to 2 decimals, and
its ``n`` is for the degrees of freedom only: a caller publishes a perturbed
count instead.

A factor left open in the profile is averaged over its mix in the fitted data
(a predictive margin): the prediction is the mixture of the predictive
distributions of the open factors' level combinations, see
:meth:`LogSalaryModel.predict`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import linalg, special
from scipy.linalg import lapack

from benchmarks.stats._checks import confidence_level
from benchmarks.stats.errors import InsufficientDataError, RankDeficientError, StatsError

# scipy.stats and scipy.optimize are imported by the functions that use them: they take
# 0.4 s to import, which a process that only imports this module (the build's
# main process, the web) would pay for nothing. The build's workers have them
# preloaded (benchmarks.build.worker_boot).

__all__ = [
    "MAX_MIXTURE_COMPONENTS",
    "OPEN_LEVEL",
    "LogSalaryModel",
    "Prediction",
    "fit_log_salary_model",
]

_FORMAT = "cmbench.log_salary_model"
_VERSION = 2
#: Stored versions :meth:`LogSalaryModel.from_dict` reads. Version 1 carried exact
#: per-level counts (``level_counts``), which version 2 replaces by rounded shares.
_READABLE_VERSIONS = (1, 2)
INTERCEPT = "intercept"
#: ``Prediction.levels_used`` of a factor left open (averaged over its mix).
OPEN_LEVEL = "*"
#: Most components a predictive margin evaluates; past it, nearby components are
#: merged (see :meth:`LogSalaryModel.predict`). Each evaluation of the mixture CDF
#: costs about 0.25 us per component and a quantile takes some 10 evaluations.
MAX_MIXTURE_COMPONENTS = 256
#: Decimals of the stored level shares (a share, not a count, is stored).
SHARE_DECIMALS = 2


@dataclass(frozen=True)
class Prediction:
    """A profile estimate in the unit of the model's target (e.g. EUR gross per year).

    With every factor given, ``estimate`` = exp(y_hat), the *median* salary of the
    profile under log-normal errors (not the mean, which would be exp(y_hat + s^2/2));
    [low, high] is the ``level`` prediction interval for one new respondent of that
    profile. With factors left open (``open_factors``), estimate and interval are the
    median and central ``level`` interval of the predictive margin (see
    :meth:`LogSalaryModel.predict`).

    ``levels_used`` gives, for each categorical column, the model level the
    profile's value was mapped to, or :data:`OPEN_LEVEL` (``"*"``) for an open
    factor. ``n`` is the true number of rows the model was fitted on: internal (it
    sets the degrees of freedom), never to be published as it is; a caller publishes
    a perturbed count instead (DESIGN.md privacy rules 3 and 5).
    """

    estimate: float
    low: float
    high: float
    level: float
    n: int
    levels_used: Mapping[str, str]
    open_factors: tuple[str, ...] = ()


def _frozen_array(values: Any, *, ndim: int, name: str) -> NDArray[np.float64]:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"model field {name!r} must hold numbers: {exc}") from exc
    if array.ndim != ndim or not np.isfinite(array).all():
        raise StatsError(f"model field {name!r} must be a finite {ndim}-d array")
    array.setflags(write=False)
    return array


def _is_open(value: object) -> bool:
    """A profile value that leaves its factor open: None, NaN or a blank string."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


@dataclass(frozen=True)
class _Mixture:
    """A finite mixture of location-scale Student t distributions, in log units.

    F(y) = sum_c w_c T_df((y - location_c) / scale_c), weights summing to 1.
    """

    location: NDArray[np.float64]
    scale: NDArray[np.float64]
    weight: NDArray[np.float64]
    df: float

    def cdf(self, y: float) -> float:
        return float(self.weight @ special.stdtr(self.df, (y - self.location) / self.scale))

    def quantile(self, q: float) -> float:
        """The y with F(y) = q, by Brent's method.

        Bracket: at y = min_c Q_c(q) every component's CDF is <= q, at max_c Q_c(q)
        every one is >= q (Q_c the component quantiles), so the mixture's quantile
        lies between them.
        """
        t_q = 0.0 if q == 0.5 else float(special.stdtrit(self.df, q))
        component = self.location + t_q * self.scale
        low, high = float(component.min()), float(component.max())
        if self.location.size == 1 or high <= low:
            return low
        # A hair outside, so rounding in the sum of CDFs cannot flip a sign.
        margin = 1e-9 * (1.0 + high - low)
        from scipy import optimize

        return float(
            optimize.brentq(lambda y: self.cdf(y) - q, low - margin, high + margin, xtol=1e-10)
        )


@dataclass(frozen=True)
class _Components:
    """Mixture components while the open factors are crossed in (log units).

    Per component c: ``location`` x_c'b, ``leverage`` x_c'(X'X)^-1 x_c, ``z`` the row
    x_c'(X'X)^-1 (p wide: it updates the leverage when a dummy is switched on),
    ``merged_variance`` the variance of the locations merged into c (0 until
    components are merged), ``weight``.
    """

    location: NDArray[np.float64]
    leverage: NDArray[np.float64]
    z: NDArray[np.float64]
    merged_variance: NDArray[np.float64]
    weight: NDArray[np.float64]

    def merged(self, bins: int) -> _Components:
        """Components merged into at most ``bins`` bins of equal width in location.

        A bin is replaced by its weighted means of location, leverage and z (linear
        in the design row, so later dummies add to them exactly) and the weighted
        variance of its locations, which :meth:`LogSalaryModel._margin` adds to the
        component's spread: the first two moments of the mixture are kept.
        """
        low, high = float(self.location.min()), float(self.location.max())
        if high > low:
            raw = np.minimum(
                ((self.location - low) / (high - low) * bins).astype(np.int64), bins - 1
            )
        else:
            raw = np.zeros(self.location.size, dtype=np.int64)
        occupied, bin_of = np.unique(raw, return_inverse=True)
        size = occupied.size
        total = np.bincount(bin_of, weights=self.weight, minlength=size)

        def mean(values: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.bincount(bin_of, weights=self.weight * values, minlength=size) / total

        location = mean(self.location)
        width = self.z.shape[1]
        # Weighted sums of the z rows per bin: one bincount over (bin, column) cells.
        cells = (bin_of[:, None] * width + np.arange(width)).ravel()
        z_sums = np.bincount(
            cells, weights=(self.weight[:, None] * self.z).ravel(), minlength=size * width
        ).reshape(size, width)
        return _Components(
            location=location,
            leverage=mean(self.leverage),
            z=z_sums / total[:, None],
            merged_variance=mean(self.merged_variance + (self.location - location[bin_of]) ** 2),
            weight=total,
        )


@dataclass(frozen=True, eq=False)
class LogSalaryModel:
    """A fitted log-salary model; build it with :func:`fit_log_salary_model`.

    Fields: ``levels[f]`` the model levels of factor f, reference first;
    ``reference[f]`` its reference level (the most frequent model level);
    ``level_map[f]`` every level seen in the fitting data -> the model level it was
    merged into (itself if kept; ``other_label``; or the reference, see below);
    ``pooled_with_reference[f]`` the levels seen in the data that had too few rows
    (or an unpublished cohort) even merged into ``other_label``, and so are read
    with the reference level (sorted; empty when none), so a page can say "read
    with the most common level, <reference>: too few answers to stand alone";
    ``level_shares[f]`` each model level's share of the fitted rows, rounded to
    2 decimals (the weights of a predictive margin; no exact count is kept);
    ``columns`` the design-matrix column names (``intercept``, the numeric columns,
    then ``factor[level]`` dummies); ``coefficients`` b (log units);
    ``residual_variance`` s^2 = RSS / (n - p) (log units squared); ``xtx_inv``
    (X'X)^-1, p x p; ``p`` columns. Arrays are read-only.

    ``n`` is the true number of fitted rows, kept for the degrees of freedom
    n - p of the prediction interval only: it is internal, never published as it
    is; a caller publishes a perturbed count instead (DESIGN.md privacy rules 3, 5).
    Likewise ``level_map`` and ``pooled_with_reference`` name levels present in the
    data however few their rows: never publish them as they are (a level absent
    from the data resolves to the same model level, and must be worded alike).
    """

    target: str
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    levels: Mapping[str, tuple[str, ...]]
    reference: Mapping[str, str]
    level_map: Mapping[str, Mapping[str, str]]
    pooled_with_reference: Mapping[str, tuple[str, ...]]
    level_shares: Mapping[str, Mapping[str, float]]
    other_label: str
    min_level_count: int
    columns: tuple[str, ...]
    coefficients: NDArray[np.float64]
    residual_variance: float
    xtx_inv: NDArray[np.float64]
    n: int
    p: int

    def resolve_level(self, factor: str, value: object) -> str:
        """The model level used for ``value`` of ``factor``.

        A level seen when fitting maps to its model level (itself, or the level
        it was merged into); an unknown level (or None) maps to ``other_label``
        when the model has it, else to the factor's reference level. (This reads
        one level; :meth:`predict` instead averages a factor left open.)
        """
        if factor not in self.level_map:
            raise StatsError(f"{factor!r} is not a categorical column of the model")
        if value is not None:
            mapped = self.level_map[factor].get(str(value))
            if mapped is not None:
                return mapped
        if self.other_label in self.levels[factor]:
            return self.other_label
        return self.reference[factor]

    def _factor_codes(self, factor: str, values: pd.Series) -> NDArray[np.int64]:
        """Index in ``levels[factor]`` of each value's model level (0 = reference)."""
        raw_codes, distinct = pd.factorize(values, use_na_sentinel=True)
        position = {level: index for index, level in enumerate(self.levels[factor])}
        # One lookup per distinct value, then one take over the rows; the last slot
        # is for missing values (code -1), which resolve like an unknown level.
        lookup = np.array(
            [position[self.resolve_level(factor, value)] for value in distinct]
            + [position[self.resolve_level(factor, None)]],
            dtype=np.int64,
        )
        return lookup[np.asarray(raw_codes, dtype=np.int64)]

    def _design_rows(
        self, frame: pd.DataFrame, *, extra_columns: int = 0
    ) -> tuple[NDArray[np.float64], dict[str, NDArray[np.int64]]]:
        """Design matrix X (rows of ``frame`` x p + extra_columns zero columns, Fortran
        order for LAPACK) and each factor's level codes."""
        missing = [c for c in (*self.numeric, *self.categorical) if c not in frame.columns]
        if missing:
            raise StatsError(f"profile lacks the model columns {missing}")
        design = np.zeros((len(frame), self.p + extra_columns), dtype=np.float64, order="F")
        design[:, 0] = 1.0
        for offset, column in enumerate(self.numeric, start=1):
            design[:, offset] = _numeric_column(frame[column], name=column)
        column_index = {name: index for index, name in enumerate(self.columns)}
        rows = np.arange(len(frame))
        codes: dict[str, NDArray[np.int64]] = {}
        for factor in self.categorical:
            codes[factor] = self._factor_codes(factor, frame[factor])
            # Dummy column of each non-reference level; code 0 is the reference.
            dummy_columns = np.array(
                [-1] + [column_index[f"{factor}[{level}]"] for level in self.levels[factor][1:]],
                dtype=np.int64,
            )
            hit = codes[factor] > 0
            design[rows[hit], dummy_columns[codes[factor][hit]]] = 1.0
        return design, codes

    def predict_frame(self, frame: pd.DataFrame, *, level: float = 0.80) -> pd.DataFrame:
        """:meth:`predict` for every row of ``frame``: columns estimate, low, high, <factor>_used.

        Vectorized: y_hat = X0 b, se = s sqrt(1 + diag(X0 (X'X)^-1 X0')). Every row
        is read at one level per factor (a missing value resolves as in
        :meth:`resolve_level`): no margins here; use :meth:`predict` for a profile
        with open factors.
        """
        from scipy import stats

        quantile = float(stats.t.ppf(0.5 + confidence_level(level) / 2.0, self.n - self.p))
        design, used = self._design_rows(frame)
        fitted = design @ self.coefficients
        leverage = np.einsum("ij,jk,ik->i", design, self.xtx_inv, design)
        spread = quantile * math.sqrt(self.residual_variance) * np.sqrt(1.0 + leverage)
        result = pd.DataFrame(
            {
                "estimate": np.exp(fitted),
                "low": np.exp(fitted - spread),
                "high": np.exp(fitted + spread),
            },
            index=frame.index,
        )
        for factor in self.categorical:
            levels = np.array(self.levels[factor], dtype=object)
            result[f"{factor}_used"] = levels[used[factor]]
        return result

    def predict(self, profile: Mapping[str, object], *, level: float = 0.80) -> Prediction:
        """Profile estimate and its prediction interval, in the target's unit.

        Every factor given: with x0 the profile's design row, y_hat = x0'b and
        t = t_{(1 + level)/2, n - p}:

            estimate   = exp(y_hat)                    (median on the original scale)
            [low, high] = exp(y_hat -/+ t s sqrt(1 + x0' (X'X)^-1 x0))

        Numeric columns must be given as finite numbers; a categorical value is
        mapped by :meth:`resolve_level` (unknown or merged levels go to ``other``
        when the model has it, else to the reference level), and the levels used
        are returned in ``levels_used``.

        Open factors (missing from ``profile``, None, NaN or blank) are averaged over
        their mix in the fitted data, never read at one level: a *predictive margin*.
        Taking the open factors as independent, each combination c of their model
        levels has weight w_c = product of the levels' ``level_shares`` (renormalized
        per factor; a share rounded to 0 weighs nothing) and the predictive
        distribution log y ~ y_hat_c + s sqrt(1 + h_c) T_{n-p} (h_c = x_c'(X'X)^-1 x_c).
        The margin is their mixture, with CDF F(y) = sum_c w_c T_{n-p}((y - y_hat_c) /
        (s sqrt(1 + h_c))); ``estimate`` = exp(F^-1(1/2)) and [low, high] =
        exp(F^-1((1 -/+ level) / 2)), found by Brent's method on F. ``levels_used`` says
        :data:`OPEN_LEVEL` for an open factor, listed in ``open_factors``.

        Approximation past :data:`MAX_MIXTURE_COMPONENTS` combinations (e.g. every
        factor open): the factors are crossed in one at a time, and before a factor
        would take the count past the cap, the components so far are merged into bins
        of equal width in y_hat; a bin keeps its weight, its weighted mean y_hat and
        h, and adds the variance of its y_hat to its spread (the scale becomes
        sqrt(s^2 (1 + h) + v (df - 2) / df), so each bin keeps the variance of what it
        replaces). Deterministic, no sampling. Measured against the exact mixture:
        about 1e-6 relative with every factor of a 8 x 6 x 5 x 7 x 18-level model open
        (30,240 combinations) at the default cap, 3e-4 with as few as 2 bins (a test
        holds it), against published money rounded to 100 (0.2 % at 40,000).
        """
        confidence = confidence_level(level)
        numbers: dict[str, float] = {}
        for column in self.numeric:
            if column not in profile:
                raise StatsError(f"profile lacks the model column {column!r}")
            value = profile[column]
            if isinstance(value, bool) or not isinstance(value, Real):
                raise StatsError(f"profile value of {column!r} must be a number, got {value!r}")
            numbers[column] = float(value)
        open_factors = tuple(f for f in self.categorical if _is_open(profile.get(f)))
        base, levels_used = self._profile_row(profile, numbers, open_factors=open_factors)
        if open_factors:
            return self._margin(base, levels_used, open_factors=open_factors, level=confidence)
        # The very operations of predict_frame on the same design row (a test holds
        # the two equal to the last bit), without building a DataFrame.
        from scipy import stats

        quantile = float(stats.t.ppf(0.5 + confidence / 2.0, self.n - self.p))
        design = np.asfortranarray(base[None, :])
        fitted = design @ self.coefficients
        leverage = np.einsum("ij,jk,ik->i", design, self.xtx_inv, design)
        spread = quantile * math.sqrt(self.residual_variance) * np.sqrt(1.0 + leverage)
        return Prediction(
            estimate=float(np.exp(fitted)[0]),
            low=float(np.exp(fitted - spread)[0]),
            high=float(np.exp(fitted + spread)[0]),
            level=float(level),
            n=self.n,
            levels_used=levels_used,
        )

    def _profile_row(
        self,
        profile: Mapping[str, object],
        numbers: Mapping[str, float],
        *,
        open_factors: tuple[str, ...],
    ) -> tuple[NDArray[np.float64], dict[str, str]]:
        """The profile's design row (open factors at their reference: no dummy set)
        and the level used for each factor (:data:`OPEN_LEVEL` when open)."""
        base = np.zeros(self.p, dtype=np.float64)
        base[0] = 1.0
        for offset, column in enumerate(self.numeric, start=1):
            if not math.isfinite(numbers[column]):
                raise StatsError(f"profile value of {column!r} must be finite")
            base[offset] = numbers[column]
        column_index = {name: index for index, name in enumerate(self.columns)}
        levels_used: dict[str, str] = {}
        for factor in self.categorical:
            if factor in open_factors:
                levels_used[factor] = OPEN_LEVEL
                continue
            used = self.resolve_level(factor, profile[factor])
            levels_used[factor] = used
            if used != self.reference[factor]:
                base[column_index[f"{factor}[{used}]"]] = 1.0
        return base, levels_used

    def _margin(
        self,
        base: NDArray[np.float64],
        levels_used: Mapping[str, str],
        *,
        open_factors: tuple[str, ...],
        level: float,
    ) -> Prediction:
        """:meth:`predict` with ``open_factors`` averaged over their mix (a mixture).

        ``base`` is the profile's design row with the open factors' dummies unset.
        """
        column_index = {name: index for index, name in enumerate(self.columns)}
        coefficients, xtx_inv = self.coefficients, self.xtx_inv
        z = base @ xtx_inv
        components = _Components(
            location=np.array([base @ coefficients]),
            leverage=np.array([z @ base]),
            z=z[None, :],
            merged_variance=np.zeros(1),
            weight=np.ones(1),
        )
        # Most levels first: the later (smaller) factors then leave more bins if
        # the components have to be merged.
        for factor in sorted(open_factors, key=lambda f: (-len(self.levels[f]), f)):
            weights = np.array([self.level_shares[factor][lv] for lv in self.levels[factor]])
            if weights.sum() <= 0.0:
                weights = np.ones(weights.size)
            keep = weights > 0.0
            weights = weights[keep] / weights[keep].sum()
            columns = np.array(
                [column_index.get(f"{factor}[{lv}]", -1) for lv in self.levels[factor]],
                dtype=np.int64,
            )[keep]
            if components.location.size * columns.size > MAX_MIXTURE_COMPONENTS:
                components = components.merged(max(1, MAX_MIXTURE_COMPONENTS // columns.size))
            # Switching on dummy j adds b_j to y_hat, 2 z_j + V_jj to the leverage
            # and row j of V to z; the reference level (column -1) adds nothing.
            dummy = columns >= 0
            safe = np.where(dummy, columns, 0)
            add_location = np.where(dummy, coefficients[safe], 0.0)
            add_z = np.where(dummy[:, None], xtx_inv[safe], 0.0)
            add_leverage = np.where(dummy, xtx_inv[safe, safe], 0.0)
            old = components
            components = _Components(
                location=(old.location[:, None] + add_location).ravel(),
                leverage=(
                    old.leverage[:, None]
                    + 2.0 * np.where(dummy, old.z[:, safe], 0.0)
                    + add_leverage
                ).ravel(),
                z=(old.z[:, None, :] + add_z[None, :, :]).reshape(-1, self.p),
                merged_variance=np.repeat(old.merged_variance, columns.size),
                weight=(old.weight[:, None] * weights).ravel(),
            )

        df = float(self.n - self.p)
        scale_squared = self.residual_variance * (1.0 + components.leverage)
        # A t's variance is scale^2 df / (df - 2): add the merged variance on that scale.
        scale_squared = scale_squared + components.merged_variance * (
            (df - 2.0) / df if df > 2.0 else 1.0
        )
        mixture = _Mixture(
            location=components.location,
            scale=np.sqrt(scale_squared),
            weight=components.weight / components.weight.sum(),
            df=df,
        )
        return Prediction(
            estimate=math.exp(mixture.quantile(0.5)),
            low=math.exp(mixture.quantile((1.0 - level) / 2.0)),
            high=math.exp(mixture.quantile((1.0 + level) / 2.0)),
            level=float(level),
            n=self.n,
            levels_used=levels_used,
            open_factors=open_factors,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (str keys, lists, floats, ints) that :meth:`from_dict` reads back.

        Floats survive ``json.dumps``/``json.loads`` exactly, so predictions from the
        stored model are identical to the fitted one's. Version 2: level shares
        (2 decimals) and ``pooled_with_reference`` instead of version 1's exact
        ``level_counts``; ``n`` stays for the degrees of freedom (internal).
        """
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "target": self.target,
            "numeric": list(self.numeric),
            "categorical": list(self.categorical),
            "levels": {f: list(levels) for f, levels in self.levels.items()},
            "reference": dict(self.reference),
            "level_map": {f: dict(m) for f, m in self.level_map.items()},
            "pooled_with_reference": {f: list(p) for f, p in self.pooled_with_reference.items()},
            "level_shares": {f: dict(s) for f, s in self.level_shares.items()},
            "other_label": self.other_label,
            "min_level_count": self.min_level_count,
            "columns": list(self.columns),
            "coefficients": [float(b) for b in self.coefficients],
            "residual_variance": float(self.residual_variance),
            "xtx_inv": [[float(v) for v in row] for row in self.xtx_inv],
            "n": self.n,
            "p": self.p,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogSalaryModel:
        """Rebuild a model stored with :meth:`to_dict`; raise :class:`StatsError` if malformed.

        Reads version 2 and version 1 (whose exact ``level_counts`` become shares
        rounded to 2 decimals, and whose levels folded into the reference become
        ``pooled_with_reference``).
        """
        version = data.get("version")
        if data.get("format") != _FORMAT or version not in _READABLE_VERSIONS:
            raise StatsError(
                f"not a stored log-salary model of a readable version {_READABLE_VERSIONS}: "
                f"format={data.get('format')!r}, version={version!r}"
            )
        try:
            categorical = tuple(str(f) for f in data["categorical"])
            n = int(data["n"])
            reference = {f: str(data["reference"][f]) for f in categorical}
            level_map = {
                f: {str(k): str(v) for k, v in data["level_map"][f].items()} for f in categorical
            }
            if version == 1:
                level_shares = {
                    f: _rounded_shares(
                        {str(k): int(v) for k, v in data["level_counts"][f].items()}, n=n
                    )
                    for f in categorical
                }
                pooled = {f: _pooled_levels(level_map[f], reference[f]) for f in categorical}
            else:
                level_shares = {
                    f: {str(k): float(v) for k, v in data["level_shares"][f].items()}
                    for f in categorical
                }
                pooled = {
                    f: tuple(str(v) for v in data["pooled_with_reference"][f]) for f in categorical
                }
            model = cls(
                target=str(data["target"]),
                numeric=tuple(str(c) for c in data["numeric"]),
                categorical=categorical,
                levels={f: tuple(str(v) for v in data["levels"][f]) for f in categorical},
                reference=reference,
                level_map=level_map,
                pooled_with_reference=pooled,
                level_shares=level_shares,
                other_label=str(data["other_label"]),
                min_level_count=int(data["min_level_count"]),
                columns=tuple(str(c) for c in data["columns"]),
                coefficients=_frozen_array(data["coefficients"], ndim=1, name="coefficients"),
                residual_variance=float(data["residual_variance"]),
                xtx_inv=_frozen_array(data["xtx_inv"], ndim=2, name="xtx_inv"),
                n=n,
                p=int(data["p"]),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise StatsError(f"stored log-salary model is incomplete: {exc!r}") from exc
        expected = 1 + len(model.numeric) + sum(len(v) - 1 for v in model.levels.values())
        if not (
            model.p == expected == len(model.columns) == model.coefficients.size
            and model.xtx_inv.shape == (model.p, model.p)
            and model.n > model.p
            and model.residual_variance >= 0
        ):
            raise StatsError("stored log-salary model has inconsistent shapes")
        for factor in categorical:
            shares = model.level_shares[factor]
            if set(shares) != set(model.levels[factor]) or not all(
                0.0 <= share <= 1.0 for share in shares.values()
            ):
                raise StatsError(f"stored level shares of {factor!r} do not match its levels")
        return model


def _numeric_column(series: pd.Series, *, name: str) -> NDArray[np.float64]:
    try:
        values = pd.to_numeric(series, errors="raise").to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"column {name!r} must be numeric: {exc}") from exc
    if not np.isfinite(values).all():
        raise StatsError(f"column {name!r} has missing or infinite values")
    return values


def _label_counts(values: pd.Series) -> dict[str, int]:
    """Rows per level, levels compared as strings (one factorize, one bincount)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    counts = np.bincount(np.asarray(codes, dtype=np.int64), minlength=len(distinct))
    label_counts: dict[str, int] = {}
    for value, count in zip(distinct, counts, strict=True):
        label_counts[str(value)] = label_counts.get(str(value), 0) + int(count)
    return label_counts


def _rounded_shares(counts: Mapping[str, int], *, n: int) -> dict[str, float]:
    """Each level's share of the n rows, rounded to :data:`SHARE_DECIMALS` decimals."""
    return {level: round(count / n, SHARE_DECIMALS) for level, count in counts.items()}


def _pooled_levels(level_map: Mapping[str, str], reference: str) -> tuple[str, ...]:
    """The levels read with the reference: every level other than it that maps to it."""
    return tuple(sorted(k for k, v in level_map.items() if v == reference and k != reference))


def _merge_rare_levels(
    label_counts: Mapping[str, int],
    *,
    min_level_count: int,
    other_label: str,
    allowed: frozenset[str] | None,
) -> tuple[dict[str, str], dict[str, int], tuple[str, ...]]:
    """Level map, model-level counts and model levels (reference first) of one factor.

    A level under ``min_level_count`` rows or not in ``allowed`` (None: all allowed)
    goes to ``other_label``. If ``other_label`` then has fewer than
    ``min_level_count`` rows, or is not allowed itself, it is folded into the most
    frequent remaining level (ties by label), where it moves that estimate least;
    that level then has the most rows, so it is the reference.

    Why there, and not kept as ``other``: a dummy of fewer than ``min_level_count``
    rows would be fitted to those few salaries (one row: its own log salary
    exactly) and published through every estimate read at it, which privacy rule 5
    forbids; dropping the rows would lose answers and change n for every other
    level. Pooled with the largest level, k < 10 rows shift its mean by at most
    k / (n_ref + k) of their gap to it, and the choice depends on counts only,
    never on salaries, so it says nothing about them. Docs and API say so: what
    is still too small in ``other`` is read with the most common level.
    """

    def goes_to_other(level: str, count: int) -> bool:
        return count < min_level_count or (allowed is not None and level not in allowed)

    level_map = {
        level: (other_label if goes_to_other(level, count) else level)
        for level, count in label_counts.items()
    }
    merged_counts: dict[str, int] = {}
    for level, count in label_counts.items():
        merged_counts[level_map[level]] = merged_counts.get(level_map[level], 0) + count
    others = merged_counts.get(other_label, 0)
    if others > 0 and goes_to_other(other_label, others) and len(merged_counts) > 1:
        target = _most_frequent({k: v for k, v in merged_counts.items() if k != other_label})
        level_map = {k: (target if v == other_label else v) for k, v in level_map.items()}
        merged_counts[target] += merged_counts.pop(other_label)
    reference = _most_frequent(merged_counts)
    levels = (reference, *sorted(k for k in merged_counts if k != reference))
    return level_map, merged_counts, levels


def _most_frequent(counts: Mapping[str, int]) -> str:
    return min(counts, key=lambda level: (-counts[level], level))


def _allowed_sets(
    allowed_levels: Mapping[str, Collection[str]] | None, categorical: tuple[str, ...]
) -> dict[str, frozenset[str]]:
    if allowed_levels is None:
        return {}
    unknown = [factor for factor in allowed_levels if factor not in categorical]
    if unknown:
        raise StatsError(f"allowed_levels names factors that are not categorical: {unknown}")
    allowed: dict[str, frozenset[str]] = {}
    for factor, levels in allowed_levels.items():
        if isinstance(levels, str):
            raise StatsError(
                f"allowed_levels[{factor!r}] must be a collection of levels, not a str"
            )
        allowed[factor] = frozenset(str(level) for level in levels)
    return allowed


def fit_log_salary_model(
    frame: pd.DataFrame,
    *,
    target: str,
    numeric: Sequence[str],
    categorical: Sequence[str],
    min_level_count: int = 10,
    other_label: str = "other",
    allowed_levels: Mapping[str, Collection[str]] | None = None,
) -> LogSalaryModel:
    """Fit OLS of log(target) on numeric columns and treatment-coded factors (main effects).

    b = argmin ||log y - X b||^2 (Householder QR of [X | log y]), s^2 = RSS / (n - p),
    and (X'X)^-1 is kept for prediction intervals. Units: the target in its currency (e.g. EUR
    gross per year, must be > 0); coefficients in log units (b_j ~ relative change
    of the median per unit of x_j, exactly exp(b_j) - 1).

    Categorical values are compared as strings. Before fitting, each factor level
    with fewer than ``min_level_count`` rows is merged into ``other_label`` (which
    may already be a level of the data, e.g. role ``other``), and so is, for each
    factor named in ``allowed_levels``, every level not in its allowed set (privacy
    rule 5: a level whose one-filter cohort is not published; a factor not named
    keeps all its levels). If ``other_label`` then still has fewer than
    ``min_level_count`` rows, or is not allowed itself, its rows are read with the
    most frequent level (ties by label), which becomes the reference: ``level_map``
    sends them there and ``pooled_with_reference`` lists them. The reference level
    of each factor is its most frequent model level (ties by label), which keeps
    the intercept well estimated.

    Raises :class:`StatsError` on missing columns, a target <= 0 or missing,
    missing values, ``allowed_levels`` naming a factor that is not categorical,
    n <= p (:class:`InsufficientDataError`) or a rank-deficient design, e.g. a
    constant numeric column or two collinear columns (:class:`RankDeficientError`,
    naming the columns involved).
    """
    numeric = tuple(numeric)
    categorical = tuple(categorical)
    wanted = (target, *numeric, *categorical)
    if len(set(wanted)) != len(wanted):
        raise StatsError(f"target, numeric and categorical columns must be distinct: {wanted}")
    missing = [column for column in wanted if column not in frame.columns]
    if missing:
        raise StatsError(f"frame lacks the columns {missing}")
    if min_level_count < 1:
        raise StatsError("min_level_count must be at least 1")
    allowed = _allowed_sets(allowed_levels, categorical)
    y = _numeric_column(frame[target], name=target)
    if (y <= 0).any():
        raise StatsError(f"target {target!r} must be positive to take its log")
    n = y.size

    levels: dict[str, tuple[str, ...]] = {}
    level_maps: dict[str, dict[str, str]] = {}
    level_shares: dict[str, dict[str, float]] = {}
    for factor in categorical:
        if frame[factor].isna().any():
            raise StatsError(f"categorical column {factor!r} has missing values")
        level_maps[factor], counts, levels[factor] = _merge_rare_levels(
            _label_counts(frame[factor]),
            min_level_count=min_level_count,
            other_label=other_label,
            allowed=allowed.get(factor),
        )
        level_shares[factor] = _rounded_shares(
            {level: counts[level] for level in levels[factor]}, n=max(n, 1)
        )
    reference = {factor: levels[factor][0] for factor in categorical}

    columns = (
        INTERCEPT,
        *numeric,
        *(f"{factor}[{level}]" for factor in categorical for level in levels[factor][1:]),
    )
    p = len(columns)
    if n <= p:
        raise InsufficientDataError(
            f"{n} rows cannot fit a model with {p} coefficients: need n > p"
        )
    # The fitted model's layout with placeholder estimates: it builds the design
    # matrix exactly as prediction will, so fitting and predicting cannot disagree.
    layout = LogSalaryModel(
        target=target,
        numeric=numeric,
        categorical=categorical,
        levels=levels,
        reference=reference,
        level_map=level_maps,
        pooled_with_reference={f: _pooled_levels(level_maps[f], reference[f]) for f in categorical},
        level_shares=level_shares,
        other_label=other_label,
        min_level_count=min_level_count,
        columns=columns,
        coefficients=np.zeros(p),
        residual_variance=0.0,
        xtx_inv=np.zeros((p, p)),
        n=n,
        p=p,
    )
    # QR of the augmented matrix [X | log y] (LAPACK geqrf, in place, no Q formed):
    # its R holds R_X, Q'log y in the last column and sqrt(RSS) in the corner, so
    # b = R_X^-1 (Q'log y) and (X'X)^-1 = R_X^-1 R_X^-T without forming X'X.
    augmented, _ = layout._design_rows(frame, extra_columns=1)
    augmented[:, p] = np.log(y)
    factored, _, _, info = lapack.dgeqrf(augmented, overwrite_a=True)
    if info != 0:
        raise StatsError(f"the QR factorization failed (LAPACK info {info})")
    r_full = np.triu(np.asarray(factored[: p + 1, : p + 1], dtype=np.float64))
    del augmented, factored
    r = r_full[:p, :p]
    _, singular, right = np.linalg.svd(r)
    tolerance = singular.max() * max(n, p) * np.finfo(np.float64).eps
    rank = int((singular > tolerance).sum())
    if rank < p:
        null_vector = right[-1]
        involved = [c for c, w in zip(columns, null_vector, strict=True) if abs(w) > 1e-8]
        raise RankDeficientError(
            f"the design matrix has rank {rank} < {p} columns: the columns {involved} are "
            "collinear (a constant numeric column, or factors that determine each other)"
        )
    coefficients = linalg.solve_triangular(r, r_full[:p, p])
    r_inverse = linalg.solve_triangular(r, np.eye(p))
    xtx_inv = r_inverse @ r_inverse.T
    residual_variance = float(r_full[p, p] ** 2) / (n - p)
    return LogSalaryModel(
        target=target,
        numeric=numeric,
        categorical=categorical,
        levels=levels,
        reference=reference,
        level_map=level_maps,
        pooled_with_reference=layout.pooled_with_reference,
        level_shares=level_shares,
        other_label=other_label,
        min_level_count=min_level_count,
        columns=columns,
        coefficients=_frozen_array(coefficients, ndim=1, name="coefficients"),
        residual_variance=residual_variance,
        xtx_inv=_frozen_array(xtx_inv, ndim=2, name="xtx_inv"),
        n=n,
        p=p,
    )
