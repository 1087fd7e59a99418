"""Quantile KPIs pooled over replications: the estimate, its sectioning CI and the tail guard.

The mean over replications of each replication's empirical quantile estimates the quantile
of *one replication's* sample, and that is biased by the replication's length: M/M/1 at
ρ = 0.8 with ≈ 1,800 customers per replication gives a "p99 sojourn" 10 % low however many
replications are added. Pooling every replication's values and taking their quantile gives
an estimator whose bias shrinks with the whole run's sample instead.

- **Samples.** Each replication keeps, for every quantile KPI's measured values (its
  ``sample``, e.g. ``resolution.latency`` for ``latency_p50`` and ``latency_p99``, per
  breakdown), a log-bucket histogram (:mod:`simdata.engine.histogram`, < 0.81 % relative
  resolution): the batched engine's merged histograms as they are, the event engine's
  exact values binned. The run directory keeps them (``histograms.parquet``), so a summary
  recomputed from files is the same.
- **Estimate.** The q-quantile of the merged histogram of every replication.
- **CI by sectioning** (Asmussen & Glynn 2007, *Stochastic Simulation*, §III.5; Nakayama
  2014, "Confidence intervals using sectioning for quantiles"): with r replications as the
  sections, ξ̂ the pooled estimate and ξ̂ᵢ each replication's own,
  ``ξ̂ ± t(r−1)·S/√r`` where ``S² = Σ (ξ̂ᵢ − ξ̂)² / (r − 1)`` — the spread of the section
  estimates around the *pooled* one, which is what makes the interval centred on the
  less-biased estimate valid.
- **Tail guard.** A replication holding fewer than :data:`MIN_TAIL` values beyond the
  quantile (``n·(1 − q)`` for an upper quantile, ``n·q`` for a lower one, in the median
  replication) cannot estimate it: the KPI is shown but its verdict is undecided with
  :data:`TAIL_NOTE`, and ``--until-decided`` does not wait for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY, VARIANTS, Kpi
from simdata.analysis.network.kpis import network_histograms
from simdata.analysis.stats import (
    CONFIDENCE,
    ESTIMATE_SCHEMA,
    Estimate,
    estimate_row,
    t_quantile,
)
from simdata.arrays import IntArray
from simdata.engine import histogram
from simdata.model.world import Simulated

#: Fewest values beyond the quantile, in the median replication, for a verdict on it.
MIN_TAIL = 100
TAIL_NOTE = "too few tail samples — lengthen run.horizon"
#: One replication's sample histograms, sparse: non-empty buckets only.
SAMPLE_SCHEMA = {"sample": pl.String, "bucket": pl.Int32, "count": pl.Int64}
#: ``histograms.parquet``: every replication's sample histograms.
HISTOGRAM_SCHEMA = {"replication": pl.Int64, **SAMPLE_SCHEMA}


def quantile_kpis() -> Iterator[Kpi]:
    """Every registered quantile KPI and variant."""
    return (kpi for kpi in (*REGISTRY.values(), *VARIANTS) if kpi.quantile is not None)


def quantile_of(name: str) -> tuple[float, str] | None:
    """``(q, sample key)`` of a quantile KPI name (with its breakdowns), else ``None``."""
    parsed = kpi_names.parse(name)
    kpi = REGISTRY.get(parsed.base)
    if kpi is None or kpi.quantile is None:
        return None
    return kpi.quantile, kpi_names.format(kpi.sample_name, parsed.breakdowns.items())


def sample_histograms(simulated: Simulated) -> dict[str, IntArray]:
    """One replication's histogram of every quantile KPI's sample, by sample key.

    The batched node's histograms come from its statistics; every other sample is
    evaluated on its frame, once per sample and breakdown however many quantiles use it.
    """
    statistics = simulated.node_statistics
    found: dict[str, IntArray] = (
        {}
        if statistics is None
        else {"resolution.latency": statistics.latency, "resolution.sojourn": statistics.sojourn}
    )
    found.update(network_histograms(simulated.network_figures))
    plan: dict[tuple[str, str | None], dict[str, Kpi]] = {}
    for kpi in quantile_kpis():
        if kpi.from_statistics or kpi.frame.name not in simulated.frames:
            continue  # the KPI itself is not produced (e.g. time to qualify without a subsidy)
        for dimension in kpi.by:
            source = kpi.sample_frame or kpi.frame
            plan.setdefault((source.name, dimension), {})[kpi.sample_name] = kpi
    window = simulated.window
    for (frame_name, dimension), samples in plan.items():
        frame = simulated.frames.get(frame_name)
        if frame is None:
            continue
        exprs = [
            kpi.sample(window).cast(pl.Float64).alias(name)  # type: ignore[misc]
            for name, kpi in samples.items()
        ]
        if dimension is None:
            row = frame.select([e.implode() for e in exprs]).row(0, named=True)
            found.update({name: histogram.of(np.asarray(row[name])) for name in samples})
            continue
        for row in frame.group_by(dimension).agg(exprs).sort(dimension).iter_rows(named=True):
            for name, kpi in samples.items():
                if kpi.values is None or row[dimension] in kpi.values:
                    key = kpi_names.format(name, [(dimension, row[dimension])])
                    found[key] = histogram.of(np.asarray(row[name], dtype=np.float64))
    return found


def sparse_frame(histograms: Mapping[str, IntArray]) -> pl.DataFrame:
    """Histograms by sample key as rows ``sample, bucket, count`` of non-empty buckets, in
    key order (the same file whatever order the breakdowns' groups came in)."""
    samples, buckets, counts = [], [], []
    for name, counts_array in sorted(histograms.items()):
        positions = np.flatnonzero(counts_array)
        samples += [name] * len(positions)
        buckets.append(positions)
        counts.append(counts_array[positions])
    return pl.DataFrame(
        {
            "sample": samples,
            "bucket": np.concatenate(buckets) if buckets else [],
            "count": np.concatenate(counts) if counts else [],
        },
        schema=SAMPLE_SCHEMA,
    )


def dense(frame: pl.DataFrame) -> dict[str, IntArray]:
    """:func:`sparse_frame`'s rows (of one replication) back to histograms by sample key."""
    found: dict[str, IntArray] = {}
    for (name,), rows in frame.group_by("sample"):
        counts = histogram.empty()
        counts[rows["bucket"].to_numpy()] = rows["count"].to_numpy()
        found[str(name)] = counts
    return found


@dataclass(frozen=True)
class PooledQuantile:
    """A quantile KPI over the run: pooled estimate, sectioning CI, the median tail."""

    estimate: Estimate
    #: Values beyond the quantile in the median replication (n·(1−q), or n·q below 0.5).
    tail: float

    @property
    def guarded(self) -> bool:
        """Too few values beyond the quantile to judge a target on it."""
        return self.tail < MIN_TAIL

    def note(self, q: float) -> str:
        return (
            f"{TAIL_NOTE} (median replication: {self.tail:.0f} values beyond "
            f"p{_percent(q)}, {MIN_TAIL} needed)"
        )


def _percent(q: float) -> str:
    return f"{q * 100:g}"


def pooled_quantile(
    sections: Sequence[IntArray], q: float, confidence: float = CONFIDENCE
) -> PooledQuantile:
    """The ``q``-quantile of the sections' values pooled, with its sectioning CI.

    Sections without values (a replication where the KPI is undefined) are left out of
    ``n``, as a NaN replication value is left out of a mean.
    """
    counts = np.array([histogram.count(h) for h in sections], dtype=np.float64)
    full = [h for h, n in zip(sections, counts, strict=True) if n > 0]
    r = len(full)
    if r == 0:
        return PooledQuantile(Estimate(math.nan, math.nan, math.nan, math.nan, 0), 0.0)
    tail = float(np.median(counts[counts > 0])) * min(q, 1.0 - q)
    point = histogram.quantile(histogram.merge(*full), q)
    if r == 1 or not math.isfinite(point):
        return PooledQuantile(Estimate(point, math.nan, math.nan, math.nan, r), tail)
    each = np.array([histogram.quantile(h, q) for h in full])
    std = float(np.sqrt(np.sum((each - point) ** 2) / (r - 1)))
    half = t_quantile(confidence, r - 1) * std / math.sqrt(r)
    return PooledQuantile(Estimate(point, point - half, point + half, std, r), tail)


def _sections(rows: pl.DataFrame | None, replications: Sequence[int]) -> list[IntArray]:
    """One sample's histogram per replication (empty where a replication has none)."""
    sections = {index: histogram.empty() for index in replications}
    if rows is not None:
        for (index,), part in rows.group_by("replication"):
            if index in sections:
                sections[index][part["bucket"].to_numpy()] = part["count"].to_numpy()
    return list(sections.values())


def summarise_quantiles(
    kpis: pl.DataFrame, histograms: pl.DataFrame, confidence: float = CONFIDENCE
) -> pl.DataFrame:
    """The pooled rows of every quantile KPI of ``kpis`` that has sample histograms:
    ``kpi, mean`` (the pooled estimate), ``ci_low, ci_high, std`` (sectioning), ``n`` and
    ``note`` (the tail guard's, or null). Only ``kpis``' replications are pooled, so a
    look of ``--until-decided`` at the first n replications sees those n."""
    by_key: dict[str, list[tuple[str, float]]] = {}
    for name in kpis["kpi"].unique(maintain_order=True).to_list():
        found = quantile_of(name)
        if found is not None:
            by_key.setdefault(found[1], []).append((name, found[0]))
    replications = kpis["replication"].unique().sort().to_list()
    stored = histograms.filter(
        pl.col("replication").is_in(replications) & pl.col("sample").is_in(list(by_key))
    )
    rows_of = {str(key): rows for (key,), rows in stored.group_by("sample")}
    rows = []
    for key, names in by_key.items():
        if key not in rows_of:
            continue  # a run written before histograms were kept: its means stay
        sections = _sections(rows_of[key], replications)
        for name, q in names:
            pooled = pooled_quantile(sections, q, confidence)
            estimate = pooled.estimate
            note = pooled.note(q) if estimate.n and pooled.guarded else None
            rows.append({**estimate_row(name, estimate), "note": note})
    return pl.DataFrame(rows, schema={**ESTIMATE_SCHEMA, "note": pl.String})


def section_quantiles(
    histograms: pl.DataFrame, key: str, q: float
) -> tuple[float, dict[int, float]]:
    """``(pooled, {replication: own})``: the ``q``-quantile of sample ``key`` pooled over the
    frame's replications, and each replication's own (replications without values left out)
    — what a sectioning difference between two runs needs."""
    rows = histograms.filter(pl.col("sample") == key)
    replications = sorted(set(rows["replication"].to_list()))
    sections = _sections(rows, replications)
    full = [(r, h) for r, h in zip(replications, sections, strict=True) if histogram.count(h)]
    if not full:
        return math.nan, {}
    pooled = histogram.quantile(histogram.merge(*(h for _, h in full)), q)
    return pooled, {r: histogram.quantile(h, q) for r, h in full}
