"""The resolution path's requests, drawn in vector blocks — shared by both node engines.

Arrival gaps, service times, cache hit/miss uniforms, hit times and hop latencies come
from the component's own streams (purposes ``arrivals``, ``service``, ``cache``,
``cache_hit_time``, ``top_level``, ``enterprise_node``, ``write``, ``write_time``) in
blocks of :data:`BLOCK`; draw ``i`` of each belongs to request ``i`` whether or not it is
used, so variants that differ in servers, queue limit, cache hit ratio or timeout see
identical arrivals and service times (common random numbers). Because the event engine
(:mod:`simdata.model.resolution`) and the batched engine
(:mod:`simdata.model.resolution_batched`) both take their requests from
:class:`RequestSource`, they see the same requests, drawn in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from simdata.arrays import BoolArray, FloatArray
from simdata.engine.streams import Streams
from simdata.model.resolution.arrivals import ArrivalProcess
from simdata.scenario.resolution import ResolutionSpec
from simdata.scenario.units import HOUR_S

COMPONENT = "resolution"
#: Requests drawn per vector block.
BLOCK = 8192


@dataclass
class Block:
    """The next ``kept`` requests (those before the horizon) with every draw they need.

    ``node_arrival`` is NaN for cache hits; ``hit_latency`` is the hit time for hits (NaN
    otherwise); writes go straight to the servers with ``service`` their write time.
    ``last_arrival`` is the block's last *drawn* client arrival (before truncation), the
    bound below which every later request's node arrival lies.
    """

    arrival: FloatArray
    service: FloatArray
    node_arrival: FloatArray
    hit: BoolArray
    hit_latency: FloatArray
    enterprise: FloatArray
    write: BoolArray
    last_arrival: float
    exhausted: bool

    @property
    def kept(self) -> int:
        return len(self.arrival)


class RequestSource:
    """Draws the requests of one replication's resolution path, block by block.

    ``given`` = (sorted arrival times, write flags) decided outside (the identifier
    economy's traffic) replaces the traffic section's arrival process.
    """

    def __init__(
        self,
        spec: ResolutionSpec,
        streams: Streams,
        start_s: float,
        horizon_s: float,
        start_weekday: int = 0,
        write_share: float = 0.0,
        given: tuple[FloatArray, BoolArray] | None = None,
        block: int = BLOCK,
    ) -> None:
        self.spec = spec
        self.horizon_s = horizon_s
        self.block = block
        #: Share of the arrival stream that is registration writes (a thinned Poisson
        #: stream is Poisson, so resolutions and writes stay independent Poisson streams).
        self.write_share = write_share
        self.arrivals = ArrivalProcess(spec.traffic, start_weekday, start_s)
        self._given = given
        self._given_next = 0
        self._arrival_rng = streams.generator(COMPONENT, "arrivals")
        self._service_rng = streams.generator(COMPONENT, "service")
        self._cache_rng = streams.generator(COMPONENT, "cache")
        self._hit_time_rng = streams.generator(COMPONENT, "cache_hit_time")
        self._top_rng = streams.generator(COMPONENT, "top_level")
        self._enterprise_rng = streams.generator(COMPONENT, "enterprise_node")
        self._write_rng = streams.generator(COMPONENT, "write")
        self._write_time_rng = streams.generator(COMPONENT, "write_time")
        self.exhausted = False

    def expected_count(self, start_s: float, end_s: float) -> float:
        """Expected client arrivals in [start_s, end_s)."""
        if self._given is not None:
            times = self._given[0]
            return float(np.searchsorted(times, end_s) - np.searchsorted(times, start_s))
        return self.arrivals.expected_count(start_s, end_s)

    def _next_arrivals(self, size: int) -> tuple[FloatArray, BoolArray | None]:
        if self._given is None:
            return self.arrivals.next_block(self._arrival_rng, size), None
        times, writes = self._given
        here = slice(self._given_next, self._given_next + size)
        self._given_next += size
        arrivals = np.full(size, np.inf)
        given_write = np.zeros(size, dtype=np.bool_)
        arrivals[: len(times[here])] = times[here]
        given_write[: len(writes[here])] = writes[here]
        return arrivals, given_write

    def next_block(self) -> Block:
        """The next block of requests; after it, :attr:`exhausted` says whether the
        arrivals reached the horizon."""
        spec, size = self.spec, self.block
        arrivals, given_write = self._next_arrivals(size)
        service = spec.service_time.sample(self._service_rng, size)
        # Every stream gives draw i to request i, used or not (common random numbers).
        hit = np.zeros(size, dtype=np.bool_)
        latency = np.full(size, np.nan)
        if spec.cache is not None:
            hit = self._cache_rng.random(size) < spec.cache.hit_ratio
            hit_time = spec.cache.hit_time.sample(self._hit_time_rng, size)
            latency = np.where(hit, hit_time, np.nan)
        node_arrival = arrivals.copy()
        if spec.top_level is not None:
            node_arrival += spec.top_level.sample(self._top_rng, size)
        node_arrival[hit] = np.nan
        enterprise = (
            spec.enterprise_node.sample(self._enterprise_rng, size)
            if spec.enterprise_node is not None
            else np.zeros(size)
        )
        write = np.zeros(size, dtype=np.bool_)
        if self.write_share > 0 or given_write is not None:
            # Writes skip the cache and the hops and have their own server time.
            drawn = self._write_rng.random(size) < self.write_share
            write = drawn if given_write is None else given_write
            write_time = spec.registration_time.sample(self._write_time_rng, size)
            service = np.where(write, write_time, service)
            hit &= ~write
            latency[write] = np.nan
            node_arrival = np.where(write, arrivals, node_arrival)
            enterprise[write] = 0.0
        kept = size
        last = float(arrivals[-1])
        if last >= self.horizon_s:
            kept = int(np.searchsorted(arrivals, self.horizon_s, side="left"))
            self.exhausted = True
        rows = slice(0, kept)
        return Block(
            arrivals[rows],
            service[rows],
            node_arrival[rows],
            hit[rows],
            latency[rows],
            enterprise[rows],
            write[rows],
            last,
            self.exhausted,
        )


def clock_hours(measure_start_s: float, horizon_s: float) -> FloatArray:
    """Edges of the whole clock hours inside the measured window (for the peak-hour
    utilisation of ``node_hours``); fewer than two edges when no hour fits."""
    first = np.ceil(measure_start_s / HOUR_S) * HOUR_S
    return np.arange(first, horizon_s + 1e-9, HOUR_S)


def node_hours_frame(edges: FloatArray, busy_servers: FloatArray, servers: int) -> pl.DataFrame:
    """``node_hours``: utilisation of every whole clock hour of the measured window."""
    return pl.DataFrame(
        {
            "hour_start_s": np.asarray(edges[:-1], dtype=np.float64),
            "utilisation": np.asarray(busy_servers, dtype=np.float64) / servers,
            "window": "peak_hour",
        },
        schema={"hour_start_s": pl.Float64, "utilisation": pl.Float64, "window": pl.String},
    )
