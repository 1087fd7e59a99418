"""Exports are inert: user text that a spreadsheet would run as a formula is neutralised.

The directories are real — ``simdata run`` of variants named like formulas, ``compare`` of
them (their names become the ``variant`` column) and ``sweep`` of a design whose parameter
names are formulas (they become column headers and the ``parameter`` column) — exported
through ``simdata export`` and read back with openpyxl, the csv module and the raw XML.
"""

from __future__ import annotations

import csv
import os
import re
import stat
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import yaml
from click.testing import CliRunner

from simdata.cli import cli
from simdata.report.export import neutralise

pytestmark = pytest.mark.cli

BASE = {
    "name": "base",
    "run": {"horizon": "120 s", "warmup": "10 s", "replications": 2, "seed": 3},
    "resolution": {
        "servers": 2,
        "service_time": {"dist": "exponential", "mean": "50 ms"},
        "traffic": {"rate": "30/s"},
    },
}
#: Scenario names, each with the text its cell must hold.
NAMES = {
    '=HYPERLINK("http://x","y")': '\'=HYPERLINK("http://x","y")',
    "+1+1": "'+1+1",
    "-2": "'-2",
    "@SUM(A1)": "'@SUM(A1)",
    "\tx": "'\tx",
    "\rx": "'\rx",
    "\uff1dSUM(A1)": "'\uff1dSUM(A1)",  # full-width equals sign
    " =1+1": "' =1+1",  # leading space, trimmed by some importers
    "x,=1+1": "x,=1+1",  # not at the start: one quoted CSV field, unchanged
    "#N/A": "#N/A",  # an Excel error value's text, stays a string
}
#: Sweep parameters: their names become column headers and ``parameter`` cells.
PARAMETERS = {"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0", "-rate": "'-rate"}
DESIGN = {
    "name": "=sweep",
    "method": "morris",
    "samples": 2,
    "levels": 4,
    "replications": 1,
    "kpis": ["resolution.wait_mean"],
    "parameters": [
        {"path": "resolution.servers", "levels": [2, 3], "name": "=cmd|' /C calc'!A0"},
        {"path": "resolution.traffic.rate", "range": [20, 40], "unit": "/s", "name": "-rate"},
    ],
}
FORMULA_START = re.compile(r"^(?:[\t\r]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20])")


def _ok(*args: str | Path) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def _write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A compare of variants named like formulas, and a sweep with formula parameter names."""
    root = tmp_path_factory.mktemp("injection")
    base = _write_yaml(root / "base.yaml", BASE)
    _ok("run", base, "--out", root / "base", "--workers", "1", "--quiet")
    variants = []
    for index, name in enumerate(NAMES):
        # One more server: the differences are negative numbers, which must stay numbers.
        resolution = {**BASE["resolution"], "servers": 3}  # type: ignore[dict-item]
        scenario = _write_yaml(
            root / f"v{index}.yaml", {**BASE, "name": name, "resolution": resolution}
        )
        variants.append(root / f"v{index}")
        _ok("run", scenario, "--out", variants[-1], "--workers", "1", "--quiet")
    _ok("compare", root / "base", *variants, "--out", root / "compare")
    design = _write_yaml(root / "design.yaml", DESIGN)
    _ok("sweep", base, "--design", design, "--out", root / "sweep", "--workers", "1")
    return {"compare": root / "compare", "sweep": root / "sweep"}


def _export(directory: Path, fmt: str, out: Path) -> list[Path]:
    before = set(out.iterdir()) if out.is_dir() else set()
    _ok("export", directory, "--format", fmt, "--out", out)
    return sorted(set(out.iterdir()) - before)


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_export_neutralises_every_formula(
    hostile_dirs: dict[str, Path], tmp_path: Path
) -> None:
    """Formula-like names in CSV cells and headers begin with ', negative numbers stay bare."""
    _export(hostile_dirs["compare"], "csv", tmp_path)
    _export(hostile_dirs["sweep"], "csv", tmp_path)
    compare = _csv_rows(tmp_path / "compare.csv")
    header, body = compare[0], compare[1:]
    assert {row[header.index("variant")] for row in body} == set(NAMES.values())
    diffs = [row[header.index("diff_mean")] for row in body]
    assert any(d.startswith("-") and float(d) < 0 for d in diffs)  # a bare negative number
    points = _csv_rows(tmp_path / "points.csv")
    assert set(PARAMETERS.values()) <= set(points[0])
    indices = _csv_rows(tmp_path / "indices.csv")
    # Every lever, plus the noise lever SALib designs carry (issue 12 §5).
    levers = {row[indices[0].index("parameter")] for row in indices[1:]}
    assert levers == {*PARAMETERS.values(), "(noise)"}
    for path in tmp_path.glob("*.csv"):
        for row in _csv_rows(path):
            for text in row:
                if FORMULA_START.match(text):  # only numbers may start like a formula
                    float(text)


