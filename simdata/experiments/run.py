"""A run: replications of one scenario → KPI table, summary with CIs, verdicts, files.

``run`` is the Python face of ``simdata run``: it hands the replication indices to an
executor (serial unless told otherwise), summarises every KPI over replications, judges the
targets, checks the warm-up with MSER-5, and — only when ``out`` is given — writes the run
directory. Nothing is lost on the way: each finished replication is written at once as
``parts/rep-NNNNNN.parquet`` with a ``running`` manifest; Ctrl-C leaves an ``interrupted``
manifest; :func:`resume` runs only the missing replications, and the final tables — always
built from the replications in index order — are the same as an uninterrupted run's.
With a :class:`StoppingRule` (``--until-decided``) the replications come in batches until
the targets are decided (:mod:`simdata.experiments.until_decided`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import polars as pl

from simdata.analysis.kpis import REGISTRY, kpi_units
from simdata.analysis.stats import Estimate, summarise
from simdata.analysis.targets import combine, judge
from simdata.analysis.warmup import mser5
from simdata.errors import RunError, ScenarioError, SimdataError, UsageError
from simdata.experiments.executors import Executor, SerialExecutor
from simdata.experiments.replication import (
    Replication,
    ReplicationTask,
    part_meta,
    replicate,
)
from simdata.experiments.sizing import check_fits, estimate
from simdata.experiments.until_decided import Look, StoppingRule, look
from simdata.model.frames import FRAMES
from simdata.results import (
    claim_run_dir,
    iso,
    manifest,
    part_path,
    part_paths,
    read_manifest,
    remove_parts,
    utc_now,
    write_json,
    write_parquet,
    write_text,
)
from simdata.scenario.loader import load_scenario, scenario_sha256, scenario_to_yaml
from simdata.scenario.models import RunSpec, Scenario

KPI_SCHEMA = {"replication": pl.Int64, "kpi": pl.String, "value": pl.Float64}
TIMESERIES_SCHEMA = {
    "replication": pl.Int64,
    "time_s": pl.Float64,
    "date": pl.Date,
    "series": pl.String,
    "group": pl.String,
    "value": pl.Float64,
}

T = TypeVar("T")
Progress = Callable[[Replication], None]
#: Told the number of replications planned so far (it grows with ``--until-decided``).
Planned = Callable[[int], None]

#: Model tables written to the run directory when a replication produces them.
WRITTEN_TABLES = tuple(f.name for f in FRAMES.values() if f.written and f.name != "timeseries")


@dataclass
class RunResult:
    """What a run produced: the same tables the run directory holds."""

    scenario: Scenario
    kpis: pl.DataFrame
    summary: pl.DataFrame
    timeseries: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    out_dir: Path | None = None
    #: Model tables written as ``<name>.parquet`` (e.g. enterprises, enterprise_days).
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    #: Replications run (with ``--until-decided``, where the rule stopped).
    replications: int = 0
    #: ``--until-decided`` looks, in order (empty for a fixed count).
    looks: list[Look] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "failed" if self.failures else "complete"


def with_run_settings(
    scenario: Scenario, replications: int | None = None, seed: int | None = None
) -> Scenario:
    """The scenario with ``run.replications``/``run.seed`` replaced (validated)."""
    if replications is None and seed is None:
        return scenario
    settings = scenario.run.model_dump(mode="json")
    if replications is not None:
        settings["replications"] = replications
    if seed is not None:
        settings["seed"] = seed
    try:
        run_spec = RunSpec.model_validate(settings)
    except ValueError as error:
        raise ScenarioError(f"expected valid run settings: {error}", path="run") from None
    return scenario.model_copy(update={"run": run_spec})


def _kpi_frame(replications: Sequence[Replication]) -> pl.DataFrame:
    rows = [
        (rep.index, name, value)
        for rep in replications
        if rep.ok
        for name, value in rep.kpis.items()
    ]
    return pl.DataFrame(rows, schema=KPI_SCHEMA, orient="row")


def _timeseries_frame(
    replications: Sequence[Replication], start_date: dt.date | None
) -> pl.DataFrame:
    parts = []
    for rep in replications:
        frame = rep.frames.get("timeseries")
        if frame is None:
            continue
        parts.append(frame.with_columns(pl.lit(rep.index, dtype=pl.Int64).alias("replication")))
    if not parts:
        return pl.DataFrame(schema=TIMESERIES_SCHEMA)
    frame = pl.concat(parts)
    if start_date is None:
        date = pl.lit(None, dtype=pl.Date)
    else:
        days = (pl.col("time_s") // 86_400).cast(pl.Int64)
        date = pl.lit(start_date, dtype=pl.Date) + pl.duration(days=days)
    return frame.with_columns(date.alias("date")).select(list(TIMESERIES_SCHEMA))


def _model_tables(replications: Sequence[Replication]) -> dict[str, pl.DataFrame]:
    """The per-entity tables of every replication, long form with a replication column."""
    tables = {}
    for name in WRITTEN_TABLES:
        parts = [
            rep.frames[name].with_columns(pl.lit(rep.index, dtype=pl.Int64).alias("replication"))
            for rep in replications
            if name in rep.frames
        ]
        if parts:
            frame = pl.concat(parts, how="diagonal_relaxed")
            tables[name] = frame.select("replication", pl.exclude("replication"))
    return tables


def _summary_frame(kpis: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    summary = summarise(kpis)
    order = {name: i for i, name in enumerate(REGISTRY)}
    targeted = {t.kpi for t in scenario.targets}
    missing = [name for name in targeted if name not in set(summary["kpi"].to_list())]
    if missing:
        filler = pl.DataFrame(
            {"kpi": missing, "n": [0] * len(missing)}, schema={"kpi": pl.String, "n": pl.Int64}
        )
        summary = pl.concat([summary, filler], how="diagonal")
    targets_text, verdicts, units = [], [], []
    for row in summary.iter_rows(named=True):
        kpi = REGISTRY.get(row["kpi"].split("@", 1)[0])
        units.append(kpi.unit if kpi else None)
        estimate = Estimate(row["mean"], row["ci_low"], row["ci_high"], row["std"], row["n"])
        mine = [t for t in scenario.targets if t.kpi == row["kpi"]]
        targets_text.append(" and ".join(t.describe() for t in mine) if mine else None)
        verdicts.append(combine(judge(t, estimate) for t in mine) if mine else None)
    summary = summary.with_columns(
        pl.Series("unit", units, dtype=pl.String),
        pl.Series("target", targets_text, dtype=pl.String),
        pl.Series("verdict", verdicts, dtype=pl.String),
    )
    summary = summary.with_columns(
        pl.col("kpi")
        .map_elements(lambda k: order.get(k.split("@", 1)[0], len(order)), return_dtype=pl.Int64)
        .alias("_order")
    ).sort("_order", "kpi")
    # A KPI undefined in every replication (e.g. an outlay with no amount given) is left
    # out of the summary unless a target names it; kpis.parquet keeps its NaN values.
    summary = summary.filter((pl.col("n") > 0) | pl.col("target").is_not_null())
    return summary.select(
        "kpi", "unit", "mean", "ci_low", "ci_high", "std", "n", "target", "verdict"
    )


def _sampling_info(replications: Sequence[Replication]) -> dict[str, Any]:
    """The latency sampling plan and the requests simulated in it, over all replications."""
    infos = [rep.info for rep in replications if rep.info]
    if not infos:
        return {}
    total = sum(int(str(info.get("requests_simulated", 0))) for info in infos)
    windows = [info.get("windows") for info in infos if "windows" in info]
    return {
        "latency_sampling": infos[0].get("latency_sampling"),
        **({"latency_windows_per_replication": windows} if windows else {}),
        "latency_requests_simulated": total,
    }


def _model_warnings(replications: Sequence[Replication]) -> list[str]:
    """Warnings the model raised (e.g. calendar years without holiday data), once each."""
    return list(dict.fromkeys(w for rep in replications for w in rep.warnings))


def _warmup_warnings(timeseries: pl.DataFrame, scenario: Scenario) -> list[str]:
    """MSER-5 on the replication-mean in-node series: warn when the warm-up looks short."""
    resolution = scenario.resolution
    if resolution is not None and not resolution.traffic.homogeneous:
        # A daily profile makes the in-node count drift by design: MSER-5 assumes a
        # stationary steady state and would call every diurnal run unsettled.
        return []
    series = timeseries.filter(pl.col("series") == "resolution.in_system")
    if series.is_empty():
        return []
    mean = series.group_by("time_s").agg(pl.col("value").mean()).sort("time_s")
    times = mean["time_s"].to_numpy()
    if len(times) < 2:
        return []
    width = float(times[1] - times[0])
    check = mser5(mean["value"].to_numpy(), width)
    warmup = scenario.run.warmup
    if not check.determined:
        return [
            "MSER-5 (White 1997): resolution.in_system still drifts in the second half of "
            "the horizon; the run may be too short or the node overloaded — lengthen "
            "run.horizon before trusting time averages"
        ]
    if check.suggested_s > warmup + width:
        return [
            f"MSER-5 (White 1997) suggests a warm-up of at least {check.suggested_s:g} s "
            f"for resolution.in_system, longer than run.warmup = {warmup:g} s: set "
            f"run.warmup: '{int(np.ceil(check.suggested_s))} s'"
        ]
    return []


def summary_markdown(result: RunResult) -> str:
    """``summary.md``: the KPI table a planner reads first."""
    scenario = result.scenario
    lines = [
        f"# {scenario.name}",
        "",
        scenario.description.strip(),
        "",
        f"Replications: {result.replications} · root seed: {scenario.run.seed} · "
        "95% Student-t CIs over replications.",
        "",
        "| KPI | unit | mean | 95% CI | n | target | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in result.summary.iter_rows(named=True):
        ci = (
            "—"
            if row["ci_low"] is None or np.isnan(row["ci_low"])
            else f"[{row['ci_low']:.6g}, {row['ci_high']:.6g}]"
        )
        mean = "—" if row["mean"] is None or np.isnan(row["mean"]) else f"{row['mean']:.6g}"
        lines.append(
            f"| `{row['kpi']}` | {row['unit'] or ''} | {mean} | {ci} | {row['n']} | "
            f"{row['target'] or ''} | {row['verdict'] or ''} |"
        )
    if result.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in result.warnings]
    if result.looks:
        lines += ["", "## Replications until decided", ""] + [
            f"- n = {one.n} (CIs at {one.confidence:.2%}): {one.reason}"
            + (f"; open: {', '.join(one.open)}" if one.open else "")
            for one in result.looks
        ]
    if result.failures:
        lines += ["", "## Failed replications", ""] + [
            f"- replication {f['replication']} (root seed {f['root_seed']}): {f['error']}"
            for f in result.failures
        ]
    return "\n".join(lines) + "\n"


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
        runner = _Runner(
            scenario,
            out_dir,
            executor if executor is not None else SerialExecutor(),
            until_decided,
            _base_manifest(scenario, list(argv), utc_now(), until_decided),
            {},
            progress,
            planned,
        )
        runner.start()
        return runner.execute()
    finally:
        if lock is not None:
            lock.release()


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
        if scenario is not None and scenario_sha256(scenario) != old["scenario_sha256"]:
            raise UsageError(
                f"{run_dir}: --resume: SCENARIO resolves to sha256 "
                f"{scenario_sha256(scenario)[:12]}…, expected the run's "
                f"{str(old['scenario_sha256'])[:12]}… (its scenario.yaml)"
            )
        rule = StoppingRule.from_dict(old["until_decided"]) if old.get("until_decided") else None
        base = _base_manifest(
            saved, list(old.get("argv", [])), _parse_utc(old.get("started_utc")), rule
        )
        base["resumed"] = [*old.get("resumed", []), {"argv": list(argv), "at_utc": iso(utc_now())}]
        done = _verified_parts(run_dir, base)
        runner = _Runner(
            saved,
            run_dir,
            executor if executor is not None else SerialExecutor(),
            rule,
            base,
            done,
            progress,
            planned,
        )
        return runner.execute()


def _verified_parts(run_dir: Path, base: dict[str, Any]) -> dict[int, Replication]:
    """The finished replications of ``run_dir``, each checked before it is merged: readable,
    stored under its own index, of this run (scenario, root seed and plan: the run
    identity) and undamaged (its tables' sha256). Anything else is one line, exit 2."""
    done = {}
    for index, path in part_paths(run_dir).items():
        try:
            part = pl.read_parquet(path)
            meta = part_meta(part)
            replication = Replication.from_part(part)
        except Exception as error:  # polars, pyarrow, json and key errors: a damaged part
            raise UsageError(
                f"{path}: --resume: expected a part written by simdata run, got an unreadable "
                f"file ({type(error).__name__}); delete it to rerun replication {index}"
            ) from None
        problem = None
        if replication.index != index:
            problem = f"the part of replication {replication.index} under another name"
        elif meta.get("run_identity") != base["run_identity"]:
            problem = "a part of another run (other scenario, root seed or plan)"
        elif replication.root_seed != base["root_seed"]:
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


def resumable(run_dir: Path) -> tuple[Scenario, dict[str, Any]]:
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
    if old.get("run_identity") != _run_identity(old):
        raise UsageError(
            f"{run_dir / 'manifest.json'}: --resume: expected the manifest the run wrote, got "
            "one whose scenario, seed or plan was edited (run_identity does not match)"
        )
    saved = load_scenario(run_dir / "scenario.yaml", kpi_units=kpi_units())
    if scenario_sha256(saved) != old.get("scenario_sha256"):
        raise UsageError(
            f"{run_dir / 'scenario.yaml'}: --resume: expected the scenario the manifest names "
            f"(sha256 {str(old.get('scenario_sha256'))[:12]}…), got a changed file"
        )
    return saved, old


def _parse_utc(text: object) -> dt.datetime:
    if isinstance(text, str):
        try:
            return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            pass
    return utc_now()


def _base_manifest(
    scenario: Scenario, argv: list[str], started: dt.datetime, rule: StoppingRule | None
) -> dict[str, Any]:
    """The manifest fields fixed for the whole run (git state and versions looked up once)."""
    base = manifest(
        kind="run",
        status="running",
        argv=argv,
        started=started,
        finished=None,
        scenario_sha256=scenario_sha256(scenario),
        root_seed=scenario.run.seed,
        replications=scenario.run.replications,
        warnings=[],
        failures=[],
        extra={"scenario_name": scenario.name},
    )
    if rule is not None:
        base["until_decided"] = rule.as_dict()
    base["run_identity"] = _run_identity(base)
    return base


def _run_identity(content: dict[str, Any]) -> str:
    """sha256 of what fixes a run's numbers — its scenario, root seed, replication count and
    stopping rule — as the manifest records them. Every part carries it, so ``--resume``
    refuses parts of another run and a manifest whose plan was edited."""
    rule = content.get("until_decided")
    fixed = {
        "kind": content.get("kind"),
        "scenario_sha256": content.get("scenario_sha256"),
        "root_seed": content.get("root_seed"),
        "replications": content.get("replications") if rule is None else None,
        "until_decided": (
            None
            if not isinstance(rule, dict)
            else {key: rule.get(key) for key in ("max_replications", "precision", "alpha", "first")}
        ),
    }
    text = json.dumps(fixed, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class _Runner:
    """One run's loop: hand missing replications to the executor, keep each as it finishes."""

    scenario: Scenario
    out_dir: Path | None
    executor: Executor
    rule: StoppingRule | None
    base: dict[str, Any]
    done: dict[int, Replication]
    progress: Progress | None
    planned: Planned | None

    def execute(self) -> RunResult:
        looks: list[Look] = []
        try:
            if self.rule is None:
                count = self.scenario.run.replications
                self._plan(count)
                self._ensure(count)
            else:
                for count in self.rule.looks():
                    self._plan(count)
                    self._ensure(count)
                    one = look(
                        _kpi_frame(self._first(count)), count, self.scenario.targets, self.rule
                    )
                    looks.append(one)
                    self._write_manifest("running", looks=looks)
                    if one.stop:
                        break
        except KeyboardInterrupt:
            self._last_words("interrupted", looks)
            raise
        except SimdataError:
            self._last_words("interrupted", looks)
            raise
        except Exception as error:
            self._last_words("interrupted", looks, error=repr(error))
            where = f"; finished replications are kept: simdata run --resume {self.out_dir}"
            raise RunError(
                f"the run stopped: {_one_line(error)}" + (where if self.out_dir is not None else "")
            ) from error
        return self.persist(lambda: self._finish(self._first(count), looks))

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
            part = replication.to_part(self.base["run_identity"])
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
        content = {
            **self.base,
            "status": status,
            "replications_done": len(self.done),
            "failures": _failures(self.done.values(), self.scenario),
        }
        if looks:
            content["until_decided"] = {
                **content["until_decided"],
                "looks": [one.as_dict() for one in looks],
            }
        if status == "interrupted":
            content["finished_utc"] = iso(utc_now())
            content["resume"] = f"simdata run --resume {self.out_dir}"
        if error is not None:
            content["error"] = error
        write_json(self.out_dir / "manifest.json", content)

    def _finish(self, done: list[Replication], looks: list[Look]) -> RunResult:
        scenario = self.scenario
        kpis = _kpi_frame(done)
        timeseries = _timeseries_frame(done, scenario.run.start_date)
        failures = _failures(done, scenario)
        result = RunResult(
            scenario=scenario,
            kpis=kpis,
            summary=_summary_frame(kpis, scenario),
            timeseries=timeseries,
            warnings=_model_warnings(done) + _warmup_warnings(timeseries, scenario),
            failures=failures,
            out_dir=self.out_dir,
            tables=_model_tables(done),
            replications=len(done),
            looks=looks,
        )
        content = {
            **self.base,
            "status": result.status,
            "finished_utc": iso(utc_now()),
            "replications": len(done),
            "warnings": result.warnings,
            "failures": failures,
            **_sampling_info(done),
            "runtime_s": sum(r.runtime_s for r in done),
            "events": sum(r.events for r in done),
        }
        if self.rule is not None:
            content["until_decided"] = {
                **self.rule.as_dict(),
                "confidence_per_look": self.rule.confidence,
                "looks": [one.as_dict() for one in looks],
                "stopping_reason": looks[-1].reason,
            }
        result.manifest = content
        if self.out_dir is not None:
            out_dir = self.out_dir
            write_parquet(out_dir / "kpis.parquet", kpis)
            write_parquet(out_dir / "summary.parquet", result.summary)
            write_parquet(out_dir / "timeseries.parquet", timeseries)
            for name, table in result.tables.items():
                write_parquet(out_dir / f"{name}.parquet", table)
            write_text(out_dir / "summary.md", summary_markdown(result))
            write_json(out_dir / "manifest.json", result.manifest)
            remove_parts(out_dir)
        return result


def _one_line(error: BaseException) -> str:
    """``Type: message`` on one line (a multi-line message folded)."""
    return " ".join(f"{type(error).__name__}: {error}".split())


def _failures(done: Iterable[Replication], scenario: Scenario) -> list[dict[str, Any]]:
    """Failed replications with what reproduces them: index, root seed, scenario, error."""
    sha = scenario_sha256(scenario)
    return [
        {
            "replication": r.index,
            "root_seed": r.root_seed,
            "error": r.error,
            "scenario": scenario.name,
            "scenario_sha256": sha,
        }
        for r in sorted(done, key=lambda r: r.index)
        if not r.ok
    ]
