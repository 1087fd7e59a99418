"""Ctrl-C keeps the evaluated plans and replications; ``--resume DIR`` goes on and ends with
the result of an uninterrupted run, without running the kept replications again."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.experiments.executors import SerialExecutor
from simdata.experiments.optimize.evaluate import PlanRecord
from tests.cli_checks import one_line_error
from tests.optimize.queueing import write_queue

pytestmark = pytest.mark.cli
T = TypeVar("T")
R = TypeVar("R")

DESIGN = """\
name: least-utilisation
parameters:
  - {path: resolution.servers, name: servers, range: [4, 8], integer: true}
  - {path: resolution.service_time.mean, name: service, levels: [0.8, 0.9, 1.0], unit: s}
objective: {minimise: resolution.utilisation}
indifference: 2%
max_replications: 80
trials: 8
batch: 4
confirm: 2
"""


class Counting(SerialExecutor):
    """Serial, counting the tasks it really runs."""

    ran = 0

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], keys: Sequence[str]
    ) -> Iterator[tuple[int, R]]:
        for position, item in enumerate(items):
            self.ran += 1
            yield position, fn(item)


def _interrupt_after(k: int) -> Callable[[PlanRecord], None]:
    """The test hook: Ctrl-C right after the k-th plan is evaluated."""

    def progress(record: PlanRecord) -> None:
        if record.number + 1 == k:
            raise KeyboardInterrupt

    return progress


def _shown(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def test_an_interrupted_run_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    """Interrupted (by a test hook) after the first confirmed plan — Optuna's exploration
    done, KN not started — then resumed: every plan, trial, estimate, KN mean, the guarantee
    and plan.json equal an uninterrupted run's, and fewer tasks run."""
    scenario = write_queue(
        tmp_path / "mmc.yaml", 3.2, 1.0, ['{kpi: resolution.wait_mean, "<=": 0.5 s}'],
        horizon_s=600, servers=8,
    )  # fmt: skip
    design = tmp_path / "design.yaml"
    design.write_text(DESIGN, encoding="utf-8")
    whole = Counting()
    reference = simdata.optimize(scenario, design, out=tmp_path / "whole", executor=whole)
    out = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        simdata.optimize(
            scenario, design, out=out, executor=Counting(), progress=_interrupt_after(1)
        )
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    assert pl.read_parquet(out / "candidates.parquet").height == 1  # kept as evaluated
    again = Counting()
    resumed = simdata.optimize(scenario, design, out=out, executor=again, resume=True)
    assert resumed.trials == reference.trials
    assert _shown(resumed.candidates()) == _shown(reference.candidates())
    assert resumed.guarantee() == reference.guarantee()
    assert 0 < again.ran < whole.ran  # the kept replications were not run again
    plan = json.loads((out / "plan.json").read_text())
    assert plan == json.loads((tmp_path / "whole" / "plan.json").read_text())


def test_resume_refuses_another_design(tmp_path: Path) -> None:
    scenario = write_queue(
        tmp_path / "mmc.yaml", 3.2, 1.0, ['{kpi: resolution.wait_mean, "<=": 0.5 s}'],
        horizon_s=600, servers=8,
    )  # fmt: skip
    design = tmp_path / "design.yaml"
    design.write_text(DESIGN, encoding="utf-8")
    out = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        simdata.optimize(scenario, design, out=out, progress=_interrupt_after(1))
    design.write_text(DESIGN.replace("trials: 8", "trials: 12"), encoding="utf-8")
    outcome = CliRunner().invoke(
        cli, ["optimize", str(scenario), "--design", str(design), "--resume", str(out),
              "--workers", "1"],
    )  # fmt: skip
    assert "expected the scenario and design it was started with" in one_line_error(outcome)
