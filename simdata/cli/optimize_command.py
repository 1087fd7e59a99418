"""``simdata optimize``: the cheapest plan of a design's levers that meets every target."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from simdata import kpi_names
from simdata.analysis.kpis import kpi_units
from simdata.cli.common import (
    Cell,
    cli,
    fmt,
    handle_errors,
    out_option,
    output_console,
    plain,
    readable_table,
    scheduler_option,
    set_option,
    workers_option,
)
from simdata.errors import UsageError
from simdata.experiments.executors import check_workers, cpu_count, make_executor
from simdata.experiments.optimize import (
    OptimizeResult,
    bind,
    load_base,
    load_optimize_design,
    optimize,
)
from simdata.experiments.optimize import dry_run as dry_run_of
from simdata.experiments.optimize.evaluate import PlanRecord
from simdata.experiments.optimize.result import label
from simdata.results import default_run_dir

_STATUS_STYLE = {
    "feasible": "bold green",
    "tie": "green",
    "infeasible": "red",
    "undecided": "yellow",
    "invalid": "red",
}


def _print_plans(console: Console, result: OptimizeResult) -> None:
    """Every evaluated plan: levers, cost, replications, status (chosen marked)."""
    levers = [lever.label for lever in result.levers]
    kpi = result.selection.kpi if result.selection is not None else None
    costed = any(lever.cost for lever in result.levers)  # thresholds cost nothing
    unit = None if kpi is None else kpi_units().get(kpi_names.base_of(kpi))
    rows: list[list[Cell]] = []
    for record in result.records:
        style = _STATUS_STYLE.get(record.status, "")
        mark = " ← chosen" if record is result.chosen else ""
        shown = record.selection_mean  # KN's candidates only
        objective = [] if kpi is None else ["" if shown is None else fmt(shown, unit)]
        cost = [fmt(record.cost, "yuan")] if costed else []
        rows.append(
            [
                str(record.number + 1),
                *(f"{record.values[name]:g}" for name in levers),
                *cost,
                *objective,
                str(record.replications + record.selection_replications),
                f"[{style}]{record.status}[/]{mark}",
            ]
        )
    extra = () if kpi is None else (plain(f"{kpi} (KN mean)"),)
    money = ("cost",) if costed else ()
    headers = ("plan", *(plain(name) for name in levers), *money, *extra, "replications", "status")
    console.print(
        readable_table(headers, rows, title="plans evaluated", right=("cost", "replications"))
    )


def _print_chosen(console: Console, chosen: PlanRecord) -> None:
    """The chosen plan's targets: estimate, CI at the level judged, verdict."""
    units = kpi_units()
    rows: list[list[Cell]] = []
    for judgement in chosen.judgements:
        target, estimate = judgement.constraint.target, judgement.estimate
        unit = units.get(kpi_names.base_of(target.kpi))
        rows.append(
            [
                plain(target.kpi),
                plain(target.describe()),
                fmt(estimate.mean, unit),
                escape(f"[{fmt(estimate.ci_low, unit)}, {fmt(estimate.ci_high, unit)}]"),
                f"{judgement.level:.4%}",
                judgement.verdict,
            ]
        )
    headers = ("kpi", "target", "estimate", "CI", "level", "verdict")
    title = f"plan {plain(label(chosen.values))}"
    if chosen.cost:
        title += f": {fmt(chosen.cost, 'yuan')}"
    console.print(readable_table(headers, rows, title=title, right=("estimate",)))


@cli.command("optimize")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--design",
    "design_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Optimisation design: levers with costs, constraints, tolerance, confidence.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the design space, the α split and a time estimate."
)
@set_option
@out_option
@workers_option
@scheduler_option
@click.option("--quiet", is_flag=True, help="No line per evaluated plan.")
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Go on with an interrupted run in DIR (same scenario and design): the replications "
    "it kept are not run again, and the result is that of an uninterrupted run.",
)
@handle_errors
def optimize_command(
    scenario: Path,
    design_path: Path,
    dry_run: bool,
    sets: tuple[str, ...],
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
    resume_dir: Path | None,
) -> None:
    """The cheapest plan of DESIGN's levers for SCENARIO that meets every target."""
    design = load_optimize_design(design_path)
    console = output_console()
    if dry_run:
        if workers is not None:
            check_workers(workers)
        share = 1 if scheduler is not None else (workers or cpu_count())
        for line in dry_run_of(
            bind(load_base(scenario, [*design.design.set, *sets]), design)
        ).lines(share):
            console.print(plain(line), highlight=False, soft_wrap=True)
        return
    if resume_dir is not None and out is not None:
        raise UsageError("--resume DIR and --out: expected one of them (--resume writes DIR)")
    out_dir = resume_dir or (out if out is not None else default_run_dir())
    errors = Console(stderr=True)

    def progress(record: PlanRecord) -> None:
        if not quiet:
            errors.print(
                f"plan {record.number + 1}: {plain(label(record.values))} — {record.status} "
                f"after {record.replications} replications",
                highlight=False,
            )

    executor = make_executor(workers, scheduler)
    try:
        result = optimize(
            scenario,
            design,
            out=out_dir,
            executor=executor,
            progress=progress,
            argv=["simdata", *sys.argv[1:]],
            overrides=list(sets),
            resume=resume_dir is not None,
        )
    finally:
        executor.close()
    _print_plans(console, result)
    if result.chosen is not None:
        _print_chosen(console, result.chosen)
    console.print(plain(result.guarantee()), highlight=False, soft_wrap=True)
    console.print(
        f"{len(result.records)} plans, {result.replications_spent:,} replications; wrote "
        f"{plain(out_dir)}",
        highlight=False,
    )
