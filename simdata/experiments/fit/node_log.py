"""The ``node`` log: one row per resolution request at the node; columns, template, parsing.

Required: ``timestamp`` (local wall-clock time the request arrived), ``latency_s`` (end-to-end
latency in seconds, as the client saw it; may be empty on a ``rejected`` or ``error`` row)
and ``outcome``. Optional: ``cache_hit`` (answered from the cache) and ``service_s`` (the
secondary node's own server time, when the node logs it). The traffic fit needs only
``timestamp``; the cache fit needs ``cache_hit``; the service-time fit needs ``latency_s``
(or ``service_s``) and ``outcome``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from simdata.arrays import FloatArray
from simdata.experiments.fit.reading import LogError, parse_times
from simdata.experiments.fit.requests_log import TIME_FORMATS, _choices, _seconds

#: ok = answered; timeout = the client gave up at its timeout (latency = the timeout, a
#: right-censored latency); rejected = refused by a full queue; error = any other failure.
OUTCOMES = ("ok", "timeout", "rejected", "error")
#: Outcomes whose latency is measured (exactly, or censored at the timeout).
TIMED = ("ok", "timeout")
REQUIRED = ("timestamp", "latency_s", "outcome")
#: Cache-hit flag spellings: true ones, then false ones.
HIT_TRUE = ("1", "true", "yes", "hit", "y", "t")
HIT_FALSE = ("0", "false", "no", "miss", "n", "f")

#: The template ``simdata fit --template node`` prints: one row per resolution.
TEMPLATE = "\n".join(
    (
        "timestamp,latency_s,outcome,cache_hit,service_s",
        "2026-03-02 09:00:00.013,0.0011,ok,1,",
        "2026-03-02 09:00:00.210,0.0384,ok,0,0.0042",
        "2026-03-02 09:00:00.377,0.0009,ok,1,",
        "2026-03-02 09:00:01.052,1.0,timeout,0,0.0061",
        "2026-03-02 09:00:01.730,,rejected,0,",
        "",
    )
)


@dataclass(frozen=True)
class NodeLog:
    """A parsed node log; times in seconds from midnight of ``start_date`` (local)."""

    file: str
    start_date: dt.date
    days: int
    t_s: FloatArray
    latency_s: FloatArray
    outcome: np.ndarray
    hit: FloatArray | None
    service_s: FloatArray | None


def _numbers(frame: pl.DataFrame, column: str, file: str) -> FloatArray:
    """A column of seconds ≥ 0 (empty cells are NaN); the first bad cell is the error."""
    text = frame[column]
    values = text.cast(pl.Float64, strict=False)
    bad = text.is_not_null() & (values.is_null() | values.is_nan() | (values < 0)).fill_null(True)
    if bad.any():
        row = int(bad.arg_true()[0])
        raise LogError(
            file, f"expected seconds ≥ 0 like 0.0042, got {text[row]!r}", row + 2, column
        )
    return np.asarray(values.fill_null(np.nan).to_numpy(), dtype=np.float64)


def _hits(frame: pl.DataFrame, file: str) -> FloatArray:
    values = frame["cache_hit"].str.to_lowercase()
    bad = values.is_not_null() & ~values.is_in([*HIT_TRUE, *HIT_FALSE])
    if bad.any():
        row = int(bad.arg_true()[0])
        raise LogError(
            file,
            f"expected 1/0 (or true/false, hit/miss), got {frame['cache_hit'][row]!r}",
            row + 2,
            "cache_hit",
        )
    flag = pl.when(values.is_in(list(HIT_TRUE))).then(1.0).when(values.is_not_null()).then(0.0)
    column = pl.select(flag.otherwise(None)).to_series()
    return np.asarray(column.fill_null(np.nan).to_numpy(), dtype=np.float64)


def _times(frame: pl.DataFrame, file: str) -> pl.Series:
    """``timestamp`` as datetimes (the requests log's layouts; the first bad cell is the error)."""
    text = frame["timestamp"]
    parsed = parse_times(text, TIME_FORMATS)
    bad = parsed.is_null() & text.is_not_null()
    if bad.any():
        row = int(bad.arg_true()[0])
        raise LogError(
            file,
            f"expected a time like 2026-03-02 09:14:00, got {text[row]!r}",
            row + 2,
            "timestamp",
        )
    return parsed


def _require(frame: pl.DataFrame, file: str) -> None:
    for column in REQUIRED:
        if column not in frame.columns:
            raise LogError(
                file,
                f"expected a column {column!r} (see docs/fit.md, or --map YOURS={column}), "
                f"got columns {', '.join(frame.columns)}",
                1,
            )
    for column in ("timestamp", "outcome"):
        if frame[column].is_null().any():
            row = int(frame[column].is_null().arg_true()[0])
            raise LogError(file, "expected a value, got an empty cell", row + 2, column)


def parse_node(frame: pl.DataFrame, file: str) -> NodeLog:
    """Check every column the log has and convert it; the first bad cell is one error line."""
    _require(frame, file)
    times = _times(frame, file)
    outcome = np.array(_choices(frame, "outcome", OUTCOMES, file), dtype=object)
    latency = _numbers(frame, "latency_s", file)
    missing = np.isin(outcome, TIMED) & ~np.isfinite(latency)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise LogError(
            file,
            f"expected a latency on an {outcome[row]} row, got an empty cell",
            row + 2,
            "latency_s",
        )
    start, end = times.min(), times.max()
    assert isinstance(start, dt.datetime)
    assert isinstance(end, dt.datetime)
    midnight = dt.datetime.combine(start.date(), dt.time())
    return NodeLog(
        file=file,
        start_date=start.date(),
        days=(end.date() - start.date()).days + 1,
        t_s=_seconds(times, midnight),
        latency_s=latency,
        outcome=outcome.astype(str),
        hit=_hits(frame, file) if "cache_hit" in frame.columns else None,
        service_s=_numbers(frame, "service_s", file) if "service_s" in frame.columns else None,
    )
