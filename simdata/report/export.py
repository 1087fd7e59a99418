"""Office exports: a results directory's tables as CSV or one Excel workbook.

Planners open results in Excel or WPS. CSV files are UTF-8 with a byte-order mark, which
is what makes Excel read Chinese (labels, department names) correctly instead of guessing
a local code page; the workbook has one sheet per table. The summary gains the KPI's
Chinese label beside its name. Values stay SI as in the Parquet files. The day-by-day
``enterprise_days`` table is left out (hundreds of thousands of rows; it stays in Parquet).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook  # type: ignore[import-untyped]  # no stubs in the venv
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from simdata.errors import UsageError
from simdata.report import i18n
from simdata.report.source import Results, open_results
from simdata.results import write_text

FORMATS = ("csv", "xlsx")
WORKBOOK_NAME = "tables.xlsx"
#: Tables exported when present, in this order (sheet order in the workbook).
TABLES = ("summary", "kpis", "enterprises", "capacity", "curve", "indices", "points", "compare")
#: Excel's row limit (a sheet holds at most this many rows, header included).
EXCEL_ROWS = 1_048_576


def export_tables(results_dir: Path, fmt: str, out: Path | None = None) -> list[Path]:
    """Write the directory's tables as ``fmt`` into ``out`` (default: the directory itself)."""
    if fmt not in FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    results = open_results(Path(results_dir))
    target = results.path if out is None else Path(out)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: --out: expected a directory, got a file")
    tables = collect_tables(results)
    if fmt == "csv":
        return [_write_csv(target / f"{name}.csv", frame) for name, frame in tables.items()]
    return [_write_workbook(target / WORKBOOK_NAME, tables)]


def collect_tables(results: Results) -> dict[str, pl.DataFrame]:
    """The exportable tables of ``results`` by name (summary with Chinese KPI labels)."""
    found: dict[str, pl.DataFrame] = {}
    for name in TABLES:
        frame = _capacity_table(results) if name == "capacity" else results.table(name)
        if frame is None:
            continue
        if name == "summary" and "kpi" in frame.columns:
            labels = [i18n.kpi_label(kpi, "zh") for kpi in frame["kpi"].to_list()]
            frame = frame.insert_column(1, pl.Series("label_zh", labels, dtype=pl.String))
        found[name] = frame
    return found


def _capacity_table(results: Results) -> pl.DataFrame | None:
    data = results.json("capacity.json")
    if data is None:
        return None
    flat = {
        k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
        for k, v in data.items()
    }
    return pl.DataFrame([flat])


def _write_csv(path: Path, frame: pl.DataFrame) -> Path:
    # The BOM (U+FEFF, bytes EF BB BF in UTF-8) tells Excel the file is UTF-8.
    write_text(path, "\ufeff" + frame.write_csv())
    return path


def _cell(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # Excel has no NaN or infinity
    if isinstance(value, list | dict):
        return str(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones
    return value


def _write_workbook(path: Path, tables: dict[str, pl.DataFrame]) -> Path:
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, frame in tables.items():
        sheet = workbook.create_sheet(title=name[:31])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(frame.columns):
            letter = str(get_column_letter(index + 1))
            sheet.column_dimensions[letter].width = min(max(len(column) + 2, 10), 48)
        header = []
        for column in frame.columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in frame.head(EXCEL_ROWS - 1).iter_rows():
            sheet.append([_cell(value) for value in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        workbook.save(temporary)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return path
