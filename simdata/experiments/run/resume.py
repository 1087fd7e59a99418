"""``--resume``: finish an interrupted run directory, running only its missing replications.

Before anything runs, the directory is checked — a ``simdata run`` directory, interrupted,
its manifest the one the run wrote (``run_identity``), its ``scenario.yaml`` the one the
manifest names — and every part is verified before it is merged: readable, stored under its
own index, of this run, undamaged. Anything else is one line, exit 2, nothing changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from simdata.analysis.kpis import kpi_units
from simdata.errors import UsageError
from simdata.experiments.executors import Executor, SerialExecutor
from simdata.experiments.replication import Replication, part_meta
from simdata.experiments.run import record
from simdata.experiments.run.loop import Planned, Progress, Runner
from simdata.experiments.run.result import RunResult
from simdata.experiments.until_decided import StoppingRule
from simdata.results.directory import claim_run_dir, iso, utc_now
from simdata.results.files import part_paths
from simdata.results.manifest import (
    MANIFEST_NAME,
    Resumed,
    RunManifest,
    read_manifest,
    run_manifest,
)
from simdata.scenario.loader import load_scenario, scenario_sha256
from simdata.scenario.models import Scenario


def resume(
    run_dir: str | Path,
    scenario: Scenario | None = None,
    *,
    argv: Sequence[str] = (),
    progress: Progress | None = None,
    executor: Executor | None = None,
    planned: Planned | None = None,
) -> RunResult:
    """Finish an interrupted run directory: run only its missing replications.

    The scenario comes from ``RUN_DIR/scenario.yaml``; a ``scenario`` given too must resolve
    to the same sha256. The result equals an uninterrupted run's.
    """
    run_dir = Path(run_dir)
    with claim_run_dir(run_dir, resume=True):
        saved, old = resumable(run_dir)
        if scenario is not None and scenario_sha256(scenario) != old.scenario_sha256:
            raise UsageError(
                f"{run_dir}: --resume: SCENARIO resolves to sha256 "
                f"{scenario_sha256(scenario)[:12]}…, expected the run's "
                f"{old.scenario_sha256[:12]}… (its scenario.yaml)"
            )
        decided = old.until_decided
        rule = StoppingRule.from_dict(decided.model_dump()) if decided is not None else None
        base = record.base_manifest(saved, old.argv, record.parse_utc(old.started_utc), rule)
        again = Resumed(argv=list(argv), at_utc=iso(utc_now()))
        base = base.model_copy(update={"resumed": [*(old.resumed or []), again]})
        done = verified_parts(run_dir, base)
        executor = executor if executor is not None else SerialExecutor()
        runner = Runner(saved, run_dir, executor, rule, base, done, progress, planned)
        return runner.execute()


def verified_parts(run_dir: Path, base: RunManifest) -> dict[int, Replication]:
    """The finished replications of ``run_dir``, each checked before it is merged: readable,
    stored under its own index, of this run (scenario, root seed and plan: the run
    identity) and undamaged (its tables' sha256). Anything else is one line, exit 2."""
    done = {}
    for index, path in part_paths(run_dir).items():
        replication, meta = _read_part(path, index)
        problem = None
        if replication.index != index:
            problem = f"the part of replication {replication.index} under another name"
        elif meta.get("run_identity") != base.run_identity:
            problem = "a part of another run (other scenario, root seed or plan)"
        elif replication.root_seed != base.root_seed:
            problem = f"a part with root seed {replication.root_seed}"
        elif not meta["tables_ok"]:
            problem = "a part whose tables no longer match their sha256 (damaged)"
        if problem is not None:
            raise UsageError(
                f"{path}: --resume: expected replication {index} of this run, got {problem}; "
                "nothing was changed"
            )
        done[index] = replication
    return done


def _read_part(path: Path, index: int) -> tuple[Replication, dict[str, Any]]:
    try:
        part = pl.read_parquet(path)
        return Replication.from_part(part), part_meta(part)
    except Exception as error:  # polars, pyarrow, json and key errors: a damaged part
        raise UsageError(
            f"{path}: --resume: expected a part written by simdata run, got an unreadable "
            f"file ({type(error).__name__}); delete it to rerun replication {index}"
        ) from None


def resumable(run_dir: Path) -> tuple[Scenario, RunManifest]:
    """The scenario and manifest of a run directory that ``--resume`` can finish (else exit 2)."""
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir}: --resume: expected a run directory, got no such directory")
    old = read_manifest(run_dir)
    if old.get("kind") != "run":
        raise UsageError(
            f"{run_dir}: --resume: expected a `simdata run` directory, got kind {old.get('kind')!r}"
        )
    if old.get("status") not in ("running", "interrupted"):
        raise UsageError(
            f"{run_dir}: --resume: expected an interrupted run, got status "
            f"{old.get('status')!r} (nothing to resume)"
        )
    if old.get("run_identity") != record.run_identity(old):
        raise UsageError(
            f"{run_dir / MANIFEST_NAME}: --resume: expected the manifest the run wrote, got "
            "one whose scenario, seed or plan was edited (run_identity does not match)"
        )
    saved = load_scenario(run_dir / "scenario.yaml", kpi_units=kpi_units())
    if scenario_sha256(saved) != old.get("scenario_sha256"):
        raise UsageError(
            f"{run_dir / 'scenario.yaml'}: --resume: expected the scenario the manifest names "
            f"(sha256 {str(old.get('scenario_sha256'))[:12]}…), got a changed file"
        )
    return saved, run_manifest(run_dir / MANIFEST_NAME, old)
