"""The tables a run writes, assembled from its replications, and their schemas in one place.

Every table is built from the replications in index order, so a resumed run's files equal
an uninterrupted run's. ``summary.parquet``'s schema is declared with the summary
(:data:`simdata.analysis.summary.SUMMARY_SCHEMA`); the others are here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from simdata.analysis.quantiles import HISTOGRAM_SCHEMA
from simdata.analysis.summary import SUMMARY_SCHEMA
from simdata.experiments.replication import Replication
from simdata.model.frames import FRAMES
from simdata.scenario.units import DAY_S

#: ``kpis.parquet``: one value per (replication, KPI), long form.
KPI_SCHEMA = {"replication": pl.Int64, "kpi": pl.String, "value": pl.Float64}
#: ``timeseries.parquet``: the model's series per replication, long form.
TIMESERIES_SCHEMA = {
    "replication": pl.Int64,
    "time_s": pl.Float64,
    "date": pl.Date,
    "series": pl.String,
    "group": pl.String,
    "value": pl.Float64,
}
#: Model tables written to the run directory when a replication produces them (their
#: columns are the model's, with ``replication`` first; file ``<frame.file_stem>.parquet``).
WRITTEN_TABLES = tuple(f for f in FRAMES.values() if f.written and f.name != "timeseries")
#: Every fixed schema of the run directory, by file stem.
SCHEMAS: dict[str, dict[str, Any]] = {
    "kpis": KPI_SCHEMA,
    "summary": SUMMARY_SCHEMA,
    "timeseries": TIMESERIES_SCHEMA,
    "histograms": HISTOGRAM_SCHEMA,
}


def kpi_frame(replications: Sequence[Replication]) -> pl.DataFrame:
    """``kpis.parquet``: the KPIs of every successful replication."""
    rows = [
        (rep.index, name, value)
        for rep in replications
        if rep.ok
        for name, value in rep.kpis.items()
    ]
    return pl.DataFrame(rows, schema=KPI_SCHEMA, orient="row")


def histogram_frame(replications: Sequence[Replication]) -> pl.DataFrame:
    """``histograms.parquet``: every successful replication's quantile-KPI sample
    histograms (sparse), what :func:`~simdata.analysis.summary.summary_frame` pools."""
    parts = [
        rep.histograms.with_columns(pl.lit(rep.index, dtype=pl.Int64).alias("replication"))
        for rep in replications
        if rep.ok
    ]
    if not parts:
        return pl.DataFrame(schema=HISTOGRAM_SCHEMA)
    return pl.concat(parts).select(list(HISTOGRAM_SCHEMA))


def timeseries_frame(
    replications: Sequence[Replication], start_date: dt.date | None
) -> pl.DataFrame:
    """``timeseries.parquet``, with the calendar date of each bin when the run has one."""
    parts = []
    for rep in replications:
        frame = rep.frames.get("timeseries")
        if frame is None:
            continue
        parts.append(frame.with_columns(pl.lit(rep.index, dtype=pl.Int64).alias("replication")))
    if not parts:
        return pl.DataFrame(schema=TIMESERIES_SCHEMA)
    frame = pl.concat(parts)
    if start_date is None:
        date = pl.lit(None, dtype=pl.Date)
    else:
        days = (pl.col("time_s") // DAY_S).cast(pl.Int64)
        date = pl.lit(start_date, dtype=pl.Date) + pl.duration(days=days)
    return frame.with_columns(date.alias("date")).select(list(TIMESERIES_SCHEMA))


def model_tables(replications: Sequence[Replication]) -> dict[str, pl.DataFrame]:
    """The per-entity tables of every replication, long form with a replication column."""
    tables = {}
    for written in WRITTEN_TABLES:
        name = written.name
        parts = [
            rep.frames[name].with_columns(pl.lit(rep.index, dtype=pl.Int64).alias("replication"))
            for rep in replications
            if name in rep.frames
        ]
        if parts:
            frame = pl.concat(parts, how="diagonal_relaxed")
            tables[written.file_stem] = frame.select("replication", pl.exclude("replication"))
    return tables
