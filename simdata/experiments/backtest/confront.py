"""``simdata backtest``: confront a finished run with what was observed over its period.

For each observed KPI: its value per period in every replication
(:mod:`~simdata.experiments.backtest.simulated`), where each observation falls
(:mod:`~simdata.experiments.backtest.judge`: mean, 95 % predictive interval, percentile)
and one verdict — consistent, model too high, model too low — with the test stated. With
``out`` it writes a results directory of kind ``backtest``: ``backtest.parquet``,
``verdicts.json``, the run's ``scenario.yaml`` and ``manifest.json``, last.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from simdata.analysis.kpis import REGISTRY
from simdata.analysis.multiplicity import ALPHA
from simdata.errors import UsageError
from simdata.experiments.backtest import judge
from simdata.experiments.backtest.observed import Observed, read_observed
from simdata.experiments.backtest.simulated import RunData, read_run, simulated
from simdata.experiments.fit.reading import LogError
from simdata.kpi_names import base_of
from simdata.results import (
    check_out_dir,
    claim_run_dir,
    utc_now,
    write_json,
    write_parquet,
    write_text,
)
from simdata.results.manifest import manifest

BACKTEST_SCHEMA = {
    "kpi": pl.String,
    "unit": pl.String,
    "period": pl.String,
    "start": pl.Date,
    "grain": pl.String,
    "observed": pl.Float64,
    "sim_mean": pl.Float64,
    "pi_low": pl.Float64,
    "pi_high": pl.Float64,
    "percentile": pl.Float64,
    "outside": pl.Boolean,
    "n": pl.Int64,
}


@dataclass
class BacktestResult:
    """What a backtest found: the per-period table, the per-KPI verdicts, the manifest."""

    table: pl.DataFrame
    verdicts: list[dict[str, Any]]
    out_dir: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    def verdict(self, kpi: str) -> str:
        """The verdict on ``kpi`` (KeyError when it was not observed)."""
        return str(next(v["verdict"] for v in self.verdicts if v["kpi"] == kpi))


def _unit(kpi: str, units: Mapping[str, str]) -> str:
    return units.get(kpi) or (REGISTRY[base_of(kpi)].unit if base_of(kpi) in REGISTRY else "")


def _check_window(run: RunData, observed: Observed, shown: str) -> None:
    """Every period lies inside the run's measured window."""
    for period, row in zip(observed.periods, observed.rows, strict=True):
        if period.start < run.start or period.end > run.end:
            last = run.end.fromordinal(run.end.toordinal() - 1)
            raise LogError(
                shown,
                f"expected a period inside the run's window {run.start} – {last}, got "
                f"{period.label!r}",
                row,
                "period",
            )


def _rows(observed: Observed, unit: str, stats: judge.PeriodStats) -> list[tuple[Any, ...]]:
    rows = []
    for i, (period, value) in enumerate(zip(observed.periods, observed.values, strict=True)):
        low, high = float(stats.low[i]), float(stats.high[i])
        outside = math.isfinite(low) and not low <= value <= high
        pit = float(stats.pit[i])
        rows.append(
            (
                observed.kpi, unit, period.label, period.start, period.grain, value,
                float(stats.mean[i]), low, high, 100 * pit, outside, int(stats.n[i]),
            )
        )  # fmt: skip
    return rows


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _verdict_records(
    observed: list[Observed], units: Mapping[str, str], tests: list[judge.KpiTest],
    table: pl.DataFrame,
) -> list[dict[str, Any]]:  # fmt: skip
    adjusted, found = judge.verdicts(tests)
    records = []
    for series, test, p_holm, verdict in zip(observed, tests, adjusted, found, strict=True):
        rows = table.filter(pl.col("kpi") == series.kpi)
        records.append(
            {
                "kpi": series.kpi,
                "unit": _unit(series.kpi, units),
                "verdict": verdict,
                "periods": test.periods,
                "replications": test.replications,
                "mean_percentile": _finite(100 * test.mean_pit),
                "mean_z": _finite(test.mean_z),
                "t": _finite(test.t),
                "p": test.p,
                "p_holm": p_holm,
                "outside": int(rows["outside"].sum()),
                "observed_mean": float(np.mean(series.values)),
                "simulated_mean": _finite(float(np.nanmean(rows["sim_mean"].to_numpy()))),
            }
        )
    return records


