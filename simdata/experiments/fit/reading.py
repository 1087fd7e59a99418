"""Read a planner's log (CSV in UTF-8 or GBK, with or without BOM; xlsx; Parquet) as text.

Every cell comes back as a string (or null when empty), so that the kind's own parser
(:mod:`simdata.experiments.fit.requests_log`) decides what a value means and can name the
file, row and column of a value it refuses. Rows are numbered as a spreadsheet shows them:
the header is row 1, the first record row 2.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from simdata.errors import SimdataError

#: Encodings tried in turn for CSV: UTF-8 (a BOM is dropped), then GBK (GB18030 covers it).
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class LogError(SimdataError):
    """A log file is not usable: ``FILE:ROW: COLUMN: expected …, got …`` (exit 2)."""

    def __init__(self, file: str, message: str, row: int | None = None, column: str = "") -> None:
        where = file if row is None else f"{file}:{row}"
        if column:
            where += f": {column}"
        super().__init__(f"{where}: {message}")


def _decode(path: Path) -> str:
    """The CSV's text: UTF-8 when it decodes, else GBK (what Excel on Chinese Windows saves)."""
    data = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LogError(str(path), "expected a CSV in UTF-8 or GBK, got undecodable bytes")


def _read_csv(path: Path) -> pl.DataFrame:
    # polars parses UTF-8 bytes directly (a text copy through StringIO costs a second on a
    # 10⁶-row log); GBK text is re-encoded as UTF-8 first.
    data = _decode(path).encode("utf-8")
    try:
        return pl.read_csv(io.BytesIO(data), infer_schema=False)
    except (pl.exceptions.PolarsError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise LogError(str(path), f"expected a readable CSV table, got {first}") from None


def _cell_text(value: object) -> str | None:
    """An xlsx cell as text: datetimes in ISO form, whole floats without '.0'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path) -> pl.DataFrame:
    import openpyxl  # type: ignore[import-untyped]  # no stubs in the venv

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise LogError(
            str(path), f"expected an xlsx workbook, got {type(error).__name__}"
        ) from None
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    if not rows:
        return pl.DataFrame()
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    columns: dict[str, list[str | None]] = {name: [] for name in header if name}
    for row in rows[1:]:
        for index, name in enumerate(header):
            if name:
                columns[name].append(_cell_text(row[index]) if index < len(row) else None)
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise LogError(str(path), f"expected a Parquet file, got {type(error).__name__}") from None
    texts = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                column = column.dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None)
            column = column.dt.strftime("%Y-%m-%d %H:%M:%S")
        texts.append(column.cast(pl.String).alias(name))
    return frame.select(texts)


def parse_times(text: pl.Series, formats: Sequence[str]) -> pl.Series:
    """``text`` parsed as datetimes by the first of ``formats`` that fits each cell (null
    where none does).

    A log is written by one program, so the format that reads the first cell usually reads
    them all: it is tried alone on every row, and only the rows it leaves are tried with the
    others. (Trying every format on every row costs ~0.5–1 s per format on 10⁶ rows.)
    """
    first = text.drop_nulls().head(1)
    ordered = list(formats)
    for fmt in formats:
        if first.len() and first.str.to_datetime(fmt, strict=False, time_unit="us")[0] is not None:
            ordered.remove(fmt)
            ordered.insert(0, fmt)
            break
    parsed = text.str.to_datetime(ordered[0], strict=False, time_unit="us")
    left = parsed.is_null() & text.is_not_null()
    if left.any():
        rest = pl.select(
            pl.coalesce(
                text.str.to_datetime(fmt, strict=False, time_unit="us") for fmt in ordered[1:]
            )
        ).to_series()
        parsed = parsed.fill_null(rest)
    return parsed


def read_log(path: Path, renames: Mapping[str, str] = {}) -> pl.DataFrame:
    """The log at ``path`` as a frame of strings, columns renamed by ``renames`` (``--map``)."""
    shown = str(path)
    if not path.is_file():
        raise LogError(shown, "expected an existing file, got none")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path)
    elif suffix in (".parquet", ".pq"):
        frame = _read_parquet(path)
    else:
        frame = _read_csv(path)
    frame = frame.rename({name: name.strip() for name in frame.columns})
    unknown = [name for name in renames if name not in frame.columns]
    if unknown:
        raise LogError(shown, f"expected a column named {unknown[0]!r} (--map), got none", 1)
    frame = frame.rename(dict(renames))
    if frame.height == 0:
        raise LogError(shown, "expected at least one record row, got an empty table")
    # Cells are stripped once and blank ones become null (half the time of stripping twice).
    return frame.with_columns(
        pl.col(name).str.strip_chars().replace("", None).alias(name) for name in frame.columns
    )
