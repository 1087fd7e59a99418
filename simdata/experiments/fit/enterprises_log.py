"""The ``enterprises`` log: one row per enterprise per month; columns, template, parsing.

Required: ``enterprise`` (an id, any text), ``joined`` (the date it joined the secondary
node), ``month`` (the calendar month the row counts, ``2025-03``), ``registrations``
(identifiers it registered in that month) and ``resolutions`` (resolutions of its
identifiers in that month). Optional: ``cases`` (innovative application cases it reported
in that month). Counts are whole numbers ≥ 0. A month without a row for an enterprise that
had joined counts as a month with nothing (many exports drop empty rows); the log covers
the months from its first ``month`` to its last, for every enterprise. Enterprises that
joined before the log's first month were already on the node: their earlier registrations
are not in the log, so they count for the cases rate only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from simdata.arrays import IntArray
from simdata.experiments.fit.reading import LogError

REQUIRED = ("enterprise", "joined", "month", "registrations", "resolutions")
COUNTS = ("registrations", "resolutions", "cases")

#: The template ``simdata fit --template enterprises`` prints: one row per enterprise-month.
TEMPLATE = "\n".join(
    (
        "enterprise,joined,month,registrations,resolutions,cases",
        "E0001,2024-01-09,2024-01,3000,0,0",
        "E0001,2024-01-09,2024-02,4000,410,0",
        "E0001,2024-01-09,2024-03,4500,1130,1",
        "E0002,2024-02-20,2024-02,0,0,0",
        "E0002,2024-02-20,2024-03,800,12,0",
        "",
    )
)

_DATE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")


@dataclass(frozen=True)
class EnterprisesLog:
    """A parsed log: enterprises (rows) × months (columns) from ``first_month``.

    ``joined_day`` is days from the first day of ``first_month`` (negative: joined before
    the log). Count matrices hold zeros for months before joining and months without a row.
    """

    file: str
    first_month: dt.date
    months: int
    names: list[str]
    joined_day: IntArray
    registrations: IntArray
    resolutions: IntArray
    cases: IntArray | None

    def month_start(self, index: int) -> dt.date:
        """The first day of month ``index`` (0 = ``first_month``; may be past the log)."""
        total = self.first_month.year * 12 + self.first_month.month - 1 + index
        return dt.date(total // 12, total % 12 + 1, 1)

    @property
    def end_date(self) -> dt.date:
        """The day after the log's last month."""
        return self.month_start(self.months)

    @property
    def join_month(self) -> IntArray:
        """Month index of each enterprise's joining (negative: before the log)."""
        first = self.first_month
        months = [
            (d.year - first.year) * 12 + d.month - first.month
            for d in (first + dt.timedelta(days=int(day)) for day in self.joined_day)
        ]
        return np.array(months, dtype=np.int64)


def _bad(file: str, column: str, row: int, message: str) -> LogError:
    return LogError(file, message, row + 2, column)


def _dates(frame: pl.DataFrame, file: str) -> list[dt.date]:
    """``joined`` as dates: 2025-03-14 (also with / or ., or with a time of day)."""
    cache: dict[str, dt.date | None] = {}
    out = []
    for row, text in enumerate(frame["joined"].to_list()):
        if text not in cache:
            match = _DATE.match(text)
            try:
                cache[text] = dt.date(*map(int, match.groups())) if match else None
            except ValueError:
                cache[text] = None
        value = cache[text]
        if value is None:
            raise _bad(file, "joined", row, f"expected a date like 2025-03-14, got {text!r}")
        out.append(value)
    return out


def _months(frame: pl.DataFrame, file: str) -> list[int]:
    """``month`` as year·12 + month − 1: 2025-03 (or 2025/03, or any date in the month)."""
    cache: dict[str, int | None] = {}
    out = []
    for row, text in enumerate(frame["month"].to_list()):
        if text not in cache:
            match = _MONTH.match(text) or _DATE.match(text)
            value = None
            if match:
                year, month, *rest = map(int, match.groups())
                try:
                    dt.date(year, month, rest[0] if rest else 1)
                    value = year * 12 + month - 1
                except ValueError:
                    value = None
            cache[text] = value
        if cache[text] is None:
            raise _bad(file, "month", row, f"expected a month like 2025-03, got {text!r}")
        out.append(cache[text])
    return out  # type: ignore[return-value]


