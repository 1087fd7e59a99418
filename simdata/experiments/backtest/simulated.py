"""What a run says each observed KPI was, per period and per replication.

The run directory keeps each replication's request log (``requests.parquet``) and the
node's daily counts per enterprise (``enterprise_days.parquet``); a KPI is recomputed per
period from them — for the request KPIs with the registry's own expression over a window
that is the period, so "within-SLA share in March" means exactly what the KPI means over
the year, restricted to the requests that arrived in March. The identifier series sum the
daily counts over the period's days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY, Kpi, kpi_units
from simdata.arrays import FloatArray
from simdata.errors import UsageError
from simdata.experiments.backtest.observed import Observed, Period
from simdata.model.frames import DATA_REQUESTS
from simdata.model.world import Window
from simdata.results.manifest import read_manifest
from simdata.scenario import loader
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.units import DAY_S

#: Request KPIs not recomputed per period: the backlog is a state at the horizon, not a
#: quantity of the requests arriving in a period.
_NOT_PER_PERIOD = frozenset({"requests.backlog_count"})
#: Series of the node's daily counts (``enterprise_days.parquet``): name → (column, how
#: the period's days are combined, meaning). ``registrations.new_count`` is the KPI's
#: milestone: registered from run.start_date to the end of the period.
IDENTIFIER_SERIES: dict[str, tuple[str, str, str]] = {
    "registrations.count": ("registrations", "sum", "identifiers registered in the period"),
    "resolutions.count": ("resolutions", "sum", "resolutions at the node in the period"),
    "cases.count": ("cases", "sum", "innovative application cases started in the period"),
    "resolutions.daily_mean": ("resolutions", "mean", "mean resolutions per day of the period"),
    "resolutions.daily_max": ("resolutions", "max", "most resolutions on one day of the period"),
    "registrations.new_count": (
        "registrations",
        "cumulative",
        "identifiers registered from run.start_date to the end of the period",
    ),
}


@dataclass
class RunData:
    """A finished run directory read for a backtest: its window, replications, tables."""

    path: Path
    manifest: dict[str, Any]
    start: dt.date
    #: First day after the measured window.
    end: dt.date
    constants: dict[str, float]
    replications: list[int]
    kpi_names: list[str]
    _tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def table(self, stem: str) -> pl.DataFrame | None:
        """``stem.parquet`` of the run (read once), or ``None`` when the run has none."""
        if stem not in self._tables:
            path = self.path / f"{stem}.parquet"
            if not path.is_file():
                return None
            try:
                self._tables[stem] = pl.read_parquet(path)
            except (OSError, pl.exceptions.PolarsError) as error:
                raise UsageError(
                    f"{path}: expected a readable Parquet table, got {error}"
                ) from None
        return self._tables[stem]

    def units(self) -> dict[str, str]:
        """Every KPI or series name this run can be backtested on, with its unit."""
        found: dict[str, str] = {}
        if (self.path / "requests.parquet").is_file():
            for name in self.kpi_names:
                kpi = REGISTRY.get(kpi_names.base_of(name))
                if (
                    kpi is not None
                    and kpi.frame is DATA_REQUESTS
                    and kpi.name not in _NOT_PER_PERIOD
                ):
                    found[name] = kpi.unit
        if (self.path / "enterprise_days.parquet").is_file():
            found.update(dict.fromkeys(IDENTIFIER_SERIES, "count"))
        return found


def read_run(path: Path) -> RunData:
    """A complete, dated ``simdata run`` directory (exit 2 with one line otherwise)."""
    if not path.is_dir():
        raise UsageError(f"{path}: expected a run directory, got no such directory")
    manifest = read_manifest(path)
    if manifest.get("kind") != "run":
        raise UsageError(
            f"{path / 'manifest.json'}: kind: expected a run (simdata run), got "
            f"{manifest.get('kind')!r}"
        )
    if manifest.get("status") != "complete":
        raise UsageError(
            f"{path}: expected a complete run, got status {manifest.get('status')!r} "
            f"(finish it with simdata run --resume {path})"
        )
    scenario = loader.load_scenario(path / "scenario.yaml", kpi_units=kpi_units())
    start = scenario.run.start_date
    if start is None:
        raise UsageError(
            f"{path / 'scenario.yaml'}: run.start_date: expected a dated run (observations "
            "are dated), got none"
        )
    try:
        kpis = pl.read_parquet(path / "kpis.parquet", columns=["replication", "kpi"])
    except (OSError, pl.exceptions.PolarsError) as error:
        raise UsageError(
            f"{path / 'kpis.parquet'}: expected the run's KPI table, got {error}"
        ) from None
    constants = {"workday_s": (scenario.calendar or CalendarSpec()).workday_s()}
    if scenario.policy is not None:
        constants |= {"sla_s": scenario.policy.sla, "extension_s": scenario.policy.extension}
    return RunData(
        path=path,
        manifest=manifest,
        start=start,
        end=start + dt.timedelta(days=round(scenario.run.horizon / DAY_S)),
        constants=constants,
        replications=sorted(set(kpis["replication"].to_list())),
        kpi_names=sorted(set(kpis["kpi"].to_list())),
    )


def _seconds(run: RunData, day: dt.date) -> float:
    return (day - run.start).days * DAY_S


def _request_values(run: RunData, name: str, periods: tuple[Period, ...]) -> pl.DataFrame:
    """The registry KPI ``name`` (with its breakdowns) over each period's arrivals."""
    parsed = kpi_names.parse(name)
    kpi: Kpi = REGISTRY[parsed.base]
    frame = run.table("requests")
    assert frame is not None  # units() offers request KPIs only when the table exists
    for dimension, value in parsed.breakdowns.items():
        frame = frame.filter(pl.col(dimension).cast(pl.String) == value)
    exprs = []
    for index, period in enumerate(periods):
        window = Window(_seconds(run, period.start), _seconds(run, period.end), 0, run.constants)
        exprs.append(kpi.expr(window).cast(pl.Float64).alias(str(index)))
    grouped = frame.group_by("replication").agg(exprs)
    return grouped.unpivot(index="replication", variable_name="period", value_name="value")


