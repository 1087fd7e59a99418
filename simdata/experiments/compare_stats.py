"""The statistics of a comparison: one test per KPI, the family, Holm's "better" column.

Each KPI's difference ``variant − base`` gets a 95 % CI and a two-sided p-value from the
same t statistic: the paired t on the replication-wise differences when the runs share
their random numbers (same root seed: replication *i* of both runs drew the same arrivals,
Law 2015, §11.2), Welch's t with Welch–Satterthwaite degrees of freedom when they do not
(Welch 1947). The CI is shown unadjusted: it says how large the difference is.

Whether a variant is *better* is a claim a planner acts on, and a compare makes many of
them at once; so "better"/"worse" is decided by Holm's step-down correction
(:func:`simdata.analysis.multiplicity.holm`) across one family: every KPI with a better
direction that is targeted in a run's scenario or has no ``@`` breakdown, over all variants
of the compare. With no true difference anywhere, a compare then marks anything
"better" or "worse" at most 5 % of the time, however many KPIs it shows. Breakdowns that no
target names stay outside (they keep their CI, with no mark), and so do *conditional* KPIs
(``Kpi.conditional``: defined over a subset of units the variant itself changes, e.g. time
to data over delivered requests only — a variant that delivers fewer, harder requests can
look faster while serving worse), which never get a mark.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from scipy import stats

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY
from simdata.analysis.multiplicity import ALPHA, holm
from simdata.analysis.stats import CONFIDENCE, t_interval, t_quantile
from simdata.arrays import FloatArray

Test = Literal["paired t", "Welch t"]


@dataclass(frozen=True)
class Difference:
    """``variant − base`` for one KPI: mean, unadjusted 95 % CI, two-sided p-value.

    ``n_pairs`` and ``variance_reduction`` are for paired tests only (None for Welch).
    """

    mean: float
    ci_low: float
    ci_high: float
    p_value: float
    test: Test
    n_pairs: int | None = None
    variance_reduction: float | None = None


def _p_value(mean: float, se: float, df: float) -> float:
    """Two-sided p of t = mean / se. A difference without spread (se = 0) is certain: p = 1
    when it is 0, p = 0 otherwise — the limit of the t statistic."""
    if math.isnan(se) or math.isnan(df):
        return math.nan
    if se == 0.0:
        return 1.0 if mean == 0.0 else 0.0
    return float(2.0 * stats.t.sf(abs(mean / se), df))


def paired_difference(base: FloatArray, variant: FloatArray) -> Difference:
    """Student-t on the pairs ``variant[i] − base[i]`` (pairs with a NaN dropped)."""
    a, b = np.asarray(base, dtype=np.float64), np.asarray(variant, dtype=np.float64)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    diff = t_interval(b - a)
    n = diff.n
    se = diff.std / math.sqrt(n) if n >= 2 else math.nan
    unpaired = float(np.var(a, ddof=1) + np.var(b, ddof=1)) if n >= 2 else math.nan
    reduction = 1.0 - diff.std**2 / unpaired if unpaired > 0 else math.nan
    return Difference(
        diff.mean,
        diff.ci_low,
        diff.ci_high,
        _p_value(diff.mean, se, n - 1.0 if n >= 2 else math.nan),
        "paired t",
        n,
        reduction,
    )


def welch_difference(base: FloatArray, variant: FloatArray) -> Difference:
    """Welch's t on two independent samples (NaNs dropped), Welch–Satterthwaite df."""
    a = np.asarray(base, dtype=np.float64)
    b = np.asarray(variant, dtype=np.float64)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return Difference(math.nan, math.nan, math.nan, math.nan, "Welch t")
    mean = float(b.mean() - a.mean())
    if len(a) < 2 or len(b) < 2:
        return Difference(mean, math.nan, math.nan, math.nan, "Welch t")
    va, vb = float(np.var(a, ddof=1)) / len(a), float(np.var(b, ddof=1)) / len(b)
    se = math.sqrt(va + vb)
    terms = va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)
    df = (va + vb) ** 2 / terms if terms > 0 else float(len(a) + len(b) - 2)
    half = t_quantile(CONFIDENCE, df) * se
    return Difference(mean, mean - half, mean + half, _p_value(mean, se, df), "Welch t")


Sections = tuple[float, dict[int, float]]


