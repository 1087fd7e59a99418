"""The ``simdata`` command line (click): run, validate, schema.

Exit codes: 0 when it ran (whatever the verdicts); 1 with ``--strict`` when a target
failed, or when a replication raised; 2 on bad input (one line
``FILE:LINE: field.path: expected …, got …``, nothing written); 130 on Ctrl-C.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import polars as pl
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from simdata.api import load_scenario
from simdata.errors import SimdataError
from simdata.experiments.replication import Replication
from simdata.experiments.run import RunResult, run
from simdata.results import default_run_dir
from simdata.scenario.schema import json_schema_text

F = TypeVar("F", bound=Callable[..., Any])

_VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "undecided": "yellow"}


def _handle_errors(command: F) -> F:
    """Turn simdata's errors into one line on stderr and their exit code; Ctrl-C into 130."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SimdataError as error:
            click.echo(str(error), err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _overrides(sets: tuple[str, ...], replications: int | None, seed: int | None) -> list[str]:
    """``--set`` values, then ``--replications``/``--seed`` as overrides (validated alike)."""
    extra = []
    if replications is not None:
        extra.append(f"run.replications={replications}")
    if seed is not None:
        extra.append(f"run.seed={seed}")
    return [*sets, *extra]


def _fmt(value: float | None, unit: str | None = None) -> str:
    """A value for the terminal table: seconds scaled to ms/µs, fractions as percent.

    Files keep SI values; this is display only.
    """
    if value is None or math.isnan(value):
        return "—"
    if unit == "s" and value != 0 and abs(value) < 1:
        scale, suffix = (1e3, " ms") if abs(value) >= 1e-3 else (1e6, " µs")
        return f"{value * scale:.4g}{suffix}"
    if unit == "s":
        for size, suffix in ((86_400.0, " d"), (3_600.0, " h"), (60.0, " min")):
            if abs(value) >= size:
                return f"{value / size:.4g}{suffix}"
        return f"{value:.4g} s"
    if unit == "workday":
        return f"{value:.4g} wd"
    if unit == "fraction":
        return f"{value * 100:.4g}%"
    if unit == "1/s":
        return f"{value:.4g}/s"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


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
            else f"[{_fmt(row['ci_low'], unit)}, {_fmt(row['ci_high'], unit)}]"
        )
        verdict = row["verdict"] or ""
        table.add_row(
            row["kpi"],
            _fmt(row["mean"], unit),
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="simdata")
def cli() -> None:
    """simdata: simulate public-data sharing and identifier-resolution plans, with CIs."""


_set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario field, e.g. --set resolution.servers=4 (list items by index).",
)


@cli.command("run")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--replications", type=int, help="Override run.replications.")
@click.option("--seed", type=int, help="Override run.seed (the root seed).")
@_set_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Run directory to create (must be new or empty). Default: results/<UTC time>-<hex>/.",
)
@click.option("--strict", is_flag=True, help="Exit 1 when a target fails.")
@click.option("--quiet", is_flag=True, help="No progress bar or warnings.")
@_handle_errors
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
    loaded = load_scenario(scenario, _overrides(sets, replications, seed))
    out_dir = out if out is not None else default_run_dir()
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 120))
    errors = Console(stderr=True)
    show_progress = console.is_terminal and not quiet
    argv = ["simdata", *sys.argv[1:]]
    if show_progress:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
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


@cli.command("validate")
@click.argument("scenario", type=click.Path(path_type=Path))
@_set_option
@_handle_errors
def validate_command(scenario: Path, sets: tuple[str, ...]) -> None:
    """Check SCENARIO (with its extends chain and overrides) without running it."""
    loaded = load_scenario(scenario, sets)
    click.echo(
        f"{scenario}: valid ({loaded.name}; {loaded.run.replications} replications, "
        f"{len(loaded.targets)} targets)"
    )


@cli.command("schema")
@_handle_errors
def schema_command() -> None:
    """Print the JSON Schema of scenario files (for yaml-language-server)."""
    click.echo(json_schema_text(), nl=False)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="simdata")
