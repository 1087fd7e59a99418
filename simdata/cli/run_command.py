"""``simdata run``: replications of a scenario → KPI table with CIs, verdicts, run directory."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click
import polars as pl
from rich.console import Console
from rich.table import Table

from simdata.api import load_scenario
from simdata.cli.common import (
    cli,
    fmt,
    handle_errors,
    out_option,
    output_console,
    overrides,
    progress_bar,
    set_option,
)
from simdata.experiments.replication import Replication
from simdata.experiments.run import RunResult, run
from simdata.results import default_run_dir

_VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "undecided": "yellow"}


def _print_summary(console: Console, result: RunResult) -> None:
    table = Table(title=f"{result.scenario.name} — {result.scenario.run.replications} replications")
    table.add_column("KPI", no_wrap=True)
    for column in ("mean", "95% CI", "n", "target", "verdict"):
        table.add_column(
            column, justify="right" if column in ("mean", "n") else "left", no_wrap=True
        )
    for row in result.summary.iter_rows(named=True):
        if "@department=" in row["kpi"]:
            continue  # per-department rows stay in the files; the busiest is named below
        unit = row["unit"]
        ci = (
            "—"
            if row["ci_low"] is None or math.isnan(row["ci_low"])
            else f"[{fmt(row['ci_low'], unit)}, {fmt(row['ci_high'], unit)}]"
        )
        verdict = row["verdict"] or ""
        table.add_row(
            row["kpi"],
            fmt(row["mean"], unit),
            ci,
            str(row["n"]),
            row["target"] or "",
            f"[{_VERDICT_STYLE.get(verdict, '')}]{verdict}[/]" if verdict else "",
        )
    console.print(table)
    busiest = busiest_department(result.summary)
    if busiest is not None:
        name, mean = busiest
        console.print(
            f"busiest department: {name} (reviewer utilisation {mean:.1%}); per-department "
            "KPIs are in summary.parquet",
            highlight=False,
        )


def busiest_department(summary: pl.DataFrame) -> tuple[str, float] | None:
    """The department whose reviewers are busiest on average over replications."""
    rows = summary.filter(pl.col("kpi").str.starts_with("reviewers.utilisation@department="))
    if rows.is_empty():
        return None
    top = rows.sort("mean", descending=True, nulls_last=True).row(0, named=True)
    return str(top["kpi"]).split("=", 1)[1], float(top["mean"])


@cli.command("run")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--replications", type=int, help="Override run.replications.")
@click.option("--seed", type=int, help="Override run.seed (the root seed).")
@set_option
@out_option
@click.option("--strict", is_flag=True, help="Exit 1 when a target fails.")
@click.option("--quiet", is_flag=True, help="No progress bar or warnings.")
@handle_errors
def run_command(
    scenario: Path,
    replications: int | None,
    seed: int | None,
    sets: tuple[str, ...],
    out: Path | None,
    strict: bool,
    quiet: bool,
) -> None:
    """Run SCENARIO's replications; print KPIs with 95% CIs and target verdicts."""
    loaded = load_scenario(scenario, overrides(sets, replications, seed))
    out_dir = out if out is not None else default_run_dir()
    console = output_console()
    errors = Console(stderr=True)
    show_progress = console.is_terminal and not quiet
    argv = ["simdata", *sys.argv[1:]]
    if show_progress:
        with progress_bar(console) as bar:
            task = bar.add_task("replications", total=loaded.run.replications)

            def advance(_: Replication) -> None:
                bar.advance(task)

            result = run(loaded, out=out_dir, argv=argv, progress=advance)
    else:
        result = run(loaded, out=out_dir, argv=argv)
    _print_summary(console, result)
    if not quiet:
        for warning in result.warnings:
            errors.print(f"[yellow]warning:[/] {warning}", highlight=False)
    for failure in result.failures:
        errors.print(
            f"[red]replication {failure['replication']} failed[/] (root seed "
            f"{failure['root_seed']}): {failure['error']}",
            highlight=False,
        )
    verdicts = result.summary["verdict"].to_list()
    undecided = verdicts.count("undecided")
    if undecided and not quiet:
        errors.print(
            f"[yellow]warning:[/] {undecided} target(s) undecided: the 95% CI straddles the "
            "target; add replications",
            highlight=False,
        )
    console.print(f"wrote {out_dir}", highlight=False)
    if result.failures:
        sys.exit(1)
    if strict and "fail" in verdicts:
        sys.exit(1)
