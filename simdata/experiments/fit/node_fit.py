"""``simdata fit DATA --as node``: a node's resolution log → ``resolution`` fields.

Fields filled (one each): ``resolution.traffic.rate``, ``.weekend_factor`` and
``.hourly_weights`` from ``timestamp`` (``weekday_factor`` is written as 1, the
normalisation that makes the others identifiable); ``resolution.cache.hit_ratio`` and
``.hit_time`` from ``cache_hit`` and the hits' latency; ``resolution.service_time`` from
the misses' latency — or from ``service_s`` when the log has it.

A miss's latency is top-level lookup + wait + service + enterprise node, so without a
``service_s`` column the fitted "service time" is an upper bound on the servers' own time
(equal to it only at low load with no hops on the path): the scenario says so in a comment
and a note. Timed-out requests are right-censored at their latency (the timeout), fitted
with the censored MLE of :mod:`simdata.experiments.fit.censored`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simdata.arrays import FloatArray
from simdata.experiments.fit.censored import fit_families
from simdata.experiments.fit.counts import wilson
from simdata.experiments.fit.node_log import NodeLog, parse_node
from simdata.experiments.fit.node_out import NodeFitted, ServiceFit, node_summary, node_text
from simdata.experiments.fit.reading import read_log
from simdata.experiments.fit.traffic_fit import fit_traffic
from simdata.scenario.loader import load_scenario
from simdata.scenario.models import Scenario

#: Fewest measured latencies for a duration fit.
MIN_LATENCIES = 10
#: Durations are fitted in milliseconds (well-scaled for the optimiser), written in ms.
MS = 1e3


@dataclass(frozen=True)
class NodeFit:
    """The fit's findings and the scenario text that carries them."""

    fitted: NodeFitted
    text: str
    #: The AIC ranking with goodness-of-fit p-values, as ``simdata fit`` prints it.
    summary: str = ""


def _durations(
    what: str, done: FloatArray, censored: FloatArray, fitted: NodeFitted
) -> ServiceFit | None:
    """Censored fit (in ms) of positive durations, or a note when there are too few."""
    zero = int(np.sum(done <= 0))
    done, censored = done[done > 0] * MS, censored[censored > 0] * MS
    if zero:
        fitted.notes.append(f"{what}: {zero} zero latencies left out")
    if done.size < MIN_LATENCIES:
        fitted.notes.append(
            f"{what} not fitted: expected at least {MIN_LATENCIES} measured values, got {done.size}"
        )
        return None
    return ServiceFit(fit_families(done, censored), int(done.size), int(censored.size))


def _cache_and_service(log: NodeLog, fitted: NodeFitted) -> None:
    timed = np.isin(log.outcome, ("ok", "timeout"))
    ok = log.outcome == "ok"
    miss = np.ones(log.outcome.size, dtype=bool)
    if log.hit is not None:
        flagged = np.isfinite(log.hit)
        hits = flagged & (log.hit == 1)
        miss = flagged & (log.hit == 0)
        if flagged.any():
            fitted.hit_ratio = wilson(int(hits.sum()), int(flagged.sum()))
        fitted.hit_time = _durations(
            "cache.hit_time", log.latency_s[hits & ok], log.latency_s[hits & timed & ~ok], fitted
        )
    if log.service_s is not None:
        measured = miss & np.isfinite(log.service_s)
        fitted.service_from = "service_s"
        fitted.service = _durations("service_time", log.service_s[measured], np.empty(0), fitted)
        return
    fitted.service = _durations(
        "service_time", log.latency_s[miss & ok], log.latency_s[miss & timed & ~ok], fitted
    )


def _base(base: Path | None) -> tuple[Scenario | None, dict[str, tuple[str, ...]]]:
    """The base scenario and, per duration field, its family and the parameter keys it sets."""
    if base is None:
        return None, {}
    scenario = load_scenario(base)
    keys: dict[str, tuple[str, ...]] = {}
    node = scenario.resolution
    if node is not None:
        for name, value in (("service_time", node.service_time),) + (
            (("hit_time", node.cache.hit_time),) if node.cache is not None else ()
        ):
            dumped: dict[str, Any] = value.model_dump(mode="json", by_alias=True)
            keys[name] = (str(dumped["dist"]), *(key for key in dumped if key != "dist"))
        hops = [h for h in ("top_level", "enterprise_node") if getattr(node, h) is not None]
        keys["hops"] = tuple(hops)
    return scenario, keys


def fit_node(
    data: Path, base: Path | None = None, renames: Mapping[str, str] = {}, out: Path | None = None
) -> NodeFit:
    """Fit a node log; the scenario text ``extends`` ``base`` (relative to ``out``)."""
    log = parse_node(read_log(data, renames), str(data))
    scenario, keys = _base(base)
    fitted = NodeFitted(data.name, hashlib.sha256(data.read_bytes()).hexdigest())
    fitted.base_keys = keys
    traffic = fit_traffic(log.start_date, log.days, log.t_s)
    if scenario is not None and scenario.enterprises is not None:
        fitted.notes.append(
            f"resolution.traffic not written: the base's enterprises generate it (the log's "
            f"mean rate is {traffic.rate_per_s:.4g}/s on weekdays)"
        )
    else:
        fitted.traffic = traffic
    _cache_and_service(log, fitted)
    if fitted.service is not None and fitted.service_from == "latency_s":
        fitted.notes.append(
            "service_time is fitted on the misses' end-to-end latency (top-level + wait + "
            "service + enterprise node): an upper bound on the servers' time; log service_s "
            "to fit the servers' own time"
        )
        if keys.get("hops"):
            fitted.notes.append(
                f"the base also sets {', '.join(keys['hops'])}: the fitted service_time "
                "already contains them, so the run counts them twice"
            )
    extends = None
    if base is not None:
        where = (out or Path("fitted.yaml")).resolve().parent
        extends = Path(os.path.relpath(base.resolve(), where)).as_posix()
    name = f"{scenario.name}-fitted" if scenario is not None else f"{data.stem}-fitted"
    return NodeFit(fitted, node_text(fitted, extends, name), node_summary(fitted))
