"""A synthetic node log with known traffic, cache and service parameters.

Arrivals: per (day, hour) Poisson counts at rate × w[hour] / mean(w) × day factor, uniform
within the hour. A share ``hit`` of requests is answered from the cache in a lognormal hit
time; misses take ``hop_s`` (top-level + enterprise node, constant) plus a lognormal
service time (light load: no wait). A latency beyond ``timeout_s`` is logged as a timeout
at the timeout (right-censored).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

#: A Monday: two whole weeks follow.
START = dt.date(2026, 3, 2)


def _profile() -> list[float]:
    """Night 0.2, peaks at 10:00 and 15:00 (DOMAIN.md §5's shape)."""
    hours = np.arange(24)
    shape = 0.2 + np.exp(-0.5 * ((hours - 10) / 1.5) ** 2) + np.exp(-0.5 * ((hours - 15) / 2) ** 2)
    return [float(w) for w in shape / shape.mean()]


@dataclass(frozen=True)
class NodeTruth:
    """The parameters the log was generated with (durations in seconds)."""

    rate_per_s: float = 0.05
    weekend: float = 0.4
    hourly: list[float] = field(default_factory=_profile)
    hit: float = 0.8
    hit_median_s: float = 0.001
    hit_sigma: float = 0.3
    service_median_s: float = 0.005
    service_sigma: float = 0.8
    hop_s: float = 0.0
    timeout_s: float = 0.03
    days: int = 14


NODE_TRUTH = NodeTruth()


@dataclass(frozen=True)
class NodeDraw:
    """The log's values as arrays: times in seconds from ``START`` 00:00."""

    t: np.ndarray
    latency: np.ndarray
    timeout: np.ndarray
    hit: np.ndarray
    service: np.ndarray


def node_draw(seed: int, truth: NodeTruth = NODE_TRUTH) -> NodeDraw:
    """Draw the log's arrivals, cache hits and latencies."""
    rng = np.random.default_rng(seed)
    weights = np.array(truth.hourly) / np.mean(truth.hourly)
    factors = np.array(
        [
            1.0 if (START + dt.timedelta(days=d)).weekday() < 5 else truth.weekend
            for d in range(truth.days)
        ]
    )
    counts = rng.poisson(truth.rate_per_s * 3600 * np.outer(factors, weights)).ravel()
    slot = np.repeat(np.arange(counts.size), counts)
    t = np.sort(slot * 3600.0 + rng.uniform(0, 3600, slot.size))
    n = t.size
    hit = rng.random(n) < truth.hit
    service = rng.lognormal(np.log(truth.service_median_s), truth.service_sigma, n)
    hit_time = rng.lognormal(np.log(truth.hit_median_s), truth.hit_sigma, n)
    latency = np.where(hit, hit_time, truth.hop_s + service)
    timeout = latency > truth.timeout_s
    return NodeDraw(t, np.minimum(latency, truth.timeout_s), timeout, hit, service)


def node_log(
    seed: int, truth: NodeTruth = NODE_TRUTH, service_column: bool = False
) -> pl.DataFrame:
    """The log as a frame of text columns (``service_s`` added when asked)."""
    draw = node_draw(seed, truth)
    origin = dt.datetime.combine(START, dt.time())
    columns: dict[str, list[str | None]] = {
        "timestamp": [(origin + dt.timedelta(seconds=float(s))).isoformat(" ") for s in draw.t],
        "latency_s": [f"{x:.7f}" for x in draw.latency],
        "outcome": ["timeout" if x else "ok" for x in draw.timeout],
        "cache_hit": ["1" if h else "0" for h in draw.hit],
    }
    if service_column:
        pairs = zip(draw.hit, draw.service, strict=True)
        columns["service_s"] = [None if h else f"{s:.7f}" for h, s in pairs]
    return pl.DataFrame(columns)
