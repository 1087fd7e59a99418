"""A synthetic enterprises log drawn by simdata's own enterprise model, with known parameters.

The enterprises come from :func:`simdata.model.identifiers.enterprises.draw_enterprises` and
:func:`daily_counts` with a scenario's ``enterprises`` section (by default
scenarios/zhanjiang-baseline.yaml: Poisson joins 4/month growing 5 %/month over 2024–2025,
final identifiers lognormal median 20,000 σ 1.5, ramp lognormal median 6 months cv 0.5,
usage intensity lognormal median 0.01 σ 1, cases 0.5/year), summed per enterprise and
calendar month into the ``enterprises`` log layout.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.identifiers.enterprises import daily_counts, draw_enterprises
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.identifiers import EnterprisesSpec
from simdata.scenario.loader import load_scenario
from simdata.scenario.models import Scenario

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "zhanjiang-baseline.yaml"

#: A Bass adoption the 24-month log identifies well (≈ 99 % of the market joined by its end).
BASS = {"model": "bass", "p": 0.02, "q": 0.3, "market_size": 200}


def scenario(adoption: dict[str, Any] | None = None, **changes: Any) -> Scenario:
    """The baseline scenario, its enterprises' adoption (and other fields) replaced."""
    base = load_scenario(BASELINE)
    assert base.enterprises is not None
    spec = base.enterprises.model_dump(mode="json", by_alias=True, exclude_none=True)
    if adoption is not None:
        spec["adoption"] = adoption
    spec |= changes
    return base.model_copy(update={"enterprises": EnterprisesSpec.model_validate(spec)})


def monthly_log(seed: int, world: Scenario | None = None) -> pl.DataFrame:
    """One replication's enterprises, one row per enterprise per month from its joining."""
    world = world or scenario()
    run, spec = world.run, world.enterprises
    assert spec is not None
    assert run.start_date is not None
    calendar = WorkCalendar(
        world.calendar or CalendarSpec(), run.start_date, run.sim_start_s, run.horizon
    )
    streams = Streams(seed, 0)
    firms = draw_enterprises(spec, calendar, streams, run.sim_start_s, run.horizon, run.start_date)
    days = daily_counts(firms, spec, calendar, streams, run.sim_start_s, run.horizon)
    joined = [run.start_date + dt.timedelta(days=int(s // 86400)) for s in firms.joined_s.tolist()]
    frame = days.enterprise_days.with_columns(month=pl.col("date").dt.strftime("%Y-%m"))
    monthly = frame.group_by("enterprise", "month").agg(
        pl.col("registrations").sum(), pl.col("resolutions").sum(), pl.col("cases").sum()
    )
    names = pl.DataFrame(
        {
            "enterprise": np.arange(firms.size, dtype=np.int64),
            "name": [f"E{i + 1:04d}" for i in range(firms.size)],
            "joined": pl.Series(joined, dtype=pl.Date).dt.strftime("%Y-%m-%d"),
        }
    )
    return (
        monthly.join(names, on="enterprise")
        .sort("enterprise", "month")
        .select(
            pl.col("name").alias("enterprise"),
            "joined",
            "month",
            "registrations",
            "resolutions",
            "cases",
        )
    )


def write_log(path: Path, seed: int, world: Scenario | None = None) -> Path:
    """The log of :func:`monthly_log` as a CSV at ``path``."""
    monthly_log(seed, world).write_csv(path)
    return path
