"""The public-data model: conservation of requests, a hand-computed lone request, dated
runs with a warm-up before the start date, and the daily series of timeseries.parquet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import simpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simdata
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.experiments.replication import run_replication
from simdata.model.calendar import WorkCalendar
from simdata.model.public_data.agency import Agency
from simdata.model.public_data.catalogue import build_catalogue
from simdata.model.public_data.policy import SharingDesk
from simdata.model.public_data.requesters import Requests
from simdata.model.world import simulate
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.models import Scenario
from simdata.scenario.public_data import AgencySpec, CatalogueSpec, PolicySpec

DAY_S = 86_400.0
HOUR_S = 3_600.0
FINAL = ("delivered", "rejected", "abandoned")

# -- conservation ----------------------------------------------------------------------


def _percent_mix(draw: st.DrawFn, names: tuple[str, str, str]) -> dict[str, str]:
    a = draw(st.integers(0, 100))
    b = draw(st.integers(0, 100 - a))
    return dict(zip(names, (f"{a}%", f"{b}%", f"{100 - a - b}%"), strict=True))


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A small random public-data scenario (every switch of the model drawn)."""
    patience = st.one_of(st.none(), st.sampled_from(["2 d", "5 d", "12 h"]))
    groups: list[dict[str, Any]] = [
        {
            "name": "gov",
            "kind": "government",
            "rate": f"{draw(st.integers(1, 12))}/workday",
            "channel": "sharing",
            "patience": draw(patience),
        },
        {
            "name": "firms",
            "kind": "enterprise",
            "rate": f"{draw(st.integers(1, 6))}/workday",
            "channel_mix": {"opening": 0.6, "development": 0.4},
            "patience": draw(patience),
            "growth": draw(st.sampled_from([None, "5%/month"])),
        },
    ]
    scenario: dict[str, Any] = {
        "name": "conservation",
        "run": {
            "start_date": "2026-03-02",
            "horizon": f"{draw(st.integers(8, 25))} d",
            "warmup": f"{draw(st.integers(0, 5))} d",
            "replications": 2,
            "seed": draw(st.integers(0, 10_000)),
        },
        "catalogue": {
            "departments": draw(st.integers(1, 3)),
            "datasets": draw(st.integers(5, 60)),
            "new_datasets": draw(st.sampled_from([None, "30/month"])),
            "sharing_mix": _percent_mix(draw, ("unconditional", "conditional", "not_shared")),
            "opening_mix": _percent_mix(draw, ("not_open", "ordinary", "on_application")),
            "defect_probability": draw(st.sampled_from([0.0, 0.3, 0.9])),
            "while_defective": draw(st.sampled_from(["stale", "refuse"])),
        },
        "requesters": {"groups": [{k: v for k, v in g.items() if v is not None} for g in groups]},
        "policy": {
            "reviewers_per_department": draw(st.integers(1, 3)),
            "review_effort": {"dist": "exponential", "mean": f"{draw(st.integers(1, 8))} h"},
            "reject_probability": draw(st.sampled_from([0.0, 0.2, 1.0])),
            "auto_approval_share": draw(st.sampled_from([0.0, 0.3, 1.0])),
            "partial_delivery": draw(st.booleans()),
            "not_shared": draw(st.sampled_from(["reject", "agency"])),
        },
    }
    if draw(st.booleans()):
        scenario["agency"] = {
            "enabled": draw(st.booleans()),
            "analysts": draw(st.integers(1, 2)),
            "sandbox_slots": draw(st.integers(1, 3)),
            "analyst_effort": {"dist": "exponential", "mean": "3 workday"},
            "reuse": {"per_product": 0.2},
        }
    return scenario


