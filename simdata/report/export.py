"""Office exports: a results directory's tables as CSV or one Excel workbook.

Planners open results in Excel or WPS. CSV files are UTF-8 with a byte-order mark, which
is what makes Excel read Chinese (labels, department names) correctly instead of guessing
a local code page; the workbook has one sheet per table. The summary gains the KPI's
Chinese label beside its name. Values stay SI as in the Parquet files, and each KPI value
has a readable twin beside it (``mean_shown``: ``2.75 d``, ``93.5%``, ``1,200,000 元``; see
:mod:`simdata.report.export_labels`); ``parameters`` lists the scenario's inputs as written
(``4/month``, ``10 workday``, ``80%``). The audit trail goes too: the daily series
(``timeseries``) and, for public data, one row per request (``requests``). The day-by-day
``enterprise_days`` table is left out (hundreds of thousands of rows; it stays in Parquet).
``--lang zh`` writes Chinese headers and verdicts. Every file is created 0666 minus the
umask, as the run's own files are.

Exports are inert. Text in a table comes from users — a scenario name becomes the
``variant`` column of a comparison, a sweep parameter's name a column header — and a
spreadsheet reads a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(…)``, ``=cmd|…`` DDE). Every text cell and header that a spreadsheet could
take for a formula is prefixed with ``'`` (the OWASP CSV-injection rule, see
:func:`neutralise`), and the workbook stores every text as a string, never a formula or an
error value. Numbers are not text: a negative number stays a number.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook  # type: ignore[import-untyped]  # no stubs in the venv
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from simdata.errors import UsageError
from simdata.report import i18n
from simdata.report.export_labels import in_language, with_shown_values
from simdata.report.source import Results, open_results
from simdata.scenario.readable import readable_leaves

FORMATS = ("csv", "xlsx")
WORKBOOK_NAME = "tables.xlsx"
#: Tables exported when present, in this order (sheet order in the workbook).
TABLES = (
    "summary",
    "parameters",
    "kpis",
    "enterprises",
    "requests",
    "timeseries",
    "capacity",
    "curve",
    "indices",
    "points",
    "compare",
)
#: Excel's row limit (a sheet holds at most this many rows, header included).
EXCEL_ROWS = 1_048_576
#: Excel's limit on the characters of one cell (openpyxl truncates silently beyond it).
EXCEL_CELL_CHARS = 32_767

#: A formula start (OWASP: ``= + - @``, tab, carriage return, and the full-width forms of
#: the first four, which Chinese input methods type and which Excel/WPS with an East Asian
#: locale may fold to ASCII) at the beginning of a text, or after leading white space
#: (spreadsheets can trim it on import: ``" =1+1"``). ``\s`` covers tab, CR, LF and U+3000.
_FORMULA = re.compile(r"^(?:[\t\r]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20])")
_FORMULA_POLARS = _FORMULA.pattern
#: Characters XML 1.0 (so xlsx) cannot hold: C0 controls other than tab, LF and CR.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str) -> str:
    """``text`` made inert for a spreadsheet: ``'`` in front when it could start a formula.

    The apostrophe is what a user types to make Excel take input as text, and it shows, so
    a reader sees that the cell was changed. Text that cannot start a formula is unchanged.
    """
    return "'" + text if _FORMULA.match(text) else text


def export_tables(
    results_dir: Path, fmt: str, out: Path | None = None, lang: str = "en"
) -> list[Path]:
    """Write the directory's tables as ``fmt`` into ``out`` (default: the directory itself),
    headers and verdicts in ``lang``."""
    if fmt not in FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if lang not in i18n.LANGS:
        raise UsageError(f"--lang: expected one of {', '.join(i18n.LANGS)}, got {lang!r}")
    results = open_results(Path(results_dir))
    target = results.path if out is None else Path(out)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: --out: expected a directory, got a file")
    tables = {
        name: _inert(in_language(with_shown_values(name, frame, lang), lang))
        for name, frame in collect_tables(results).items()
    }
    if fmt == "csv":
        return [_write_csv(target / f"{name}.csv", frame) for name, frame in tables.items()]
    return [_write_workbook(target / WORKBOOK_NAME, tables)]


def collect_tables(results: Results) -> dict[str, pl.DataFrame]:
    """The exportable tables of ``results`` by name (summary with Chinese KPI labels)."""
    found: dict[str, pl.DataFrame] = {}
    for name in TABLES:
        if name == "capacity":
            frame = _capacity_table(results)
        elif name == "parameters":
            frame = _parameters_table(results)
        else:
            frame = results.table(name)
        if frame is None:
            continue
        if name == "summary" and "kpi" in frame.columns:
            labels = [i18n.kpi_label(kpi, "zh") for kpi in frame["kpi"].to_list()]
            frame = frame.insert_column(1, pl.Series("label_zh", labels, dtype=pl.String))
        found[name] = frame
    return found


def _parameters_table(results: Results) -> pl.DataFrame | None:
    """The scenario's inputs as written (``4/month``), one row per set value."""
    rows = list(readable_leaves(results.raw_scenario))
    if not rows:
        return None
    schema = {"parameter": pl.String, "as_written": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _capacity_table(results: Results) -> pl.DataFrame | None:
    data = results.json("capacity.json")
    if data is None:
        return None
    flat = {
        k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
        for k, v in data.items()
    }
    return pl.DataFrame([flat])


def _inert(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text column neutralised (numbers, dates and booleans as they are).

    Categorical and enum columns are text to a spreadsheet, so they become strings first.
    """
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.Categorical | pl.Enum):
            column = column.cast(pl.String)
        elif dtype != pl.String:
            continue
        columns.append(
            pl.when(column.str.contains(_FORMULA_POLARS))
            .then(pl.lit("'") + column)
            .otherwise(column)
            .alias(name)
        )
    return frame.with_columns(columns) if columns else frame


def _write_csv(path: Path, frame: pl.DataFrame) -> Path:
    # The header is written by the csv module so that a neutralised name cannot collide
    # with another column's (polars needs unique names); the body by polars, which quotes
    # any field holding a separator, quote, CR or LF. NaN becomes an empty cell, as in the
    # workbook (polars would write the text "NaN").
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([neutralise(c) for c in frame.columns])
    body = frame.with_columns(
        pl.col(name).fill_nan(None) for name, dtype in frame.schema.items() if dtype.is_float()
    )
    # The BOM (U+FEFF, bytes EF BB BF in UTF-8) tells Excel the file is UTF-8.
    text = "\ufeff" + header.getvalue() + body.write_csv(include_header=False)
    _write_shared(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))
    return path


def _text_cell(sheet: Any, text: str) -> Any:
    """A string cell holding ``text``, whatever it looks like to Excel.

    openpyxl makes a string beginning with ``=`` a formula and ``#N/A`` an error value; the
    data type is set after the value so that neither can happen. Characters XML cannot hold
    (ANSI escapes in a name) are written as ``\\x1b`` instead of failing the export.
    """
    text = _ILLEGAL_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
    cell = WriteOnlyCell(sheet, value=neutralise(text)[:EXCEL_CELL_CHARS])
    cell.data_type = "s"
    return cell


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # Excel has no NaN or infinity
    if isinstance(value, list | dict | tuple):
        value = str(value)
    if isinstance(value, str):
        return _text_cell(sheet, value)
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
            cell = _text_cell(sheet, column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in frame.head(EXCEL_ROWS - 1).iter_rows():
            sheet.append([_cell(sheet, value) for value in row])
    _write_shared(path, workbook.save)
    return path


def _write_shared(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` atomically through ``write(temporary)``, mode 0666 minus the umask.

    The temporary file is created with 0666 so the kernel applies the umask *now* — the
    same for the workbook and every CSV (mkstemp's 0600 would make a file private to its
    writer; a umask read once at import would miss a change made since).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
