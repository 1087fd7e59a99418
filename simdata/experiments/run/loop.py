"""The replication loop: hand the missing replications to an executor, keep each as it
finishes (its part on disk, then the manifest), and assemble the tables at the end.

Nothing is lost on the way: each finished replication is written at once as
``parts/rep-NNNNNN.parquet`` with a ``running`` manifest; Ctrl-C leaves an ``interrupted``
manifest; a disk that refuses a write is one line and exit 1, the manifest counting only
the parts on disk. The final tables are built from the replications in index order, so a
resumed run's files are the same as an uninterrupted run's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import polars as pl

from simdata.analysis.summary import guard_warnings, summary_frame
from simdata.errors import RunError, SimdataError
from simdata.experiments.executors import Executor, SerialExecutor
from simdata.experiments.replication import Replication, ReplicationTask, replicate
from simdata.experiments.run import record
from simdata.experiments.run.diagnostics import (
    bimodal_warnings,
    model_warnings,
    warmup_warnings,
)
from simdata.experiments.run.result import RunResult, with_run_settings
from simdata.experiments.run.summary_md import summary_markdown
from simdata.experiments.run.tables import (
    histogram_frame,
    kpi_frame,
    model_tables,
    timeseries_frame,
)
from simdata.experiments.sizing import check_fits, estimate
from simdata.experiments.until_decided import Look, StoppingRule, look
from simdata.results.directory import claim_run_dir, utc_now
from simdata.results.files import part_path, remove_parts, write_parquet, write_text
from simdata.results.manifest import RunManifest, write_manifest
from simdata.scenario.loader import scenario_to_yaml
from simdata.scenario.models import Scenario

T = TypeVar("T")
Progress = Callable[[Replication], None]
#: Told the number of replications planned so far (it grows with ``--until-decided``).
Planned = Callable[[int], None]


@dataclass
class Runner:
    """One run's loop: hand missing replications to the executor, keep each as it finishes."""

    scenario: Scenario
    out_dir: Path | None
    executor: Executor
    rule: StoppingRule | None
    base: RunManifest
    done: dict[int, Replication]
    progress: Progress | None
    planned: Planned | None

    def execute(self) -> RunResult:
        """Run what is missing (every look of the stopping rule, or the fixed count)."""
        looks: list[Look] = []
        try:
            count = self._replicate(looks)
        except (KeyboardInterrupt, SimdataError):
            self._last_words("interrupted", looks)
            raise
        except Exception as error:
            if wrapped_interrupt(error):
                self._last_words("interrupted", looks)
                raise KeyboardInterrupt from None
            self._last_words("interrupted", looks, error=repr(error))
            where = f"; finished replications are kept: simdata run --resume {self.out_dir}"
            raise RunError(
                f"the run stopped: {_one_line(error)}" + (where if self.out_dir is not None else "")
            ) from error
        return self.persist(lambda: self._finish(self._first(count), looks))

    def _replicate(self, looks: list[Look]) -> int:
        """Replications until the plan is met; the count the tables are built from."""
        if self.rule is None:
            count = self.scenario.run.replications
            self._plan(count)
            self._ensure(count)
            return count
        for count in self.rule.looks():
            self._plan(count)
            self._ensure(count)
            first = self._first(count)
            one = look(
                kpi_frame(first), count, self.scenario.targets, self.rule, histogram_frame(first)
            )
            looks.append(one)
            self._write_manifest("running", looks=looks)
            if one.stop:
                break
        return count

    def start(self) -> None:
        """The resolved scenario and a ``running`` manifest, before the first replication, so
        that a run killed at any moment can be finished with ``--resume``."""
        out_dir = self.out_dir
        if out_dir is not None:
            text = scenario_to_yaml(self.scenario)
            self.persist(lambda: write_text(out_dir / "scenario.yaml", text))
            self.persist(lambda: self._write_manifest("running"))

    def persist(self, write: Callable[[], T]) -> T:
        """``write()``, with a failure to write the run directory (disk full, a removed
        directory, a read-only mount) turned into one line and exit 1; the manifest keeps
        the truth as far as the disk lets it be written."""
        try:
            return write()
        except OSError as error:
            self._last_words("interrupted", (), error=repr(error))
            raise RunError(
                f"{error.filename or self.out_dir}: the run stopped: cannot write its "
                f"directory ({error.strerror or error}); {len(self.done)} finished "
                f"replication(s) are kept: free space, then simdata run --resume {self.out_dir}"
            ) from None

    def _last_words(self, status: str, looks: Sequence[Look], *, error: str | None = None) -> None:
        """The manifest of a run that stops here, if the disk still takes it (a full disk
        may not: the previous manifest then stays, with its true count of parts)."""
        with contextlib.suppress(OSError):
            self._write_manifest(status, looks=looks, error=error)

    def _plan(self, count: int) -> None:
        if self.planned is not None:
            self.planned(count)

    def _first(self, count: int) -> list[Replication]:
        return [self.done[index] for index in range(count)]

    def _ensure(self, count: int) -> None:
        """Run the replications among ``0 … count-1`` that are not done yet."""
        missing = [index for index in range(count) if index not in self.done]
        if not missing:
            return
        seed = self.scenario.run.seed
        tasks = [ReplicationTask(self.scenario, index, seed) for index in missing]
        keys = [f"run-rep-{index:06d}" for index in missing]
        finished = self.executor.map(replicate, tasks, keys)
        try:
            for _, replication in finished:
                self._keep(replication)
        finally:
            close = getattr(finished, "close", None)
            if close is not None:
                close()

    def _keep(self, replication: Replication) -> None:
        out_dir = self.out_dir
        if out_dir is not None:
            # Counted as done only once its part is on disk: the manifest never counts a
            # part that a full disk refused.
            part = replication.to_part(self.base.run_identity or "")
            self.persist(lambda: write_parquet(part_path(out_dir, replication.index), part))
            self.done[replication.index] = replication
            self.persist(lambda: self._write_manifest("running"))
        else:
            self.done[replication.index] = replication
        if self.progress is not None:
            self.progress(replication)

    def _write_manifest(
        self, status: str, *, looks: Sequence[Look] = (), error: str | None = None
    ) -> None:
        if self.out_dir is None:
            return
        content = record.progress_manifest(
            self.base, status, self.done, self.scenario, looks=looks, error=error,
            out_dir=self.out_dir,
        )  # fmt: skip
        write_manifest(self.out_dir, content)

    def _summary(
        self, kpis: pl.DataFrame, histograms: pl.DataFrame, looks: Sequence[Look]
    ) -> pl.DataFrame:
        """The summary; with ``--until-decided`` the targets judged as the rule's last look
        judged them: at its level, with the skewness-corrected interval."""
        rule = self.rule
        if rule is None or not looks:
            return summary_frame(kpis, self.scenario.targets, histograms=histograms)
        last = looks[-1]
        return summary_frame(
            kpis,
            self.scenario.targets,
            histograms=histograms,
            target_confidence=last.confidence,
            target_method=(
                f"sequential look at n = {last.n}, level 1 − α·n²/Σn² (α = {rule.alpha:g})"
            ),
            target_interval="hall",
        )

    def _finish(self, done: list[Replication], looks: list[Look]) -> RunResult:
        scenario = self.scenario
        kpis = kpi_frame(done)
        histograms = histogram_frame(done)
        timeseries = timeseries_frame(done, scenario.run.start_date)
        summary = self._summary(kpis, histograms, looks)
        result = RunResult(
            scenario=scenario,
            kpis=kpis,
            summary=summary,
            timeseries=timeseries,
            warnings=model_warnings(done)
            + warmup_warnings(timeseries, scenario)
            + bimodal_warnings(kpis)
            + guard_warnings(summary),
            failures=record.failures(done, scenario),
            out_dir=self.out_dir,
            tables=model_tables(done),
            replications=len(done),
            looks=looks,
            histograms=histograms,
        )
        result.manifest = record.final_manifest(
            self.base, done, status=result.status, warnings=result.warnings,
            failed=result.failures, rule=self.rule, looks=looks,
        )  # fmt: skip
        if self.out_dir is not None:
            _write_run_dir(self.out_dir, result, result.manifest)
        return result


