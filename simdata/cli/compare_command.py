"""``simdata compare``: the difference of every KPI between a base run and variants."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY
from simdata.analysis.multiplicity import ALPHA
from simdata.cli.common import (
    cli,
    fmt,
    handle_errors,
    out_option,
    output_console,
    plain,
    readable_table,
)
from simdata.experiments.compare import CompareResult, compare
from simdata.results import default_run_dir

_HEADERS = ("KPI", "difference", "95% CI", "pairs", "variance reduction", "p (Holm)", "better")
_BETTER_STYLE = {"variant": "bold green", "base": "bold red", "undecided": "yellow"}


def _better_cell(row: dict[str, Any]) -> str:
    """The ``better`` column: the Holm decision, ``—`` outside the family, or the reason
    a conditional KPI gets none."""
    better = row["better"]
    if better is None:
        return "[dim]conditional[/]" if row["conditional"] else "—"
    style = _BETTER_STYLE.get(better)
    return f"[{style}]{better}[/]" if style else better


def _p_cell(p: float | None) -> str:
    if p is None or math.isnan(p):
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _cells(row: dict[str, Any]) -> list[str]:
    kpi = REGISTRY.get(kpi_names.base_of(row["kpi"]))
    unit = kpi.unit if kpi else None
    low, high = row["diff_ci_low"], row["diff_ci_high"]
    ci = "—" if low is None or math.isnan(low) else f"[{fmt(low, unit)}, {fmt(high, unit)}]"
    reduction = row["variance_reduction"]
    cut = "—" if reduction is None or math.isnan(reduction) else f"{reduction:.0%}"
    pairs = "—" if row["n_pairs"] is None else str(row["n_pairs"])
    return [
        plain(row["kpi"]),
        fmt(row["diff_mean"], unit),
        escape(ci),
        pairs,
        cut,
        _p_cell(row["p_holm"]),
        _better_cell(row),
    ]


def _title(result: CompareResult, variant: str, test: str) -> str:
    base = result.base
    how = (
        f"paired on replications, root seed {base.root_seed}"
        if test == "paired t"
        else "independent runs (root seeds differ): Welch's t, unpaired"
    )
    return f"{plain(variant)} − {plain(base.name)} ({how})"


def _print_comparison(result: CompareResult) -> None:
    console = output_console()
    table = result.table
    for variant in table["variant"].unique(maintain_order=True).to_list():
        rows = table.filter(table["variant"] == variant)
        console.print(
            readable_table(
                _HEADERS,
                [_cells(row) for row in rows.iter_rows(named=True)],
                title=_title(result, variant, str(rows["test"][0])),
                right=("difference", "pairs", "variance reduction", "p (Holm)"),
            )
        )
    family = int(table["in_family"].sum())
    console.print(
        f"better: Holm's correction at α = {ALPHA:g} across {family} differences (KPIs "
        "with a target or without a breakdown, every variant); the 95% CI is unadjusted; "
        "— = a breakdown outside that family; conditional = over a subset the variant "
        "changes (e.g. delivered requests), so no better.",
        highlight=False,
    )
    for warning in result.manifest.get("warnings") or []:
        console.print(f"[yellow]warning:[/] {plain(warning)}", highlight=False)
    console.print(f"wrote {plain(result.out_dir)}", highlight=False)


@cli.command("compare")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("variants", nargs=-1, type=click.Path(path_type=Path))
@out_option
@handle_errors
def compare_command(base: Path, variants: tuple[Path, ...], out: Path | None) -> None:
    """Differences (VARIANT − BASE) of every KPI, with 95% CIs, for run directories.

    Runs sharing the base's root seed (common random numbers) are paired on the replication
    indices both have; others get Welch's unpaired t. "better" is Holm-corrected across the
    KPIs with targets or without a breakdown.
    """
    out_dir = out if out is not None else default_run_dir()
    result = compare(base, list(variants), out_dir, argv=["simdata", *sys.argv[1:]])
    _print_comparison(result)
