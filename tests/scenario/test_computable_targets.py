"""Issue 13 §8: a target must be computable, or the scenario is refused when loaded.

Every shipped scenario's targets are computable; a target in each of the four kinds that
used to print "undecided — add replications" for ever is refused through the real CLI
(``simdata validate``): exit 2, one line naming file, line, field, why, and the closest KPIs
the scenario does produce.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import simdata
from simdata.analysis.kpis import REGISTRY, VARIANTS
from simdata.analysis.producible import (
    DIMENSIONS,
    closest_kpis,
    producible_kpis,
    why_not_producible,
)
from simdata.cli import cli
from simdata.model.produced import PRODUCES, produced_frames
from simdata.model.world import COMPONENTS, simulate
from tests.cli_checks import one_line_error

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_has_computable_targets(path: Path) -> None:
    """Each shipped scenario loads, and each of its targets names a KPI it produces."""
    scenario = simdata.load_scenario(path)
    produced = set(producible_kpis(scenario))
    for target in scenario.targets:
        assert why_not_producible(scenario, target.kpi) is None, target.kpi
        if "@date=" not in target.kpi:
            assert target.kpi in produced, target.kpi


def _write(tmp_path: Path, extends: str, targets: str, run: str = "") -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(
        f"extends: {SCENARIOS / extends}\n{run}targets:\n"
        f"  - kpi: resolution.latency_p99@window=peak_hour\n"
        f'    "<=": 100 ms\n{targets}',
        encoding="utf-8",
    )
    return path


#: (base scenario, extra run lines, the bad target, words in the message, a closest KPI).
CASES = [
    (
        "node-baseline.yaml",
        "",
        "subsidy.qualified_count",
        "subsidy (frame subsidy), which this scenario does not simulate",
        "resolution.",
    ),
    (
        "zhanjiang-baseline.yaml",
        "",
        "registrations.total_count@year=2027",
        "expected a year of the run, 2024–2025",
        "registrations.total_count@year=2025",
    ),
    (
        "zhanjiang-baseline.yaml",
        "",
        "subsidy.qualified_count@at=2025-06-30",
        "@at=2025-06-30 is not produced",
        "subsidy.qualified_count@at=horizon",
    ),
    (
        "zhanjiang-baseline.yaml",
        "",
        "resolution.latency_p99",
        "sampled in peak-hour windows here; resolution.latency_p99 needs a breakdown here "
        "(@window=peak_hour)",
        "resolution.latency_p99@window=peak_hour",
    ),
]


@pytest.mark.cli
@pytest.mark.parametrize(("base", "run", "kpi", "why", "closest"), CASES)
def test_a_target_the_scenario_cannot_compute_is_refused(
    tmp_path: Path, base: str, run: str, kpi: str, why: str, closest: str
) -> None:
    """exit 2, one line: file:line of the target's kpi, the reason and the closest KPIs."""
    if base == "node-baseline.yaml":  # no windows there: the first target is plain p99
        path = tmp_path / "scenario.yaml"
        path.write_text(
            f"extends: {SCENARIOS / base}\ntargets:\n  - kpi: resolution.latency_p99\n"
            f'    "<=": 100 ms\n  - kpi: {kpi}\n    ">=": 10\n',
            encoding="utf-8",
        )
    else:
        value = "1 s" if "latency" in kpi else "10"
        path = _write(tmp_path, base, f'  - kpi: {kpi}\n    "<=": {value}\n', run)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    message = one_line_error(result)
    assert message.startswith(f"{path}:5: targets.1.kpi: expected a KPI this scenario produces")
    assert f"got '{kpi}'" in message
    assert why in message
    assert "closest: " in message
    assert closest in message.split("closest: ")[1]


def test_a_target_on_an_override_names_the_set_option(tmp_path: Path) -> None:
    """A target given by --set is named by the override, not a line."""
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            str(SCENARIOS / "zhanjiang-baseline.yaml"),
            "--set",
            "targets.0.kpi=registrations.total_count@year=2019",
        ],
    )
    message = one_line_error(result)
    assert ": --set targets.0.kpi: expected a KPI this scenario produces" in message


def test_closest_kpis_prefer_near_spellings() -> None:
    """A misspelt breakdown value is offered the right one first."""
    scenario = simdata.load_scenario(SCENARIOS / "fujian-public-data.yaml")
    name = "requests.within_sla_share@channel=sharin"
    assert why_not_producible(scenario, name) is not None
    assert closest_kpis(scenario, name)[0] == "requests.within_sla_share@channel=sharing"
    # the development channel has no SLA: not a producible within-SLA share
    assert why_not_producible(scenario, "requests.within_sla_share@channel=development")


def test_every_breakdown_dimension_has_a_domain() -> None:
    """The hook is filled: every dimension a KPI breaks down by declares its values."""
    dimensions = {d for kpi in (*REGISTRY.values(), *VARIANTS) for d in kpi.by if d is not None}
    assert dimensions - set(DIMENSIONS) == set()


def test_every_component_declares_its_frames() -> None:
    """Each component of the world has a line in model/produced.PRODUCES."""
    assert set(COMPONENTS) <= set(PRODUCES)


@pytest.mark.parametrize(
    ("name", "sets"),
    [
        ("node-baseline.yaml", ["run.horizon=20 s", "run.warmup=1 s", "run.replications=1"]),
        (
            "zhanjiang-baseline.yaml",
            [
                "run.end_date=2024-02-29",
                "subsidy.deadline=2024-02-29",
                "run.replications=1",
            ],
        ),
    ],
)
def test_declared_frames_are_the_recorded_ones(name: str, sets: list[str]) -> None:
    """What produced_frames says a scenario records is what one replication records."""
    scenario = simdata.load_scenario(SCENARIOS / name, sets)
    recorded = set(simulate(scenario, 0).frames) - {"timeseries"}
    assert recorded == set(produced_frames(scenario))
