"""A run: replications of one scenario → KPI table, summary with CIs, verdicts, files.

``run`` is the Python face of ``simdata run``: it loops :func:`run_replication` over the
replication indices, summarises every KPI over replications, judges the targets, checks the
warm-up with MSER-5, and — only when ``out`` is given — writes the run directory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from simdata.analysis.kpis import REGISTRY
from simdata.analysis.stats import Estimate, summarise
from simdata.analysis.targets import combine, judge
from simdata.analysis.warmup import mser5
from simdata.errors import ScenarioError
from simdata.experiments.replication import Replication, run_replication
from simdata.model.identifiers import ENTERPRISE_TABLES
from simdata.results import (
    check_out_dir,
    manifest,
    utc_now,
    write_json,
    write_parquet,
    write_text,
)
from simdata.scenario.loader import scenario_sha256, scenario_to_yaml
from simdata.scenario.models import RunSpec, Scenario

KPI_SCHEMA = {"replication": pl.Int64, "kpi": pl.String, "value": pl.Float64}
TIMESERIES_SCHEMA = {
    "replication": pl.Int64,
    "time_s": pl.Float64,
    "date": pl.Date,
    "series": pl.String,
    "group": pl.String,
    "value": pl.Float64,
}

Progress = Callable[[Replication], None]

#: Model tables written to the run directory when a replication produces them.
WRITTEN_TABLES = ENTERPRISE_TABLES


@dataclass
class RunResult:
    """What a run produced: the same tables the run directory holds."""

    scenario: Scenario
    kpis: pl.DataFrame
    summary: pl.DataFrame
    timeseries: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    out_dir: Path | None = None
    #: Model tables written as ``<name>.parquet`` (e.g. enterprises, enterprise_days).
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "failed" if self.failures else "complete"


def with_run_settings(
    scenario: Scenario, replications: int | None = None, seed: int | None = None
) -> Scenario:
    """The scenario with ``run.replications``/``run.seed`` replaced (validated)."""
    if replications is None and seed is None:
        return scenario
    settings = scenario.run.model_dump(mode="json")
    if replications is not None:
        settings["replications"] = replications
    if seed is not None:
        settings["seed"] = seed
    try:
        run_spec = RunSpec.model_validate(settings)
    except ValueError as error:
        raise ScenarioError(f"expected valid run settings: {error}", path="run") from None
    return scenario.model_copy(update={"run": run_spec})


def _kpi_frame(replications: Sequence[Replication]) -> pl.DataFrame:
    rows = [
        (rep.index, name, value)
        for rep in replications
        if rep.ok
        for name, value in rep.kpis.items()
    ]
    return pl.DataFrame(rows, schema=KPI_SCHEMA, orient="row")


def _timeseries_frame(
    replications: Sequence[Replication], start_date: dt.date | None
) -> pl.DataFrame:
    parts = []
    for rep in replications:
        frame = rep.frames.get("timeseries")
        if frame is None:
            continue
        parts.append(frame.with_columns(pl.lit(rep.index, dtype=pl.Int64).alias("replication")))
    if not parts:
        return pl.DataFrame(schema=TIMESERIES_SCHEMA)
    frame = pl.concat(parts)
    if start_date is None:
        date = pl.lit(None, dtype=pl.Date)
    else:
        days = (pl.col("time_s") // 86_400).cast(pl.Int64)
        date = pl.lit(start_date, dtype=pl.Date) + pl.duration(days=days)
    return frame.with_columns(date.alias("date")).select(list(TIMESERIES_SCHEMA))


def _model_tables(replications: Sequence[Replication]) -> dict[str, pl.DataFrame]:
    """The per-entity tables of every replication, long form with a replication column."""
    tables = {}
    for name in WRITTEN_TABLES:
        parts = [
            rep.frames[name].with_columns(pl.lit(rep.index, dtype=pl.Int64).alias("replication"))
            for rep in replications
            if name in rep.frames
        ]
        if parts:
            frame = pl.concat(parts, how="diagonal_relaxed")
            tables[name] = frame.select("replication", pl.exclude("replication"))
    return tables


def _summary_frame(kpis: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    summary = summarise(kpis)
    order = {name: i for i, name in enumerate(REGISTRY)}
    targeted = {t.kpi for t in scenario.targets}
    missing = [name for name in targeted if name not in set(summary["kpi"].to_list())]
    if missing:
        filler = pl.DataFrame(
            {"kpi": missing, "n": [0] * len(missing)}, schema={"kpi": pl.String, "n": pl.Int64}
        )
        summary = pl.concat([summary, filler], how="diagonal")
    targets_text, verdicts, units = [], [], []
    for row in summary.iter_rows(named=True):
        kpi = REGISTRY.get(row["kpi"].split("@", 1)[0])
        units.append(kpi.unit if kpi else None)
        estimate = Estimate(row["mean"], row["ci_low"], row["ci_high"], row["std"], row["n"])
        mine = [t for t in scenario.targets if t.kpi == row["kpi"]]
        targets_text.append(" and ".join(t.describe() for t in mine) if mine else None)
        verdicts.append(combine(judge(t, estimate) for t in mine) if mine else None)
    summary = summary.with_columns(
        pl.Series("unit", units, dtype=pl.String),
        pl.Series("target", targets_text, dtype=pl.String),
        pl.Series("verdict", verdicts, dtype=pl.String),
    )
    summary = summary.with_columns(
        pl.col("kpi")
        .map_elements(lambda k: order.get(k.split("@", 1)[0], len(order)), return_dtype=pl.Int64)
        .alias("_order")
    ).sort("_order", "kpi")
    # A KPI undefined in every replication (e.g. an outlay with no amount given) is left
    # out of the summary unless a target names it; kpis.parquet keeps its NaN values.
    summary = summary.filter((pl.col("n") > 0) | pl.col("target").is_not_null())
    return summary.select(
        "kpi", "unit", "mean", "ci_low", "ci_high", "std", "n", "target", "verdict"
    )


def _sampling_info(replications: Sequence[Replication]) -> dict[str, Any]:
    """The latency sampling plan and the requests simulated in it, over all replications."""
    infos = [rep.info for rep in replications if rep.info]
    if not infos:
        return {}
    total = sum(int(str(info.get("requests_simulated", 0))) for info in infos)
    windows = [info.get("windows") for info in infos if "windows" in info]
    return {
        "latency_sampling": infos[0].get("latency_sampling"),
        **({"latency_windows_per_replication": windows} if windows else {}),
        "latency_requests_simulated": total,
    }


def _model_warnings(replications: Sequence[Replication]) -> list[str]:
    """Warnings the model raised (e.g. calendar years without holiday data), once each."""
    return list(dict.fromkeys(w for rep in replications for w in rep.warnings))


def _warmup_warnings(timeseries: pl.DataFrame, scenario: Scenario) -> list[str]:
    """MSER-5 on the replication-mean in-node series: warn when the warm-up looks short."""
    series = timeseries.filter(pl.col("series") == "resolution.in_system")
    if series.is_empty():
        return []
    mean = series.group_by("time_s").agg(pl.col("value").mean()).sort("time_s")
    times = mean["time_s"].to_numpy()
    if len(times) < 2:
        return []
    width = float(times[1] - times[0])
    check = mser5(mean["value"].to_numpy(), width)
    warmup = scenario.run.warmup
    if not check.determined:
        return [
            "MSER-5 (White 1997): resolution.in_system still drifts in the second half of "
            "the horizon; the run may be too short or the node overloaded — lengthen "
            "run.horizon before trusting time averages"
        ]
    if check.suggested_s > warmup + width:
        return [
            f"MSER-5 (White 1997) suggests a warm-up of at least {check.suggested_s:g} s "
            f"for resolution.in_system, longer than run.warmup = {warmup:g} s: set "
            f"run.warmup: '{int(np.ceil(check.suggested_s))} s'"
        ]
    return []


def summary_markdown(result: RunResult) -> str:
    """``summary.md``: the KPI table a planner reads first."""
    scenario = result.scenario
    lines = [
        f"# {scenario.name}",
        "",
        scenario.description.strip(),
        "",
        f"Replications: {scenario.run.replications} · root seed: {scenario.run.seed} · "
        "95% Student-t CIs over replications.",
        "",
        "| KPI | unit | mean | 95% CI | n | target | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in result.summary.iter_rows(named=True):
        ci = (
            "—"
            if row["ci_low"] is None or np.isnan(row["ci_low"])
            else f"[{row['ci_low']:.6g}, {row['ci_high']:.6g}]"
        )
        mean = "—" if row["mean"] is None or np.isnan(row["mean"]) else f"{row['mean']:.6g}"
        lines.append(
            f"| `{row['kpi']}` | {row['unit'] or ''} | {mean} | {ci} | {row['n']} | "
            f"{row['target'] or ''} | {row['verdict'] or ''} |"
        )
    if result.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in result.warnings]
    if result.failures:
        lines += ["", "## Failed replications", ""] + [
            f"- replication {f['replication']} (root seed {f['root_seed']}): {f['error']}"
            for f in result.failures
        ]
    return "\n".join(lines) + "\n"


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    *,
    argv: Sequence[str] = (),
    progress: Progress | None = None,
) -> RunResult:
    """Run ``scenario``'s replications; write the run directory to ``out`` if given.

    ``replications`` and ``seed`` override ``run.replications`` and ``run.seed``. With
    ``out=None`` nothing is written. ``progress`` is called after each replication.
    """
    scenario = with_run_settings(scenario, replications, seed)
    out_dir = Path(out) if out is not None else None
    if out_dir is not None:
        check_out_dir(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        write_text(out_dir / "scenario.yaml", scenario_to_yaml(scenario))
    started = utc_now()
    done: list[Replication] = []
    for index in range(scenario.run.replications):
        replication = run_replication(scenario, index)
        done.append(replication)
        if progress is not None:
            progress(replication)
    kpis = _kpi_frame(done)
    timeseries = _timeseries_frame(done, scenario.run.start_date)
    failures = [
        {"replication": r.index, "root_seed": r.root_seed, "error": r.error}
        for r in done
        if not r.ok
    ]
    result = RunResult(
        scenario=scenario,
        kpis=kpis,
        summary=_summary_frame(kpis, scenario),
        timeseries=timeseries,
        warnings=_model_warnings(done) + _warmup_warnings(timeseries, scenario),
        failures=failures,
        out_dir=out_dir,
        tables=_model_tables(done),
    )
    result.manifest = manifest(
        kind="run",
        status=result.status,
        argv=list(argv),
        started=started,
        finished=utc_now(),
        scenario_sha256=scenario_sha256(scenario),
        root_seed=scenario.run.seed,
        replications=scenario.run.replications,
        warnings=result.warnings,
        failures=failures,
        extra={
            **_sampling_info(done),
            "scenario_name": scenario.name,
            "runtime_s": sum(r.runtime_s for r in done),
            "events": sum(r.events for r in done),
        },
    )
    if out_dir is not None:
        write_parquet(out_dir / "kpis.parquet", kpis)
        write_parquet(out_dir / "summary.parquet", result.summary)
        write_parquet(out_dir / "timeseries.parquet", timeseries)
        for name, table in result.tables.items():
            write_parquet(out_dir / f"{name}.parquet", table)
        write_text(out_dir / "summary.md", summary_markdown(result))
        write_json(out_dir / "manifest.json", result.manifest)
    return result
