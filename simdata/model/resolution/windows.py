"""Latency of the secondary node under the traffic the enterprises generate: peak windows.

Two years of a city's node is 10⁷–10⁸ resolutions; simulating each one to learn a p99 is
waste when the question is "does the node keep its SLA at its busiest?". So latency is
sampled in **windows** (``resolution.latency_sampling: windows``, the default): for every
month, the weekday with the most resolutions and, on it, the hour with the largest
traffic weight — the month's peak hour. Each window is simulated through the full
resolution path (cache, top-level node, the secondary node's FCFS servers, enterprise
node, timeout) as a Poisson stream at that hour's expected rate — resolutions, plus the registration
writes of that day spread like the traffic, which go straight to the servers with their own
service time — after a warm-up of
:data:`WARMUP_S` from empty; only the hour's own arrivals are measured. KPIs pooled over
the windows are named for what they cover (``resolution.latency_p99@window=peak_hour``),
and the manifest records the plan and the number of requests simulated.

Windows get their own random streams (the window's month is part of the component name),
so windows are independent and variants still share random numbers window by window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import simpy

from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.resolution.event import ResolutionNode
from simdata.scenario.resolution import ResolutionSpec, TrafficSpec
from simdata.scenario.units import HOUR_S

#: Simulated before each window's hour, from an empty node, and not measured.
WARMUP_S = 300.0
WINDOW = "peak_hour"


class _WindowStreams(Streams):
    """The replication's streams, with the window's name folded into each component."""

    def __init__(self, base: Streams, window: str) -> None:
        super().__init__(base.root_seed, base.replication)
        self.window = window

    def generator(self, component: str, purpose: str) -> np.random.Generator:
        return super().generator(f"{component}@{self.window}", purpose)


@dataclass
class WindowResults:
    """Pooled measured requests and server busy time of every window of a replication."""

    requests: pl.DataFrame
    servers: pl.DataFrame
    plan: list[dict[str, Any]] = field(default_factory=list)

    @property
    def simulated(self) -> int:
        return int(sum(window["requests"] for window in self.plan))


def peak_windows(node_days: pl.DataFrame, hourly_shares: list[float]) -> pl.DataFrame:
    """The month's busiest weekday and its peak hour, with the expected rate per second."""
    hour = int(np.argmax(hourly_shares))
    days = node_days.filter(pl.col("measured") & (pl.col("day_type") == "weekday"))
    if days.is_empty():
        return pl.DataFrame(
            schema={
                "date": pl.Date,
                "hour": pl.Int64,
                "rate_per_s": pl.Float64,
                "write_rate_per_s": pl.Float64,
            }
        )
    busiest = (
        days.with_columns(pl.col("date").dt.strftime("%Y-%m").alias("month"))
        .sort("resolutions", "date", descending=[True, False])
        .group_by("month", maintain_order=True)
        .first()
        .sort("date")
    )
    return busiest.select(
        "date",
        pl.lit(hour, dtype=pl.Int64).alias("hour"),
        (pl.col("resolutions") * hourly_shares[hour] / HOUR_S).alias("rate_per_s"),
        # Registration batches spread over the day like the traffic (an assumption).
        (pl.col("registrations") * hourly_shares[hour] / HOUR_S).alias("write_rate_per_s"),
    )


def simulate_windows(
    spec: ResolutionSpec,
    windows: pl.DataFrame,
    streams: Streams,
) -> WindowResults:
    """Simulate each window through the resolution path; pool the measured requests."""
    requests, servers, plan = [], [], []
    for date, hour, rate, write_rate in windows.iter_rows():
        total = rate + write_rate
        if not total > 0:
            continue
        name = f"{date:%Y-%m}"
        traffic = TrafficSpec.model_validate({"rate": f"{total!r}/s"})
        window_spec = spec.model_copy(update={"traffic": traffic})
        env = simpy.Environment(initial_time=-WARMUP_S)
        recorder = Recorder()
        node = ResolutionNode(
            env, window_spec, _WindowStreams(streams, name), recorder, -WARMUP_S, HOUR_S,
            start_weekday=date.weekday(), write_share=write_rate / total,
        )  # fmt: skip
        node.start()
        env.run()
        node.finish()
        frame = recorder.tables["requests"].frame()
        measured = frame.filter(
            (pl.col("arrival_s") >= 0) & (pl.col("arrival_s") < HOUR_S) & ~pl.col("write")
        )
        requests.append(
            measured.select("latency_s", "failed", "within_sla", "cache_hit", "admitted")
        )
        start, end = frame["start_s"].to_numpy(), frame["end_s"].to_numpy()
        busy = np.clip(
            np.minimum(np.nan_to_num(end, nan=HOUR_S), HOUR_S) - np.maximum(start, 0.0), 0, None
        )
        servers.append(
            pl.DataFrame(
                {"busy_s": [float(np.nansum(busy))], "capacity_s": [spec.servers * HOUR_S]}
            )
        )
        plan.append(
            {"date": str(date), "hour": int(hour), "rate_per_s": float(rate),
             "write_rate_per_s": float(write_rate), "requests": frame.height}
        )  # fmt: skip
    window = pl.lit(WINDOW).alias("window")
    pooled = pl.concat(requests) if requests else pl.DataFrame(
        schema={"latency_s": pl.Float64, "failed": pl.Boolean, "within_sla": pl.Boolean,
                "cache_hit": pl.Boolean, "admitted": pl.Boolean}
    )  # fmt: skip
    busy = pl.concat(servers) if servers else pl.DataFrame(
        schema={"busy_s": pl.Float64, "capacity_s": pl.Float64}
    )  # fmt: skip
    return WindowResults(pooled.with_columns(window), busy.with_columns(window), plan)
