"""``simdata export RUN_DIR --logs``: a run's logs in exactly the formats ``simdata fit`` reads.

Each log is exported from a small run, read back by ``simdata fit`` without error, and a
known parameter of the run's scenario lies in the fitted 99 % CI (fixed seeds); the
enterprises log has H3's columns; a node sampled in windows gets a note instead of a log;
bad input is one line.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.experiments.fit.enterprises_log import REQUIRED as ENTERPRISE_COLUMNS
from simdata.report.export_logs import REQUEST_COLUMNS
from tests.conftest import SCENARIOS
from tests.fit.fitted_ci import log_wald, wilson99

#: A node-baseline variant with a log's worth of traffic: two days from Monday 2026-03-02,
#: 0.05/s, a cache and a timeout, the event engine (every request simulated).
NODE_SETS = (
    "run.start_date=2026-03-02",
    "run.horizon=2 d",
    "run.warmup=0 s",
    "run.replications=1",
    "resolution.traffic.rate=0.05/s",
    "resolution.cache={hit_ratio: 80%, hit_time: {dist: lognormal, median: 1 ms, sigma: 0.3}}",
    "resolution.service_time={dist: lognormal, median: 5 ms, sigma: 0.8}",
    "resolution.timeout=30 ms",
    "resolution.engine=event",
)
#: Fujian's public data over January 2026 (after a 15-day warm-up), one replication.
FUJIAN_SETS = ("run.end_date=2026-01-31", "run.warmup=15 d", "run.replications=1")


def invoke(*args: str | os.PathLike[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def run(scenario: str, sets: tuple[str, ...], out: Path) -> Path:
    args: list[str] = ["run", str(SCENARIOS / scenario), "--out", str(out), "--quiet"]
    for text in sets:
        args += ["--set", text]
    code, _, stderr = invoke(*args)
    assert code == 0, stderr
    return out


def fit(log: Path, kind: str) -> str:
    """``simdata fit LOG --as KIND --out``: the fitted scenario's text."""
    out = log.with_suffix(".fitted.yaml")
    code, _, stderr = invoke("fit", log, "--as", kind, "--out", out)
    assert code == 0, stderr
    return out.read_text(encoding="utf-8")


def test_node_log_reads_back_and_recovers_the_service_median(tmp_path: Path) -> None:
    folder = run("node-baseline.yaml", NODE_SETS, tmp_path / "run")
    code, stdout, stderr = invoke("export", folder, "--logs")
    assert code == 0, stderr
    log = folder / "logs" / "node.csv"
    assert f"wrote {log}" in stdout
    frame = pl.read_csv(log, infer_schema=False)
    assert frame.columns == ["timestamp", "latency_s", "outcome", "cache_hit", "service_s"]
    assert frame["timestamp"][0].startswith("2026-03-02 ")
    assert frame["timestamp"][-1].startswith("2026-03-03 ")
    assert set(frame["outcome"]) <= {"ok", "timeout", "rejected"}
    assert (
        frame.filter(pl.col("cache_hit") == "1")["service_s"].null_count()
        == frame.filter(pl.col("cache_hit") == "1").height
    )
    fitted = fit(log, "node")
    low, high = log_wald(fitted, "service_time:", "median")
    assert low <= 5.0 <= high  # ms: the service_s column is the servers' own time
    low, high = log_wald(fitted, "hit_time:", "median")
    assert low <= 1.0 <= high
    low, high = wilson99(fitted, "hit_ratio:")
    assert low <= 0.8 <= high


@pytest.mark.slow
def test_requests_log_reads_back_and_recovers_the_reject_probability(tmp_path: Path) -> None:
    folder = run("fujian-public-data.yaml", FUJIAN_SETS, tmp_path / "run")
    out = tmp_path / "logs"
    code, _, stderr = invoke("export", folder, "--logs", "--out", out)
    assert code == 0, stderr
    frame = pl.read_csv(out / "requests.csv", infer_schema=False)
    assert tuple(frame.columns) == REQUEST_COLUMNS
    assert frame["arrival"].min().startswith("2026-01-")  # type: ignore[union-attr]
    # Nothing after the log's end (the horizon): later reviews and deliveries are open.
    for column in ("arrival", "review_start", "review_end", "delivered"):
        assert frame[column].drop_nulls().max() < "2026-02-01"  # type: ignore[operator]
    recorded = pl.read_parquet(folder / "requests.parquet").filter(pl.col("measured"))
    assert frame.height == recorded.height
    fitted = fit(out / "requests.csv", "requests")
    low, high = wilson99(fitted, "reject_probability:")
    assert low <= 0.15 <= high
    low, high = log_wald(fitted, "review_effort:", "median")  # hours
    assert low <= 2.0 <= high


def test_enterprises_log_reads_back_and_a_windowed_node_gets_a_note(
    tmp_path: Path,
) -> None:
    folder = run(
        "zhanjiang-baseline.yaml",
        ("run.end_date=2024-12-15", "subsidy.deadline=2024-12-15", "run.replications=1"),
        tmp_path,
    )
    code, _, stderr = invoke("export", folder, "--logs")
    assert code == 0, stderr
    assert "note: node.csv not written: latency_sampling: windows" in stderr
    assert not (folder / "logs" / "node.csv").exists()
    frame = pl.read_csv(folder / "logs" / "enterprises.csv", infer_schema=False)
    assert tuple(frame.columns) == (*ENTERPRISE_COLUMNS, "cases")
    # Whole months only: the half month of December is left out.
    assert sorted(set(frame["month"])) == [f"2024-{m:02d}" for m in range(1, 12)]
    fitted = fit(folder / "logs" / "enterprises.csv", "enterprises")
    low, high = log_wald(fitted, "usage_intensity:", "median")  # zhanjiang-baseline: 0.01
    assert low <= 0.01 <= high
    low, high = log_wald(fitted, "ramp_time:", "median")  # 6 months
    assert low <= 6.0 <= high


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--logs", "--replication", "3"), "--replication: expected 0 to 0, got 3"),
        ((), "--format: expected csv or xlsx (or --logs), got none"),
    ],
)
def test_bad_export_is_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    folder = run("node-baseline.yaml", (*NODE_SETS, "run.horizon=1 h"), tmp_path / "r")
    code, _, stderr = invoke("export", folder, *args)
    assert code == 2
    assert stderr.strip().endswith(message), stderr
    assert len(stderr.strip().splitlines()) == 1
