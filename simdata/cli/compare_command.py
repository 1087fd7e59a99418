"""``simdata compare``: paired differences of every KPI between a base run and variants."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click
from rich.markup import escape

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY
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

_BETTER_STYLE = {"variant": "bold green", "base": "bold red", "undecided": "yellow"}


def _print_comparison(result: CompareResult) -> None:
    console = output_console()
    for variant in result.table["variant"].unique(maintain_order=True).to_list():
        cells = []
        rows = result.table.filter(result.table["variant"] == variant)
        for row in rows.iter_rows(named=True):
            kpi = REGISTRY.get(kpi_names.base_of(row["kpi"]))
            unit = kpi.unit if kpi else None
            low, high = row["diff_ci_low"], row["diff_ci_high"]
            ci = "—" if math.isnan(low) else f"[{fmt(low, unit)}, {fmt(high, unit)}]"
            reduction = row["variance_reduction"]
            cut = "—" if reduction is None or math.isnan(reduction) else f"{reduction:.0%}"
            better = row["better"]
            cells.append(
                [
                    plain(row["kpi"]),
                    fmt(row["diff_mean"], unit),
                    escape(ci),
                    str(row["n_pairs"]),
                    cut,
                    f"[{_BETTER_STYLE.get(better, '')}]{better}[/]"
                    if better in _BETTER_STYLE
                    else better,
                ]
            )
        table = readable_table(
            ("KPI", "difference", "95% CI", "pairs", "variance reduction", "better"),
            cells,
            title=f"{plain(variant)} − {plain(result.base.name)} (paired on replications, "
            f"root seed {result.base.root_seed})",
            right=("difference", "pairs", "variance reduction"),
        )
        console.print(table)
    console.print(f"wrote {plain(result.out_dir)}", highlight=False)


@cli.command("compare")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("variants", nargs=-1, type=click.Path(path_type=Path))
@out_option
@handle_errors
def compare_command(base: Path, variants: tuple[Path, ...], out: Path | None) -> None:
    """Paired differences (VARIANT − BASE) of every KPI, with 95% CIs, for run directories.

    The runs must share their root seed (common random numbers); differences are paired on
    the replication indices both runs have.
    """
    out_dir = out if out is not None else default_run_dir()
    result = compare(base, list(variants), out_dir, argv=["simdata", *sys.argv[1:]])
    _print_comparison(result)
