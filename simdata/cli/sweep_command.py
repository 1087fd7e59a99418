"""``simdata sweep``: a design's points × replications, then SALib's sensitivity indices."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click
import polars as pl
from rich.console import Console

from simdata.api import load_scenario
from simdata.cli.common import (
    cli,
    handle_errors,
    out_option,
    output_console,
    plain,
    progress_bar,
    readable_table,
    scheduler_option,
    set_option,
    workers_option,
)
from simdata.experiments.executors import check_workers, cpu_count, make_executor
from simdata.experiments.sizing import duration_text
from simdata.experiments.sweep import (
    LoadedDesign,
    PointOutcome,
    SweepResult,
    SweepSizeError,
    load_design,
    measure_sweep,
    pilot,
    plan_sweep,
    sweep,
)
from simdata.experiments.sweep.methods import METHODS, NOISE_LEVER
from simdata.results import default_run_dir
from simdata.scenario.models import Scenario


def _cell(row: dict[str, object] | None) -> str:
    if row is None:
        return "—"
    value = float(str(row["value"]))
    conf = row["conf"]
    text = f"{value:.3g}"
    if conf is not None and not math.isnan(float(str(conf))):
        text += f" ± {float(str(conf)):.2g}"
    if row["near_zero"]:
        text += " (≈ 0)"
    return text


def _print_indices(console: Console, result: SweepResult) -> None:
    shown = METHODS[result.design.method].shown
    if not shown:
        return
    for kpi in result.design.kpis:
        rows = result.indices.filter(pl.col("kpi") == kpi)
        if rows.is_empty():
            continue
        noise = result.noise.get(kpi, math.nan)
        noise_text = "—" if math.isnan(noise) else f"{noise:.1%}"
        main = rows.filter(pl.col("index") == shown[0]).sort("value", descending=True)
        cells = []
        for parameter in main["parameter"].to_list():
            row = [plain(parameter)]
            for index in shown:
                found = rows.filter((pl.col("parameter") == parameter) & (pl.col("index") == index))
                row.append(_cell(found.row(0, named=True) if not found.is_empty() else None))
            cells.append(row)
        caption = f"replication noise: {noise_text} of its variance"
        if NOISE_LEVER in main["parameter"].to_list():
            caption += f"; ≈ 0: not above {NOISE_LEVER}, the noise-only reference, at 95 %"
        table = readable_table(("parameter", *shown), cells, title=plain(kpi), caption=caption)
        console.print(table)


def _dry_run(
    console: Console,
    scenario: Scenario,
    design: LoadedDesign,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Print the design's size at once (by arithmetic), then a pilot-based time estimate.

    The size line comes before any point is sampled, so a 1000³ grid is reported in
    milliseconds; a design a real sweep would refuse says so, and its estimate times a
    replication of the base scenario instead of a point that is never built.
    """
    if workers is not None:
        check_workers(workers)  # a dry run refuses --workers 1000 as the real sweep would
    size = measure_sweep(scenario, design)
    spec = design.design
    console.print(
        f"{plain(spec.name)}: {spec.method}, {size.points:,} points × {spec.replications:,} "
        f"replications = {size.runs:,} runs ({plain(size.formula)})",
        highlight=False,
        soft_wrap=True,
    )
    console.file.flush()
    refusal, plan = size.refusal, None
    if refusal is None:
        try:
            plan = plan_sweep(scenario, design)
        except SweepSizeError as error:  # a point's own run size: known once points are built
            refusal = error
    if refusal is not None:
        console.print(
            f"a real sweep would be refused: {plain(refusal.detail)}",
            highlight=False,
            soft_wrap=True,
        )
        console.file.flush()
    timed = pilot(plan, scenario, design)
    share = 1 if scheduler is not None else (workers or cpu_count())
    where = "the Dask cluster (1 worker assumed)" if scheduler else f"{share} worker(s)"
    total = duration_text(size.runs * timed.seconds / share)
    console.print(
        f"{timed.how} {timed.seconds:.2f} s → about {total} on {where}",
        highlight=False,
        soft_wrap=True,
    )


@cli.command("sweep")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--design",
    "design_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Design file (scenarios/designs/*.yaml): parameters, method, size, KPIs.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the number of runs and an estimated wall time."
)
@set_option
@out_option
@workers_option
@scheduler_option
@click.option("--quiet", is_flag=True, help="No progress bar or warnings.")
@handle_errors
def sweep_command(
    scenario: Path,
    design_path: Path,
    dry_run: bool,
    sets: tuple[str, ...],
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Sweep SCENARIO over a DESIGN: every point's KPIs, then SALib's sensitivity indices."""
    loaded_scenario = load_scenario(scenario, list(sets))
    design = load_design(design_path)
    console = output_console()
    if dry_run:
        _dry_run(console, loaded_scenario, design, workers, scheduler)
        return
    plan = plan_sweep(loaded_scenario, design)
    out_dir = out if out is not None else default_run_dir()
    argv = ["simdata", *sys.argv[1:]]
    executor = make_executor(workers, scheduler)
    try:
        if console.is_terminal and not quiet:
            with progress_bar(console) as bar:
                task = bar.add_task("sweep runs", total=plan.runs)

                def advance(_: PointOutcome) -> None:
                    bar.advance(task)

                result = sweep(
                    loaded_scenario,
                    plan,
                    out=out_dir,
                    executor=executor,
                    progress=advance,
                    argv=argv,
                )
        else:
            result = sweep(loaded_scenario, plan, out=out_dir, executor=executor, argv=argv)
    finally:
        executor.close()
    _print_indices(console, result)
    errors = Console(stderr=True)
    if not quiet:
        for warning in result.warnings:
            errors.print(f"[yellow]warning:[/] {plain(warning)}", highlight=False)
    for failure in result.failures[:10]:
        errors.print(
            f"[red]point {failure['point']} replication {failure['replication']} failed[/] "
            f"(root seed {failure['root_seed']}, {plain(failure['values'])}): "
            f"{plain(failure['error'])}",
            highlight=False,
        )
    console.print(
        f"{plan.points} points × {design.design.replications} replications; wrote {plain(out_dir)}",
        highlight=False,
    )
    if result.failures:
        sys.exit(1)
