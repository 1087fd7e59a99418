"""What a run says about itself beyond its KPIs: the model's warnings, a warm-up check, and
the latency sampling plan it simulated (for the manifest)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from simdata.analysis.bimodality import ashman_d, is_bimodal
from simdata.analysis.warmup import truncation
from simdata.experiments.replication import Replication
from simdata.experiments.warmup_auto import INFO_KEY
from simdata.model.public_data.requesters import OPEN_AT_END
from simdata.results.manifest import WarmupRecord
from simdata.scenario.models import Scenario
from simdata.scenario.warmup import stationary_node_only


def sampling_info(replications: Sequence[Replication]) -> dict[str, Any]:
    """The latency sampling plan and the requests simulated in it, over all replications;
    with public data, the measured requests left without an outcome (all replications)."""
    infos = [rep.info for rep in replications if rep.info]
    still_open = [int(str(info[OPEN_AT_END])) for info in infos if OPEN_AT_END in info]
    opened = {"requests_open_at_end": sum(still_open)} if still_open else {}
    infos = [info for info in infos if set(info) - {OPEN_AT_END}]
    if not infos:
        return opened
    total = sum(int(str(info.get("requests_simulated", 0))) for info in infos)
    windows = [info.get("windows") for info in infos if "windows" in info]
    return {
        "latency_sampling": infos[0].get("latency_sampling"),
        **({"latency_windows_per_replication": windows} if windows else {}),
        "latency_requests_simulated": total,
        **opened,
    }


def model_warnings(replications: Sequence[Replication]) -> list[str]:
    """Warnings the model raised (e.g. calendar years without holiday data), once each."""
    return list(dict.fromkeys(w for rep in replications for w in rep.warnings))


def warmup_warnings(timeseries: pl.DataFrame, scenario: Scenario) -> list[str]:
    """MSER-5 (:func:`~simdata.analysis.warmup.truncation`) on the replication-mean in-node
    series: warn when it has not settled within half the horizon, or when a fixed warm-up
    is shorter than the cut. With ``auto`` each replication already has its own cut."""
    resolution = scenario.resolution
    if resolution is not None and not resolution.traffic.homogeneous:
        # A daily profile makes the in-node count drift by design: MSER-5 assumes a
        # stationary steady state and would call every diurnal run unsettled.
        return []
    series = timeseries.filter(pl.col("series") == "resolution.in_system")
    if series.is_empty():
        return []
    mean = series.group_by("time_s").agg(pl.col("value").mean()).sort("time_s")
    times = mean["time_s"].to_numpy()
    if len(times) < 2:
        return []
    width = float(times[1] - times[0])
    cut = truncation(mean["value"].to_numpy(), width)
    if not cut.settled:
        return [
            "MSER-5 (White 1997): resolution.in_system still drifts in the second half of "
            "the horizon; the run may be too short or the node overloaded — lengthen "
            "run.horizon before trusting time averages"
        ]
    warmup = scenario.run.warmup
    if isinstance(warmup, float) and cut.cut_s > warmup + width:
        return [
            f"MSER-5 (White 1997) suggests a warm-up of at least {cut.cut_s:g} s "
            f"for resolution.in_system, longer than run.warmup = {warmup:g} s: set "
            f"run.warmup: '{int(np.ceil(cut.cut_s))} s'"
            + (" (or auto)" if stationary_node_only(scenario) else "")
        ]
    return []


def warmup_record(replications: Sequence[Replication]) -> dict[str, WarmupRecord]:
    """With ``run.warmup: auto``: each replication's cut (seconds, by replication index),
    their median and range, and the line the terminal and report show."""
    cuts = {
        rep.index: float(str(rep.info[INFO_KEY]))
        for rep in sorted(replications, key=lambda rep: rep.index)
        if INFO_KEY in rep.info
    }
    if not cuts:
        return {}
    values = np.array(list(cuts.values()))
    low, median, high = float(values.min()), float(np.median(values)), float(values.max())
    record = WarmupRecord(
        method="MSER-5 on log(1 + resolution.in_system), per replication, at most half the horizon",
        truncation_s=list(cuts.values()),
        replications=list(cuts),
        median_s=median,
        min_s=low,
        max_s=high,
        text=f"warm-up: auto (MSER-5), median {median:g} s, range [{low:g}, {high:g}] s",
    )
    return {"warmup": record}


def bimodal_warnings(kpis: pl.DataFrame) -> list[str]:
    """One warning naming every KPI whose replications fall into two separate groups
    (:mod:`simdata.analysis.bimodality`): their mean and CI describe no replication."""
    flagged = []
    for name in kpis["kpi"].unique(maintain_order=True).to_list():
        values = kpis.filter(pl.col("kpi") == name)["value"].to_numpy()
        if is_bimodal(values):
            flagged.append(f"{name} (Ashman's D = {ashman_d(values):.3g})")
    if not flagged:
        return []
    return [
        "bimodal across replications — read the distribution, not the mean: " + ", ".join(flagged)
    ]
