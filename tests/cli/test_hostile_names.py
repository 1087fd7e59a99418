"""Names a user wrote reach the terminal as text: rich markup and control characters in a
scenario name neither crash a command after it wrote its results nor act on the terminal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.cli.common import plain, printable
from tests.conftest import MM8_TEXT

pytestmark = pytest.mark.cli

HOSTILE = ["[/]", "[link=http://evil.example]click[/link]", "\x1b[31mred\x1b]0;title\x07", "a\rb"]
SMALL = ["--set", "run.horizon=600 s", "--set", "run.warmup=60 s", "--replications", "2"]


@pytest.mark.unit
@pytest.mark.parametrize("name", HOSTILE)
def test_plain_text_renders_as_itself(name: str) -> None:
    """plain() renders through rich to the visible form of the name, controls as \\xNN."""
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(plain(name), highlight=False)
    shown = console.export_text().rstrip("\n")
    assert shown == printable(name)
    assert not any(ord(char) < 32 or 0x7F <= ord(char) <= 0x9F for char in shown)


def _named(write_scenario: Callable[[str, str], Path], name: str, file: str) -> Path:
    quoted = name.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    return write_scenario(MM8_TEXT.replace("name: mm8", f'name: "{quoted}"'), file)


@pytest.mark.parametrize("name", HOSTILE)
def test_run_compare_capacity_print_hostile_names_as_text(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, name: str
) -> None:
    """run, compare and capacity exit 0 and show the name, escaped, with no raw control."""
    path = _named(write_scenario, name, "hostile.yaml")
    runner = CliRunner()
    base, variant = tmp_path / "base", tmp_path / "variant"
    for out, extra in ((base, []), (variant, ["--set", "resolution.servers=9"])):
        result = runner.invoke(cli, ["run", str(path), *SMALL, *extra, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert printable(name) in result.stdout
    result = runner.invoke(cli, ["compare", str(base), str(variant), "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    capacity = runner.invoke(
        cli,
        ["capacity", str(path), *SMALL, "--sla", "p99<=20s", "--out", str(tmp_path / "cap")],
    )
    assert capacity.exit_code == 0, capacity.output
    assert printable(name) in capacity.stdout
    for output in (result.output, capacity.output):
        assert "\x1b" not in output
        assert "\r" not in output