@pytest.mark.property
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios())
def test_every_request_ends_once_and_the_counts_add_up(data: dict[str, Any]) -> None:
    """Each arrival ends delivered/rejected/abandoned by the horizon or is open then; KPIs agree."""
    scenario = Scenario.model_validate(data)
    horizon = scenario.run.horizon
    patience = {g.name: g.patience for g in scenario.requesters.groups}  # type: ignore[union-attr]
    agency_on = scenario.agency is not None and scenario.agency.enabled
    for index in range(scenario.run.replications):
        replication = run_replication(scenario, index)
        assert replication.error is None, replication.error
        requests = replication.frames["data_requests"]
        arrival, end = requests["arrival_s"].to_numpy(), requests["end_s"].to_numpy()
        assert requests.height > 0
        assert (arrival >= scenario.run.sim_start_s).all()
        assert (arrival < horizon).all()
        # After the drain nothing is left open: every request ended once, not before it came.
        assert set(requests["outcome"].unique()) <= set(FINAL)
        assert np.isfinite(end).all()
        assert (end >= arrival).all()
        ended = {
            o: int(((requests["outcome"] == o).to_numpy() & (end < horizon)).sum()) for o in FINAL
        }
        open_at_horizon = int((end >= horizon).sum())
        assert sum(ended.values()) + open_at_horizon == requests.height
        kpis = replication.kpis
        measured = requests.filter(pl.col("arrival_s") >= 0)
        assert kpis["requests.arrivals_count"] == measured.height
        assert kpis["requests.backlog_count"] == open_at_horizon
        for outcome in ("rejected", "abandoned"):
            share = (measured["outcome"] == outcome).mean()
            assert kpis[f"requests.{outcome}_share"] == pytest.approx(share)
        # Abandoned exactly when patience ran out; nobody waits longer than their patience.
        waited = end - arrival
        limit = np.array([patience[g] or np.inf for g in requests["group"]])
        abandoned = (requests["outcome"] == "abandoned").to_numpy()
        np.testing.assert_allclose(waited[abandoned], limit[abandoned])
        assert (waited[~abandoned] <= limit[~abandoned]).all()
        development = (requests["channel"] == "development").to_numpy()
        delivered = (requests["outcome"] == "delivered").to_numpy()
        if not agency_on:
            assert not (development & delivered).any()
            assert replication.kpis["agency.products_count"] == 0
        assert not (requests["stale"].to_numpy() & ~delivered).any()
        if scenario.catalogue.while_defective == "refuse":  # type: ignore[union-attr]
            assert not requests["stale"].any()


# -- a lone request, computed by hand ---------------------------------------------------


@pytest.mark.unit
def test_a_lone_friday_17h_request_before_spring_festival_ends_when_computed_by_hand() -> None:
    """Fri 2026-02-13 17:00 + 1 h check, 2 h review, 1 workday sign-off, 10 min: Tue 24 11:40."""
    start = dt.date(2026, 2, 13)  # time 0 = Friday 00:00
    calendar = WorkCalendar(CalendarSpec(), start, 0.0, 30 * DAY_S)
    streams, recorder = Streams(1, 0), Recorder()
    env = simpy.Environment()
    catalogue_spec = CatalogueSpec.model_validate(
        {
            "departments": 1,
            "datasets": 1,
            "sharing_mix": {"unconditional": 0, "conditional": 1, "not_shared": 0},
            "defect_probability": 0,
            "late_update_share": 0,
        }
    )
    catalogue = build_catalogue(catalogue_spec, calendar, streams, 0.0, 30 * DAY_S)
    policy = PolicySpec.model_validate(
        {
            "compliance_check": {"dist": "constant", "value": "1 h"},
            "review_effort": {"dist": "constant", "value": "2 h"},
            "signoff_wait": {"dist": "constant", "value": "1 workday"},
            "platform_time": {"dist": "constant", "value": "10 min"},
            "reject_probability": 0,
        }
    )
    one = np.zeros(1, dtype=np.int64)
    requests = Requests(
        arrival_s=np.array([17 * HOUR_S]),  # Friday 2026-02-13 17:00
        group=one,
        kind=one,
        channel=one,  # sharing
        patience_s=np.array([np.inf]),
        initial=np.zeros(1, dtype=np.bool_),
        first_item=np.array([0, 1]),
        item_dataset=one,
    )
    agency = Agency(env, AgencySpec(enabled=False), calendar, streams, recorder, 2, np.zeros(2))
    desk = SharingDesk(
        env, policy, catalogue_spec, catalogue, requests, calendar, streams, recorder, agency
    )
    desk.start()
    env.run()

    def wall(t: float) -> dt.datetime:
        return dt.datetime.combine(start, dt.time()) + dt.timedelta(seconds=float(t))

    review = recorder.tables["reviews"].frame()
    done = recorder.tables["data_requests"].frame()
    # Compliance 1 h: Fri 17:00–17:30 (0.5 h), then Sat 2026-02-14 (调休 workday) 09:00–09:30.
    assert wall(review["queued_s"][0]) == dt.datetime(2026, 2, 14, 9, 30)
    assert wall(review["start_s"][0]) == dt.datetime(2026, 2, 14, 9, 30)
    # Review 2 h: Sat 09:30–11:30.
    assert wall(review["end_s"][0]) == dt.datetime(2026, 2, 14, 11, 30)
    # Sign-off 1 workday = 6.5 h: Sat 11:30–12:00 (0.5 h) + 14:00–17:30 (3.5 h) = 4 h; the
    # Spring Festival break is Sun 15 – Mon 23, so the last 2.5 h are Tue 24 09:00–11:30;
    # the platform then takes 10 elapsed minutes: Tue 2026-02-24 11:40.
    assert wall(done["end_s"][0]) == dt.datetime(2026, 2, 24, 11, 40)
    assert done["outcome"][0] == 1  # delivered
    assert calendar.work_between(17 * HOUR_S, float(done["end_s"][0])) == 9.5 * HOUR_S + 600