def sectioned_difference(base: Sections, variant: Sections, together: bool) -> Difference:
    """A quantile KPI's difference of pooled quantiles, ``variant − base``, with its
    sectioning CI and p-value (docs/statistics.md): each run is ``(pooled, {replication:
    own quantile})`` (:func:`simdata.analysis.quantiles.section_quantiles`). Paired (common
    random numbers): the spread of the replications' own differences around the pooled
    difference, t with r − 1 df; unpaired: each run's spread around its pooled quantile,
    Welch–Satterthwaite df."""
    (pooled_a, own_a), (pooled_b, own_b) = base, variant
    mean = pooled_b - pooled_a
    if together:
        shared = sorted(set(own_a) & set(own_b))
        n = len(shared)
        if n < 2 or not math.isfinite(mean):
            return Difference(mean, math.nan, math.nan, math.nan, "paired t", n, None)
        d = np.array([own_b[i] - own_a[i] for i in shared])
        spread = float(np.sqrt(np.sum((d - mean) ** 2) / (n - 1)))
        se, df = spread / math.sqrt(n), n - 1.0
        unpaired = _spread(own_a, pooled_a, shared) ** 2 + _spread(own_b, pooled_b, shared) ** 2
        reduction = 1.0 - spread**2 / unpaired if unpaired > 0 else math.nan
        half = t_quantile(CONFIDENCE, df) * se
        p = _p_value(mean, se, df)
        return Difference(mean, mean - half, mean + half, p, "paired t", n, reduction)
    if len(own_a) < 2 or len(own_b) < 2 or not math.isfinite(mean):
        return Difference(mean, math.nan, math.nan, math.nan, "Welch t")
    va = _spread(own_a, pooled_a, sorted(own_a)) ** 2 / len(own_a)
    vb = _spread(own_b, pooled_b, sorted(own_b)) ** 2 / len(own_b)
    se = math.sqrt(va + vb)
    terms = va**2 / (len(own_a) - 1) + vb**2 / (len(own_b) - 1)
    df = (va + vb) ** 2 / terms if terms > 0 else float(len(own_a) + len(own_b) - 2)
    half = t_quantile(CONFIDENCE, df) * se
    return Difference(mean, mean - half, mean + half, _p_value(mean, se, df), "Welch t")


def _spread(own: dict[int, float], pooled: float, which: list[int]) -> float:
    """Sectioning standard deviation: the replications' own quantiles around the pooled."""
    values = np.array([own[i] for i in which])
    return float(np.sqrt(np.sum((values - pooled) ** 2) / max(len(values) - 1, 1)))


def is_conditional(kpi: str) -> bool:
    """Whether the KPI is over a subset of units the variant can change (registry flag)."""
    entry = REGISTRY.get(kpi_names.base_of(kpi))
    return entry is not None and entry.conditional


def in_family(kpi: str, targeted: Collection[str]) -> bool:
    """Whether the KPI's difference is one of the family Holm's correction covers: it has a
    better direction, is not conditional, and is targeted or has no breakdown."""
    entry = REGISTRY.get(kpi_names.base_of(kpi))
    if entry is None or entry.better == "neither" or entry.conditional:
        return False
    return kpi in targeted or kpi_names.base_of(kpi) == kpi


def _mark(kpi: str, mean: float, low: float, p_holm: float | None) -> str | None:
    """The ``better`` cell of one row (see :func:`judge`)."""
    entry = REGISTRY.get(kpi_names.base_of(kpi))
    if entry is None or entry.better == "neither":
        return "n/a"
    if p_holm is None:
        return None  # outside the family: no claim made
    if mean == 0.0 and low == 0.0:
        return "equal"
    if math.isnan(p_holm) or p_holm > ALPHA:
        return "undecided"
    lower_is_better = entry.better == "lower"
    return "variant" if (mean < 0.0) == lower_is_better else "base"


def judge(table: pl.DataFrame, targeted: Collection[str]) -> pl.DataFrame:
    """Add ``p_holm``, ``in_family``, ``conditional`` and ``better`` to the differences.

    ``better`` is ``variant`` or ``base`` when Holm's adjusted p is ≤ α = 0.05 (the side by
    the registry's direction), ``undecided`` when it is not, ``equal`` when every
    difference is 0, ``n/a`` for KPIs without a better direction, and null outside the
    family (breakdowns no target names, conditional KPIs).
    """
    kpis = table["kpi"].to_list()
    family = np.array([in_family(k, targeted) for k in kpis], dtype=bool)
    p_holm = np.full(len(kpis), np.nan)
    p_holm[family] = holm(table["p_value"].to_numpy().astype(np.float64)[family])
    adjusted: list[float | None] = [
        float(p) if member else None for p, member in zip(p_holm, family, strict=True)
    ]
    better = [
        _mark(kpi, mean, low, p)
        for kpi, mean, low, p in zip(
            kpis,
            table["diff_mean"].to_list(),
            table["diff_ci_low"].to_list(),
            adjusted,
            strict=True,
        )
    ]
    return table.with_columns(
        pl.Series("better", better, dtype=pl.String),
        pl.Series("p_holm", adjusted, dtype=pl.Float64),
        pl.Series("in_family", family.tolist(), dtype=pl.Boolean),
        pl.Series("conditional", [is_conditional(k) for k in kpis], dtype=pl.Boolean),
    )