def test_xlsx_export_has_no_formula(hostile_dirs: dict[str, Path], tmp_path: Path) -> None:
    """Every text cell of the workbook is a string ('-prefixed where needed), never a formula."""
    (compare_path,) = _export(hostile_dirs["compare"], "xlsx", tmp_path / "compare")
    (sweep_path,) = _export(hostile_dirs["sweep"], "xlsx", tmp_path / "sweep")
    for path in (compare_path, sweep_path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.startswith("xl/worksheets/"):
                    assert b"<f" not in archive.read(member), member
        workbook = openpyxl.load_workbook(path, data_only=False)
        for sheet in workbook:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type in ("s", "n", "b", "d"), (cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        assert cell.data_type == "s"
                        assert not FORMULA_START.match(cell.value), cell.value
    compare = openpyxl.load_workbook(compare_path)["compare"]
    header = [cell.value for cell in compare[1]]
    variants = [row[header.index("variant")] for row in compare.iter_rows(min_row=2)]
    # XML reads a bare CR as LF (Excel as well): the one change the workbook makes to a text.
    assert {cell.value for cell in variants} == {v.replace("\r", "\n") for v in NAMES.values()}
    diffs = [row[header.index("diff_mean")] for row in compare.iter_rows(min_row=2)]
    assert any(c.data_type == "n" and isinstance(c.value, float) and c.value < 0 for c in diffs)
    sweep = openpyxl.load_workbook(sweep_path)
    assert set(PARAMETERS.values()) <= {cell.value for cell in sweep["points"][1]}
    column = [cell.value for cell in sweep["indices"][1]].index("parameter")
    parameters = {row[column].value for row in sweep["indices"].iter_rows(min_row=2)}
    assert parameters == {*PARAMETERS.values(), "(noise)"}


def test_export_files_are_not_private(hostile_dirs: dict[str, Path], tmp_path: Path) -> None:
    """Every file export writes has the usual mode 0666 minus the umask (no 0600 workbook)."""
    umask = os.umask(0o022)
    os.umask(umask)
    written = _export(hostile_dirs["sweep"], "csv", tmp_path) + _export(
        hostile_dirs["sweep"], "xlsx", tmp_path
    )
    assert {p.name for p in written} == {
        "indices.csv",
        "parameters.csv",
        "points.csv",
        "tables.xlsx",
    }
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path.name


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\rx", "'\rx"),
        ("\n=1", "'\n=1"),
        ("\u3000=1", "'\u3000=1"),  # ideographic space, then a formula
        ("\uff0b1", "'\uff0b1"),
        ("\uff0d1", "'\uff0d1"),
        ("\uff201", "'\uff201"),
        ("resolution.wait_mean@kind=enterprise", "resolution.wait_mean@kind=enterprise"),
        ("达标企业数", "达标企业数"),
        ("", ""),
        ("'=1", "'=1"),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    """Text that could start a formula gains a leading '; other text is unchanged."""
    assert neutralise(text) == expected


def test_nan_and_control_characters(tmp_path: Path, hostile_dirs: dict[str, Path]) -> None:
    """NaN is an empty cell; a name with an ANSI escape exports, inert, to CSV and xlsx."""
    compare = tmp_path / "compare"
    compare.mkdir()
    for name in ("manifest.json", "compare.parquet"):
        (compare / name).write_bytes((hostile_dirs["compare"] / name).read_bytes())
    frame = pl.read_parquet(compare / "compare.parquet")
    frame.with_columns(
        pl.lit(float("nan")).alias("variance_reduction"),
        pl.lit("\x1b[31m=red").alias("variant"),
    ).write_parquet(compare / "compare.parquet")
    _export(compare, "csv", tmp_path / "out")
    (workbook,) = _export(compare, "xlsx", tmp_path / "xlsx")
    rows = _csv_rows(tmp_path / "out" / "compare.csv")
    assert {row[rows[0].index("variance_reduction")] for row in rows[1:]} == {""}
    assert {row[0] for row in rows[1:]} == {"\x1b[31m=red"}  # CSV holds it as it is
    sheet = openpyxl.load_workbook(workbook)["compare"]
    assert {row[0].value for row in sheet.iter_rows(min_row=2)} == {"\\x1b[31m=red"}
    column = [cell.value for cell in sheet[1]].index("variance_reduction")
    assert {row[column].value for row in sheet.iter_rows(min_row=2)} == {None}