# -- dated runs and daily series ---------------------------------------------------------

DATED = """\
name: dated
run: {start_date: 2026-03-02, horizon: 20 d, warmup: 10 d, replications: 2, seed: 4}
catalogue: {departments: 2, datasets: 40}
requesters:
  groups:
    - {name: gov, kind: government, rate: 20/workday, channel: sharing}
"""


@pytest.mark.unit
def test_dated_runs_simulate_the_warmup_before_the_start_date_and_measure_from_it(
    write_scenario: Callable[[str], Path],
) -> None:
    """With a 10 d warm-up, arrivals exist at negative times; KPIs count only arrivals ≥ 0."""
    scenario = simdata.load_scenario(write_scenario(DATED))
    simulated = simulate(scenario, 0)
    assert simulated.window.start_s == 0.0
    assert simulated.window.end_s == 20 * DAY_S
    arrival = simulated.frames["data_requests"]["arrival_s"].to_numpy()
    assert (arrival < 0).sum() > 50  # ≈ 20/workday over the 6 workdays before 2026-03-02
    assert arrival.min() >= -10 * DAY_S
    assert (arrival < 20 * DAY_S).all()
    measured = int(((arrival >= 0) & (arrival < 20 * DAY_S)).sum())
    kpis = run_replication(scenario, 0).kpis
    assert kpis["requests.arrivals_count"] == measured
    assert kpis["requests.arrivals_count"] < len(arrival)
    # Warm-up arrivals follow the calendar too: Sunday 2026-03-01 (-1 d … 0) has none, the
    # make-up working Saturday 2026-02-28 (调休, -2 d … -1 d) has some.
    assert not ((arrival >= -DAY_S) & (arrival < 0)).any()
    assert ((arrival >= -2 * DAY_S) & (arrival < -DAY_S)).any()
    # Without a warm-up the same seed gives no negative arrivals.
    unwarmed = simdata.load_scenario(write_scenario(DATED), ["run.warmup=0 s"])
    assert (simulate(unwarmed, 0).frames["data_requests"]["arrival_s"].to_numpy() >= 0).all()


@pytest.mark.unit
def test_timeseries_parquet_has_daily_request_arrivals_completions_and_backlog_with_dates(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """timeseries.parquet holds dated daily requests.arrivals/completions/backlog that add up."""
    scenario = simdata.load_scenario(write_scenario(DATED))
    simdata.run(scenario, replications=1, out=tmp_path / "run")
    series = pl.read_parquet(tmp_path / "run" / "timeseries.parquet")
    daily = {
        name: series.filter(pl.col("series") == name).sort("time_s")
        for name in ("requests.arrivals", "requests.completions", "requests.backlog")
    }
    requests = simulate(scenario, 0).frames["data_requests"]
    for frame in daily.values():
        assert frame.height == 30  # 10 warm-up days + 20 days
        assert frame["date"].null_count() == 0
        assert frame["date"][0] == dt.date(2026, 2, 20)
        assert frame["date"][-1] == dt.date(2026, 3, 21)
        np.testing.assert_array_equal(np.diff(frame["time_s"].to_numpy()), DAY_S)
        days = (frame["time_s"].to_numpy() // DAY_S).astype(int)
        expected = [dt.date(2026, 3, 2) + dt.timedelta(days=int(d)) for d in days]
        assert frame["date"].to_list() == expected
    arrivals = daily["requests.arrivals"]["value"].to_numpy()
    completions = daily["requests.completions"]["value"].to_numpy()
    assert arrivals.sum() == requests.height
    assert completions.sum() == (requests["end_s"] < 20 * DAY_S).sum()
    np.testing.assert_array_equal(
        daily["requests.backlog"]["value"].to_numpy(), np.cumsum(arrivals) - np.cumsum(completions)
    )
    saturday = daily["requests.arrivals"].filter(pl.col("date") == dt.date(2026, 3, 7))
    assert saturday["value"][0] == 0  # no office hours on an ordinary Saturday
