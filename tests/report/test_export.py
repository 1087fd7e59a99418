"""Office exports: CSV (UTF-8 with BOM) and XLSX read back with polars and openpyxl."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.report import export_tables
from tests.cli_checks import one_line_error, tree

pytestmark = pytest.mark.unit


def test_csv_export_reads_back(identifier_run: Path, tmp_path: Path) -> None:
    """summary, kpis and enterprises as CSV: BOM first, same values, Chinese labels intact."""
    written = export_tables(identifier_run, "csv", tmp_path / "csv")
    assert sorted(p.name for p in written) == [
        "enterprises.csv",
        "kpis.csv",
        "parameters.csv",
        "summary.csv",
    ]
    for path in written:
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    summary = pl.read_csv(tmp_path / "csv" / "summary.csv")
    original = pl.read_parquet(identifier_run / "summary.parquet")
    assert summary["kpi"].to_list() == original["kpi"].to_list()
    assert summary["mean"].to_list() == pytest.approx(original["mean"].to_list())
    labels = dict(zip(summary["kpi"], summary["label_zh"], strict=True))
    assert labels["subsidy.qualified_count"] == "达标企业数"
    enterprises = pl.read_csv(tmp_path / "csv" / "enterprises.csv")
    assert enterprises.height == pl.read_parquet(identifier_run / "enterprises.parquet").height


def test_xlsx_export_reads_back(identifier_run: Path, tmp_path: Path) -> None:
    """One workbook, one sheet per table, values as in the Parquet files."""
    (path,) = export_tables(identifier_run, "xlsx", tmp_path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["summary", "parameters", "kpis", "enterprises"]
    rows = list(workbook["summary"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    original = pl.read_parquet(identifier_run / "summary.parquet")
    assert header[:3] == ("kpi", "label_zh", "unit")
    assert [r[0] for r in body] == original["kpi"].to_list()
    mean = header.index("mean")
    for row, expected in zip(body, original["mean"].to_list(), strict=True):
        if expected is None or math.isnan(expected):
            assert row[mean] is None
        else:
            assert row[mean] == pytest.approx(expected)
    kpis = list(workbook["kpis"].iter_rows(values_only=True))
    assert len(kpis) - 1 == pl.read_parquet(identifier_run / "kpis.parquet").height
    workbook.close()


def test_experiment_tables_export(capacity_dir: Path, compare_dir: Path, tmp_path: Path) -> None:
    """Capacity and compare directories export their own tables."""
    names = {p.name for p in export_tables(capacity_dir, "csv", tmp_path / "c")}
    assert names == {"capacity.csv", "curve.csv"}
    assert pl.read_csv(tmp_path / "c" / "capacity.csv")["capacity"].to_list() == [953.0]
    (path,) = export_tables(compare_dir, "xlsx", tmp_path / "x")
    assert openpyxl.load_workbook(path, read_only=True).sheetnames == ["compare"]


@pytest.mark.cli
def test_cli_export_default_writes_into_the_directory(public_run: Path, tmp_path: Path) -> None:
    """`simdata export DIR --format csv` writes beside the Parquet files."""
    copy = tmp_path / "run"
    shutil.copytree(public_run, copy)
    result = CliRunner().invoke(cli, ["export", str(copy), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert (copy / "summary.csv").is_file()
    assert (copy / "kpis.csv").is_file()


@pytest.mark.cli
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "xls"], "--format: expected one of csv, xlsx, got 'xls'"),
        (["--format", "csv", "--out", "FILE"], "--out: expected a directory, got a file"),
    ],
)
def test_export_bad_input(public_run: Path, tmp_path: Path, args: list[str], expected: str) -> None:
    """Unknown format or an --out that is a file: one line, exit 2, nothing written."""
    copy = tmp_path / "run"
    shutil.copytree(public_run, copy)
    (tmp_path / "FILE").write_text("x", encoding="utf-8")
    args = [str(tmp_path / "FILE") if a == "FILE" else a for a in args]
    before = tree(tmp_path)
    result = CliRunner().invoke(cli, ["export", str(copy), *args])
    assert expected in one_line_error(result)
    assert tree(tmp_path) == before


@pytest.mark.cli
def test_export_missing_directory(tmp_path: Path) -> None:
    """A directory that is not there: one line, exit 2."""
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "nope"), "--format", "csv"])
    assert "no such directory" in one_line_error(result)
    assert tree(tmp_path) == []
