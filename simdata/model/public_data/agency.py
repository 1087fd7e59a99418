"""The one-level development agency (公共数据资源一级开发机构): sandbox projects and products.

A development request enters intake (vetting, working time), waits for a **sandbox slot**
(the trusted environment where raw data stays: "原始数据不出平台"), is worked by an
**analyst** (office hours), passes an **output security review** (still holding the slot,
not the analyst) and publishes a **data product**. Products are reusable: a later
development request matches a published product with probability
``min(max, base + per_product · products)`` and is served from it without a project.
Switched off (``agency.enabled: false``), every development request is rejected.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import polars as pl
import simpy

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.component import World
from simdata.model.frames import AGENCY, PROJECTS
from simdata.model.public_data.requesters import RequestersComponent
from simdata.scenario.models import Scenario
from simdata.scenario.public_data import AgencySpec, PolicySpec

COMPONENT = "agency"

DELIVERED, REFUSED = 1, 2


class Agency:
    """Sandbox slots and analysts as SimPy resources; projects recorded in columns."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: AgencySpec,
        calendar: WorkCalendar,
        streams: Streams,
        recorder: Recorder,
        cases: int,
        platform_s: np.ndarray[Any, Any],
    ) -> None:
        self.env = env
        self.spec = spec
        self.calendar = calendar
        self.products = 0
        self.slots = simpy.Resource(env, spec.sandbox_slots)
        self.analysts = simpy.Resource(env, spec.analysts)
        # Every case (a development request or a redirected dataset) gets its draws up
        # front, by case index, so variants see the same projects.
        self.reuse_u = streams.generator(COMPONENT, "reuse").random(cases)
        self.intake = spec.intake_time.sample(streams.generator(COMPONENT, "intake"), cases)
        self.effort = spec.analyst_effort.sample(streams.generator(COMPONENT, "effort"), cases)
        self.review = spec.output_review.sample(streams.generator(COMPONENT, "review"), cases)
        self.platform_s = platform_s
        self.projects = recorder.table(
            PROJECTS,
            {
                "queued_s": np.float64,
                "slot_s": np.float64,
                "analyst_start_s": np.float64,
                "analyst_end_s": np.float64,
                "published_s": np.float64,
            },
        )

    def reuse_probability(self) -> float:
        reuse = self.spec.reuse
        return min(reuse.max, reuse.base + reuse.per_product * self.products)

    def serve(self, case: int) -> Generator[simpy.Event, Any, tuple[int, bool]]:
        """Serve one development case; returns (DELIVERED or REFUSED, served by reuse)."""
        if not self.spec.enabled:
            return REFUSED, False
        if self.reuse_u[case] < self.reuse_probability():
            yield self.env.timeout(self.platform_s[case])
            return DELIVERED, True
        calendar, env = self.calendar, self.env
        yield env.timeout(max(0.0, calendar.add_work(env.now, self.intake[case]) - env.now))
        row = self.projects.reserve(1)
        # Re-read the columns after every yield: another project's reserve may regrow them.
        self.projects.columns["queued_s"][row] = env.now
        with self.slots.request() as slot:
            yield slot
            self.projects.columns["slot_s"][row] = env.now
            with self.analysts.request() as analyst:
                yield analyst
                self.projects.columns["analyst_start_s"][row] = calendar.next_open(env.now)
                yield env.timeout(max(0.0, calendar.add_work(env.now, self.effort[case]) - env.now))
                self.projects.columns["analyst_end_s"][row] = env.now
            yield env.timeout(max(0.0, calendar.add_work(env.now, self.review[case]) - env.now))
        self.products += 1
        self.projects.columns["published_s"][row] = env.now
        yield env.timeout(self.platform_s[case])
        return DELIVERED, False


class AgencyComponent:
    """The development agency in the world (switched off unless ``agency`` is given: then
    every development request is refused); after the run, its sandbox and analyst busy
    time, projects and products in the window."""

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        return scenario.requesters is not None and scenario.catalogue is not None

    def __init__(self, world: World) -> None:
        requesters = world.get(RequestersComponent)
        if requesters is None:
            raise ValueError("the agency serves requesters: none take part")
        scenario, streams = world.scenario, world.streams
        self.world = world
        self.spec = scenario.agency or AgencySpec(enabled=False)
        policy = scenario.policy or PolicySpec()
        requests = requesters.requests
        cases = requests.count + len(requests.item_dataset)
        platform = policy.platform_time.sample(streams.generator(COMPONENT, "platform"), cases)
        self.agency = Agency(
            world.env, self.spec, world.calendar, streams, world.recorder, cases, platform
        )

    def start(self) -> None:
        return None

    def finish(self) -> None:
        run = self.world.scenario.run
        start, end = run.measure_start_s, run.horizon
        projects = self.agency.projects.frame()
        slot = projects["slot_s"].to_numpy()
        published = projects["published_s"].to_numpy()
        a0, a1 = projects["analyst_start_s"].to_numpy(), projects["analyst_end_s"].to_numpy()
        slot_busy = np.clip(
            np.minimum(np.nan_to_num(published, nan=end), end) - np.maximum(slot, start), 0, None
        )
        lo = np.clip(np.nan_to_num(a0, nan=end), start, end)
        hi = np.clip(np.nan_to_num(a1, nan=end), start, end)
        calendar = self.world.calendar
        analyst_busy = calendar.work_between(lo, np.maximum(hi, lo)) if len(lo) else lo
        self.world.recorder.put(
            AGENCY,
            pl.DataFrame(
                {
                    "slot_busy_s": [float(np.nansum(slot_busy))],
                    "analyst_busy_work_s": [float(np.sum(analyst_busy))],
                    "projects": [int(((published >= start) & (published < end)).sum())],
                    "products": [int((published < end).sum())],
                }
            ),
        )
        self.world.constants["sandbox_slots"] = float(self.spec.sandbox_slots)
        self.world.constants["analysts"] = float(self.spec.analysts)
