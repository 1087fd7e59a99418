"""The package's public surface and generated docs."""

from __future__ import annotations

from pathlib import Path

import pytest

import simdata
from simdata.reference_docs import PAGES

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.unit


def test_all_is_exactly_the_curated_surface() -> None:
    """`simdata.__all__` lists the public API and every name in it exists."""
    assert set(simdata.__all__) == {
        "RunError",
        "RunResult",
        "Scenario",
        "ScenarioError",
        "SimdataError",
        "StoppingRule",
        "__version__",
        "backtest",
        "capacity",
        "compare",
        "load_scenario",
        "make_executor",
        "optimize",
        "resume",
        "run",
        "sweep",
    }
    for name in simdata.__all__:
        assert hasattr(simdata, name), name


@pytest.mark.parametrize("page", sorted(PAGES))
def test_generated_reference_pages_are_current(page: str) -> None:
    """docs/scenario-reference.md and docs/kpis.md equal what the code generates now."""
    committed = (REPO / "docs" / page).read_text(encoding="utf-8")
    assert committed == PAGES[page](), (
        f"docs/{page} is stale: run `python -m simdata.reference_docs`"
    )


def test_every_field_has_a_description() -> None:
    """Every scenario field carries a description (the reference page depends on it)."""
    from pydantic import BaseModel

    from simdata.scenario.schema import _models_in

    seen: set[type[BaseModel]] = set()
    queue: list[type[BaseModel]] = [simdata.Scenario]
    while queue:
        model = queue.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"
            queue.extend(_models_in(info.annotation))
    assert len(seen) >= 5


def test_json_schema_names_every_top_level_key() -> None:
    """`simdata schema` describes the top-level keys and forbids unknown ones."""
    from simdata.scenario.schema import json_schema

    schema = json_schema()
    assert set(schema["properties"]) == {
        "name",
        "description",
        "extends",
        "run",
        "resolution",
        "network",
        "calendar",
        "catalogue",
        "requesters",
        "policy",
        "agency",
        "enterprises",
        "subsidy",
        "capacity",
        "targets",
    }
    assert schema["additionalProperties"] is False


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run installs and runs exactly what the README's second command does."""
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.+?)\n```", readme)
    setup_and_test = commands[1]
    install, test = setup_and_test.split(" && ")[1:]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert install.replace("pip install -q", "pip install -q --disable-pip-version-check") in ci
    assert f"\n{test}\n" in ci
    assert "simdata run scenarios/" in commands[0]
