"""``simdata export RUN_DIR --logs``: a run's logs in exactly the formats ``simdata fit`` reads.

A planner's own data comes as logs (docs/fit.md); a run can write the same logs, so a fit
can be checked against a model whose parameters are known (the round trip of issue 18) and
a planner can see what their log should look like. The run directory keeps only summary
tables, so the export **re-simulates** the chosen replication (default 0) from the run's own
``scenario.yaml`` and root seed — a replication is a pure function of those — and refuses
when the re-simulated KPIs differ from the run's ``kpis.parquet`` (another simdata version).

Written into ``--out`` (default ``RUN_DIR/logs``), UTF-8 CSV, SI units, local wall-clock
times (``run.start_date`` 00:00 is time 0; an undated run is placed on Monday
:data:`UNDATED_ORIGIN`):

- ``requests.csv`` (public data): one row per request that arrived in the measured window;
  review columns are those of the request's first conditional dataset (the model reviews
  each conditional dataset on its own; a request of several has several reviews); times
  after the horizon — the log's end — are left empty (still open, as in a real log).
- ``node.csv`` (a resolution node whose requests the run simulated one by one): one row per
  resolution request of the measured window (registration writes are not resolutions). A
  node under ``enterprises`` with ``latency_sampling: windows`` simulates only sampled
  peak-hour windows without arrival times, and the batched engine keeps no requests: no
  node log then, and a note says why.
- ``enterprises.csv`` (identifier economy): one row per enterprise per month
  (:mod:`simdata.report.export_enterprises_log`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from simdata.errors import UsageError
from simdata.experiments.replication import Replication, run_replication
from simdata.report.export import _write_shared
from simdata.report.source import open_results
from simdata.scenario.loader import load_scenario
from simdata.scenario.models import Scenario

#: Where an undated run's time 0 is placed: a Monday (the model's weekday of time 0).
UNDATED_ORIGIN = dt.datetime(2026, 3, 2)
DEFAULT_DIR = "logs"
#: Decision codes of the ``reviews`` frame (simdata.model.public_data.policy) → log words.
DECISION_WORDS = {1: "approved", 2: "rejected", 3: "auto_approved"}
REQUEST_COLUMNS = (
    "arrival",
    "requester_kind",
    "channel",
    "datasets",
    "review_start",
    "review_end",
    "decision",
    "delivered",
)


@dataclass
class LogExport:
    """What ``export --logs`` wrote, and why a log was not written."""

    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def export_logs(results_dir: Path, out: Path | None = None, replication: int = 0) -> LogExport:
    """Write replication ``replication`` of the run at ``results_dir`` as ``fit`` logs."""
    results = open_results(Path(results_dir))
    if results.kind != "run":
        raise UsageError(
            f"{results.path}: --logs: expected a run directory, got a {results.kind} directory"
        )
    count = int(results.manifest.get("replications") or 0)
    if not 0 <= replication < max(count, 1):
        raise UsageError(f"--replication: expected 0 to {count - 1}, got {replication}")
    scenario = load_scenario(results.path / "scenario.yaml")
    seed = int(results.manifest.get("root_seed", scenario.run.seed))
    simulated = run_replication(scenario, replication, seed, keep_requests=True)
    if not simulated.ok:
        raise UsageError(f"{results.path}: replication {replication} failed: {simulated.error}")
    _check_same(results.table("kpis"), simulated, results.path)
    target = results.path / DEFAULT_DIR if out is None else Path(out)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: --out: expected a directory, got a file")
    return write_logs(scenario, simulated, target)


def write_logs(scenario: Scenario, simulated: Replication, target: Path) -> LogExport:
    """Write the logs a simulated replication holds into ``target``."""
    from simdata.report.export_enterprises_log import enterprises_log

    done = LogExport()
    frames = simulated.frames
    logs: dict[str, pl.DataFrame | None] = {}
    if "data_requests" in frames:
        logs["requests.csv"] = requests_log(scenario, frames["data_requests"], frames["reviews"])
    if scenario.resolution is not None:
        logs["node.csv"] = node_log(scenario, frames.get("requests"), done.notes)
    if "enterprise_days" in frames and "enterprises" in frames:
        logs["enterprises.csv"] = enterprises_log(scenario, frames, done.notes)
    for name, frame in logs.items():
        if frame is not None:
            done.written.append(_write_log(target / name, frame))
    if not logs:
        done.notes.append("no logs: the scenario has no public data, node or enterprises")
    return done


def _check_same(kpis: pl.DataFrame | None, simulated: Replication, where: Path) -> None:
    """Refuse a re-simulation whose KPIs differ from what the run recorded."""
    if kpis is None:
        return
    recorded = kpis.filter(pl.col("replication") == simulated.index)
    for kpi, value in zip(recorded["kpi"], recorded["value"], strict=True):
        again = simulated.kpis.get(kpi)
        if value is None or again is None or not math.isfinite(value):
            continue
        if not math.isclose(value, again, rel_tol=1e-9, abs_tol=1e-12):
            raise UsageError(
                f"{where}: --logs: expected the re-simulated replication {simulated.index} "
                f"to match the run, got {kpi} = {again!r} instead of {value!r} (was the run "
                "made by another simdata version?)"
            )


def origin(scenario: Scenario) -> dt.datetime:
    """The local wall-clock time of the model's time 0."""
    start = scenario.run.start_date
    return UNDATED_ORIGIN if start is None else dt.datetime.combine(start, dt.time())


