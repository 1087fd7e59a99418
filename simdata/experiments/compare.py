"""Compare runs: paired differences of every KPI between a base run and its variants.

Runs made with the same root seed share their random numbers replication by replication
(common random numbers), so the difference ``variant − base`` is paired on the replication
index: its variance is var(base) + var(variant) − 2·cov, smaller than the unpaired
var(base) + var(variant) when the two runs are positively correlated (Law 2015,
*Simulation Modeling and Analysis*, §11.2). Runs with different root seeds share nothing
and are refused. CIs are Student-t on the paired differences.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY
from simdata.analysis.stats import t_interval
from simdata.errors import UsageError
from simdata.results import (
    check_out_dir,
    claim_run_dir,
    manifest,
    utc_now,
    write_json,
    write_parquet,
)

COMPARE_SCHEMA = {
    "variant": pl.String,
    "kpi": pl.String,
    "diff_mean": pl.Float64,
    "diff_ci_low": pl.Float64,
    "diff_ci_high": pl.Float64,
    "n_pairs": pl.Int64,
    "variance_reduction": pl.Float64,
    "better": pl.String,
}


@dataclass(frozen=True)
class RunDir:
    """A run directory read for comparison: its manifest and KPI table."""

    path: Path
    manifest: dict[str, Any]
    kpis: pl.DataFrame

    @property
    def root_seed(self) -> int:
        return int(self.manifest["root_seed"])

    @property
    def name(self) -> str:
        return str(self.manifest.get("scenario_name") or self.path.name)


@dataclass
class CompareResult:
    """What a comparison produced: ``compare.parquet``'s table and the manifest."""

    table: pl.DataFrame
    base: RunDir
    variants: list[RunDir]
    out_dir: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)


def read_run_dir(path: Path) -> RunDir:
    """Read ``manifest.json`` and ``kpis.parquet``; refuse anything else (exit 2)."""
    if not path.is_dir():
        raise UsageError(f"{path}: expected a run directory, got no such directory")
    manifest_path = path / "manifest.json"
    kpis_path = path / "kpis.parquet"
    if not manifest_path.is_file():
        raise UsageError(f"{path}: expected a run directory with manifest.json, got none")
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"{manifest_path}: expected a JSON manifest, got {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("root_seed"), int):
        raise UsageError(f"{manifest_path}: root_seed: expected an integer, got none")
    kind = data.get("kind")
    if kind != "run":
        raise UsageError(f"{manifest_path}: kind: expected a run (simdata run), got {kind!r}")
    if not kpis_path.is_file():
        status = data.get("status")
        hint = (
            f" (the run is {status}: finish it with simdata run --resume {path})"
            if status in ("running", "interrupted")
            else ""
        )
        raise UsageError(f"{path}: expected kpis.parquet in the run directory, got none{hint}")
    try:
        kpis = pl.read_parquet(kpis_path)
    except Exception as error:  # polars raises several kinds for a bad file
        raise UsageError(f"{kpis_path}: expected a Parquet KPI table, got {error}") from None
    if set(kpis.columns) < {"replication", "kpi", "value"}:
        raise UsageError(
            f"{kpis_path}: expected columns replication, kpi, value, got {', '.join(kpis.columns)}"
        )
    return RunDir(path, data, kpis.select("replication", "kpi", "value"))


def _better(kpi: str, low: float, high: float) -> str:
    """Which run the CI favours: ``variant``, ``base``, ``equal``, ``undecided`` or ``n/a``."""
    entry = REGISTRY.get(kpi_names.base_of(kpi))
    if entry is None or entry.better == "neither":
        return "n/a"
    if math.isnan(low) or math.isnan(high):
        return "undecided"
    if low == 0.0 and high == 0.0:
        return "equal"
    lower_is_better = entry.better == "lower"
    if high < 0.0 or (high == 0.0 and low < 0.0):
        return "variant" if lower_is_better else "base"
    if low > 0.0 or (low == 0.0 and high > 0.0):
        return "base" if lower_is_better else "variant"
    return "undecided"


