"""``simdata capacity``: the highest offered load at which the node keeps its latency SLA.

The vocabulary is that of resperf-style ramp tests (offered load, latency quantiles,
failures), the method is a simulation experiment with common random numbers:

* **Load profile** (:mod:`.profile`). A scenario with a ``resolution.traffic`` section is
  searched over its own run window (warm-up excluded), its hourly/day-type profile scaled
  by a factor k. A scenario with enterprises is searched on its *design day's* traffic
  (``capacity.design_day``, by default the busiest of the last ``capacity.mix_days`` days:
  that replication's resolutions plus registration writes, spread over the day by the
  hourly weights, with the write share averaged over the mix window), judged in that day's
  peak hour — the same peak-hour sampling as ``latency_sampling: windows`` — simulating
  ``PEAK_WINDOW_S`` of it after ``PEAK_WARMUP_S``. Offered load is the profile's mean rate
  (requests of every kind per second, writes included); the peak-hour rate and the mix at
  capacity (resolutions/s, writes/s) are reported too.
* **Common random numbers.** Every load of one replication uses the same streams: the
  same unit-rate Poisson points mapped through the scaled integrated rate (arrival times
  Λ⁻¹(m / k)), the same service times and hop latencies by request index. So a
  replication's SLA share is nearly monotone in load and a bisection is well defined.
* **The SLA** ``p<NN> <op> T`` holds when at least NN % of the measured requests are
  answered within T (the node's rule, :func:`simdata.model.resolution.rules.sla_met`); a
  rejected (queue limit) or timed-out request counts against it. That is the quantile
  statement itself (the NN-th percentile of latency is within T), counted exactly in the
  compiled loop rather than read off a histogram.
* **Per replication** (:mod:`.bisection`), the search brackets the capacity by
  halving/doubling from the node's stability limit, then bisects in log-load until the
  bracket is within ``precision`` (0.5 %); the replication's capacity is the SLA crossing
  interpolated inside that bracket (:func:`.bisection.crossing`). ``capacity``
  (:mod:`.experiment`) is the mean over replications with a 95 % Student-t CI (clipped at
  0) and ``capacity_conservative`` the one-sided lower bound at ``confidence``.
* Every evaluated load goes into ``curve.parquet``, plus a common grid of loads around
  the capacity so that the load–latency curve has a value per replication at each load.
"""

from simdata.experiments.capacity.bisection import Point, Search, evaluate, search, sla_text
from simdata.experiments.capacity.experiment import (
    CURVE_SCHEMA,
    CapacityResult,
    capacity,
    resolve_sla,
)
from simdata.experiments.capacity.profile import LoadProfile, load_profile

__all__ = [
    "CURVE_SCHEMA",
    "CapacityResult",
    "LoadProfile",
    "Point",
    "Search",
    "capacity",
    "evaluate",
    "load_profile",
    "resolve_sla",
    "search",
    "sla_text",
]
