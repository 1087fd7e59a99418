"""Identifier counts read Chinese numerals too (issue 13 §9): the subsidy's 10万 is written
as the document writes it, and the resolved scenario.yaml keeps it."""

from __future__ import annotations

from pathlib import Path

import pytest

import simdata
from simdata.errors import ScenarioError
from simdata.scenario.loader import scenario_to_yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.unit
def test_the_shipped_subsidy_threshold_is_10wan_and_round_trips(tmp_path: Path) -> None:
    scenario = simdata.load_scenario(ROOT / "scenarios" / "zhanjiang-baseline.yaml")
    assert scenario.subsidy is not None
    assert scenario.subsidy.min_registrations == 100_000
    text = scenario_to_yaml(scenario)
    assert "min_registrations: 10万" in text
    resolved = tmp_path / "scenario.yaml"
    resolved.write_text(text, encoding="utf-8")
    assert simdata.load_scenario(resolved) == scenario


@pytest.mark.unit
@pytest.mark.parametrize(
    ("value", "expected"), [("1.5万", 15_000), ("3千", 3_000), ("2000", 2_000)]
)
def test_counts_take_numerals(value: str, expected: int) -> None:
    scenario = simdata.load_scenario(
        ROOT / "scenarios" / "zhanjiang-baseline.yaml", [f"subsidy.min_registrations={value}"]
    )
    assert scenario.subsidy is not None
    assert scenario.subsidy.min_registrations == expected


@pytest.mark.unit
@pytest.mark.parametrize("value", ["1.5万5", "万", "1.00001万"])
def test_a_bad_or_fractional_count_is_one_line(value: str) -> None:
    with pytest.raises(ScenarioError, match="min_registrations") as caught:
        simdata.load_scenario(
            ROOT / "scenarios" / "zhanjiang-baseline.yaml", [f"subsidy.min_registrations={value}"]
        )
    assert "\n" not in str(caught.value)
