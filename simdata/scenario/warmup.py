"""``run.warmup``: a duration, or ``auto`` — MSER-5 picks each replication's warm-up.

``auto`` is meant for a node on its own with stationary traffic (no ``start_date``, no
hourly or weekday profile, no enterprise or public-data sections): there the measured
queue settles into one steady state, and MSER-5 can find where the empty start stops
mattering. Such a scenario gets ``auto`` when it leaves ``run.warmup`` out; every other
scenario keeps a duration (0 when left out), since a profile or a growing economy drifts
by design and has no steady state to detect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from simdata.scenario.quantities import check_duration_bound
from simdata.scenario.units import MAX_DURATION_TEXT, UnitError, format_duration, parse_duration

if TYPE_CHECKING:
    from simdata.scenario.models import Scenario

AUTO = "auto"

S = TypeVar("S", bound="Scenario")

#: The sections a stationary node-only scenario leaves out.
_OTHER_SECTIONS = ("enterprises", "subsidy", "catalogue", "requesters", "policy", "agency")


def parse_warmup(value: object) -> float | str:
    """``"auto"`` as is; anything else a duration in [0, 100 year]."""
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return AUTO
    try:
        seconds = parse_duration(value)
    except UnitError as error:
        if str(error).startswith("expected a duration like"):
            raise ValueError(
                f"expected a duration or \"auto\" (like '2000 s'), got {value!r}"
            ) from None
        raise
    return check_duration_bound(seconds, value)


def _text(value: float | str) -> str:
    return value if isinstance(value, str) else format_duration(value)


#: ``run.warmup``: seconds, or ``"auto"``.
Warmup = Annotated[
    float | Literal["auto"],
    BeforeValidator(parse_warmup),
    PlainSerializer(_text, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": "duration: NUMBER UNIT with UNIT in ms s min h d week month year; "
            f'0 to {MAX_DURATION_TEXT}; or "auto" (MSER-5 per replication)',
            "examples": ["2000 s", "auto"],
        }
    ),
]


def stationary_node_only(scenario: Scenario) -> bool:
    """Whether ``scenario`` is a node on its own with stationary traffic: undated, no
    traffic profile, and no enterprise or public-data section."""
    resolution = scenario.resolution
    return (
        scenario.run.start_date is None
        and resolution is not None
        and resolution.traffic.homogeneous
        and all(getattr(scenario, name) is None for name in _OTHER_SECTIONS)
    )


def resolve_warmup(scenario: S) -> S:
    """``scenario`` with an omitted ``run.warmup`` made ``auto`` when it is stationary and
    node-only; an explicit ``auto`` elsewhere is an error (no steady state to find)."""
    stationary = stationary_node_only(scenario)
    if scenario.run.warmup == AUTO and not stationary:
        raise ValueError(
            "run.warmup: expected a duration for a dated, profiled or enterprise/public-data "
            "scenario (\"auto\" needs a node on its own with stationary traffic), got 'auto'"
        )
    if "warmup" in scenario.run.model_fields_set or not stationary:
        return scenario
    return scenario.model_copy(update={"run": scenario.run.model_copy(update={"warmup": AUTO})})
