"""The scenario language: pydantic models of every section a scenario file may hold.

Each field has a default and a description (``docs/scenario-reference.md`` is generated
from them). Models are frozen and forbid unknown keys, so a typo is an error, not a silently
ignored setting. A section left out (``resolution: null`` or absent) is switched off.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    SerializerFunctionWrapHandler,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from simdata import kpi_names
from simdata.scenario.calendar_spec import (
    FIRST_DATE,
    LAST_DATE,
    CalendarSpec,
    add_months,
    as_date,
)
from simdata.scenario.capacity_spec import CapacitySpec, check_design_day
from simdata.scenario.identifiers import (
    EnterprisesSpec,
    PoissonAdoption,
    SubsidySpec,
    check_deadline,
)
from simdata.scenario.network import NetworkSpec, check_network_alone
from simdata.scenario.public_data import (
    AgencySpec,
    CatalogueSpec,
    PolicySpec,
    RequestersSpec,
)
from simdata.scenario.public_data.checks import check_requesters
from simdata.scenario.quantities import GrowthRate, Seconds
from simdata.scenario.resolution import ResolutionSpec
from simdata.scenario.section import Section
from simdata.scenario.units import (
    DAY_S,
    MAX_DURATION_TEXT,
    MAX_GROWTH_FACTOR,
    parse_duration,
    parse_number_text,
    parse_quantity,
)
from simdata.scenario.warmup import AUTO, Warmup, resolve_warmup
from simdata.scenario.worktime import office_day_seconds, workday_length

#: Target operators, as scenario keys.
OPERATORS = ("<", "<=", ">", ">=")
Operator = Literal["<", "<=", ">", ">="]

#: Most replications one run takes: far beyond what any CI needs (`--until-decided` stops
#: at 200 by default), yet a bound on the run's size.
MAX_REPLICATIONS = 100_000
#: Largest root seed: it is stored in int64 columns of the run directory.
MAX_SEED = 2**63 - 1
#: Longest run span, in calendar months, that a dated run converts (100 years).
_MAX_RUN_MONTHS = 1200


class RunSpec(Section):
    """How long to simulate, how many replications, and the root seed."""

    horizon: Seconds = Field(
        default=parse_duration("1 d"),
        description="Simulated span from time 0 (or `start_date`), at most "
        f"{MAX_DURATION_TEXT}; arrivals stop at the "
        "horizon and the system then drains. With `start_date`, `month` and `year` are "
        "calendar months and years; a dated run gives `horizon` or `end_date`, not both.",
        examples=["1 d", "20000 s", "2 year"],
    )
    warmup: Warmup = Field(
        default=0.0,
        description="Span excluded from every KPI (≥ 0 and < horizon). Undated runs measure "
        "arrivals in [warmup, horizon); dated runs simulate the warm-up *before* "
        "`start_date` and measure [start_date, start_date + horizon). `auto`: MSER-5 picks "
        "each replication's warm-up (at most half the horizon; recorded in the manifest); "
        "the default of a node on its own with stationary traffic (no start_date, traffic "
        "profile, enterprises or public-data sections), else 0.",
        examples=["2000 s", "1 week", "auto"],
    )
    replications: StrictInt = Field(
        default=10,
        ge=1,
        le=MAX_REPLICATIONS,
        description=f"Independent replications (1 to {MAX_REPLICATIONS:,}); CIs need ≥ 2.",
    )
    seed: StrictInt = Field(
        default=1,
        ge=0,
        le=MAX_SEED,
        description="Root seed (integer 0 to 2^63 − 1); every random stream derives from it, "
        "the replication index and the component, so variants share random numbers.",
    )
    start_date: dt.date | None = Field(
        default=None,
        description="Calendar date of time 0 (00:00 Asia/Shanghai); optional; "
        f"{FIRST_DATE} to {LAST_DATE}.",
        examples=["2026-01-01"],
    )
    end_date: dt.date | None = Field(
        default=None,
        description="Last simulated day, inclusive (needs `start_date`; instead of "
        "`horizon`, which it sets to the days from start_date to end_date, at most "
        f"{MAX_DURATION_TEXT}).",
        examples=["2026-12-31"],
    )

    @property
    def warmup_s(self) -> float:
        """The fixed warm-up in seconds (0 with ``auto``: each replication chooses its own)."""
        return 0.0 if self.warmup == AUTO else float(self.warmup)

    @property
    def sim_start_s(self) -> float:
        """When the simulation starts: −warmup for dated runs, else 0."""
        return -self.warmup_s if self.start_date is not None else 0.0

    @property
    def measure_start_s(self) -> float:
        """Start of the measured window: 0 for dated runs, else the warm-up's end."""
        return 0.0 if self.start_date is not None else self.warmup_s

    @model_serializer(mode="wrap")
    def _horizon_or_end(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Write back exactly one of horizon and end_date, as given."""
        data: dict[str, Any] = handler(self)
        data.pop("horizon" if self.end_date is not None else "end_date", None)
        return data

    @field_validator("start_date", "end_date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        """A date (YAML's unquoted one or quoted ISO text); never a number (a Unix time)."""
        return None if value is None else as_date(value)

    @model_validator(mode="before")
    @classmethod
    def _calendar_spans(cls, data: Any) -> Any:
        """With a start date, `N month`/`N year` spans are calendar months/years."""
        if isinstance(data, dict) and data.get("start_date") is None and data.get("end_date"):
            raise ValueError("end_date: expected start_date to be set too, got none")
        if not isinstance(data, dict) or data.get("start_date") is None:
            return data
        try:
            start = as_date(data["start_date"])
        except ValueError:
            return data  # reported on the field by _date_only
        resolved = dict(data)
        if resolved.get("end_date") is not None:
            if resolved.get("horizon") is not None:
                raise ValueError(
                    "horizon: expected exactly one of horizon or end_date for a dated run, got both"
                )
            try:
                end = as_date(resolved["end_date"])
            except ValueError:
                return data  # reported on the field by _date_only
            if end < start:
                raise ValueError(
                    f"end_date: expected a date on or after start_date ({start}), got {end}"
                )
            if end >= add_months(start, _MAX_RUN_MONTHS):
                raise ValueError(
                    "end_date: expected a date less than 100 years after "
                    f"start_date ({start}), got {end}"
                )
            resolved["horizon"] = f"{((end - start).days + 1) * DAY_S!r} s"
        for key in ("horizon", "warmup"):
            text = data.get(key)
            if not isinstance(text, str):
                continue
            stripped = text.strip()
            for unit, months_per in (("month", 1), ("year", 12)):
                if stripped.endswith((unit, unit + "s")):
                    number = stripped.rstrip("s").removesuffix(unit).strip()
                    count = parse_number_text(number)
                    if count is None or not 0 <= count * months_per <= _MAX_RUN_MONTHS:
                        break  # left to the field's own check (grammar, 100-year bound)
                    if count == int(count):
                        # The warm-up runs before the start date, so its months count back.
                        sign = -1 if key == "warmup" else 1
                        other = add_months(start, sign * int(count) * months_per)
                        resolved[key] = f"{abs((other - start).days) * DAY_S!r} s"
                    break
        return resolved

    @model_validator(mode="after")
    def _check_spans(self) -> Self:
        if not self.horizon > 0:
            raise ValueError(f"horizon: expected a duration > 0, got {self.horizon!r} s")
        if not self.warmup_s < self.horizon:
            raise ValueError(
                f"warmup: expected less than the horizon ({self.horizon:g} s), "
                f"got {self.warmup_s:g} s"
            )
        return self


class Target(BaseModel):
    """A planning target on one KPI: ``{kpi: NAME, "<=": VALUE}`` (one operator).

    The value is in the KPI's dimension (``"1.2 s"``, ``"90%"``, ``"7/s"``, ``10``); the
    verdict is pass when the KPI's whole CI satisfies it, fail when none of it does.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kpi: StrictStr = Field(description="KPI name from docs/kpis.md, with any @breakdown.")
    op: Operator = Field(description="Comparison: <, <=, > or >=.")
    value: float = Field(description="Threshold in the KPI's SI unit.")
    text: str = Field(description="The threshold as written in the scenario.")

    @model_validator(mode="before")
    @classmethod
    def _from_operator_key(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        ops = [key for key in data if key in OPERATORS]
        unknown = [key for key in data if key not in (*OPERATORS, "kpi")]
        if unknown:
            raise ValueError(
                f"expected keys kpi and one of {', '.join(OPERATORS)}, got {unknown[0]!r}"
            )
        if len(ops) != 1:
            raise ValueError(
                f"expected exactly one operator among {', '.join(OPERATORS)}, got {len(ops)}"
            )
        raw = data[ops[0]]
        try:
            value, dimension = parse_quantity(raw)
        except ValueError as error:
            raise ValueError(f"{ops[0]}: {error}") from None
        return {
            "kpi": data.get("kpi"),
            "op": ops[0],
            "value": value,
            "text": raw if isinstance(raw, str) else repr(raw),
            "dimension": dimension,
        }

    dimension: str = Field(
        default="number", description="Dimension the text was written in.", exclude=True
    )

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, name: str, info: ValidationInfo) -> str:
        units = (info.context or {}).get("kpi_units")
        if units is None:
            return name
        base = kpi_names.base_of(name)
        if base not in units:
            close = sorted(k for k in units if k.split(".")[0] == base.split(".")[0])
            known = ", ".join(close or sorted(units))
            raise ValueError(f"expected a registered KPI ({known}), got {name!r}")
        return name

    @model_validator(mode="after")
    def _dimension_matches(self, info: ValidationInfo) -> Self:
        units = (info.context or {}).get("kpi_units")
        if units is None:
            return self
        unit = units[kpi_names.base_of(self.kpi)]
        if self.dimension == "number" and unit in ("s", "1/s"):
            example = "'1.2 s'" if unit == "s" else "'7/s'"
            raise ValueError(
                f"{self.op}: expected a value with a unit for {self.kpi} ({unit}), "
                f"like {example}, got {self.text}"
            )
        if self.dimension not in ("number", unit):
            raise ValueError(
                f"{self.op}: expected a value in {unit} for {self.kpi}, got {self.text!r}"
            )
        if unit == "fraction" and not 0 <= self.value <= 1:
            raise ValueError(f"{self.op}: expected a share in [0, 1], got {self.text}")
        return self

    @model_serializer
    def _as_written(self) -> dict[str, Any]:
        return {"kpi": self.kpi, self.op: self.text}

    def describe(self) -> str:
        """``"<= 1.2 s"``: the target as a planner wrote it."""
        return f"{self.op} {self.text}"


def scenario_from_data(data: dict[str, Any]) -> Scenario:
    """Validate a scenario's JSON-mode data (as dumped by :meth:`Scenario.__reduce__`)."""
    # No KPI registry in the context: the data comes from a scenario validated against it
    # already, and targets parse by their form (the scenario layer stays left of analysis).
    return Scenario.model_validate(data)


class Scenario(Section):
    """A complete simdata scenario: run settings, model sections and targets.

    Pickles as its validated data (validated again on load): some parametrised
    distribution classes (``LogNormal[Number]``) are built at import time and cannot be
    pickled by reference, and process pools and Dask must ship scenarios to workers.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return scenario_from_data, (self.data(),)

    def data(self) -> dict[str, Any]:
        """Every field as JSON values (defaults included) that validates back to an equal
        scenario: a default the scenario may not set explicitly (the traffic section, when
        enterprises generate the traffic) is left out."""
        data = self.model_dump(mode="json", by_alias=True)
        resolution = self.resolution
        if (
            self.enterprises is not None
            and resolution is not None
            and "traffic" not in resolution.model_fields_set
        ):
            del data["resolution"]["traffic"]
        for section in ("capacity", "network"):
            if getattr(self, section) is None:
                del data[section]  # absent, as before the section existed (same sha256)
        return data

    name: StrictStr = Field(default="unnamed", description="Short name shown in results.")
    description: StrictStr = Field(default="", description="What the scenario represents.")
    extends: StrictStr | None = Field(
        default=None,
        description="Relative path of a scenario this one starts from; mappings deep-merge, "
        "lists replace. Resolved away when loaded.",
    )
    run: RunSpec = Field(default_factory=RunSpec, description="Run settings.")
    resolution: ResolutionSpec | None = Field(
        default=None,
        description="Identifier-resolution secondary node (a multi-server queue); "
        "switched off when absent.",
    )
    network: NetworkSpec | None = Field(
        default=None,
        description="A resolution network of many nodes (recursive, top-level, secondary, "
        "enterprise) instead of the single `resolution` node; docs/network.md.",
    )
    calendar: CalendarSpec | None = Field(
        default=None,
        description="Working-day calendar (holidays, 调休 workdays, office hours); the "
        "defaults apply when absent.",
    )
    catalogue: CatalogueSpec | None = Field(
        default=None, description="Public data resource catalogue (needed by requesters)."
    )
    requesters: RequestersSpec | None = Field(
        default=None,
        description="Data requesters; switches the public-data sharing model on (needs "
        "run.start_date and catalogue).",
    )
    policy: PolicySpec | None = Field(
        default=None, description="Sharing and opening policy; the defaults apply when absent."
    )
    agency: AgencySpec | None = Field(
        default=None,
        description="One-level development agency; switched off when absent (development "
        "requests are then rejected).",
    )
    enterprises: EnterprisesSpec | None = Field(
        default=None,
        description="Enterprises joining the identifier-resolution secondary node "
        "(registrations, resolutions, innovative cases, counted per day); needs "
        "run.start_date.",
    )
    subsidy: SubsidySpec | None = Field(
        default=None,
        description="The Zhanjiang subsidy rule judged per enterprise per day (needs "
        "enterprises); document 004 line 70.",
    )
    capacity: CapacitySpec | None = Field(
        default=None,
        description="The design day `simdata capacity` scales (needs enterprises); the "
        "defaults apply when absent.",
    )
    targets: list[Target] = Field(
        default_factory=list,
        description='Planning targets, each `{kpi: NAME, "<=": VALUE}`; judged on 95% CIs.',
    )

    @model_validator(mode="wrap")
    @classmethod
    def _with_workday_length(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """Validate working-time fields with this scenario's own office hours."""
        calendar = data.get("calendar") if isinstance(data, dict) else None
        hours = calendar.get("office_hours") if isinstance(calendar, dict) else None
        always = calendar.get("always_open") if isinstance(calendar, dict) else None
        with workday_length(office_day_seconds(hours, always)):
            return handler(data)

    @model_validator(mode="wrap")
    @classmethod
    def _auto_warmup(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """``run.warmup: auto`` where it applies, and by default there (scenario/warmup)."""
        return resolve_warmup(handler(data))

    @model_validator(mode="after")
    def _growth_stays_bounded(self) -> Self:
        """A growing rate may change at most 10⁹-fold over the simulated span.

        Each growth is bounded on its own; compounded over warm-up plus horizon it could
        still overflow to infinity (or ask for 10³⁰⁰ arrivals), failing every replication.
        """
        span = self.run.warmup_s + self.run.horizon
        growths: list[tuple[str, GrowthRate | None]] = []
        if self.enterprises is not None and isinstance(self.enterprises.adoption, PoissonAdoption):
            growths.append(("enterprises.adoption.growth", self.enterprises.adoption.growth))
        if self.requesters is not None:
            growths += [
                (f"requesters.groups.{index}.growth", group.growth)
                for index, group in enumerate(self.requesters.groups)
            ]
        for field, growth in growths:
            if growth is None:
                continue
            orders = abs(growth.per_s) * span / math.log(10.0)
            if orders > math.log10(MAX_GROWTH_FACTOR):
                change = "grows" if growth.per_s > 0 else "shrinks"
                raise ValueError(
                    f"{field}: expected a growth that changes the rate at most "
                    f"10^{math.log10(MAX_GROWTH_FACTOR):.0f}-fold over warm-up + horizon "
                    f"({span / DAY_S:g} d), got {growth} (the rate {change} "
                    f"10^{orders:.1f}-fold)"
                )
        return self

    @model_validator(mode="after")
    def _design_day_in_run(self) -> Self:
        """A capacity design day needs the enterprises' days, and a date within the run."""
        if self.capacity is None:
            return self
        if self.enterprises is None:
            raise ValueError(
                "capacity: expected an enterprises section for a design day (a node-only "
                "scenario is searched over its own run window), got none"
            )
        check_design_day(self.capacity, self.run.start_date, self.run.horizon)
        return self

    @model_validator(mode="after")
    def _something_to_simulate(self) -> Self:
        sections = (self.resolution, self.network, self.requesters, self.enterprises)
        if all(section is None for section in sections):
            raise ValueError(
                "resolution: expected at least one model section (resolution, network, "
                "requesters or enterprises), got none"
            )
        if self.network is not None:
            check_network_alone(self.resolution is not None)
        if self.enterprises is not None:
            if self.run.start_date is None:
                raise ValueError(
                    "run.start_date: expected a start date for the enterprises section, got none"
                )
            if self.resolution is not None and "traffic" in self.resolution.model_fields_set:
                raise ValueError(
                    "resolution.traffic: expected no traffic section with enterprises (the "
                    "node's traffic is generated from them), got one"
                )
        if self.subsidy is not None:
            if self.enterprises is None:
                raise ValueError(
                    "subsidy: expected an enterprises section for the rule to judge, got none"
                )
            try:
                check_deadline(self.subsidy, self.run.start_date, self.run.horizon)
            except ValueError as error:
                raise ValueError(f"subsidy.{error}") from None
        if self.requesters is not None:
            check_requesters(self.requesters, self.catalogue, self.policy, self.run.start_date)
        return self
