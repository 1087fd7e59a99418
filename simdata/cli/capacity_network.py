"""``simdata capacity`` on a network scenario: the load multiplier at which the first node
breaks its SLA, which node that is, and the bottleneck (docs/network.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simdata.cli.common import fmt, output_console, plain, printable, progress_bar
from simdata.experiments.capacity.network import NetworkCapacity, network_capacity
from simdata.experiments.executors import Executor
from simdata.results import default_run_dir
from simdata.scenario.models import Scenario


def describe(result: NetworkCapacity) -> list[str]:
    """The answer in words: multiplier with its CI, the offered load, the first node."""
    estimate, spec = result.multiplier, result.scenario.network
    if estimate is None or spec is None:
        return [f"capacity: {result.status} (see capacity.json)"]
    found = result.as_json()
    interval = (
        f", 95% CI [{found['ci_low']:.3f}, {found['ci_high']:.3f}]"
        if found["ci_low"] is not None
        else ""
    )
    lines = [
        f"load multiplier at which the first node breaks its SLA: ×{estimate.mean:.3f}{interval}"
        f" (n = {estimate.n}), i.e. {fmt(estimate.mean * spec.traffic.rate, '1/s')} offered",
    ]
    n = len(result.searches)
    for node, count in sorted(result.first_nodes.items(), key=lambda item: -item[1]):
        lines.append(f"  first to break: {node} in {count} of {n} replications")
    for node, count in sorted(result.bottlenecks.items(), key=lambda item: -item[1]):
        lines.append(f"  busiest queue there: {node} in {count} of {n} replications")
    return lines


def run_network_capacity(
    loaded: Scenario, sla: str | None, out: Path | None, executor: Executor, quiet: bool
) -> None:
    """Search, print and exit 1 when a replication failed."""
    out_dir = out if out is not None else default_run_dir()
    argv = ["simdata", *sys.argv[1:]]
    console = output_console()
    try:
        if console.is_terminal and not quiet:
            with progress_bar(console) as bar:
                task = bar.add_task("replications", total=loaded.run.replications)
                result = network_capacity(
                    loaded, sla=sla, out=out_dir, executor=executor, argv=argv,
                    progress=lambda n: bar.advance(task, n),
                )  # fmt: skip
        else:
            result = network_capacity(loaded, sla=sla, out=out_dir, executor=executor, argv=argv)
    finally:
        executor.close()
    q, op, threshold = result.sla.quantile, result.sla.op, result.sla.threshold_s
    shown = f"p{q * 100:g} {op} {fmt(threshold, 's')}"
    console.print(f"{plain(loaded.name)}: SLA {shown} on each secondary node", highlight=False)
    for line in describe(result):
        console.print(line, highlight=False)
    for warning in result.warnings:
        click.echo(f"warning: {printable(warning)}", err=True)
    failed = [s for s in result.searches if s.error is not None]
    for search in failed:
        click.echo(f"replication {search.replication} failed: {printable(search.error)}", err=True)
    console.print(f"wrote {plain(out_dir)}", highlight=False)
    if failed:
        sys.exit(1)
