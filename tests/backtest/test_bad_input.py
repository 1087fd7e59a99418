"""Bad observed files and run directories: one line naming the file, row and column (or
the directory), exit 2, nothing written. Also what a good file may look like: GBK with a
BOM-less header, xlsx, Parquet, percentages, ``--map``, the template."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.experiments.backtest import TEMPLATE, backtest

pytestmark = pytest.mark.unit

GOOD = "period,kpi,value\n2024-02,registrations.count,120000\n2024-03,registrations.count,180000\n"

#: (file text, the message's start after the file name, a fragment it must hold).
BAD = {
    "no value column": ("period,kpi\n2024-02,registrations.count\n", ":1: value:", "columns"),
    "unknown kpi": (
        "period,kpi,value\n2024-02,registrations.count,1\n2024-03,registratoins.count,2\n",
        ":3: kpi:",
        "resolutions.daily_mean",
    ),
    "new_count hint": (
        "period,kpi,value\n2024-02,registrations.new_count@month=2024-02,1\n",
        ":2: kpi:",
        "registrations.count",
    ),
    "bad period": ("period,kpi,value\nFeb 2024,registrations.count,1\n", ":2: period:", "2026-03"),
    "bad value": ("period,kpi,value\n2024-02,registrations.count,lots\n", ":2: value:", "lots"),
    "negative": ("period,kpi,value\n2024-02,registrations.count,-3\n", ":2: value:", "≥ 0"),
    "empty cell": ("period,kpi,value\n2024-02,,5\n", ":2: kpi:", "empty"),
    "outside the run": (
        "period,kpi,value\n2024-06,registrations.count,5\n2024-07,registrations.count,5\n",
        ":3: period:",
        "2024-01-01 – 2024-06-30",
    ),
    "mixed periods": (
        "period,kpi,value\n2024-02,registrations.count,5\n2024-02-03,registrations.count,5\n",
        ":3: period:",
        "by month",
    ),
    "twice": (
        "period,kpi,value\n2024-02,registrations.count,5\n2024/2,registrations.count,6\n",
        ":3: period:",
        "once",
    ),
    "no rows": ("period,kpi,value\n", ":", "empty table"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_observed_file(zhanjiang_runs: tuple[Path, Path], tmp_path: Path, case: str) -> None:
    text, where, fragment = BAD[case]
    observed = tmp_path / "observed.csv"
    observed.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    outcome = CliRunner().invoke(
        cli, ["backtest", str(zhanjiang_runs[0]), str(observed), "--out", str(out)]
    )
    assert outcome.exit_code == 2, outcome.output
    line = outcome.output.strip()
    assert "\n" not in line
    assert "Traceback" not in line
    assert line.startswith(f"{observed}{where}"), line
    assert fragment in line
    assert not out.exists()


def test_a_share_as_percent_or_fraction_and_a_share_above_one(
    fujian_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    run = fujian_runs[0]
    observed = tmp_path / "o.csv"
    kpi = "requests.within_sla_share@channel=sharing"
    observed.write_text(f"period,kpi,value\n2026-01,{kpi},95.5%\n2026-02,{kpi},0.93\n")
    table = backtest(run, observed).table
    assert table["observed"].to_list() == pytest.approx([0.955, 0.93])
    observed.write_text(f"period,kpi,value\n2026-01,{kpi},95.5\n")
    outcome = CliRunner().invoke(cli, ["backtest", str(run), str(observed)])
    assert outcome.exit_code == 2
    assert outcome.output.startswith(f"{observed}:2: value: expected a share")


def test_gbk_xlsx_parquet_and_map(zhanjiang_runs: tuple[Path, Path], tmp_path: Path) -> None:
    """The same observations read alike from GBK CSV with Chinese headers (``--map``),
    xlsx and Parquet."""
    run = zhanjiang_runs[0]
    chinese = GOOD.replace("period,kpi,value", "月份,指标,数值")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(chinese.encode("gbk"))
    maps = {"月份": "period", "指标": "kpi", "数值": "value"}
    expected = backtest(run, gbk, maps).table
    frame = pl.read_csv(GOOD.encode(), schema_overrides={"period": pl.String})
    frame.write_parquet(tmp_path / "o.parquet")
    assert backtest(run, tmp_path / "o.parquet").table.equals(expected)
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(tmp_path / "o.xlsx")
    assert backtest(run, tmp_path / "o.xlsx").table.equals(expected)


def test_bad_run_directories(zhanjiang_runs: tuple[Path, Path], tmp_path: Path) -> None:
    observed = tmp_path / "o.csv"
    observed.write_text(GOOD)
    few = zhanjiang_runs[1]  # one replication
    unfinished = tmp_path / "unfinished"
    shutil.copytree(zhanjiang_runs[0], unfinished)
    manifest = json.loads((unfinished / "manifest.json").read_text())
    (unfinished / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
    no_kpis = tmp_path / "no-kpis"
    shutil.copytree(zhanjiang_runs[0], no_kpis)
    (no_kpis / "kpis.parquet").unlink()
    cases = {
        tmp_path / "missing": "expected a run directory",
        no_kpis: "expected the run's KPI table",
        few: "at least 5 replications",
        unfinished: "expected a complete run",
    }
    for run, fragment in cases.items():
        outcome = CliRunner().invoke(cli, ["backtest", str(run), str(observed)])
        assert outcome.exit_code == 2, outcome.output
        assert fragment in outcome.output
        assert outcome.output.count("\n") == 1


def test_template_reads_as_an_observed_file() -> None:
    outcome = CliRunner().invoke(cli, ["backtest", "--template"])
    assert outcome.exit_code == 0
    assert outcome.output == TEMPLATE
    assert outcome.output.splitlines()[0] == "period,kpi,value"
