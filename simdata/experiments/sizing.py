"""How big a run is, before it starts: requests, memory and time per replication.

A scenario can be valid and still impossible here: 10⁸ resolution requests on the event
engine hold about 19 GB, and a rate of 10⁹/s over years would run for centuries. ``validate``
bounds every field; this module multiplies them out — expected requests per replication
from the same integrated rates the model draws from, times what one request costs on the
engine that will run it (measured, below) — so that ``simdata run`` refuses what cannot
fit in this machine's memory or cannot finish, with the estimate and the way out, and says
how long anything longer than a minute will take.

The costs are measured on the reference machine (``bench/README.md``: 2 cores, AMD EPYC)
with ``/usr/bin/time``-style peak RSS over replications of ``scenarios/mm8.yaml`` and
``scenarios/fujian-public-data.yaml``; they are estimates, deliberately on the high side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simdata.errors import UsageError
from simdata.experiments.executors import available_memory_bytes
from simdata.model.resolution.arrivals import ArrivalProcess
from simdata.model.resolution.component import AUTO_BATCHED_REQUESTS, FULL_LIMIT
from simdata.scenario.identifiers import BassAdoption
from simdata.scenario.models import Scenario
from simdata.scenario.units import DAY_S

#: Event engine: peak bytes per simulated request (≈ 190–200 B measured at 10⁶–3×10⁶).
EVENT_BYTES_PER_REQUEST = 220.0
#: Event engine: requests per second of one core (≈ 200 000–320 000 measured).
EVENT_REQUESTS_PER_S = 200_000.0
#: Batched engine: requests per second of one core (≈ 1.2×10⁷–1.6×10⁷ measured).
BATCHED_REQUESTS_PER_S = 1.0e7
#: Batched engine: bounded working memory (blocks, histograms, series), bytes.
BATCHED_BYTES = 150e6
#: One worker process with simdata imported (numba, polars, SciPy), bytes.
PROCESS_BYTES = 400e6
#: Public data: requests per second of one core (13 400 requests in ≈ 2 s measured).
PUBLIC_REQUESTS_PER_S = 5_000.0
#: Public data: peak bytes per request (its SimPy process, draws and records).
PUBLIC_BYTES_PER_REQUEST = 4_000.0
#: Identifier economy: bytes per enterprise-day row (six columns, counted in vectors) and
#: rows per second (zhanjiang-baseline: ≈ 10⁵ rows in a fraction of a second).
ENTERPRISE_DAY_BYTES = 64.0
ENTERPRISE_DAYS_PER_S = 1.0e6
#: Share of calendar time that is office time (8 h on ≈ 250 workdays a year): public-data
#: rates are per working time.
OFFICE_SHARE = 8 * 250 / (24 * 365.25)
#: Longest run accepted, in core-seconds: beyond a month of computing, a run "cannot finish".
MAX_CORE_S = 30 * 86_400.0
#: Share of available memory a run may plan to use.
MEMORY_SHARE = 0.8
#: Runs longer than this get their estimate printed before they start.
ANNOUNCE_S = 60.0


@dataclass(frozen=True)
class RunSize:
    """Expected work of one replication and what it costs on this plan."""

    node_requests: float
    engine: str
    public_requests: float
    enterprise_days: float
    bytes_per_replication: float
    core_s_per_replication: float
    replications: int
    concurrency: int

    @property
    def wall_s(self) -> float:
        """Expected wall time: replications spread over the concurrent workers."""
        waves = math.ceil(self.replications / max(1, self.concurrency))
        return waves * self.core_s_per_replication

    @property
    def peak_bytes(self) -> float:
        """Peak memory of the replications running at once (and their processes)."""
        running = min(self.replications, max(1, self.concurrency))
        extra = PROCESS_BYTES if self.concurrency > 1 else 0.0
        return running * (self.bytes_per_replication + extra)

    def describe(self) -> str:
        """One line: the work per replication and the expected wall time."""
        parts = []
        if self.engine == "sampled":
            parts.append(f"at most {_count(self.node_requests)} sampled resolution requests")
        elif self.node_requests:
            parts.append(f"{_count(self.node_requests)} resolution requests ({self.engine} engine)")
        if self.public_requests:
            parts.append(f"{_count(self.public_requests)} data requests")
        if self.enterprise_days:
            parts.append(f"{_count(self.enterprise_days)} enterprise-days")
        work = " and ".join(parts) or "little simulated work"
        return (
            f"{self.replications} replication(s) of {work} each, about "
            f"{duration_text(self.core_s_per_replication)} and "
            f"{_bytes(self.bytes_per_replication)} each; about "
            f"{duration_text(self.wall_s)} on {self.concurrency} worker(s)"
        )


def estimate(scenario: Scenario, concurrency: int = 1) -> RunSize:
    """The expected size of ``scenario``'s run with ``concurrency`` replications at once."""
    run = scenario.run
    span_s = run.horizon - run.sim_start_s
    node_requests, engine = 0.0, "none"
    resolution = scenario.resolution
    if resolution is not None:
        if scenario.enterprises is not None:
            # The identifier economy is counted per day; the node is simulated for at most
            # FULL_LIMIT requests (full) or in sampled peak-hour windows.
            node_requests, engine = float(FULL_LIMIT), "sampled"
        else:
            weekday = run.start_date.weekday() if run.start_date is not None else 0
            arrivals = ArrivalProcess(resolution.traffic, weekday, run.sim_start_s)
            node_requests = arrivals.expected_count(run.sim_start_s, run.horizon)
            engine = resolution.engine
            if engine == "auto":
                engine = "batched" if node_requests >= AUTO_BATCHED_REQUESTS else "event"
    public_requests = 0.0
    if scenario.requesters is not None:
        for group in scenario.requesters.groups:
            growth = 1.0
            if group.growth is not None:
                growth = math.exp(min(group.growth.per_s * span_s, 700.0))
            public_requests += group.rate * span_s * OFFICE_SHARE * max(1.0, growth)
    enterprise_days = _enterprise_days(scenario, span_s)
    if engine == "batched":
        node_bytes, node_s = BATCHED_BYTES, node_requests / BATCHED_REQUESTS_PER_S
    else:  # event, or sampled windows (run on the event engine)
        node_bytes = node_requests * EVENT_BYTES_PER_REQUEST
        node_s = node_requests / EVENT_REQUESTS_PER_S
    return RunSize(
        node_requests=node_requests,
        engine=engine,
        public_requests=public_requests,
        enterprise_days=enterprise_days,
        bytes_per_replication=node_bytes
        + public_requests * PUBLIC_BYTES_PER_REQUEST
        + enterprise_days * ENTERPRISE_DAY_BYTES,
        core_s_per_replication=node_s
        + public_requests / PUBLIC_REQUESTS_PER_S
        + enterprise_days / ENTERPRISE_DAYS_PER_S,
        replications=run.replications,
        concurrency=concurrency,
    )


