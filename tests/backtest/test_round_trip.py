"""The round trip: one more replication of the same scenario is judged consistent; the same
observation scaled by 1.2 or 0.8 is judged "model too low" or "model too high"; the
per-period values over the whole window are the run's own KPIs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.experiments.backtest import backtest, parse_period, read_run
from simdata.experiments.backtest.observe import observed_csv
from simdata.experiments.backtest.observed import Observed, Period
from simdata.experiments.backtest.simulated import RunData, simulated

pytestmark = pytest.mark.unit

ZHANJIANG_SERIES = {
    "registrations.count": "month",
    "resolutions.count": "day",
    "resolutions.daily_mean": "month",
}
FUJIAN_SERIES = {
    "requests.within_sla_share@channel=sharing": "month",
    "requests.arrivals_count": "day",
    "requests.rejected_share": "month",
}


def _observed(tmp_path: Path, run: Path, series: dict[str, str], **scale: float) -> Path:
    path = tmp_path / "observed.csv"
    path.write_text(observed_csv(run, series, scale), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", ["zhanjiang", "fujian"])
def test_one_more_replication_is_consistent(
    request: pytest.FixtureRequest, tmp_path: Path, case: str
) -> None:
    run, extra = request.getfixturevalue(f"{case}_runs")
    series = ZHANJIANG_SERIES if case == "zhanjiang" else FUJIAN_SERIES
    result = backtest(run, _observed(tmp_path, extra, series), out=tmp_path / "out")
    assert [v["verdict"] for v in result.verdicts] == ["consistent"] * len(series)
    table = pl.read_parquet(tmp_path / "out" / "backtest.parquet")
    assert set(table["kpi"].unique()) == set(series)
    assert (
        table.filter(pl.col("kpi") == next(iter(series)))["grain"][0] == series[next(iter(series))]
    )
    assert ((table["percentile"] > 0) & (table["percentile"] < 100)).all()
    verdicts = json.loads((tmp_path / "out" / "verdicts.json").read_text())
    assert verdicts["correction"] == "Holm"
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["kind"] == "backtest"
    assert manifest["status"] == "complete"


def test_a_shifted_observation_is_judged(
    zhanjiang_runs: tuple[Path, Path], fujian_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    """Fujian's daily arrivals 20 % above the model: model too low; its monthly within-SLA
    share 20 % below: model too high. Zhanjiang's first half-year is so uncertain (monthly
    registrations vary by a CV of 0.4–1.6 across replications) that only a gross error is
    refuted: registrations ×10 → model too low, resolutions ÷10 → model too high."""
    run, extra = fujian_runs
    scale = {"requests.arrivals_count": 1.2, "requests.within_sla_share@channel=sharing": 0.8}
    result = backtest(run, _observed(tmp_path, extra, FUJIAN_SERIES, **scale))
    assert result.verdict("requests.arrivals_count") == "model too low"
    assert result.verdict("requests.within_sla_share@channel=sharing") == "model too high"
    assert result.verdict("requests.rejected_share") == "consistent"
    run, extra = zhanjiang_runs
    scale = {"registrations.count": 10.0, "resolutions.count": 0.1}
    result = backtest(run, _observed(tmp_path, extra, ZHANJIANG_SERIES, **scale))
    assert result.verdict("registrations.count") == "model too low"
    assert result.verdict("resolutions.count") == "model too high"


@pytest.mark.parametrize(
    ("case", "kpi", "whole"),
    [
        ("zhanjiang", "registrations.new_count", "registrations.new_count"),
        ("fujian", "requests.within_sla_share@channel=sharing", None),
        ("fujian", "requests.time_to_data_workdays_p90", None),
    ],
)
def test_the_window_as_one_period_is_the_runs_kpi(
    request: pytest.FixtureRequest, case: str, kpi: str, whole: str | None
) -> None:
    """Recomputed over the whole window, a KPI equals kpis.parquet's, replication by
    replication: the per-period values mean what the KPI means."""
    run_dir, _ = request.getfixturevalue(f"{case}_runs")
    run = read_run(run_dir)
    label = "2024-H1" if case == "zhanjiang" else "2026-01"
    periods = (
        (parse_period("2024-Q1"), parse_period("2024-Q2"))
        if label == "2024-H1"
        else (parse_period("2026-01"), parse_period("2026-02"))
    )
    values = simulated(run, Observed(kpi, periods, (0.0, 0.0), (2, 3)))
    kpis = pl.read_parquet(run_dir / "kpis.parquet").filter(pl.col("kpi") == (whole or kpi))
    expected = kpis.sort("replication")["value"].to_numpy()
    if whole is not None:  # cumulative: the last period's value is the KPI at the horizon
        np.testing.assert_allclose(values[-1], expected)
    else:
        one = simulated(run, Observed(kpi, (_window(run),), (0.0,), (2,)))
        np.testing.assert_allclose(one[0], expected)


def _window(run: RunData) -> Period:
    """The run's whole measured window as one period."""
    return Period(run.start, run.end, "window", "window")


def test_cli_writes_a_directory_the_report_reads(
    zhanjiang_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    run, extra = zhanjiang_runs
    observed = _observed(tmp_path, extra, {"registrations.count": "month"})
    out = tmp_path / "bt"
    outcome = CliRunner().invoke(cli, ["backtest", str(run), str(observed), "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    assert "registrations.count: consistent" in outcome.output
    outcome = CliRunner().invoke(cli, ["report", str(out), "--lang", "zh"])
    assert outcome.exit_code == 0, outcome.output
    page = (out / "report.zh.html").read_text(encoding="utf-8")
    assert "模型是否可用于决策" in page
    assert "一致" in page
