"""The ``requests`` log: its columns, its template, and its parsing into checked arrays.

A fit needs the columns that identify it: arrival rates need ``arrival`` and
``requester_kind``; the review time needs ``review_start`` and ``review_end``; the reject
and auto-approval shares need ``decision``. ``channel``, ``datasets`` and ``delivered``
are checked when present (they feed ``backtest`` and later fits). Times are local
(Asia/Shanghai) wall-clock times, as a platform exports them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import get_args

import numpy as np
import polars as pl

from simdata.arrays import BoolArray, FloatArray
from simdata.experiments.fit.reading import LogError
from simdata.scenario.public_data.requesters import Channel, RequesterKind

KINDS: tuple[str, ...] = get_args(RequesterKind)
CHANNELS: tuple[str, ...] = get_args(Channel)
#: Decisions: reviewed and granted or refused, approved without review, or none needed/yet.
DECISIONS = ("approved", "rejected", "auto_approved", "none")
#: Timestamp layouts accepted, tried in turn.
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S%.f",
)
TIME_COLUMNS = ("arrival", "review_start", "review_end", "delivered")
REQUIRED = ("arrival", "requester_kind")

#: The template ``simdata fit --template requests`` prints: one row per request.
TEMPLATE = "\n".join(
    (
        "arrival,requester_kind,channel,datasets,review_start,review_end,decision,delivered",
        "2026-03-02 09:14:00,government,sharing,1,2026-03-02 10:05:00,2026-03-02 11:40:00,"
        "approved,2026-03-05 15:20:00",
        "2026-03-02 10:02:00,enterprise,opening,2,,,none,2026-03-02 10:15:00",
        "2026-03-03 14:31:00,research,development,1,2026-03-04 09:00:00,2026-03-04 16:10:00,"
        "rejected,",
        "2026-03-04 11:20:00,enterprise,opening,1,,,auto_approved,2026-03-05 09:30:00",
        "2026-03-06 16:45:00,social,opening,3,2026-03-09 09:30:00,,,",
        "",
    )
)


@dataclass(frozen=True)
class RequestsLog:
    """A parsed requests log; times in seconds from midnight of ``start_date`` (local)."""

    file: str
    start_date: dt.date
    end_s: float
    arrival_s: FloatArray
    kind: list[str]
    channel: list[str | None] | None
    review_start_s: FloatArray | None
    review_end_s: FloatArray | None
    decision: list[str | None] | None

    @property
    def reviewed(self) -> BoolArray:
        """Rows whose review started (their end may be missing: still open)."""
        assert self.review_start_s is not None
        return np.asarray(np.isfinite(self.review_start_s))


def _times(frame: pl.DataFrame, column: str, file: str) -> pl.Series:
    text = frame[column]
    parsed = pl.select(
        pl.coalesce(text.str.to_datetime(fmt, strict=False, time_unit="us") for fmt in TIME_FORMATS)
    ).to_series()
    bad = parsed.is_null() & text.is_not_null()
    if bad.any():
        row = int(bad.arg_true()[0])
        raise LogError(
            file,
            f"expected a time like 2026-03-02 09:14:00, got {text[row]!r}",
            row + 2,
            column,
        )
    return parsed


def _choices(
    frame: pl.DataFrame, column: str, allowed: tuple[str, ...], file: str
) -> list[str | None]:
    values = frame[column].str.to_lowercase()
    bad = values.is_not_null() & ~values.is_in(list(allowed))
    if bad.any():
        row = int(bad.arg_true()[0])
        raise LogError(
            file,
            f"expected one of {', '.join(allowed)}, got {frame[column][row]!r}",
            row + 2,
            column,
        )
    return values.to_list()


def _check_order(file: str, earlier: pl.Series, later: pl.Series, column: str, what: str) -> None:
    """Refuse a negative duration: ``later`` before ``earlier`` on the same row."""
    bad = (later < earlier).fill_null(False)
    if bad.any():
        row = int(bad.arg_true()[0])
        raise LogError(
            file,
            f"expected a time at or after {what} ({earlier[row]}), got {later[row]}",
            row + 2,
            column,
        )


def _seconds(times: pl.Series, start: dt.datetime) -> FloatArray:
    delta = (times - start).dt.total_microseconds().cast(pl.Float64) / 1e6
    return np.asarray(delta.fill_null(np.nan).to_numpy(), dtype=np.float64)


def _require(frame: pl.DataFrame, file: str) -> None:
    """Refuse a log without the columns its fits need (a review end needs a review start)."""
    needed = list(REQUIRED)
    if "review_start" in frame.columns or "review_end" in frame.columns:
        needed += ["review_start", "review_end"]
    for column in needed:
        if column not in frame.columns:
            raise LogError(
                file,
                f"expected a column {column!r} (see docs/fit.md, or --map YOURS={column}), "
                f"got columns {', '.join(frame.columns)}",
                1,
            )
    for column in REQUIRED:
        if frame[column].is_null().any():
            row = int(frame[column].is_null().arg_true()[0])
            raise LogError(file, "expected a value, got an empty cell", row + 2, column)


def _check_datasets(frame: pl.DataFrame, file: str) -> None:
    text = frame["datasets"]
    count = text.cast(pl.Int64, strict=False)
    bad = text.is_not_null() & (count.is_null() | (count < 1)).fill_null(True)
    if bad.any():
        row = int(bad.arg_true()[0])
        raise LogError(file, f"expected a whole number ≥ 1, got {text[row]!r}", row + 2, "datasets")


def parse_requests(frame: pl.DataFrame, file: str) -> RequestsLog:
    """Check every column the log has and convert it; the first bad cell is one error line."""
    _require(frame, file)
    times = {c: _times(frame, c, file) for c in TIME_COLUMNS if c in frame.columns}
    if "review_start" in times:
        _check_order(file, times["arrival"], times["review_start"], "review_start", "arrival")
        _check_order(file, times["review_start"], times["review_end"], "review_end", "review_start")
        orphan = times["review_end"].is_not_null() & times["review_start"].is_null()
        if orphan.any():
            row = int(orphan.arg_true()[0])
            raise LogError(
                file,
                "expected a review_start on a row with a review_end, got none",
                row + 2,
                "review_start",
            )
    if "delivered" in times:
        _check_order(file, times["arrival"], times["delivered"], "delivered", "arrival")
    if "datasets" in frame.columns:
        _check_datasets(frame, file)
    kind = _choices(frame, "requester_kind", KINDS, file)
    channel = _choices(frame, "channel", CHANNELS, file) if "channel" in frame.columns else None
    decision = _choices(frame, "decision", DECISIONS, file) if "decision" in frame.columns else None
    start = times["arrival"].min()
    assert isinstance(start, dt.datetime)
    midnight = dt.datetime.combine(start.date(), dt.time())
    end = max(t.max() for t in times.values() if t.max() is not None)  # type: ignore[type-var]
    assert isinstance(end, dt.datetime)
    return RequestsLog(
        file=file,
        start_date=start.date(),
        end_s=(end - midnight).total_seconds(),
        arrival_s=_seconds(times["arrival"], midnight),
        kind=[str(k) for k in kind],
        channel=channel,
        review_start_s=_seconds(times["review_start"], midnight)
        if "review_start" in times
        else None,
        review_end_s=_seconds(times["review_end"], midnight) if "review_end" in times else None,
        decision=decision,
    )
