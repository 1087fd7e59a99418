"""Which KPI names a scenario can produce, so a target that cannot be computed is refused.

A target on a KPI the scenario never produces — an identifier KPI in a node-only scenario,
``@year=2027`` in a 2024–25 run, ``@at=`` a value the subsidy does not report, a latency
KPI without ``@window`` when latency is sampled in windows — would otherwise be
"undecided" for ever (``--until-decided`` runs to its cap on it). :func:`check_targets`
refuses it when the scenario is loaded: one line naming the target's file, line and field,
why it cannot be computed, and the closest names the scenario does produce
(:func:`difflib.get_close_matches`).

A name is producible when

1. its KPI (or a variant of it, :data:`simdata.analysis.kpis.VARIANTS`) reads a frame the
   scenario's components record (:func:`simdata.model.produced.produced_frames`);
2. that KPI form has the name's breakdown (``Kpi.by``: ``None`` for none; one breakdown
   at most, as :func:`simdata.analysis.kpis.compute_kpis` computes them);
3. the breakdown's value is one the scenario produces: ``Kpi.values`` when the KPI
   restricts them, and the dimension's :class:`Domain` from :data:`DIMENSIONS`.

**The hook.** Every breakdown dimension a KPI declares in ``by`` must have a domain in
:data:`DIMENSIONS` (``register_dimension``; a test fails otherwise): a function of the
scenario giving the values it produces, listed (``channel``: the requester groups'
channels) or as a pattern (``date``: any day of the run). A KPI whose values differ from
its dimension's registers its own with ``register_kpi_dimension`` (e.g. one reporting only
targeted days). ``month``, ``quarter`` and ``date`` are registered here from the run's span.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY, VARIANTS, Kpi
from simdata.analysis.network.names import DIMENSION as NODE
from simdata.analysis.network.names import ECONOMY_KPIS, PATH_KPIS, PROVINCE, QUEUE_KPIS
from simdata.model.identifiers.subsidy import CONDITIONS
from simdata.model.produced import latency_sampled, produced_frames
from simdata.model.resolution.windows import WINDOW
from simdata.scenario import public_data as public_data_spec
from simdata.scenario.loader import ScenarioCheckError
from simdata.scenario.models import Scenario
from simdata.scenario.units import DAY_S

#: Most close matches named in a refusal.
CLOSEST = 3


@dataclass(frozen=True)
class Domain:
    """The values of one breakdown dimension a scenario produces.

    ``values`` are listed (and offered as close matches); ``pattern`` accepts further
    values not worth listing (every day of a run); ``expected`` says what is accepted.
    """

    values: tuple[str, ...]
    expected: str
    pattern: Callable[[str], bool] | None = None

    def accepts(self, value: str) -> bool:
        return value in self.values or (self.pattern is not None and self.pattern(value))


DomainOf = Callable[[Scenario], Domain]

#: Breakdown dimension → the values a scenario produces (the hook; see the module docstring).
DIMENSIONS: dict[str, DomainOf] = {}
#: (KPI name, dimension) → that KPI's own domain, where it differs from the dimension's.
KPI_DIMENSIONS: dict[tuple[str, str], DomainOf] = {}


def register_dimension(dimension: str, domain: DomainOf) -> None:
    """Declare the values of breakdown ``dimension`` in a scenario."""
    DIMENSIONS[dimension] = domain


def register_kpi_dimension(kpi: str, dimension: str, domain: DomainOf) -> None:
    """Declare the values of ``kpi``'s breakdown ``dimension``, overriding the dimension's."""
    KPI_DIMENSIONS[(kpi, dimension)] = domain


# -- the run's span ------------------------------------------------------------------------


def run_days(scenario: Scenario) -> tuple[dt.date, dt.date] | None:
    """First and last measured day of a dated run (None without ``run.start_date``)."""
    start = scenario.run.start_date
    if start is None:
        return None
    last_s = max(0.0, scenario.run.horizon - 1e-6)
    return start, start + dt.timedelta(days=int(last_s // DAY_S))


def _years(scenario: Scenario) -> Domain:
    span = run_days(scenario)
    if span is None:
        return Domain((), "a year of a dated run (this run has no start_date)")
    years = tuple(str(y) for y in range(span[0].year, span[1].year + 1))
    return Domain(years, f"a year of the run, {years[0]}–{years[-1]}")


def _months(scenario: Scenario) -> Domain:
    span = run_days(scenario)
    if span is None:
        return Domain((), "a month YYYY-MM of a dated run (this run has no start_date)")
    (first, last), months = span, []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return Domain(tuple(months), f"a month YYYY-MM of the run, {months[0]} to {months[-1]}")


def _quarters(scenario: Scenario) -> Domain:
    months = _months(scenario).values
    quarters = tuple(dict.fromkeys(f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in months))
    if not quarters:
        return Domain((), "a quarter YYYY-Qn of a dated run (this run has no start_date)")
    return Domain(quarters, f"a quarter YYYY-Qn of the run, {quarters[0]} to {quarters[-1]}")


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _dates(scenario: Scenario) -> Domain:
    span = run_days(scenario)
    if span is None:
        return Domain((), "a day YYYY-MM-DD of a dated run (this run has no start_date)")
    first, last = span

    def in_run(value: str) -> bool:
        if not _ISO_DAY.match(value):
            return False
        try:
            return first <= dt.date.fromisoformat(value) <= last
        except ValueError:
            return False

    return Domain(
        (first.isoformat(), last.isoformat()), f"a day YYYY-MM-DD from {first} to {last}", in_run
    )


# -- the dimensions that exist today -----------------------------------------------------


def _groups(scenario: Scenario) -> list[Any]:
    return list(scenario.requesters.groups) if scenario.requesters is not None else []


def _backlog(scenario: Scenario) -> bool:
    return scenario.requesters is not None and any(scenario.requesters.initial_backlog.values())


def _kinds(scenario: Scenario) -> Domain:
    kinds = {group.kind for group in _groups(scenario)} | (
        {"government"} if _backlog(scenario) else set()
    )
    return Domain(tuple(sorted(kinds)), "a requester kind of the scenario's groups")


def _channels(scenario: Scenario) -> Domain:
    channels = {
        c for group in _groups(scenario) for c, share in group.channels().items() if share > 0
    }
    channels |= {"sharing"} if _backlog(scenario) else set()
    return Domain(tuple(sorted(channels)), "a channel of the scenario's requester groups")


def _nodes(scenario: Scenario, wanted: Callable[[Any], bool], expected: str) -> Domain:
    network = scenario.network
    nodes = [] if network is None else [node.name for node in network.nodes if wanted(node)]
    return Domain(tuple(nodes), expected)


def _provinces(scenario: Scenario) -> Domain:
    network = scenario.network
    nodes = [] if network is None else network.of_kind("secondary")
    provinces = dict.fromkeys(node.province for node in nodes if node.province)
    return Domain(tuple(provinces), "a province of the network's secondary nodes")


def _departments(scenario: Scenario) -> Domain:
    catalogue: Any = scenario.catalogue
    if catalogue is None:
        return Domain((), "a department of the catalogue")
    if hasattr(catalogue, "department_table"):  # departments given as a list or sizes
        names = tuple(catalogue.department_table().names)
    else:
        names = tuple(public_data_spec.department_names(catalogue.departments))
    return Domain(names, f"a department of the catalogue ({names[0]} … {names[-1]})")


register_dimension("year", _years)
register_dimension("month", _months)
register_dimension("quarter", _quarters)
register_dimension("date", _dates)
register_dimension("kind", _kinds)
register_dimension("channel", _channels)
register_dimension("department", _departments)
register_dimension("at", lambda s: Domain(("deadline", "horizon"), "a moment of the subsidy rule"))
register_dimension("condition", lambda s: Domain(CONDITIONS, "a condition of the subsidy rule"))
register_dimension(NODE, lambda s: _nodes(s, lambda node: True, "a node of the network"))
register_dimension(PROVINCE, _provinces)
for _name in QUEUE_KPIS:
    register_kpi_dimension(
        _name, NODE, lambda s: _nodes(s, lambda node: node.queues, "a node with servers")
    )
for _name in (*PATH_KPIS, *ECONOMY_KPIS):
    register_kpi_dimension(
        _name, NODE, lambda s: _nodes(s, lambda node: node.kind == "secondary", "a secondary node")
    )
register_dimension("window", lambda s: Domain((WINDOW,), f"the sampled window {WINDOW}"))


# -- the check -----------------------------------------------------------------------------


def _forms(base: str) -> list[Kpi]:
    """Every way of computing ``base``: its registry entry and its variants."""
    registered = REGISTRY.get(base)
    return [
        *([registered] if registered is not None else []),
        *(v for v in VARIANTS if v.name == base),
    ]


def _domain(scenario: Scenario, kpi: Kpi, dimension: str) -> Domain | None:
    """The values of ``kpi``'s breakdown ``dimension`` in ``scenario`` (None: unregistered)."""
    domain_of = KPI_DIMENSIONS.get((kpi.name, dimension)) or DIMENSIONS.get(dimension)
    if domain_of is None:
        return None
    domain = domain_of(scenario)
    if kpi.values is None:
        return domain
    allowed = set(kpi.values)
    listed = tuple(v for v in domain.values if v in allowed)
    pattern = domain.pattern
    return Domain(
        listed,
        f"{domain.expected}, one of {', '.join(kpi.values)}",
        None if pattern is None else (lambda value: value in allowed and pattern(value)),
    )


