"""``simdata compare``: the difference of every KPI between a base run and variants."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import click
import polars as pl
from rich.console import Console
from rich.markup import escape

from simdata import kpi_names
from simdata.analysis.kpi_filter import KpiFilter
from simdata.analysis.kpis import REGISTRY
from simdata.analysis.multiplicity import ALPHA
from simdata.cli.common import (
    Cell,
    cli,
    fmt,
    handle_errors,
    kpi_filter_options,
    output_console,
    plain,
    readable_table,
    table_fits,
    warn_unmatched,
)
from simdata.cli.folding import Folded, fold
from simdata.cli.names import WORDS, NameCell
from simdata.experiments.compare import CompareResult, compare

_HEADERS = (
    "KPI",
    "base → variant",
    "difference",
    "95% CI",
    "pairs",
    "variance reduction",
    "p (Holm)",
    "better",
)
#: The same columns for a narrow terminal: the CI under the difference, the Holm p under
#: the better, the pair count in the title — 80 columns then cut none of them.
_COMPACT = ("KPI", "base → variant", "difference 95% CI", "variance reduction", "better p (Holm)")
_RIGHT = ("difference", "pairs", "variance reduction", "p (Holm)")
_BETTER_STYLE = {"variant": "bold green", "base": "bold red", "undecided": "yellow"}
_VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "undecided": "yellow"}


def _verdict(verdict: str | None) -> str:
    return f"[{_VERDICT_STYLE.get(verdict, '')}]{verdict}[/]" if verdict else "—"


def _targeted(row: dict[str, Any]) -> bool:
    return row["target"] is not None


def _size(row: dict[str, Any]) -> float | None:
    """A row's rank in a folded breakdown: the size of its difference."""
    mean = row["diff_mean"]
    return None if mean is None else abs(mean)


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


def _cells(row: dict[str, Any]) -> list[Cell]:
    kpi = REGISTRY.get(kpi_names.base_of(row["kpi"]))
    unit = kpi.unit if kpi else None
    low, high = row["diff_ci_low"], row["diff_ci_high"]
    ci = "—" if low is None or math.isnan(low) else f"[{fmt(low, unit)}, {fmt(high, unit)}]"
    reduction = row["variance_reduction"]
    cut = "—" if reduction is None or math.isnan(reduction) else f"{reduction:.0%}"
    pairs = "—" if row["n_pairs"] is None else str(row["n_pairs"])
    name = plain(row["kpi"])
    pair = ""
    if _targeted(row):
        name += f"\n[dim]{plain(row['target'])}[/]"
        pair = f"{_verdict(row['base_verdict'])} → {_verdict(row['variant_verdict'])}"
    return [
        name,
        pair,
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


def _variant_rows(rows: list[dict[str, Any]], chosen: KpiFilter, written: bool) -> list[list[Cell]]:
    """One variant's cells: targeted KPIs first (their verdicts are the first question),
    the rows ``chosen`` keeps, many-valued breakdowns folded to their largest differences."""
    kept = [row for row in rows if chosen.keeps(row["kpi"], _targeted(row))]
    kept.sort(key=lambda row: not _targeted(row))
    listed = kept if chosen.active else fold(kept, lambda r: str(r["kpi"]), _size, _targeted)
    cells: list[list[Cell]] = []
    for item in listed:
        if isinstance(item, Folded):
            where = "in compare.parquet" if written else f"(--kpi '{item.group}' shows them)"
            cells.append([NameCell(f"[dim]{plain(item.text(where))}[/]", WORDS), *[""] * 7])
        else:
            cells.append(_cells(item))
    return cells


def _compact(cells: list[list[Cell]]) -> list[list[Cell]]:
    """Rows of :data:`_HEADERS` as rows of :data:`_COMPACT`."""
    return [
        [row[0], row[1], f"{row[2]}\n{row[3]}", row[5], f"{row[7]}\n{row[6]}"]
        if row[2]
        else [row[0], *[""] * 4]  # a folded group's "N more rows" line
        for row in cells
    ]


def _print_variant(
    console: Console, result: CompareResult, variant: str, chosen: KpiFilter
) -> None:
    """One variant's table: every column on a wide terminal, :data:`_COMPACT` on a narrow
    one (the title then says how many pairs)."""
    table = result.table
    rows = table.filter(table["variant"] == variant)
    cells = _variant_rows(list(rows.iter_rows(named=True)), chosen, result.out_dir is not None)
    title = _title(result, variant, str(rows["test"][0]))
    headers: tuple[str, ...] = _HEADERS
    pairs = sorted(rows.filter(pl.col("n_pairs") > 0)["n_pairs"].unique().to_list())
    if not table_fits(_HEADERS, cells, console.width, _RIGHT):
        headers, cells = _COMPACT, _compact(cells)
        if pairs:
            count = str(pairs[0]) if len(pairs) == 1 else f"{pairs[0]}–{pairs[-1]}"
            title = title[:-1] + f", {count} pairs)"
    console.print(readable_table(headers, cells, title=title, right=_RIGHT, width=console.width))


def _print_comparison(result: CompareResult, chosen: KpiFilter) -> None:
    console = output_console()
    table = result.table
    written = result.out_dir is not None
    for variant in table["variant"].unique(maintain_order=True).to_list():
        _print_variant(console, result, variant, chosen)
    warn_unmatched(chosen, table["kpi"].unique(maintain_order=True).to_list())
    family = int(table["in_family"].sum())
    console.print(
        f"better: Holm's correction at α = {ALPHA:g} across {family} differences (KPIs "
        "with a target or without a breakdown, every variant); the 95% CI is unadjusted; "
        "— = a breakdown outside that family; conditional = over a subset the variant "
        "changes (e.g. delivered requests), so no better. base → variant: each run's own "
        "verdict on its targets.",
        highlight=False,
    )
    for warning in result.manifest.get("warnings") or []:
        console.print(f"[yellow]warning:[/] {plain(warning)}", highlight=False)
    if written:
        console.print(f"wrote {plain(result.out_dir)}", highlight=False)
    else:
        console.print(
            "nothing written (--out DIR keeps compare.parquet and a manifest)", highlight=False
        )


@cli.command("compare")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("variants", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Keep the comparison: a results directory to create (must be new or empty) with "
    "compare.parquet, for simdata report. Default: print only, write nothing.",
)
@kpi_filter_options
@handle_errors
def compare_command(
    base: Path,
    variants: tuple[Path, ...],
    out: Path | None,
    kpi_patterns: tuple[str, ...],
    targets_only: bool,
) -> None:
    """Differences (VARIANT − BASE) of every KPI, with 95% CIs, for run directories.

    Runs sharing the base's root seed (common random numbers) are paired on the replication
    indices both have; others get Welch's unpaired t. "better" is Holm-corrected across the
    KPIs with targets or without a breakdown. Each target's verdict is shown for both runs
    (base → variant). Nothing is written unless --out DIR is given.
    """
    result = compare(base, list(variants), out, argv=["simdata", *sys.argv[1:]])
    _print_comparison(result, KpiFilter(kpi_patterns, targets_only))
