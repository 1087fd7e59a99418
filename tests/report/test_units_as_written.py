"""Inputs and results in the units a planner writes: readable values, zh exports, file modes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from simdata.analysis.kpis import REGISTRY
from simdata.cli import cli
from simdata.report.html import _key_parameters
from simdata.report.source import open_results
from simdata.scenario.readable import readable

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        ("1.5210282150733896e-06/s", "rate", "4/month"),
        ("0.001282051282051282/s", "rate per working time", "30/workday"),
        ("234000 s", "working time", "10 workday"),
        ("234000 s", "duration", "65 h"),
        ("7200 s", "working time", "2 h"),
        ("0.002 s", "duration", "2 ms"),
        (0.8, "share", "80%"),
        ("5.0%/month", "growth", "5%/month"),
        ("10万", None, "10万"),
        ("auto", "duration", "auto"),
    ],
)
def test_values_read_as_written(value: object, kind: str | None, shown: str) -> None:
    """SI text of each kind reads back in the unit a planner writes (numerals untouched)."""
    assert readable(value, kind, 23_400.0) == shown


def test_money_is_a_registry_unit() -> None:
    """subsidy.outlay is in yuan (元), never a count."""
    assert REGISTRY["subsidy.outlay"].unit == "yuan"


def test_report_key_parameters_as_written(public_run: Path) -> None:
    """A public-data run's key parameters read 10 workday and 0%, not 234000 s and 0.0."""
    shown = dict(_key_parameters(open_results(public_run).raw_scenario))
    assert shown["policy.sla"] == "10 workday"
    assert shown["policy.auto_approval_share"] == "0%"


@pytest.fixture
def umask_027() -> Iterator[int]:
    old = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(old)


def _export(run: Path, out: Path, *args: str) -> None:
    result = CliRunner().invoke(cli, ["export", str(run), "--out", str(out), *args])
    assert result.exit_code == 0, result.output


def _sheet(path: Path, name: str) -> list[tuple[object, ...]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook[name].iter_rows(values_only=True))
    workbook.close()
    return rows


@pytest.mark.cli
def test_public_data_export_in_chinese(public_run: Path, tmp_path: Path, umask_027: int) -> None:
    """`export --lang zh`: Chinese headers and verdicts, readable %, the inputs as written,
    the per-request audit trail and the daily series; every file 0666 minus the umask."""
    assert (public_run / "requests.parquet").is_file()
    _export(public_run, tmp_path, "--format", "xlsx", "--lang", "zh")
    _export(public_run, tmp_path, "--format", "csv", "--lang", "zh")
    book = tmp_path / "tables.xlsx"
    assert openpyxl.load_workbook(book, read_only=True).sheetnames[:2] == ["summary", "parameters"]
    summary = _sheet(book, "summary")
    header = summary[0]
    assert {"指标", "均值", "95%置信区间", "结论"} <= set(header)
    verdicts = {row[header.index("结论")] for row in summary[1:]} - {None}
    assert verdicts
    assert verdicts <= {"通过", "未通过", "待定"}
    share = next(r for r in summary[1:] if r[0] == "requests.within_sla_share@channel=sharing")
    assert str(share[header.index("均值")]).endswith("%")
    parameters = dict(_sheet(book, "parameters")[1:])
    assert parameters["policy.sla"] == "10 workday"
    assert parameters["requesters.groups.0.rate"] == "30/workday"
    requests = _sheet(book, "requests")
    assert {"到达时间（秒）", "部门", "工作日", "结果", "计入统计"} <= set(requests[0])
    assert len(requests) - 1 == pl.read_parquet(public_run / "requests.parquet").height
    assert "timeseries" in openpyxl.load_workbook(book, read_only=True).sheetnames
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert "requests.csv" in modes
    assert "tables.xlsx" in modes
    assert set(modes.values()) == {0o666 & ~umask_027}, modes


@pytest.mark.cli
def test_node_export_shows_milliseconds(hostile_run: Path, tmp_path: Path) -> None:
    """A node run's summary shows latencies in ms beside the SI seconds."""
    _export(hostile_run, tmp_path, "--format", "xlsx")
    summary = _sheet(tmp_path / "tables.xlsx", "summary")
    header = summary[0]
    row = next(r for r in summary[1:] if r[0] == "resolution.wait_mean")
    assert isinstance(row[header.index("mean")], float)
    assert str(row[header.index("mean_shown")]).endswith(" ms")
    assert header.index("mean_shown") == header.index("mean") + 1
