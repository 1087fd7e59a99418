"""The latency SLA of the resolution node: ``p99<=100ms`` or ``resolution.latency_p99 <= 100 ms``.

An SLA names a quantile of end-to-end latency, a comparison and a threshold; the capacity
search and the report judge runs by it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, StrictStr

from simdata.scenario.units import UnitError, parse_duration

SlaOperator = Literal["<", "<="]
SLA_EXAMPLE = "'p99<=100ms' or 'resolution.latency_p99 <= 100 ms'"
_SLA_RE = re.compile(
    r"^\s*(?P<name>[A-Za-z_][\w.]*?)\s*(?P<op><=|<)\s*(?P<value>\S.*?)\s*$",
)
_QUANTILE_RE = re.compile(r"^p(?P<nn>\d+(?:\.\d+)?)$")
SLA_KPI_PREFIX = "resolution.latency_"
#: Latency percentiles registered as KPIs (``resolution.latency_p50``, ``…_p99``).
LATENCY_PERCENTILES = (50, 99)


@dataclass(frozen=True)
class Sla:
    """A latency SLA: the ``quantile`` of end-to-end latency must be ``op`` ``threshold_s``."""

    quantile: float
    op: SlaOperator
    threshold_s: float

    @property
    def kpi(self) -> str:
        """The KPI the SLA is judged on, e.g. ``resolution.latency_p99``."""
        return f"{SLA_KPI_PREFIX}p{100 * self.quantile:g}"

    def met(self, latency_s: float) -> bool:
        """Whether one request's latency is within the threshold."""
        if self.op == "<=":
            return latency_s <= self.threshold_s
        return latency_s < self.threshold_s


def parse_sla(text: object) -> Sla:
    """Parse ``"p99<=100ms"`` (or ``"resolution.latency_p99 <= 100 ms"``) into an :class:`Sla`.

    The quantile is ``p<NN>`` with 0 < NN < 100 (decimals allowed: ``p99.9``), the
    operator ``<=`` or ``<``, the threshold a duration with its unit. Anything else is a
    one-line ``ValueError`` starting with "expected".
    """
    if not isinstance(text, str):
        raise ValueError(f"expected an SLA like {SLA_EXAMPLE}, got {text!r}")
    match = _SLA_RE.match(text)
    if match is None:
        raise ValueError(f"expected an SLA like {SLA_EXAMPLE}, got {text!r}")
    name = match["name"]
    if name.startswith("resolution."):
        known = [f"{SLA_KPI_PREFIX}p{p}" for p in LATENCY_PERCENTILES]
        if name not in known:
            raise ValueError(
                f"expected a latency quantile KPI ({', '.join(known)}) or p<NN> in the SLA, "
                f"got {name!r} in {text!r}"
            )
        name = name.removeprefix(SLA_KPI_PREFIX)
    quantile_match = _QUANTILE_RE.match(name)
    if quantile_match is None:
        raise ValueError(
            f"expected a quantile p<NN> (like p99) before the operator, got {name!r} in {text!r}"
        )
    percent = float(quantile_match["nn"])
    if not 0 < percent < 100:
        raise ValueError(f"expected a quantile p<NN> with 0 < NN < 100, got {name!r} in {text!r}")
    try:
        threshold = parse_duration(match["value"])
    except UnitError as error:
        raise ValueError(f"{error} in SLA {text!r}") from None
    if not threshold > 0 or not math.isfinite(threshold):
        raise ValueError(f"expected an SLA threshold > 0, got {match['value']!r} in {text!r}")
    op: SlaOperator = "<=" if match["op"] == "<=" else "<"
    return Sla(round(percent / 100.0, 12), op, threshold)


def _check_sla(text: str) -> str:
    parse_sla(text)
    return text


SlaText = Annotated[StrictStr, AfterValidator(_check_sla)]