def producible_kpis(scenario: Scenario) -> list[str]:
    """Every KPI name (with listed breakdown values) ``scenario`` produces, in registry order."""
    frames = produced_frames(scenario)
    names: list[str] = []
    for kpi in (*REGISTRY.values(), *VARIANTS):
        if kpi.frame.name not in frames:
            continue
        for dimension in kpi.by:
            if dimension is None:
                names.append(kpi.name)
                continue
            domain = _domain(scenario, kpi, dimension)
            for value in domain.values if domain is not None else ():
                names.append(kpi_names.format(kpi.name, [(dimension, value), *kpi.suffix]))
    return list(dict.fromkeys(names))


def why_not_producible(scenario: Scenario, name: str) -> str | None:
    """Why ``scenario`` cannot compute the KPI ``name`` (None when it can)."""
    parsed = kpi_names.parse(name)
    forms = _forms(parsed.base)
    if not forms:
        return f"{parsed.base} is not a registered KPI"
    frames = produced_frames(scenario)
    produced = [kpi for kpi in forms if kpi.frame.name in frames]
    if not produced:
        needs = " or ".join(
            dict.fromkeys(f"{k.frame.producer} (frame {k.frame.name})" for k in forms)
        )
        return f"{parsed.base} needs the model's {needs}, which this scenario does not simulate"
    (dimension, value), *rest = parsed.breakdowns.items() or [("", "")]
    if len(parsed.breakdowns) > 1 and not any(k.suffix == tuple(rest) for k in produced):
        composed = sorted({_composed(k) for k in produced if k.suffix})
        also = f" (composed here: {', '.join(composed)})" if composed else ""
        return f"a KPI takes one @breakdown at most{also}"
    if not parsed.breakdowns:
        if any(None in kpi.by for kpi in produced):
            return None
        needed = ", ".join(_breakdown_forms(scenario, produced))
        why = "latency is sampled in peak-hour windows here; " if latency_sampled(scenario) else ""
        return f"{why}{parsed.base} needs a breakdown here ({needed})"
    with_dimension = [kpi for kpi in produced if dimension in kpi.by and kpi.suffix == tuple(rest)]
    if not with_dimension:
        dims = sorted({d for kpi in produced for d in kpi.by if d is not None}) or ["none"]
        return f"{parsed.base} has no breakdown @{dimension} here (it has {', '.join(dims)})"
    domains = [_domain(scenario, kpi, dimension) for kpi in with_dimension]
    if any(domain is None or domain.accepts(value) for domain in domains):
        return None  # a dimension without a registered domain is not judged here
    expected = next(d for d in domains if d is not None).expected
    return f"@{dimension}={value} is not produced by this scenario (expected {expected})"