def backtest(
    run_dir: str | Path,
    observed: str | Path,
    maps: Mapping[str, str] | None = None,
    out: str | Path | None = None,
    *,
    argv: Sequence[str] = (),
) -> BacktestResult:
    """Confront the run in ``run_dir`` with the observed KPIs in ``observed`` (a long
    table ``period, kpi, value``; ``maps`` renames its columns, as ``--map``).

    Returns the per-period table and a verdict per KPI; with ``out`` writes a results
    directory of kind ``backtest``. Bad input raises before anything is written.
    """
    started = utc_now()
    run = read_run(Path(run_dir))
    if len(run.replications) < judge.MIN_REPLICATIONS:
        raise UsageError(
            f"{run.path}: expected a run of at least {judge.MIN_REPLICATIONS} replications "
            f"to judge against (20 or more recommended), got {len(run.replications)}"
        )
    path = Path(observed)
    units = run.units()
    series = read_observed(path, units, maps or {})
    for each in series:
        _check_window(run, each, str(path))
    out_dir = Path(out) if out is not None else None
    if out_dir is not None:
        check_out_dir(out_dir)
    rows: list[tuple[Any, ...]] = []
    tests = []
    for each in series:
        unit = _unit(each.kpi, units)
        bounds = (0.0, 1.0) if unit == "fraction" else (0.0, math.inf)
        values = np.array(each.values, dtype=np.float64)
        sim = simulated(run, each)
        log = unit != "fraction"  # counts and durations: right-skewed, compared on log(1 + x)
        stats = judge.period_stats(values, sim, bounds, log)
        rows += _rows(each, unit, stats)
        tests.append(judge.z_test(values, sim, log))
    table = pl.DataFrame(rows, schema=BACKTEST_SCHEMA, orient="row")
    records = _verdict_records(series, units, tests, table)
    result = BacktestResult(table, records, out_dir)
    result.manifest = _manifest(run, path, len(series), started, argv)
    if out_dir is not None:
        _write(out_dir, result, run)
    return result


def _summary(result: BacktestResult, run: RunData) -> dict[str, Any]:
    """``verdicts.json``: the test, its level, and one record per KPI."""
    method = "order statistics" if len(run.replications) >= judge.ORDER_STAT_REPLICATIONS else (
        "normal (mean ± t·s·√(1 + 1/R); on log(1 + x) for counts and durations)"
    )  # fmt: skip
    return {
        "test": judge.TEST,
        "alpha": ALPHA,
        "correction": "Holm",
        "interval": {"level": judge.LEVEL, "method": method},
        "replications": len(run.replications),
        "kpis": result.verdicts,
    }


def _write(out_dir: Path, result: BacktestResult, run: RunData) -> None:
    with claim_run_dir(out_dir):
        write_parquet(out_dir / "backtest.parquet", result.table)
        write_json(out_dir / "verdicts.json", _summary(result, run))
        scenario = (run.path / "scenario.yaml").read_text(encoding="utf-8")
        write_text(out_dir / "scenario.yaml", scenario)  # the report's title and inputs
        write_json(out_dir / "manifest.json", result.manifest)


def _manifest(
    run: RunData, observed: Path, count: int, started: Any, argv: Sequence[str]
) -> dict[str, Any]:
    base = run.manifest
    return manifest(
        kind="backtest",
        status="complete",
        argv=list(argv),
        started=started,
        finished=utc_now(),
        scenario_sha256=str(base.get("scenario_sha256", "")),
        root_seed=int(base.get("root_seed") or 0),
        replications=len(run.replications),
        warnings=[],
        failures=[],
        extra={
            "scenario_name": base.get("scenario_name"),
            "run": str(run.path),
            "observed": str(observed),
            "observed_sha256": hashlib.sha256(observed.read_bytes()).hexdigest(),
            "kpis": count,
        },
    )