def paired_rows(base: RunDir, variant: RunDir, label: str) -> list[dict[str, Any]]:
    """One row per KPI both runs have: paired difference, its CI, variance reduction."""
    joined = base.kpis.join(variant.kpis, on=["replication", "kpi"], suffix="_variant")
    order = list(dict.fromkeys(base.kpis["kpi"].to_list()))
    rows = []
    for kpi in order:
        part = joined.filter(pl.col("kpi") == kpi)
        if part.is_empty():
            continue
        a = part["value"].to_numpy().astype(np.float64)
        b = part["value_variant"].to_numpy().astype(np.float64)
        keep = ~(np.isnan(a) | np.isnan(b))
        a, b = a[keep], b[keep]
        diff = t_interval(b - a)
        unpaired = float(np.var(a, ddof=1) + np.var(b, ddof=1)) if len(a) >= 2 else math.nan
        paired = float(np.var(b - a, ddof=1)) if len(a) >= 2 else math.nan
        reduction = 1.0 - paired / unpaired if unpaired > 0 else math.nan
        rows.append(
            {
                "variant": label,
                "kpi": kpi,
                "diff_mean": diff.mean,
                "diff_ci_low": diff.ci_low,
                "diff_ci_high": diff.ci_high,
                "n_pairs": diff.n,
                "variance_reduction": reduction,
                "better": _better(kpi, diff.ci_low, diff.ci_high),
            }
        )
    return rows


def compare(
    base: str | Path,
    variants: Sequence[str | Path],
    out: str | Path | None = None,
    *,
    argv: Sequence[str] = (),
) -> CompareResult:
    """Paired differences of every KPI, ``variant − base``, for each variant run.

    Refuses (exit 2) run directories with a root seed other than the base's and pairs of
    runs sharing fewer than two replication indices. With ``out`` writes a run directory
    of kind ``compare``: ``compare.parquet`` and ``manifest.json`` (last).
    """
    if not variants:
        raise UsageError("compare: expected at least one VARIANT run directory, got none")
    started = utc_now()
    base_run = read_run_dir(Path(base))
    variant_runs = [read_run_dir(Path(v)) for v in variants]
    labels: list[str] = []
    seen = {base_run.path.resolve()}
    for run in variant_runs:
        if run.path.resolve() in seen:
            raise UsageError(
                f"{run.path}: expected each run directory once (base and variants), got it twice"
            )
        seen.add(run.path.resolve())
        _check_pairable(base_run, run)
        # The scenario's name, unless it does not tell the runs apart (e.g. a --set variant).
        label = run.name
        labels.append(label if label not in (*labels, base_run.name) else run.path.name)
    out_dir = Path(out) if out is not None else None
    if out_dir is not None:
        check_out_dir(out_dir)  # refused before the work; owned (locked) when written
    rows = [
        row
        for run, label in zip(variant_runs, labels, strict=True)
        for row in paired_rows(base_run, run, label)
    ]
    table = pl.DataFrame(rows, schema=COMPARE_SCHEMA, orient="row")
    result = CompareResult(table, base_run, variant_runs, out_dir)
    result.manifest = _manifest(result, labels, started, argv)
    if out_dir is not None:
        with claim_run_dir(out_dir):
            write_parquet(out_dir / "compare.parquet", table)
            write_json(out_dir / "manifest.json", result.manifest)
    return result


def _check_pairable(base_run: RunDir, run: RunDir) -> None:
    """Refuse a variant without common random numbers, shared replications or KPIs."""
    if run.root_seed != base_run.root_seed:
        raise UsageError(
            f"{run.path}: root_seed: expected {base_run.root_seed} like the base "
            f"{base_run.path} (paired differences need common random numbers), got "
            f"{run.root_seed}"
        )
    shared = set(base_run.kpis["replication"].to_list()) & set(run.kpis["replication"].to_list())
    if len(shared) < 2:
        raise UsageError(
            f"{run.path}: expected at least 2 replication indices shared with the base "
            f"{base_run.path}, got {len(shared)}"
        )
    common = set(base_run.kpis["kpi"].to_list()) & set(run.kpis["kpi"].to_list())
    if not common:
        raise UsageError(
            f"{run.path}: expected KPIs in common with the base {base_run.path} (runs of "
            "the same model with another policy), got none"
        )


def _manifest(
    result: CompareResult, labels: list[str], started: dt.datetime, argv: Sequence[str]
) -> dict[str, Any]:
    base_run, table = result.base, result.table
    return manifest(
        kind="compare",
        status="complete",
        argv=list(argv),
        started=started,
        finished=utc_now(),
        scenario_sha256=str(base_run.manifest.get("scenario_sha256", "")),
        root_seed=base_run.root_seed,
        replications=max((int(n) for n in table["n_pairs"].to_list()), default=0),
        warnings=[],
        failures=[],
        extra={
            "base": {"path": str(base_run.path), "scenario_name": base_run.name},
            "variants": [
                {
                    "path": str(run.path),
                    "label": label,
                    "scenario_sha256": run.manifest.get("scenario_sha256"),
                }
                for run, label in zip(result.variants, labels, strict=True)
            ],
        },
    )
