"""``simdata validate`` and ``simdata schema``: check a scenario, print the JSON Schema."""

from __future__ import annotations

from pathlib import Path

import click

from simdata.api import load_scenario
from simdata.cli.common import cli, handle_errors, set_option
from simdata.model.calendar import scenario_holiday_warnings
from simdata.scenario.schema import json_schema_text


@cli.command("validate")
@click.argument("scenario", type=click.Path(path_type=Path))
@set_option
@handle_errors
def validate_command(scenario: Path, sets: tuple[str, ...]) -> None:
    """Check SCENARIO (with its extends chain and overrides) without running it.

    Warns (exit 0) about every simulated year without holiday data."""
    loaded = load_scenario(scenario, sets)
    for warning in scenario_holiday_warnings(loaded):
        click.echo(f"warning: {scenario}: {warning}", err=True)
    click.echo(
        f"{scenario}: valid ({loaded.name}; {loaded.run.replications} replications, "
        f"{len(loaded.targets)} targets)"
    )


@cli.command("schema")
@handle_errors
def schema_command() -> None:
    """Print the JSON Schema of scenario files (for yaml-language-server)."""
    click.echo(json_schema_text(), nl=False)
