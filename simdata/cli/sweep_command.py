"""``simdata sweep``: a design's points × replications, then SALib's sensitivity indices."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click
import polars as pl
from rich.console import Console
from rich.markup import escape

from simdata import kpi_names
from simdata.analysis.kpis import kpi_units
from simdata.api import load_scenario
from simdata.cli.common import (
    Cell,
    cli,
    fmt,
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
from simdata.experiments.sweep.readout import (
    MORRIS_IN_UNIT,
    PER_POINT_METHODS,
    morris_step,
    per_step,
    point_summary,
)
from simdata.results import default_run_dir
from simdata.scenario.models import Scenario

#: How the terminal names SALib's indices.
_INDEX_NAMES = {"mu_star": "μ*", "mu": "μ", "sigma": "σ"}
#: Points a per-point table lists before it says how many more there are.
POINT_ROWS = 40
_VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "undecided": "yellow"}


def _cell(row: dict[str, object] | None, unit: str | None, levels: int) -> str:
    """One index: Morris's μ* and σ per grid step in the KPI's unit, the others as SALib's
    shares; ``± half-width`` where SALib gives a CI, ``(≈ 0)`` when flagged."""
    if row is None:
        return "—"
    index = str(row["index"])
    value = per_step(index, float(str(row["value"])), levels)
    conf = row["conf"]
    half = None if conf is None or math.isnan(float(str(conf))) else float(str(conf))
    half = per_step(index, half, levels)
    if index in MORRIS_IN_UNIT:
        text = fmt(value, unit) + ("" if half is None else f" ± {fmt(half, unit)}")
    else:
        text = f"{value:.3g}" + ("" if half is None else f" ± {half:.2g}")
    if row["near_zero"]:
        text += " (≈ 0)"
    return text


def morris_note(levels: int) -> str:
    """The line under Morris tables: what μ* and σ measure, in which unit."""
    return (
        f"μ*: mean absolute change of the KPI when the lever moves one grid step, "
        f"Δ = {morris_step(levels)} of its range ({levels} levels); σ: how much that change "
        "varies (non-linearity, interactions); both in the KPI's unit (indices.parquet keeps "
        "SALib's values, per whole range: ÷ Δ)."
    )


def _print_indices(console: Console, result: SweepResult) -> None:
    design = result.design
    shown = METHODS[design.method].shown
    if not shown:
        return
    units = kpi_units()
    for kpi in design.kpis:
        rows = result.indices.filter(pl.col("kpi") == kpi)
        if rows.is_empty():
            continue
        unit = units.get(kpi_names.base_of(kpi))
        noise = result.noise.get(kpi, math.nan)
        noise_text = "—" if math.isnan(noise) else f"{noise:.1%}"
        main = rows.filter(pl.col("index") == shown[0]).sort("value", descending=True)
        cells: list[list[Cell]] = []
        for parameter in main["parameter"].to_list():
            row: list[Cell] = [plain(parameter)]
            for index in shown:
                found = rows.filter((pl.col("parameter") == parameter) & (pl.col("index") == index))
                named = found.row(0, named=True) if not found.is_empty() else None
                row.append(_cell(named, unit, design.levels))
            cells.append(row)
        caption = f"replication noise: {noise_text} of its variance"
        if NOISE_LEVER in main["parameter"].to_list():
            caption += f"; ≈ 0: not above {NOISE_LEVER}, the noise-only reference, at 95 %"
        headers = ("parameter", *(_INDEX_NAMES.get(index, index) for index in shown))
        console.print(readable_table(headers, cells, title=plain(kpi), caption=caption))
    if design.method == "morris":
        console.print(morris_note(design.levels), highlight=False)


def _print_points(console: Console, result: SweepResult, scenario: Scenario) -> None:
    """A grid's or LHS's points, one table per KPI: the levers, the mean and 95 % CI over
    the point's replications, and the verdict of the scenario's target on that KPI."""
    design = result.design
    if design.method not in PER_POINT_METHODS:
        return
    levers = [p.label for p in design.parameters]
    table = point_summary(result.points, levers, design.kpis, scenario.targets)
    if table.is_empty():
        return
    units = kpi_units()
    for kpi in design.kpis:
        rows = table.filter(pl.col("kpi") == kpi)
        if rows.is_empty():
            continue
        unit = units.get(kpi_names.base_of(kpi))
        target = rows["target"].drop_nulls().first()
        shown = [plain(lever) for lever in levers]  # headers are markup: names are text
        headers = ("point", *shown, "mean", "95% CI", *(("verdict",) if target else ()))
        cells: list[list[Cell]] = []
        for row in rows.head(POINT_ROWS).iter_rows(named=True):
            verdict = row["verdict"] or ""
            cells.append(
                [
                    str(row["point"]),
                    *(plain(p.text(float(row[p.label]))) for p in design.parameters),
                    fmt(row["mean"], unit),
                    escape(f"[{fmt(row['ci_low'], unit)}, {fmt(row['ci_high'], unit)}]"),
                    *((f"[{_VERDICT_STYLE.get(verdict, '')}]{verdict}[/]",) if target else ()),
                ]
            )
        more = rows.height - POINT_ROWS
        title = plain(kpi) + (f" — target {plain(target)}" if target else "") + " at each point"
        caption = (
            f"{more} more points in points.parquet; simdata report shows every point"
            if more > 0
            else None
        )
        console.print(
            readable_table(headers, cells, title=title, caption=caption, right=("mean", *shown))
        )


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
    _print_points(console, result, loaded_scenario)
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
