"""``simdata capacity``: the highest offered load at which the node keeps its latency SLA."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simdata.api import load_scenario
from simdata.cli.capacity_network import run_network_capacity
from simdata.cli.common import (
    cli,
    fmt,
    handle_errors,
    out_option,
    output_console,
    overrides,
    plain,
    printable,
    progress_bar,
    scheduler_option,
    set_option,
    workers_option,
)
from simdata.experiments.capacity import CapacityResult, capacity, resolve_sla
from simdata.experiments.capacity.network import network_sla
from simdata.experiments.executors import make_executor
from simdata.results import default_run_dir
from simdata.scenario.units import DAY_S


def _describe(result: CapacityResult) -> list[str]:
    if result.status == "failed":
        return ["status: failed — a replication raised (below); no capacity"]
    if result.status != "found" or result.capacity is None:
        where = "lowest" if result.status == "below_range" else "highest"
        return [
            f"status: {result.status} — the SLA {'fails' if where == 'lowest' else 'holds'} "
            f"at the {where} load searched in some replication; no capacity bracketed"
        ]
    n = len(result.searches)
    if result.ci_low is None:
        why = (
            "from 1 replication — no CI; run at least 2 (--replications)"
            if n == 1
            else f"in all {n} replications — no CI (see the warning)"
        )
        return [f"capacity: {fmt(result.capacity)}/s offered {why}", *_mix_lines(result)]
    lines = [
        f"capacity: {fmt(result.capacity)}/s offered (mean rate of the traffic profile), "
        f"95% CI [{fmt(result.ci_low)}, {fmt(result.ci_high)}] over {n} replications",
        *_mix_lines(result),
        f"conservative ({result.confidence:.0%} one-sided lower bound): "
        f"{fmt(result.capacity_conservative)}/s",
    ]
    if result.peak_capacity is not None:
        lines.append(f"peak-hour rate at capacity: {fmt(result.peak_capacity)}/s")
    return lines


_PLURAL = {"weekday": "weekdays", "weekend": "weekend days", "holiday": "holidays"}


def _mix_lines(result: CapacityResult) -> list[str]:
    """What the capacity is made of (resolutions and writes per second) and, with
    enterprises, which day's traffic was scaled: the answer depends on both."""
    mix, capacity = result.mix, result.capacity
    if mix is None or capacity is None:
        return []
    spread = ""
    if mix.write_share_max > mix.write_share_min:
        low, high = 100 * mix.write_share_min, 100 * mix.write_share_max
        spread = f"; {low:.3g}–{high:.3g} % across replications"
    lines = [
        f"  mix at capacity: {fmt(mix.resolutions_per_s)} resolutions/s + "
        f"{fmt(mix.writes_per_s)} writes/s (write share {100 * mix.write_share:.3g} %{spread})"
    ]
    days = [s.design for s in result.searches if s.design is not None and s.capacity]
    if result.design_rule is None or not days:
        return lines
    dates = sorted({d.date for d in days})
    span = f"{dates[0]}; " if len(dates) == 1 else f"{dates[0]} … {dates[-1]}; "
    span = "" if result.design_rule == f"{dates[0]}" else span
    load = sum(d.requests for d in days) / len(days) / DAY_S
    counts = sorted({d.mix_days for d in days})
    averaged = f"{counts[0]}" if counts[0] == counts[-1] else f"{counts[0]}–{counts[-1]}"
    plural = counts != [1]
    kinds = "/".join(
        sorted({_PLURAL.get(d.day_type, d.day_type) if plural else d.day_type for d in days})
    )
    lines.append(
        f"  design day: {result.design_rule} ({span}own load {fmt(load)}/s); "
        f"write share over its {averaged} {kinds}"
    )
    return lines


@cli.command("capacity")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--sla",
    help='Latency SLA to hold, e.g. "p99<=100ms" (default: the scenario\'s resolution.sla).',
)
@click.option(
    "--confidence",
    type=click.FloatRange(0.5, 1.0, max_open=True),
    default=0.95,
    show_default=True,
    help="Confidence of the conservative (one-sided lower) capacity bound.",
)
@click.option("--replications", type=int, help="Override run.replications.")
@click.option("--seed", type=int, help="Override run.seed (the root seed).")
@set_option
@out_option
@workers_option
@scheduler_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
@handle_errors
def capacity_command(
    scenario: Path,
    sla: str | None,
    confidence: float,
    replications: int | None,
    seed: int | None,
    sets: tuple[str, ...],
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Search the highest load SCENARIO's node carries within its latency SLA.

    Common random numbers across loads (the same requests, arrival times rescaled), a
    bisection per replication to 0.5 % of the load, the mean over replications with its
    95 % CI. Writes capacity.json and curve.parquet (load vs latency p50/p99, utilisation,
    share timed out or rejected) to a results directory of kind capacity.
    """
    loaded = load_scenario(scenario, overrides(sets, replications, seed))
    if loaded.network is not None:
        network_sla(loaded, sla, str(scenario))  # one line before anything runs
        run_network_capacity(loaded, sla, out, make_executor(workers, scheduler), quiet)
        return
    resolve_sla(loaded, sla, str(scenario))  # a bad or missing SLA is one line before anything runs
    out_dir = out if out is not None else default_run_dir()
    executor = make_executor(workers, scheduler)
    console = output_console()
    argv = ["simdata", *sys.argv[1:]]
    try:
        if console.is_terminal and not quiet:
            with progress_bar(console) as bar:
                task = bar.add_task("replications", total=loaded.run.replications)
                result = capacity(
                    loaded, sla=sla, confidence=confidence, out=out_dir, executor=executor,
                    argv=argv, progress=lambda n: bar.advance(task, n),
                )  # fmt: skip
        else:
            result = capacity(
                loaded, sla=sla, confidence=confidence, out=out_dir, executor=executor, argv=argv
            )
    finally:
        executor.close()
    shown = f"p{result.sla.quantile * 100:g} {result.sla.op} {fmt(result.sla.threshold_s, 's')}"
    console.print(f"{plain(loaded.name)}: SLA {shown}", highlight=False)
    for line in _describe(result):
        console.print(line, highlight=False)
    for warning in result.warnings:
        click.echo(f"warning: {printable(warning)}", err=True)
    failed = [s for s in result.searches if s.error is not None]
    for search in failed:
        click.echo(
            f"replication {search.replication} failed (root seed {loaded.run.seed}): "
            f"{printable(search.error)}",
            err=True,
        )
    console.print(f"wrote {plain(out_dir)}", highlight=False)
    if failed:
        sys.exit(1)
