"""Columnar recording: model components write into numpy column buffers, not objects.

A :class:`ColumnTable` is a set of equally long, growable numpy columns; a component
reserves rows and writes fields by row index (``table.columns["end_s"][i] = now``), which
costs one array store per field and no Python object per event. At the end the
:class:`Recorder` hands every table to polars without copying more than once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import polars as pl

Array = np.ndarray[Any, Any]


class ColumnTable:
    """Growable numpy columns of one record type (one flat schema)."""

    def __init__(self, schema: dict[str, type[np.generic]], capacity: int = 1024) -> None:
        self.schema = dict(schema)
        self.size = 0
        self.columns: dict[str, Array] = {
            name: self._empty(dtype, max(capacity, 16)) for name, dtype in schema.items()
        }

    @staticmethod
    def _empty(dtype: type[np.generic], n: int) -> Array:
        if np.issubdtype(dtype, np.floating):
            return np.full(n, np.nan, dtype=dtype)
        return np.zeros(n, dtype=dtype)

    @property
    def capacity(self) -> int:
        return len(next(iter(self.columns.values())))

    def reserve(self, rows: int) -> int:
        """Append ``rows`` blank rows (NaN / 0) and return the index of the first.

        Columns grow by doubling, so appends cost amortised O(1); callers must re-read
        ``columns`` after a reserve because the arrays may have been replaced.
        """
        first = self.size
        needed = first + rows
        if needed > self.capacity:
            new_capacity = max(needed, 2 * self.capacity)
            for name, column in self.columns.items():
                grown = self._empty(self.schema[name], new_capacity)
                grown[:first] = column[:first]
                self.columns[name] = grown
        self.size = needed
        return first

    def frame(self) -> pl.DataFrame:
        """The filled rows as a polars frame."""
        return pl.DataFrame({name: column[: self.size] for name, column in self.columns.items()})


class Named(Protocol):
    """A frame's identity in the model's catalogue (``simdata.model.frames.Frame``): the
    recorder stays free of domain names, the model never spells them as strings."""

    @property
    def name(self) -> str: ...


@dataclass
class Recorder:
    """All record tables, derived frames and time series of one replication."""

    tables: dict[str, ColumnTable] = field(default_factory=dict)
    series: list[pl.DataFrame] = field(default_factory=list)
    #: Frames derived after the run (they replace a table of the same name).
    _derived: dict[str, pl.DataFrame] = field(default_factory=dict)

    def table(
        self, frame: Named, schema: dict[str, type[np.generic]], capacity: int = 1024
    ) -> ColumnTable:
        """The record table of ``frame``, created with ``schema`` on first use."""
        if frame.name not in self.tables:
            self.tables[frame.name] = ColumnTable(schema, capacity)
        return self.tables[frame.name]

    def put(self, frame: Named, data: pl.DataFrame) -> None:
        """Hand over ``frame`` as a finished polars frame (it replaces a record table of the
        same name)."""
        self._derived[frame.name] = data

    def get(self, frame: Named) -> pl.DataFrame | None:
        """A frame handed over so far (derived, or a record table's rows), if any."""
        if frame.name in self._derived:
            return self._derived[frame.name]
        table = self.tables.get(frame.name)
        return None if table is None else table.frame()

    def add_series(self, name: str, group: str, time_s: Array, value: Array) -> None:
        """Record a time series in the long form of ``timeseries.parquet``."""
        self.series.append(
            pl.DataFrame(
                {
                    "time_s": np.asarray(time_s, dtype=np.float64),
                    "series": name,
                    "group": group,
                    "value": np.asarray(value, dtype=np.float64),
                }
            )
        )

    def frames(self) -> dict[str, pl.DataFrame]:
        """Every table as a polars frame, plus ``timeseries`` when any series was added."""
        result = {name: table.frame() for name, table in self.tables.items()}
        result.update(self._derived)
        if self.series:
            result["timeseries"] = pl.concat(self.series)
        return result


def interval_bin_means(starts: Array, ends: Array, edges: Array) -> Array:
    """Time-average count of open intervals ``[start, end)`` in each bin of ``edges``.

    Exact and vectorised: the count N(t) is a step function with +1 at each start and -1
    at each end; its integral at any t follows from the sorted jumps, so each bin's
    average is (∫N over the bin) / bin width. NaN ends (never closed) count as open.
    """
    ends = np.where(np.isnan(ends), np.inf, ends)
    times = np.concatenate([starts, ends])
    jumps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.argsort(times, kind="stable")
    times, jumps = times[order], jumps[order]
    finite = np.isfinite(times)
    times, jumps = times[finite], jumps[finite]
    level = np.cumsum(jumps)  # N just after each jump
    area = (
        np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(times))])
        if len(times)
        else np.zeros(0)
    )

    def integral(t: Array) -> Array:
        if len(times) == 0:
            return np.zeros_like(t)
        k = np.searchsorted(times, t, side="right") - 1  # last jump at or before t
        inside = k >= 0
        kk = np.clip(k, 0, None)
        return np.where(inside, area[kk] + level[kk] * (t - times[kk]), 0.0)

    totals = integral(np.asarray(edges, dtype=np.float64))
    return np.asarray(np.diff(totals) / np.diff(edges), dtype=np.float64)