def _daily(run: RunData) -> pl.DataFrame:
    """The node's totals per replication and day, every day of the window present."""
    if "_daily" not in run._tables:
        days = run.table("enterprise_days")
        assert days is not None
        totals = days.group_by("replication", "date").agg(
            pl.col("registrations", "resolutions", "cases").sum()
        )
        calendar = pl.DataFrame(
            {"date": pl.date_range(run.start, run.end, "1d", closed="left", eager=True)}
        )
        grid = pl.DataFrame({"replication": run.replications}).join(calendar, how="cross")
        run._tables["_daily"] = (
            grid.join(totals, on=["replication", "date"], how="left")
            .fill_null(0)
            .sort("replication", "date")
        )
    return run._tables["_daily"]


_COMBINE: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "sum": lambda c: c.sum(),
    "mean": lambda c: c.mean(),
    "max": lambda c: c.max(),
    "cumulative": lambda c: c.sum(),
}


def _identifier_values(run: RunData, name: str, periods: tuple[Period, ...]) -> pl.DataFrame:
    column, how, _ = IDENTIFIER_SERIES[name]
    daily = _daily(run)
    exprs = []
    for index, period in enumerate(periods):
        first = run.start if how == "cumulative" else period.start
        inside = (pl.col("date") >= first) & (pl.col("date") < period.end)
        exprs.append(
            _COMBINE[how](pl.col(column).filter(inside)).cast(pl.Float64).alias(str(index))
        )
    grouped = daily.group_by("replication").agg(exprs)
    return grouped.unpivot(index="replication", variable_name="period", value_name="value")


def simulated(run: RunData, observed: Observed) -> FloatArray:
    """``observed.kpi`` per period (rows, in ``observed.periods`` order) and replication
    (columns, in ``run.replications`` order); NaN where a replication leaves it undefined
    (e.g. no delivered request that month)."""
    if observed.kpi in IDENTIFIER_SERIES:
        long = _identifier_values(run, observed.kpi, observed.periods)
    else:
        long = _request_values(run, observed.kpi, observed.periods)
    values = np.full((len(observed.periods), len(run.replications)), np.nan)
    column = {rep: i for i, rep in enumerate(run.replications)}
    for rep, period, value in long.iter_rows():
        if rep in column and value is not None:
            values[int(period), column[rep]] = value
    return values
