"""The ``simdata`` command line (click); one module per subcommand, registered on import.

Exit codes: 0 when it ran (whatever the verdicts); 1 with ``--strict`` when a target
failed, or when a replication raised; 2 on bad input (one line
``FILE:LINE: field.path: expected …, got …``, nothing written); 130 on Ctrl-C.
"""

from __future__ import annotations

# Importing a command module registers its subcommand on the group.
from simdata.cli import (  # noqa: F401
    capacity_command,
    compare_command,
    info_commands,
    report_command,
    run_command,
    sweep_command,
)
from simdata.cli.common import cli, fmt

__all__ = ["cli", "fmt", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="simdata")
