"""The observed KPIs a planner confronts a run with: one long table ``period, kpi, value``.

Long form because a planner's observations are ragged — a monthly SLA share from the
platform's reports, daily resolutions from the node's dashboard — and one row per number
is what a spreadsheet export gives. ``period`` is a day (``2026-03-15``), a month
(``2026-03``), a quarter (``2026-Q1``) or a year (``2026``); one KPI keeps one kind of
period. Files are read by :func:`simdata.experiments.fit.reading.read_log` (CSV in UTF-8 or
GBK, BOM or not; xlsx; Parquet), so a refused value is one line naming the file, row and
column, exit 2.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from simdata.experiments.fit.reading import LogError, read_log
from simdata.scenario.units import UnitError, parse_quantity

COLUMNS = ("period", "kpi", "value")
#: Kinds of period, finest first (the order a report's axis is drawn in).
GRAINS = ("day", "month", "quarter", "year")

#: ``simdata backtest --template``: one row per observed number.
TEMPLATE = "\n".join(
    (
        "period,kpi,value",
        "2026-01,requests.within_sla_share@channel=sharing,93.5%",
        "2026-02,requests.within_sla_share@channel=sharing,0.951",
        "2026-01,requests.arrivals_count,1120",
        "2026-02,requests.arrivals_count,1046",
        "2026-01-05,resolutions.count,31250",
        "",
    )
)

_DAY = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})[-/ ]?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar span ``[start, end)`` written as ``label`` (``2026-03``, ``2026-Q1`` …)."""

    start: dt.date
    end: dt.date
    label: str
    grain: str


def _month_after(year: int, month: int, months: int = 1) -> dt.date:
    index = year * 12 + month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(text: str) -> Period:
    """``text`` as a period, or ``ValueError`` saying which forms are read."""
    text = text.strip()
    if match := _DAY.match(text):
        day = dt.date(*(int(part) for part in match.groups()))
        return Period(day, day + dt.timedelta(days=1), day.isoformat(), "day")
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        start = dt.date(year, month, 1)
        return Period(start, _month_after(year, month), f"{year}-{month:02d}", "month")
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        start = dt.date(year, 3 * quarter - 2, 1)
        label = f"{year}-Q{quarter}"
        return Period(start, _month_after(year, 3 * quarter - 2, 3), label, "quarter")
    if match := _YEAR.match(text):
        year = int(match[1])
        return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), str(year), "year")
    raise ValueError(text)


@dataclass(frozen=True)
class Observed:
    """One observed KPI: its periods (in time order) and values, in SI."""

    kpi: str
    periods: tuple[Period, ...]
    values: tuple[float, ...]
    #: The spreadsheet row of each value (header = row 1), for messages.
    rows: tuple[int, ...]


def _value(text: str, unit: str) -> float:
    """An observed number in the KPI's unit: a share as ``0.935`` or ``93.5%``, a duration
    as seconds or with its unit (``2.5 d``), a count as a number (``3.2万`` reads)."""
    value, dimension = parse_quantity(text.replace(",", "") if "%" not in text else text)
    accepted = {"fraction": ("fraction", "number"), "s": ("s", "number")}
    if dimension not in accepted.get(unit, ("number",)):
        raise UnitError(f"expected a value in {unit}, got {text!r}")
    if not math.isfinite(value) or value < 0 or (unit == "fraction" and value > 1):
        bound = "a share between 0 and 1 (or 0% to 100%)" if unit == "fraction" else "≥ 0"
        raise UnitError(f"expected {bound}, got {text!r}")
    return value


def read_observed(
    path: Path, units: Mapping[str, str], renames: Mapping[str, str] = {}
) -> list[Observed]:
    """The observed KPIs of ``path``, checked against ``units`` (KPI name → unit: the
    names this run can be backtested on); one line and exit 2 on the first bad cell."""
    shown = str(path)
    frame = read_log(path, renames)
    for column in COLUMNS:
        if column not in frame.columns:
            got = ", ".join(frame.columns)
            raise LogError(shown, f"expected columns {', '.join(COLUMNS)}, got {got}", 1, column)
    found: dict[str, list[tuple[Period, float, int]]] = {}
    for index, row in enumerate(frame.select(COLUMNS).iter_rows()):
        number = index + 2
        for column, cell in zip(COLUMNS, row, strict=True):
            if cell is None:
                raise LogError(shown, "expected a value, got an empty cell", number, column)
        period_text, kpi, value_text = (str(cell) for cell in row)
        if kpi not in units:
            raise LogError(shown, _unknown(kpi, units), number, "kpi")
        try:
            period = parse_period(period_text)
        except ValueError:
            message = "expected a day 2026-03-15, month 2026-03, quarter 2026-Q1 or year 2026"
            raise LogError(shown, f"{message}, got {period_text!r}", number, "period") from None
        try:
            value = _value(value_text, units[kpi])
        except UnitError as error:
            raise LogError(shown, str(error), number, "value") from None
        series = found.setdefault(kpi, [])
        _check_consistent(shown, kpi, period, series, number)
        series.append((period, value, number))
    return [_observed(kpi, series) for kpi, series in found.items()]


def _check_consistent(
    shown: str, kpi: str, period: Period, series: list[tuple[Period, float, int]], number: int
) -> None:
    """One kind of period per KPI, each period once."""
    if not series:
        return
    first, _, first_row = series[0]
    if period.grain != first.grain:
        raise LogError(
            shown,
            f"expected {kpi} by {first.grain} as in row {first_row}, got a {period.grain} "
            f"{period.label!r}",
            number,
            "period",
        )
    for earlier, _, row in series:
        if earlier == period:
            raise LogError(
                shown, f"expected {kpi} {period.label} once, got it again (row {row})", number,
                "period",
            )  # fmt: skip


def _observed(kpi: str, series: list[tuple[Period, float, int]]) -> Observed:
    ordered = sorted(series)
    return Observed(
        kpi,
        tuple(p for p, _, _ in ordered),
        tuple(v for _, v, _ in ordered),
        tuple(r for _, _, r in ordered),
    )


def _unknown(kpi: str, units: Mapping[str, str]) -> str:
    """The message for a KPI the run cannot be backtested on: the known names."""
    hint = ""
    if kpi.startswith("registrations.new_count") and "registrations.count" in units:
        hint = " (registrations in each period are registrations.count)"
    bases = sorted({name.split("@", 1)[0] for name in units})
    breakdowns = sorted(
        {"@" + name.split("@", 1)[1].split("=")[0] for name in units if "@" in name}
    )
    also = (
        f"; breakdowns {', '.join(b + '=…' for b in breakdowns)} as in kpis.parquet"
        if breakdowns
        else ""
    )
    return (
        f"expected a KPI this run can be backtested on ({', '.join(bases)}{also}), "
        f"got {kpi!r}{hint}"
    )


def observed_frame(observed: list[Observed]) -> pl.DataFrame:
    """The observations as one table (for tests and the report)."""
    return pl.DataFrame(
        [
            (o.kpi, p.label, p.start, v)
            for o in observed
            for p, v in zip(o.periods, o.values, strict=True)
        ],
        schema={"kpi": pl.String, "period": pl.String, "start": pl.Date, "value": pl.Float64},
        orient="row",
    )
