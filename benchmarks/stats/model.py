"""The profile estimate: OLS of log salary on main effects, with a prediction interval.

    log(y) = b0 + sum_j b_j x_j + sum_f sum_{l != ref_f} b_{f,l} [factor f = l] + e,
    e ~ N(0, s^2)

Numeric columns enter as they are (e.g. experience years); each categorical
column is treatment-coded against its reference level. A prediction is a
*profile estimate*, labelled as such: it is not a cohort and carries no n of
its own beyond the model's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import linalg, stats
from scipy.linalg import lapack

from benchmarks.stats._checks import confidence_level
from benchmarks.stats.errors import InsufficientDataError, RankDeficientError, StatsError

__all__ = ["LogSalaryModel", "Prediction", "fit_log_salary_model"]

_FORMAT = "cmbench.log_salary_model"
_VERSION = 1
INTERCEPT = "intercept"


@dataclass(frozen=True)
class Prediction:
    """A profile estimate in the unit of the model's target (e.g. EUR gross per year).

    ``estimate`` = exp(y_hat), the *median* salary of the profile under log-normal
    errors (not the mean, which would be exp(y_hat + s^2/2)); [low, high] is the
    ``level`` prediction interval for one new respondent of that profile; ``n`` is
    the number of rows the model was fitted on; ``levels_used`` gives, for each
    categorical column, the model level the profile's value was mapped to.
    """

    estimate: float
    low: float
    high: float
    level: float
    n: int
    levels_used: Mapping[str, str]


def _frozen_array(values: Any, *, ndim: int, name: str) -> NDArray[np.float64]:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"model field {name!r} must hold numbers: {exc}") from exc
    if array.ndim != ndim or not np.isfinite(array).all():
        raise StatsError(f"model field {name!r} must be a finite {ndim}-d array")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class LogSalaryModel:
    """A fitted log-salary model; build it with :func:`fit_log_salary_model`.

    Fields: ``levels[f]`` the model levels of factor f, reference first;
    ``reference[f]`` its reference level; ``level_map[f]`` every level seen in the
    fitting data -> the model level it was merged into (itself if kept);
    ``level_counts[f]`` rows per model level; ``columns`` the design-matrix column
    names (``intercept``, the numeric columns, then ``factor[level]`` dummies);
    ``coefficients`` b (log units); ``residual_variance`` s^2 = RSS / (n - p) (log
    units squared); ``xtx_inv`` (X'X)^-1, p x p; ``n`` rows and ``p`` columns.
    Arrays are read-only.
    """

    target: str
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    levels: Mapping[str, tuple[str, ...]]
    reference: Mapping[str, str]
    level_map: Mapping[str, Mapping[str, str]]
    level_counts: Mapping[str, Mapping[str, int]]
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
        when the model has it, else to the factor's reference level.
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

        Vectorized: y_hat = X0 b, se = s sqrt(1 + diag(X0 (X'X)^-1 X0')).
        """
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

        With x0 the profile's design row, y_hat = x0'b and
        t = t_{(1 + level)/2, n - p}:

            estimate   = exp(y_hat)                    (median on the original scale)
            [low, high] = exp(y_hat -/+ t s sqrt(1 + x0' (X'X)^-1 x0))

        Numeric columns must be given as finite numbers; a categorical value is
        mapped by :meth:`resolve_level` (unknown or merged levels go to ``other``
        when the model has it, else to the reference level), and the levels used
        are returned in ``levels_used``.
        """
        row: dict[str, object] = {}
        for column in (*self.numeric, *self.categorical):
            if column not in profile:
                raise StatsError(f"profile lacks the model column {column!r}")
            row[column] = profile[column]
        for column in self.numeric:
            value = row[column]
            if isinstance(value, bool) or not isinstance(value, Real):
                raise StatsError(f"profile value of {column!r} must be a number, got {value!r}")
        frame = pd.DataFrame([row])
        for factor in self.categorical:
            frame[factor] = pd.Series([row[factor]], dtype=object)
        result = self.predict_frame(frame, level=level)
        first = result.iloc[0]
        return Prediction(
            estimate=float(first["estimate"]),
            low=float(first["low"]),
            high=float(first["high"]),
            level=float(level),
            n=self.n,
            levels_used={factor: str(first[f"{factor}_used"]) for factor in self.categorical},
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (str keys, lists, floats, ints) that :meth:`from_dict` reads back.

        Floats survive ``json.dumps``/``json.loads`` exactly, so predictions from the
        stored model are identical to the fitted one's.
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
            "level_counts": {f: dict(c) for f, c in self.level_counts.items()},
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
        """Rebuild a model stored with :meth:`to_dict`; raise :class:`StatsError` if malformed."""
        if data.get("format") != _FORMAT or data.get("version") != _VERSION:
            raise StatsError(
                f"not a stored log-salary model of version {_VERSION}: "
                f"format={data.get('format')!r}, version={data.get('version')!r}"
            )
        try:
            categorical = tuple(str(f) for f in data["categorical"])
            model = cls(
                target=str(data["target"]),
                numeric=tuple(str(c) for c in data["numeric"]),
                categorical=categorical,
                levels={f: tuple(str(v) for v in data["levels"][f]) for f in categorical},
                reference={f: str(data["reference"][f]) for f in categorical},
                level_map={
                    f: {str(k): str(v) for k, v in data["level_map"][f].items()}
                    for f in categorical
                },
                level_counts={
                    f: {str(k): int(v) for k, v in data["level_counts"][f].items()}
                    for f in categorical
                },
                other_label=str(data["other_label"]),
                min_level_count=int(data["min_level_count"]),
                columns=tuple(str(c) for c in data["columns"]),
                coefficients=_frozen_array(data["coefficients"], ndim=1, name="coefficients"),
                residual_variance=float(data["residual_variance"]),
                xtx_inv=_frozen_array(data["xtx_inv"], ndim=2, name="xtx_inv"),
                n=int(data["n"]),
                p=int(data["p"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise StatsError(f"stored log-salary model is incomplete: {exc!r}") from exc
        expected = 1 + len(model.numeric) + sum(len(v) - 1 for v in model.levels.values())
        if not (
            model.p == expected == len(model.columns) == model.coefficients.size
            and model.xtx_inv.shape == (model.p, model.p)
            and model.n > model.p
            and model.residual_variance >= 0
        ):
            raise StatsError("stored log-salary model has inconsistent shapes")
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


def _merge_rare_levels(
    label_counts: Mapping[str, int], *, min_level_count: int, other_label: str
) -> tuple[dict[str, str], dict[str, int], tuple[str, ...]]:
    """Level map, model-level counts and model levels (reference first) of one factor."""
    level_map = {
        level: (other_label if count < min_level_count else level)
        for level, count in label_counts.items()
    }
    merged_counts: dict[str, int] = {}
    for level, count in label_counts.items():
        merged_counts[level_map[level]] = merged_counts.get(level_map[level], 0) + count
    others = merged_counts.get(other_label, 0)
    if 0 < others < min_level_count and len(merged_counts) > 1:
        # "other" is still too small to estimate: fold it into the most frequent
        # level (ties broken by label), where it moves that estimate least.
        target = _most_frequent({k: v for k, v in merged_counts.items() if k != other_label})
        level_map = {k: (target if v == other_label else v) for k, v in level_map.items()}
        merged_counts[target] += merged_counts.pop(other_label)
    reference = _most_frequent(merged_counts)
    levels = (reference, *sorted(k for k in merged_counts if k != reference))
    return level_map, merged_counts, levels


def _most_frequent(counts: Mapping[str, int]) -> str:
    return min(counts, key=lambda level: (-counts[level], level))


def fit_log_salary_model(
    frame: pd.DataFrame,
    *,
    target: str,
    numeric: Sequence[str],
    categorical: Sequence[str],
    min_level_count: int = 10,
    other_label: str = "other",
) -> LogSalaryModel:
    """Fit OLS of log(target) on numeric columns and treatment-coded factors (main effects).

    b = argmin ||log y - X b||^2 (Householder QR of [X | log y]), s^2 = RSS / (n - p),
    and (X'X)^-1 is kept for prediction intervals. Units: the target in its currency (e.g. EUR
    gross per year, must be > 0); coefficients in log units (b_j ~ relative change
    of the median per unit of x_j, exactly exp(b_j) - 1).

    Categorical values are compared as strings. Before fitting, each factor level
    with fewer than ``min_level_count`` rows is merged into ``other_label`` (which
    may already be a level of the data, e.g. role ``other``); if ``other_label``
    then still has fewer than ``min_level_count`` rows it is merged into the most
    frequent level (ties by label). The reference level of each factor is its most
    frequent model level (ties by label), which keeps the intercept well estimated.

    Raises :class:`StatsError` on missing columns, a target <= 0 or missing,
    missing values, n <= p (:class:`InsufficientDataError`) or a rank-deficient
    design, e.g. a constant numeric column or two collinear columns
    (:class:`RankDeficientError`, naming the columns involved).
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
    y = _numeric_column(frame[target], name=target)
    if (y <= 0).any():
        raise StatsError(f"target {target!r} must be positive to take its log")
    n = y.size

    levels: dict[str, tuple[str, ...]] = {}
    level_maps: dict[str, dict[str, str]] = {}
    level_counts: dict[str, dict[str, int]] = {}
    for factor in categorical:
        if frame[factor].isna().any():
            raise StatsError(f"categorical column {factor!r} has missing values")
        level_maps[factor], level_counts[factor], levels[factor] = _merge_rare_levels(
            _label_counts(frame[factor]), min_level_count=min_level_count, other_label=other_label
        )

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
        reference={factor: levels[factor][0] for factor in categorical},
        level_map=level_maps,
        level_counts=level_counts,
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
        reference=layout.reference,
        level_map=level_maps,
        level_counts=level_counts,
        other_label=other_label,
        min_level_count=min_level_count,
        columns=columns,
        coefficients=_frozen_array(coefficients, ndim=1, name="coefficients"),
        residual_variance=residual_variance,
        xtx_inv=_frozen_array(xtx_inv, ndim=2, name="xtx_inv"),
        n=n,
        p=p,
    )
