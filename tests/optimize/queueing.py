"""Exact M/M/c and M/M/c/K measures, and small scenarios for the optimiser to size."""

from __future__ import annotations

import math
from pathlib import Path


def erlang_c_wait(servers: int, rate: float, mu: float) -> float:
    """Mean wait in queue of M/M/c (Erlang C over cμ − λ); infinite when ρ ≥ 1."""
    offered = rate / mu
    if offered >= servers:
        return math.inf
    top = offered**servers / math.factorial(servers) * servers / (servers - offered)
    waits = top / (sum(offered**k / math.factorial(k) for k in range(servers)) + top)
    return waits / (servers * mu - rate)


def mmck(servers: int, limit: int, rate: float, mu: float) -> tuple[float, float]:
    """M/M/c/K (K in the system): blocking probability P_K and the admitted mean wait."""
    offered = rate / mu
    weights = [
        offered**n / math.factorial(n)
        if n <= servers
        else offered**n / (math.factorial(servers) * servers ** (n - servers))
        for n in range(limit + 1)
    ]
    total = sum(weights)
    p = [w / total for w in weights]
    queue = sum((n - servers) * p[n] for n in range(servers + 1, limit + 1))
    return p[limit], queue / (rate * (1.0 - p[limit]))


def write_queue(
    path: Path,
    rate: float,
    mean_service_s: float,
    targets: list[str],
    *,
    horizon_s: float = 2000,
    queue_limit: int | None = None,
    servers: int = 1,
) -> Path:
    """A one-node scenario on the batched engine with Poisson arrivals and exponential
    service (short horizon: the optimiser's tests must be fast)."""
    limit = "" if queue_limit is None else f"  queue_limit: {queue_limit}\n"
    path.write_text(
        f"name: {path.stem}\n"
        f"run: {{horizon: {horizon_s:g} s, warmup: {horizon_s / 10:g} s, replications: 10, "
        "seed: 7}\n"
        "resolution:\n"
        f"  servers: {servers}\n"
        "  engine: batched\n"
        f"  service_time: {{dist: exponential, mean: {mean_service_s:g} s}}\n"
        f"  traffic: {{rate: {rate:g}/s}}\n"
        f"{limit}"
        "targets:\n" + "".join(f"  - {t}\n" for t in targets),
        encoding="utf-8",
    )
    return path


def erlang_c(servers: int, rate: float, mu: float) -> float:
    """Probability an arrival waits in M/M/c (Erlang C); 1 when ρ ≥ 1."""
    offered = rate / mu
    if offered >= servers:
        return 1.0
    top = offered**servers / math.factorial(servers) * servers / (servers - offered)
    return top / (sum(offered**k / math.factorial(k) for k in range(servers)) + top)


def sojourn_beyond(t: float, servers: int, rate: float, mu: float) -> float:
    """P(time in system > t) in M/M/c: no wait with 1 − C, else an Exp(cμ − λ) wait plus
    the Exp(μ) service (hypoexponential)."""
    waits = erlang_c(servers, rate, mu)
    theta = servers * mu - rate
    if theta <= 0:
        return 1.0
    if abs(theta - mu) < 1e-12:
        both = math.exp(-mu * t) * (1 + mu * t)
    else:
        both = (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu)
    return (1 - waits) * math.exp(-mu * t) + waits * both


def sojourn_quantile(q: float, servers: int, rate: float, mu: float) -> float:
    """The q-quantile of M/M/c time in system, by bisection on :func:`sojourn_beyond`."""
    if rate >= servers * mu:
        return math.inf
    low, high = 0.0, 1.0
    while sojourn_beyond(high, servers, rate, mu) > 1 - q:
        high *= 2
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (
            (middle, high) if sojourn_beyond(middle, servers, rate, mu) > 1 - q else (low, middle)
        )
    return (low + high) / 2
