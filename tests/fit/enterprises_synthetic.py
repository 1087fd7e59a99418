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
import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from simdata.engine.streams import Streams
from simdata.experiments.fit.enterprises_out import EnterprisesFitted
from simdata.model.calendar import WorkCalendar
from simdata.model.identifiers.enterprises import MONTH_S, daily_counts, draw_enterprises
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.distributions import LogNormal
from simdata.scenario.identifiers import BassAdoption, EnterprisesSpec
from simdata.scenario.loader import load_scenario
from simdata.scenario.models import Scenario
from simdata.scenario.units import DAY_S

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


#: z of a two-sided 99 % interval: recovery is checked at this level.
Z99 = 2.5758293035489004


def truth(world: Scenario) -> dict[str, float]:
    """The parameters a fit should recover, in the fit's units (months for adoption, days
    for ramp time, per day for cases)."""
    spec = world.enterprises
    assert spec is not None
    adoption = spec.adoption
    out: dict[str, float] = {}
    if isinstance(adoption, BassAdoption):
        out |= {"adoption.p": adoption.p, "adoption.q": adoption.q}
        out["adoption.market_size"] = adoption.market_size
    else:
        out["adoption.rate"] = adoption.rate * MONTH_S
        growth = adoption.growth
        out["adoption.growth"] = growth.per_s * MONTH_S if growth is not None else 0.0
    for name in ("final_identifiers", "ramp_time", "usage_intensity"):
        dist = getattr(spec, name)
        assert isinstance(dist, LogNormal)
        mu, sigma = dist.log_params
        scale = DAY_S if name == "ramp_time" else 1.0
        out |= {f"{name}.median": math.exp(mu) / scale, f"{name}.sigma": sigma}
    out["cases.rate"] = spec.cases.base_per_s * DAY_S
    return out


def recovered(fitted: EnterprisesFitted, world: Scenario) -> dict[str, tuple[float, float, float]]:
    """Per true parameter: the estimate of the true model/family and its 99 % CI."""
    spec = world.enterprises
    assert spec is not None
    model = "bass" if isinstance(spec.adoption, BassAdoption) else "poisson-growth"
    fits: dict[str, Any] = {"adoption": next(f for f in fitted.adoption if f.model == model)}
    for name, family in fitted.dists.items():
        fits[name] = next(f for f in family if f.family == "lognormal")
    out = {}
    for key in truth(world):
        section, param = key.split(".")
        estimate = fitted.cases if section == "cases" else fits[section].params[param]
        assert estimate is not None
        out[key] = (estimate.value, *estimate.ci(Z99))
    return out


def ranks_first(fitted: EnterprisesFitted, world: Scenario) -> dict[str, bool]:
    """Whether the true adoption model and the true (lognormal) families rank first."""
    spec = world.enterprises
    assert spec is not None
    model = "bass" if isinstance(spec.adoption, BassAdoption) else "poisson-growth"
    first = {"adoption": fitted.adoption[0].model == model}
    return first | {name: fits[0].family == "lognormal" for name, fits in fitted.dists.items()}
