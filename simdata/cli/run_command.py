"""``simdata run``: replications of a scenario → KPI table with CIs, verdicts, run directory.

Also the executor options (``--workers``, ``--scheduler``), ``--until-decided`` and
``--resume RUN_DIR``; the replications themselves run in :mod:`simdata.experiments.run`.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from simdata import kpi_names
from simdata.analysis.kpi_filter import KpiFilter
from simdata.analysis.kpis import REGISTRY
from simdata.analysis.summary import RunSummary, SummaryRow
from simdata.api import load_scenario
from simdata.cli.common import (
    Cell,
    cli,
    fmt,
    handle_errors,
    kpi_filter_options,
    out_option,
    output_console,
    overrides,
    plain,
    progress_bar,
    readable_table,
    scheduler_option,
    set_option,
    warn_unmatched,
    workers_option,
)
from simdata.cli.folding import fold
from simdata.cli.names import WORDS, NameCell
from simdata.errors import UsageError
from simdata.experiments.executors import Executor, cpu_count, make_executor
from simdata.experiments.replication import Replication
from simdata.experiments.run import RunResult, resumable, resume, run
from simdata.experiments.sizing import ANNOUNCE_S, check_fits, estimate
from simdata.experiments.until_decided import StoppingRule, describe
from simdata.report import build_report
from simdata.report.i18n import LANGS
from simdata.results import default_run_dir, part_paths
from simdata.scenario.loader import scenario_sha256
from simdata.scenario.models import Scenario

GUARD_MARK = "†"
_VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "undecided": "yellow"}


def _worst_first(row: SummaryRow) -> float | None:
    """A row's rank in a folded breakdown: the worst in the KPI's better direction first
    (the slowest department, the lowest share within the SLA)."""
    kpi = REGISTRY.get(kpi_names.base_of(row.kpi))
    if row.mean is None:
        return None
    return -row.mean if kpi is not None and kpi.better == "higher" else row.mean


def _targeted(row: SummaryRow) -> bool:
    return row.target is not None


def _summary_cells(row: SummaryRow) -> list[Cell]:
    unit = row.unit
    ci = (
        f"[{fmt(row.ci_low, unit)}, {fmt(row.ci_high, unit)}]{row.level_note}"
        if row.has_ci
        else "—"
    )
    verdict = row.verdict or ""
    # A verdict a note decided is marked, its reason told once under the table.
    shown = f"{verdict}{GUARD_MARK}" if verdict and row.note else verdict
    return [
        plain(row.kpi),
        fmt(row.mean, unit),
        escape(ci),
        str(row.n),
        plain(row.target or ""),
        f"[{_VERDICT_STYLE.get(verdict, '')}]{shown}[/]" if verdict else "",
    ]


def _print_summary(console: Console, summary: RunSummary, chosen: KpiFilter | None = None) -> None:
    """The KPI table on the terminal: the rows ``chosen`` keeps, breakdowns of more than
    five values folded to their five worst (the rest stay in summary.parquet)."""
    chosen = chosen or KpiFilter()
    kept = [row for row in summary.rows if chosen.keeps(row.kpi, row.target is not None)]
    listed = kept if chosen.active else fold(kept, lambda r: r.kpi, _worst_first, _targeted)
    rows: list[list[Cell]] = [
        _summary_cells(row)
        if isinstance(row, SummaryRow)
        else [NameCell(f"[dim]{row.text('in summary.parquet')}[/]", WORDS), *[""] * 5]
        for row in listed
    ]
    reasons = sorted({row.reason for row in summary.rows if row.verdict and row.note})
    table = readable_table(
        ("KPI", "mean", "95% CI", "n", "target", "verdict"),
        rows,
        title=f"{plain(summary.title)} — {summary.replications} replications",
        caption=" ".join(f"{GUARD_MARK} {plain(reason)}" for reason in reasons) or None,
        right=("mean", "n"),
        width=console.width,
    )
    console.print(table)
    busiest = summary.busiest_department
    if busiest is not None:
        console.print(
            f"{plain(busiest.line())}; per-department KPIs are in summary.parquet",
            highlight=False,
        )


def _concurrency(workers: int | None, scheduler: str | None) -> int:
    """Replications running at once on this machine for the executor options."""
    if scheduler is not None:
        return 1  # on the cluster's workers; this machine runs none of them
    return cpu_count() if workers is None else max(1, workers)


def _check_options(
    scenario: Path | None,
    resume_dir: Path | None,
    *,
    sets: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    out: Path | None,
    until_decided: bool,
    max_replications: int | None,
    precision: float | None,
) -> StoppingRule | None:
    """Option combinations that make no sense are bad input (exit 2, nothing written)."""
    if scenario is None and resume_dir is None:
        raise UsageError("simdata run: expected SCENARIO (or --resume RUN_DIR), got neither")
    if not until_decided and (max_replications is not None or precision is not None):
        raise UsageError("--max-replications/--precision: expected them with --until-decided")
    if resume_dir is not None:
        if out is not None or until_decided:
            raise UsageError(
                "--resume: expected no --out or --until-decided (the run directory has its own)"
            )
        if scenario is None and (sets or replications is not None or seed is not None):
            raise UsageError(
                "--resume: --set/--replications/--seed apply to a SCENARIO given to check "
                "against RUN_DIR/scenario.yaml; expected SCENARIO too"
            )
        return None
    if not until_decided:
        return None
    if replications is not None:
        raise UsageError("--replications and --until-decided: expected one of them, got both")
    return StoppingRule(
        max_replications=200 if max_replications is None else max_replications,
        precision=0.05 if precision is None else precision,
    )


@cli.command("run")
@click.argument("scenario", type=click.Path(path_type=Path), required=False)
@click.option("--replications", type=int, help="Override run.replications.")
@click.option("--seed", type=int, help="Override run.seed (the root seed).")
@set_option
@out_option
@workers_option
@scheduler_option
@click.option(
    "--until-decided",
    is_flag=True,
    help="Add replications in batches (10, 20, 40, …) until every target is decided, or "
    "without targets until every KPI is precise; stops at --max-replications.",
)
@click.option(
    "--max-replications", type=int, help="Cap for --until-decided (default 200).", metavar="N"
)
@click.option(
    "--precision",
    type=float,
    metavar="P",
    help="--until-decided without targets: relative CI half-width to reach (default 0.05).",
)
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(path_type=Path),
    metavar="RUN_DIR",
    help="Finish an interrupted run directory (runs only its missing replications).",
)
@click.option(
    "--report",
    "make_report",
    is_flag=True,
    help="Also write report.html (report.zh.html with --lang zh; self-contained, offline) "
    "into the run directory.",
)
@click.option(
    "--lang",
    default="en",
    show_default=True,
    metavar="en|zh",
    help="Language of the --report page.",
)
@click.option("--strict", is_flag=True, help="Exit 1 when a target fails.")
@click.option("--quiet", is_flag=True, help="No progress bar or warnings.")
@kpi_filter_options
@handle_errors
def run_command(
    scenario: Path | None,
    replications: int | None,
    seed: int | None,
    sets: tuple[str, ...],
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    until_decided: bool,
    max_replications: int | None,
    precision: float | None,
    resume_dir: Path | None,
    make_report: bool,
    lang: str,
    strict: bool,
    quiet: bool,
    kpi_patterns: tuple[str, ...],
    targets_only: bool,
) -> None:
    """Run SCENARIO's replications; print KPIs with 95% CIs and target verdicts.

    With --resume RUN_DIR, finish an interrupted run (SCENARIO, if given, must resolve to
    the run's scenario). With --report, also write report.html (report.zh.html with --lang zh).
    """
    if lang not in LANGS:
        raise UsageError(f"--lang: expected one of {', '.join(LANGS)}, got {lang!r}")
    rule = _check_options(
        scenario,
        resume_dir,
        sets=sets,
        replications=replications,
        seed=seed,
        out=out,
        until_decided=until_decided,
        max_replications=max_replications,
        precision=precision,
    )
    loaded = (
        load_scenario(scenario, overrides(sets, replications, seed))
        if scenario is not None
        else None
    )
    out_dir = _run_dir(scenario, loaded, resume_dir, out)
    console = output_console()
    errors = Console(stderr=True, soft_wrap=True)
    if loaded is not None and resume_dir is None:
        size = estimate(loaded, _concurrency(workers, scheduler))
        check_fits(size)  # before a pool or a Dask client starts
        if size.wall_s > ANNOUNCE_S and not quiet:
            errors.print(f"estimate: {plain(size.describe())}", highlight=False)
    job = _Job(loaded, out_dir, rule, resume=resume_dir is not None)
    result = _execute(job, make_executor(workers, scheduler), console, errors, quiet=quiet)
    if make_report:
        page = build_report(out_dir, lang)
        for warning in page.warnings:
            errors.print(f"[yellow]warning:[/] {plain(warning)}", highlight=False)
        console.print(f"wrote {plain(page.path)} ({page.seconds:.1f} s)", highlight=False)
    chosen = KpiFilter(kpi_patterns, targets_only)
    _report(console, errors, result, out_dir, quiet=quiet, strict=strict, chosen=chosen)


def _run_dir(
    scenario: Path | None, loaded: Scenario | None, resume_dir: Path | None, out: Path | None
) -> Path:
    """The run directory: ``--resume``'s (checked against SCENARIO), ``--out`` or a new one."""
    if resume_dir is None:
        return out if out is not None else default_run_dir()
    saved, _ = resumable(resume_dir)
    if loaded is not None and scenario_sha256(loaded) != scenario_sha256(saved):
        raise UsageError(
            f"{scenario}: --resume: expected the scenario of {resume_dir} (sha256 "
            f"{scenario_sha256(saved)[:12]}…), got sha256 {scenario_sha256(loaded)[:12]}…"
        )
    return resume_dir


@dataclass(frozen=True)
class _Job:
    """What ``simdata run`` was asked to do: run ``scenario`` into ``out_dir``, or resume it."""

    scenario: Scenario | None
    out_dir: Path
    rule: StoppingRule | None
    resume: bool


def _execute(
    job: _Job, executor: Executor, console: Console, errors: Console, *, quiet: bool
) -> RunResult:
    """Run or resume with a progress bar on a terminal; Ctrl-C is one line and exit 130."""
    argv = ["simdata", *sys.argv[1:]]
    show_progress = console.is_terminal and not quiet
    try:
        with progress_bar(console) if show_progress else contextlib.nullcontext() as bar:
            task = bar.add_task("replications", total=None) if bar is not None else None

            def advance(_: Replication) -> None:
                if bar is not None and task is not None:
                    bar.advance(task)

            def plan(count: int) -> None:
                if bar is not None and task is not None:
                    bar.update(task, total=count)

            if job.resume:
                if bar is not None and task is not None:
                    bar.update(task, completed=len(part_paths(job.out_dir)))
                return resume(
                    job.out_dir, argv=argv, progress=advance, executor=executor, planned=plan
                )
            assert job.scenario is not None  # checked by _check_options
            return run(
                job.scenario, out=job.out_dir, argv=argv, progress=advance, executor=executor,
                until_decided=job.rule, planned=plan,
            )  # fmt: skip
    except KeyboardInterrupt:
        kept = len(part_paths(job.out_dir))
        errors.print(
            f"interrupted: {kept} finished replication(s) kept in {plain(job.out_dir)}; "
            f"finish with: simdata run --resume {plain(job.out_dir)}",
            highlight=False,
        )
        sys.exit(130)
    finally:
        executor.close()


def _report(
    console: Console,
    errors: Console,
    result: RunResult,
    out_dir: Path,
    *,
    quiet: bool,
    strict: bool,
    chosen: KpiFilter,
) -> None:
    """The KPI table, the stopping rule's looks, warnings and failures; then the exit code."""
    summary = result.overview()
    _print_summary(console, summary, chosen)
    warn_unmatched(chosen, [row.kpi for row in summary.rows])
    decided = result.manifest.until_decided if result.manifest is not None else None
    if result.looks and decided is not None:
        rule = StoppingRule.from_dict(decided.model_dump())
        console.print(
            describe(result.looks, rule, bool(result.scenario.targets)),
            highlight=False,
            soft_wrap=True,
        )
    warmup = result.manifest.warmup if result.manifest is not None else None
    if warmup is not None:
        console.print(plain(warmup.text), highlight=False)
    if not quiet:
        for warning in summary.warnings:
            errors.print(f"[yellow]warning:[/] {plain(warning)}", highlight=False)
    _print_failures(errors, summary, out_dir)
    verdicts = summary.verdicts()
    # Targets a note keeps undecided have their own warning (lengthen the run, not repeat it).
    undecided = sum(1 for row in summary.rows if row.verdict == "undecided" and not row.note)
    if undecided and not quiet:
        advice = (
            "raise --max-replications"
            if summary.looks
            else "add replications, or let simdata choose: --until-decided"
        )
        errors.print(
            f"[yellow]warning:[/] {undecided} target(s) undecided: the 95% CI straddles the "
            f"target; {advice}",
            highlight=False,
        )
    console.print(f"wrote {plain(out_dir)}", highlight=False)
    if summary.failures or (strict and "fail" in verdicts):
        sys.exit(1)


def _print_failures(errors: Console, summary: RunSummary, out_dir: Path) -> None:
    """Each failed replication with what reproduces it, then the count."""
    for failure in summary.failures:
        errors.print(
            f"[red]replication {failure.replication} failed[/] (root seed "
            f"{failure.root_seed}; scenario {plain(failure.scenario)}, sha256 "
            f"{(failure.scenario_sha256 or '')[:12]}…, resolved in "
            f"{plain(out_dir / 'scenario.yaml')}): {plain(failure.error)}",
            highlight=False,
        )
    if summary.failures:
        errors.print(
            f"[red]{len(summary.failures)} of {summary.replications} replication(s) failed[/]; "
            "run status: failed (the others are in the tables)",
            highlight=False,
        )
