"""Registrations and resolutions per secondary node and per province (``network_enterprises``).

With enterprises on a network, each enterprise registers on one secondary node; the
economy's KPIs gain ``@node=NAME`` (a secondary node) and ``@province=NAME`` (the sum over
its secondary nodes) — e.g. Fujian's provincial target ``registrations.new_count@province=
福建 >= 1亿``. The network-wide totals stay the plain KPIs (``registrations.new_count``).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from simdata.analysis.kpis import Kpi, register_variant
from simdata.analysis.network.names import DIMENSION, ECONOMY_KPIS, PROVINCE
from simdata.model.frames import NETWORK_ENTERPRISES
from simdata.model.world import Window

#: KPI → its per-node (and per-province) value from the ``network_enterprises`` rows.
EXPRESSIONS: dict[str, Callable[[Window], pl.Expr]] = {
    "enterprises.joined_count": lambda w: pl.col("enterprises").sum(),
    "registrations.new_count": lambda w: pl.col("new_registrations").sum(),
    "registrations.total_count": lambda w: pl.col("identifiers").sum(),
    "resolutions.daily_mean": lambda w: pl.col("resolutions").sum() / pl.col("days").first(),
}


def _variant(name: str, expr: Callable[[Window], pl.Expr]) -> Kpi:
    return Kpi(
        name,
        "count",
        "higher",
        "",
        "",
        NETWORK_ENTERPRISES,
        lambda w: expr(w).cast(pl.Float64),
        (DIMENSION, PROVINCE),
    )


if set(EXPRESSIONS) != set(ECONOMY_KPIS):
    raise ValueError("network economy KPIs: names and expressions differ")
for _name, _expr in EXPRESSIONS.items():
    register_variant(_variant(_name, _expr))
