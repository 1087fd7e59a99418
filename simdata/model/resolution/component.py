"""The resolution node as a world component: which requests it serves, on which engine.

Three plans, chosen from the scenario alone:

- a node on its own (no ``enterprises``): its ``traffic`` section's arrival process,
  simulated per request on the event engine, or on the batched engine from
  :data:`AUTO_BATCHED_REQUESTS` expected requests (``resolution.engine: auto``);
- a node under the identifier economy with ``latency_sampling: full``: every counted
  resolution and registration of the measured days, placed in time
  (:func:`node_traffic`), when there are at most :data:`FULL_LIMIT`;
- otherwise the peak hour of the busiest weekday of each month, sampled
  (:mod:`simdata.model.resolution.windows`).

After the drain it records the node's series and its latency histogram, and hands the
batched engine's sufficient statistics to the world (its KPIs are computed from them).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from simdata.arrays import BoolArray, FloatArray
from simdata.model.component import World
from simdata.model.frames import LATENCY_HISTOGRAM, NODE_DAYS, WINDOW_REQUESTS, WINDOW_SERVERS
from simdata.model.identifiers.economy import EnterprisesComponent
from simdata.model.resolution.batched import BatchedResolutionNode
from simdata.model.resolution.event import ResolutionNode
from simdata.model.resolution.latency_table import latency_histogram_frame, of_latencies
from simdata.model.resolution.windows import WINDOW, peak_windows, simulate_windows
from simdata.scenario.models import Scenario
from simdata.scenario.units import DAY_S, HOUR_S

#: ``resolution.engine: auto`` picks the batched engine from this many requests on.
AUTO_BATCHED_REQUESTS = 1_000_000
#: Most requests `latency_sampling: full` simulates (issue 5); beyond it, windows.
FULL_LIMIT = 1_000_000


def node_traffic(
    node_days: pl.DataFrame, shares: list[float], start_date: dt.date, rng: np.random.Generator
) -> tuple[FloatArray, BoolArray]:
    """Every resolution and registration write of the measured days as arrival times.

    Each day's exact counts are split over its 24 hours multinomially by the traffic
    shares and placed uniformly within the hour: a Poisson process with a
    piecewise-constant rate, conditioned on the counted day totals.
    """
    days = node_days.filter(pl.col("measured"))
    offsets = np.array([(d - start_date).days * DAY_S for d in days["date"].to_list()])
    parts, flags = [], []
    for column, is_write in (("resolutions", False), ("registrations", True)):
        totals = days[column].to_numpy().astype(np.int64)
        per_hour = rng.multinomial(totals, shares)  # (days, 24)
        counts = per_hour.ravel()
        starts = (offsets[:, None] + np.arange(24)[None, :] * HOUR_S).ravel()
        times = np.repeat(starts, counts) + rng.random(int(counts.sum())) * HOUR_S
        parts.append(times)
        flags.append(np.full(len(times), is_write))
    times = np.concatenate(parts)
    order = np.argsort(times, kind="stable")
    return np.asarray(times[order], dtype=np.float64), np.concatenate(flags)[order]


class ResolutionNodeComponent:
    """The secondary node (with its cache and hierarchy hops) in the world."""

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        return scenario.resolution is not None

    def __init__(self, world: World) -> None:
        spec = world.scenario.resolution
        if spec is None:
            raise ValueError("the resolution node needs a resolution section")
        self.world = world
        self.spec = spec
        self.event: ResolutionNode | None = None
        self.batched: BatchedResolutionNode | None = None
        self.sampled = False
        given: tuple[FloatArray, BoolArray] | None = None
        if world.get(EnterprisesComponent) is not None:
            given = self._economy_traffic()
            if given is None:
                self.sampled = True
                return
        run = world.scenario.run
        weekday = run.start_date.weekday() if run.start_date is not None else 0
        batched = BatchedResolutionNode(
            spec, world.streams, world.recorder, run.sim_start_s, run.horizon,
            run.measure_start_s, start_weekday=weekday, given=given,
        )  # fmt: skip
        engine = spec.engine
        if engine == "auto":
            expected = batched.source.expected_count(run.sim_start_s, run.horizon)
            engine = "batched" if expected >= AUTO_BATCHED_REQUESTS else "event"
        if engine == "batched":
            self.batched = batched
        else:
            self.event = ResolutionNode(
                world.env, spec, world.streams, world.recorder, run.sim_start_s, run.horizon,
                start_weekday=weekday, given=given,
            )  # fmt: skip

    def _economy_traffic(self) -> tuple[FloatArray, BoolArray] | None:
        """The economy's counted traffic when the node serves all of it, else None (the
        peak hours are sampled instead)."""
        world, spec = self.world, self.spec
        enterprises, node_days = world.scenario.enterprises, world.recorder.get(NODE_DAYS)
        start_date = world.scenario.run.start_date
        if enterprises is None or node_days is None or start_date is None:
            raise ValueError("the node's economy traffic needs the counted node days")
        if spec.latency_sampling != "full":
            return None
        measured = node_days.filter(pl.col("measured"))
        total = int(
            measured.select(pl.col("resolutions").sum() + pl.col("registrations").sum()).item()
        )
        if total > FULL_LIMIT:
            world.warnings.append(
                f"resolution.latency_sampling: full would simulate {total:,} requests "
                f"(more than {FULL_LIMIT:,}); sampled the peak-hour windows instead"
            )
            return None
        rng = world.streams.generator("enterprises", "node_traffic")
        world.info.update({"latency_sampling": "full", "requests_simulated": total})
        return node_traffic(node_days, enterprises.hourly_shares(), start_date, rng)

    def start(self) -> None:
        if self.sampled:
            self._sample_windows()
        elif self.batched is not None:
            self.batched.run()
        elif self.event is not None:
            self.event.start()

    def _sample_windows(self) -> None:
        world = self.world
        enterprises, node_days = world.scenario.enterprises, world.recorder.get(NODE_DAYS)
        if enterprises is None or node_days is None:
            raise ValueError("sampled windows need the counted node days")
        windows = peak_windows(node_days, enterprises.hourly_shares())
        results = simulate_windows(self.spec, windows, world.streams)
        world.recorder.put(WINDOW_REQUESTS, results.requests)
        world.recorder.put(WINDOW_SERVERS, results.servers)
        world.info.update(
            {
                "latency_sampling": "windows: the peak hour of the busiest weekday of each month",
                "windows": len(results.plan),
                "requests_simulated": results.simulated,
            }
        )

    def finish(self) -> None:
        world, run = self.world, self.world.scenario.run
        recorder = world.recorder
        if self.sampled:
            window = recorder.get(WINDOW_REQUESTS)
            latencies = window["latency_s"].to_numpy() if window is not None else np.zeros(0)
            recorder.put(LATENCY_HISTOGRAM, of_latencies(latencies, WINDOW))
            return
        if self.event is not None:
            self.event.record_series(run.measure_start_s)
            requests = self.event.requests.frame()
            measured = (
                (pl.col("arrival_s") >= run.measure_start_s)
                & (pl.col("arrival_s") < run.horizon)
                & ~pl.col("write")
            )
            latencies = requests.filter(measured)["latency_s"].to_numpy()
            recorder.put(LATENCY_HISTOGRAM, of_latencies(latencies, "all"))
            world.info["resolution_engine"] = "event"
            return
        batched = self.batched
        if batched is None:
            return
        batched.record_series()
        recorder.put(LATENCY_HISTOGRAM, latency_histogram_frame(batched.latency_histogram(), "all"))
        world.node_statistics = batched.statistics()
        # No SimPy events: count the node's requests, the work the events would have been.
        world.extra_events += batched.node_requests
        world.info["resolution_engine"] = "batched"