def _enterprise_days(scenario: Scenario, span_s: float) -> float:
    """Rows of the identifier economy's daily table: enterprises expected by the horizon ×
    the days simulated (an upper bound: an enterprise counts from the day it joins)."""
    enterprises = scenario.enterprises
    if enterprises is None:
        return 0.0
    adoption = enterprises.adoption
    if isinstance(adoption, BassAdoption):
        joined = float(adoption.market_size)
    else:
        growth = adoption.growth.per_s if adoption.growth is not None else 0.0
        exponent = min(growth * span_s, 700.0)
        joined = adoption.rate * (span_s if abs(exponent) < 1e-9 else math.expm1(exponent) / growth)
    return (len(enterprises.initial) + max(0.0, joined)) * math.ceil(span_s / DAY_S)


def check_fits(size: RunSize, available_bytes: float | None = None) -> None:
    """Refuse (one line, exit 2) a run that cannot fit in memory or cannot finish."""
    available = available_memory() if available_bytes is None else available_bytes
    budget = MEMORY_SHARE * available
    if size.peak_bytes > budget:
        if size.engine == "event" and size.node_requests >= AUTO_BATCHED_REQUESTS:
            way_out = "set resolution.engine: batched (bounded memory)"
        elif size.concurrency > 1 and size.bytes_per_replication <= budget:
            fitting = max(1, int(budget // (size.bytes_per_replication + PROCESS_BYTES)))
            way_out = f"run fewer replications at once (--workers {fitting})"
        else:
            way_out = "shorten run.horizon or lower the traffic"
        raise UsageError(
            f"run size: expected a run that fits in this machine's memory "
            f"({_bytes(available)} available), got about {_bytes(size.peak_bytes)} "
            f"({size.describe()}); {way_out}"
        )
    if size.core_s_per_replication * size.replications > MAX_CORE_S:
        raise UsageError(
            f"run size: expected a run that can finish, got about "
            f"{duration_text(size.wall_s)} ({size.describe()}); shorten run.horizon, lower the "
            "traffic or run fewer replications"
        )


def available_memory() -> float:
    """Bytes this machine can give a run now (see :func:`available_memory_bytes`); when the
    system does not say, nothing is refused for memory."""
    available = available_memory_bytes()
    return math.inf if available is None else float(available)


def _count(value: float) -> str:
    for size, suffix in ((1e8, "亿"), (1e4, "万")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:,.0f}"


def _bytes(value: float) -> str:
    for size, suffix in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB")):
        if value >= size:
            return f"{value / size:.3g} {suffix}"
    return f"{value / 1024:.3g} KiB"


def duration_text(seconds: float) -> str:
    """A wall time as a planner reads it: ``76 s``, ``2.4 min``, ``3.1 h``, ``12 d``."""
    for size, suffix in ((365.25 * 86_400, "years"), (86_400, "d"), (3_600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds / size:.3g} {suffix}"
    return f"{seconds:.2g} s"