def _counts(frame: pl.DataFrame, column: str, file: str) -> IntArray:
    """Whole numbers ≥ 0 (``1200`` or ``1200.0``; an empty cell is 0)."""
    text = frame[column]
    values = text.cast(pl.Float64, strict=False)
    whole = (values >= 0) & (values == values.floor()) & values.is_finite()
    bad = text.is_not_null() & ~whole.fill_null(False)
    if bad.any():
        row = int(bad.arg_true()[0])
        raise _bad(file, column, row, f"expected a whole number ≥ 0, got {text[row]!r}")
    return np.asarray(values.fill_null(0).to_numpy(), dtype=np.int64)


def _require(frame: pl.DataFrame, file: str) -> None:
    for column in REQUIRED:
        if column not in frame.columns:
            raise LogError(
                file,
                f"expected a column {column!r} (see docs/fit.md, or --map YOURS={column}), "
                f"got columns {', '.join(frame.columns)}",
                1,
            )
    for column in ("enterprise", "joined", "month"):
        if frame[column].is_null().any():
            row = int(frame[column].is_null().arg_true()[0])
            raise _bad(file, column, row, "expected a value, got an empty cell")


def _consistent(file: str, names: list[str], joined: list[dt.date], months: list[int]) -> None:
    """One joining date per enterprise, one row per enterprise-month, none before joining."""
    first_row: dict[str, int] = {}
    seen: dict[tuple[str, int], int] = {}
    for row, (name, date, month) in enumerate(zip(names, joined, months, strict=True)):
        earlier = first_row.setdefault(name, row)
        if joined[earlier] != date:
            raise _bad(
                file,
                "joined",
                row,
                f"expected {name}'s joining date of row {earlier + 2} ({joined[earlier]}), "
                f"got {date}",
            )
        if month < date.year * 12 + date.month - 1:
            raise _bad(
                file,
                "month",
                row,
                f"expected a month on or after {name} joined ({date:%Y-%m}), "
                f"got {month // 12}-{month % 12 + 1:02d}",
            )
        key = (name, month)
        if key in seen:
            raise _bad(
                file,
                "month",
                row,
                f"expected one row per enterprise and month, got a second {name} "
                f"{month // 12}-{month % 12 + 1:02d} (first at row {seen[key] + 2})",
            )
        seen[key] = row


def parse_enterprises(frame: pl.DataFrame, file: str) -> EnterprisesLog:
    """Check every column the log has and convert it; the first bad cell is one error line."""
    _require(frame, file)
    names = [str(name) for name in frame["enterprise"].to_list()]
    joined = _dates(frame, file)
    months = _months(frame, file)
    counts = {c: _counts(frame, c, file) for c in COUNTS if c in frame.columns}
    _consistent(file, names, joined, months)
    first, last = min(months), max(months)
    first_month = dt.date(first // 12, first % 12 + 1, 1)
    order = {name: i for i, name in enumerate(dict.fromkeys(names))}
    row_e = np.array([order[n] for n in names], dtype=np.int64)
    row_m = np.array(months, dtype=np.int64) - first
    shape = (len(order), last - first + 1)
    matrices: dict[str, IntArray] = {}
    for column, values in counts.items():
        matrix = np.zeros(shape, dtype=np.int64)
        matrix[row_e, row_m] = values
        matrices[column] = matrix
    joined_of = dict(zip(names, joined, strict=True))
    return EnterprisesLog(
        file=file,
        first_month=first_month,
        months=shape[1],
        names=list(order),
        joined_day=np.array([(joined_of[n] - first_month).days for n in order], dtype=np.int64),
        registrations=matrices["registrations"],
        resolutions=matrices["resolutions"],
        cases=matrices.get("cases"),
    )