def _composed(kpi: Kpi) -> str:
    """``@node=…@window=peak_hour``: a form with fixed trailing breakdowns."""
    fixed = "".join(f"@{d}={v}" for d, v in kpi.suffix)
    return "".join(f"@{d}=…{fixed}" for d in kpi.by if d is not None)


def _breakdown_forms(scenario: Scenario, kpis: list[Kpi]) -> list[str]:
    """``@window=peak_hour`` (a dimension of few values) or ``@date=…`` for each breakdown."""
    forms: list[str] = []
    for kpi in kpis:
        for dimension in (d for d in kpi.by if d is not None):
            domain = _domain(scenario, kpi, dimension)
            few = domain is not None and 0 < len(domain.values) <= 2 and domain.pattern is None
            values = domain.values if domain is not None and few else ("…",)
            forms += [f"@{dimension}={value}" for value in values]
    return list(dict.fromkeys(forms))


def closest_kpis(scenario: Scenario, name: str) -> list[str]:
    """Up to :data:`CLOSEST` producible names nearest ``name``: close spellings first, else
    the same KPI's, else the same area's."""
    candidates = producible_kpis(scenario)
    close = difflib.get_close_matches(name, candidates, n=CLOSEST, cutoff=0.6)
    if close:
        return close
    parsed = kpi_names.parse(name)
    for prefix in (parsed.base, parsed.area + "."):
        same = [c for c in candidates if kpi_names.base_of(c).startswith(prefix)]
        if same:
            return difflib.get_close_matches(name, same, n=CLOSEST, cutoff=0.0)
    return difflib.get_close_matches(name, candidates, n=CLOSEST, cutoff=0.0)


def check_targets(scenario: Scenario) -> None:
    """Refuse the first target whose KPI ``scenario`` cannot compute (one line, with the
    closest KPIs it does produce); the loader names the target's file and line."""
    for index, target in enumerate(scenario.targets):
        why = why_not_producible(scenario, target.kpi)
        if why is None:
            continue
        closest = closest_kpis(scenario, target.kpi)
        offer = f"; closest: {', '.join(closest)}" if closest else ""
        raise ScenarioCheckError(
            ("targets", index, "kpi"),
            f"expected a KPI this scenario produces, got {target.kpi!r} ({why}{offer})",
        )
