"""The pilot check of levers declared monotone: a queue limit declared monotone for a wait
target is refused with one line (the admitted wait grows with the limit); the paired test's
false-alarm rate on differences with no effect is at most its level."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.experiments.optimize.monotone_check import FAMILY_LEVEL, pilot_plans, worse_p_value
from tests.cli_checks import one_line_error
from tests.optimize.queueing import write_queue

pytestmark = pytest.mark.validation

DESIGN = """\
parameters:
  - {path: resolution.servers, name: servers, range: [2, 6], integer: true, cost: 80000,
     monotone: true}
  - {path: resolution.queue_limit, name: queue, levels: [6, 9, 12, 15, 18], integer: true,
     cost: 5000, monotone: true}
max_replications: 40
"""


def test_a_lever_that_makes_a_kpi_worse_is_refused_in_one_line(tmp_path: Path) -> None:
    """Raising the queue limit 12 → 15 at 4 servers lengthens the admitted mean wait on
    every paired replication: exit 2, one line naming the design file, the lever's line,
    the lever and the KPI, suggesting monotone: false; nothing written."""
    scenario = write_queue(
        tmp_path / "mmck.yaml", 3.0, 1.0,
        ['{kpi: resolution.rejected_share, "<=": "2%"}', '{kpi: resolution.wait_mean, "<=": 1 s}'],
        horizon_s=1000, queue_limit=10, servers=4,
    )  # fmt: skip
    design = tmp_path / "design.yaml"
    design.write_text(DESIGN, encoding="utf-8")
    out = tmp_path / "out"
    outcome = CliRunner().invoke(
        cli,
        ["optimize", str(scenario), "--design", str(design), "--out", str(out), "--workers", "1"],
    )
    line = one_line_error(outcome)
    assert line.startswith(f"{design}:5:"), line  # the lever's monotone: true
    assert "parameters.1.monotone" in line
    assert "queue 12 → 15 made resolution.wait_mean worse" in line
    assert "declare monotone: false" in line
    assert not out.exists()
    # pilot_check: false trusts it (test_exact_answers: the feasible set is an upper set)


def test_the_pilot_raises_each_lever_one_step_from_the_middle() -> None:
    assert pilot_plans([5, 5]) == ((2, 2), [(0, (3, 2)), (1, (2, 3))])
    assert pilot_plans([1, 4]) == ((0, 1), [(1, (0, 2))])


@pytest.mark.parametrize("shape", ["normal", "exponential"])
def test_the_paired_test_false_alarm_rate_is_at_most_its_level(shape: str) -> None:
    """10 paired differences with mean 0 (normal, and centred exponential: skewed like
    waits): rejected at level 1 % in ≤ 1 % + 3 binomial SE of 4,000 pilots (measured over
    20,000 in docs/optimize.md)."""
    rng = np.random.default_rng(11)
    runs, level = 4000, FAMILY_LEVEL
    draws = rng.standard_normal((runs, 10)) if shape == "normal" else (
        rng.exponential(1.0, (runs, 10)) - 1.0
    )  # fmt: skip
    rate = np.mean([worse_p_value(list(row)) < level for row in draws])
    assert rate <= level + 3 * np.sqrt(level * (1 - level) / runs), rate
    assert worse_p_value([0.1] * 10) == 0.0  # a deterministic worsening is always refused
    assert worse_p_value([0.0] * 10) == 1.0
