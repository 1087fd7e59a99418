"""The enterprises of an identifier economy spread over the network's secondary nodes.

With ``enterprises`` and ``network`` together, each enterprise registers its identifiers on
one secondary node, drawn by the secondary nodes' shares (stream ``network`` /
``enterprise_node``, one uniform per enterprise in index order, so a variant that changes
the network's queues keeps every enterprise on its node). The economy's exact counts
(``enterprise_days``, ``enterprises``) then add up per node: new registrations and
resolutions over the measured days, identifiers at the horizon. The network's queues
carry ``network.traffic``; these counts are what the targets on registrations and
resolutions per node and province (``registrations.new_count@province=福建``) read.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from simdata.arrays import FloatArray
from simdata.engine.streams import Streams
from simdata.model.frames import NETWORK_ENTERPRISES
from simdata.model.network.plan import NetworkPlan
from simdata.scenario.units import DAY_S


def assign(plan: NetworkPlan, enterprises: pl.DataFrame, streams: Streams) -> pl.DataFrame:
    """Each enterprise's secondary node: ``enterprise``, ``node`` (its name) and ``index``."""
    uniforms = streams.generator("network", "enterprise_node").random(enterprises.height)
    owner = plan.secondary.pick(uniforms)
    return pl.DataFrame(
        {
            "enterprise": enterprises["enterprise"],
            "node": np.asarray(plan.names, dtype=object)[owner].tolist(),
            "index": owner,
        },
        schema={"enterprise": pl.Int64, "node": pl.String, "index": pl.Int64},
    )


def write_rates(
    plan: NetworkPlan, assigned: pl.DataFrame, enterprise_days: pl.DataFrame, first: dt.date
) -> FloatArray:
    """Each node's registrations per second over the days from ``first`` on (by node index)."""
    days = enterprise_days.filter(pl.col("date") >= first)
    count = days["date"].n_unique()
    rates = np.zeros(plan.size)
    if count == 0:
        return rates
    per_node = (
        days.join(assigned, on="enterprise").group_by("index").agg(pl.col("registrations").sum())
    )
    for index, registrations in per_node.iter_rows():
        rates[index] = registrations / (count * DAY_S)
    return rates


def enterprise_totals(
    plan: NetworkPlan,
    enterprises: pl.DataFrame,
    enterprise_days: pl.DataFrame,
    assigned: pl.DataFrame,
    start_date: dt.date,
) -> pl.DataFrame:
    """One row per secondary node: its enterprises and their counts (``network_enterprises``)."""
    measured = enterprise_days.filter(pl.col("date") >= start_date)
    days = measured["date"].n_unique()
    per_enterprise = (
        measured.group_by("enterprise")
        .agg(pl.col("registrations").sum(), pl.col("resolutions").sum())
        .join(enterprises.select("enterprise", "identifiers_end"), on="enterprise", how="right")
        .join(assigned.select("enterprise", "node"), on="enterprise")
        .fill_null(0)
    )
    nodes = pl.DataFrame(
        {
            "node": [node.name for node in plan.spec.of_kind("secondary")],
            "province": [node.province or "" for node in plan.spec.of_kind("secondary")],
        }
    )
    totals = per_enterprise.group_by("node").agg(
        pl.len().alias("enterprises"),
        pl.col("registrations").sum().alias("new_registrations"),
        pl.col("identifiers_end").sum().alias("identifiers"),
        pl.col("resolutions").sum(),
    )
    return (
        nodes.join(totals, on="node", how="left")
        .fill_null(0)
        .with_columns(pl.lit(days, dtype=pl.Int64).alias("days"))
        .select(NETWORK_ENTERPRISES.schema.keys())
        .cast(NETWORK_ENTERPRISES.schema)  # type: ignore[arg-type]
    )