def _times(seconds: pl.Expr, zero: dt.datetime, fmt: str, unit: str) -> pl.Expr:
    """Model seconds → local time text, floored to ``unit`` (floor keeps order on a row)."""
    step = {"s": 1, "ms": 1_000}[unit]
    micro = (seconds * step).floor().cast(pl.Int64) * (1_000_000 // step)
    return (pl.lit(zero) + pl.duration(microseconds=micro)).dt.strftime(fmt)


def requests_log(scenario: Scenario, requests: pl.DataFrame, reviews: pl.DataFrame) -> pl.DataFrame:
    """One row per request arrived in the measured window, as in docs/fit.md."""
    end = scenario.run.horizon
    first = (
        reviews.with_row_index("row")
        .sort("row")
        .group_by("request", maintain_order=True)
        .first()
        .select("request", "start_s", "end_s", "decision", "queued_s")
    )
    frame = (
        requests.with_row_index("request")
        .with_columns(pl.col("request").cast(pl.Int64))
        .join(first, on="request", how="left", suffix="_review")
        .filter(pl.col("measured"))
        .sort("arrival_s")
    )
    known = pl.col("end_s_review") <= end  # a decision is logged once the review ended
    auto = (pl.col("decision") == 3) & (pl.col("queued_s") <= end)
    word = pl.col("decision").replace_strict(DECISION_WORDS, default=None, return_dtype=pl.String)
    ended = pl.col("end_s") <= end
    decision = (
        pl.when(auto | (known & pl.col("decision").is_in([1, 2])))
        .then(word)
        .when(pl.col("start_s").is_null() & pl.col("decision").is_null() & ended)
        .then(pl.lit("none"))
        .otherwise(None)
    )
    zero, fmt = origin(scenario), "%Y-%m-%d %H:%M:%S"

    def until_end(column: str, keep: pl.Expr | None = None) -> pl.Expr:
        inside = pl.col(column).is_not_nan() & (pl.col(column) <= end)
        keep = inside if keep is None else inside & keep
        return pl.when(keep).then(_times(pl.col(column), zero, fmt, "s")).otherwise(None)

    return frame.select(
        _times(pl.col("arrival_s"), zero, fmt, "s").alias("arrival"),
        pl.col("kind").alias("requester_kind"),
        pl.col("channel"),
        pl.col("datasets"),
        until_end("start_s").alias("review_start"),
        until_end("end_s_review").alias("review_end"),
        decision.alias("decision"),
        until_end("end_s", pl.col("outcome") == "delivered").alias("delivered"),
    )


def node_log(
    scenario: Scenario, requests: pl.DataFrame | None, notes: list[str]
) -> pl.DataFrame | None:
    """One row per resolution request of the measured window, as in docs/fit.md."""
    node = scenario.resolution
    assert node is not None
    if requests is None:
        sampled = scenario.enterprises is not None and node.latency_sampling != "full"
        notes.append(
            "node.csv not written: "
            + (
                "latency_sampling: windows simulates only sampled peak-hour windows, without "
                "arrival times (set resolution.latency_sampling: full for a node log)"
                if sampled
                else "the run's engine kept no per-request data (set resolution.engine: event)"
            )
        )
        return None
    run = scenario.run
    frame = requests.filter(~pl.col("write") & (pl.col("arrival_s") >= run.measure_start_s))
    # A cache hit never reaches the servers' queue (its ``admitted`` is false).
    rejected = ~pl.col("admitted") & ~pl.col("cache_hit")
    outcome = (
        pl.when(rejected)
        .then(pl.lit("rejected"))
        .when(pl.col("failed"))
        .then(pl.lit("timeout"))
        .otherwise(pl.lit("ok"))
    )
    served = pl.col("start_s").is_not_nan() & pl.col("end_s").is_not_nan()
    columns = [
        _times(pl.col("arrival_s"), origin(scenario), "%Y-%m-%d %H:%M:%S%.3f", "ms").alias(
            "timestamp"
        ),
        pl.when(~rejected).then(pl.col("latency_s")).otherwise(None).alias("latency_s"),
        outcome.alias("outcome"),
    ]
    if node.cache is not None:
        columns.append(pl.col("cache_hit").cast(pl.Int8).alias("cache_hit"))
    columns.append(
        pl.when(served & ~pl.col("cache_hit")).then(pl.col("service_s")).alias("service_s")
    )
    return frame.sort("arrival_s").select(columns)


def _write_log(path: Path, frame: pl.DataFrame) -> Path:
    """UTF-8 CSV, empty cells for missing values, floats to 6 significant digits."""
    body = frame.with_columns(
        pl.col(name).map_batches(_significant, return_dtype=pl.String)
        for name, dtype in frame.schema.items()
        if dtype.is_float()
    )
    text = body.write_csv(null_value="")
    _write_shared(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))
    return path


def _significant(column: pl.Series) -> pl.Series:
    values = column.to_numpy()
    texts = [None if not np.isfinite(v) else f"{v:.6g}" for v in values]
    return pl.Series(column.name, texts, dtype=pl.String)