def _write_run_dir(out_dir: Path, result: RunResult, manifest: RunManifest) -> None:
    """The run's tables, ``summary.md`` and — last — its manifest; then the parts go."""
    write_parquet(out_dir / "kpis.parquet", result.kpis)
    write_parquet(out_dir / "summary.parquet", result.summary)
    write_parquet(out_dir / "timeseries.parquet", result.timeseries)
    if result.histograms is not None:
        write_parquet(out_dir / "histograms.parquet", result.histograms)
    for name, table in result.tables.items():
        write_parquet(out_dir / f"{name}.parquet", table)
    write_text(out_dir / "summary.md", summary_markdown(result.overview()))
    write_manifest(out_dir, manifest)
    remove_parts(out_dir)


def wrapped_interrupt(error: BaseException) -> bool:
    """Whether ``error`` is a Ctrl-C in disguise: pydantic-core catches a KeyboardInterrupt
    raised inside a serializer (writing the scenario, hashing it for the manifest) and
    re-raises it as ``PydanticSerializationError("… KeyboardInterrupt: …")``; without this
    a Ctrl-C at that moment ended the run with exit 1 instead of 130."""
    return type(error).__name__ == "PydanticSerializationError" and "KeyboardInterrupt" in str(
        error
    )


def _one_line(error: BaseException) -> str:
    """``Type: message`` on one line (a multi-line message folded)."""
    return " ".join(f"{type(error).__name__}: {error}".split())


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    *,
    argv: Sequence[str] = (),
    progress: Progress | None = None,
    executor: Executor | None = None,
    until_decided: StoppingRule | None = None,
    planned: Planned | None = None,
) -> RunResult:
    """Run ``scenario``'s replications; write the run directory to ``out`` if given.

    ``replications`` and ``seed`` override ``run.replications`` and ``run.seed``. With
    ``out=None`` nothing is written. ``executor`` runs the replications (default: serially,
    here); ``until_decided`` replaces the fixed count by the stopping rule. ``progress`` is
    called after each replication, ``planned`` with the number planned so far.
    """
    scenario = with_run_settings(scenario, replications, seed)
    check_fits(estimate(scenario, getattr(executor, "workers", 1)))
    out_dir = Path(out) if out is not None else None
    lock = claim_run_dir(out_dir) if out_dir is not None else None
    try:
        runner = Runner(
            scenario,
            out_dir,
            executor if executor is not None else SerialExecutor(),
            until_decided,
            record.base_manifest(scenario, list(argv), utc_now(), until_decided),
            {},
            progress,
            planned,
        )
        try:
            runner.start()
        except Exception as error:
            if wrapped_interrupt(error):
                raise KeyboardInterrupt from None
            raise
        return runner.execute()
    finally:
        if lock is not None:
            lock.release()
