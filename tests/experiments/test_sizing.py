"""Runs that cannot fit or cannot finish are refused before they start, with the estimate and
the way out; long runs say how long they will take."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.errors import UsageError
from simdata.experiments import sizing
from tests.cli_checks import one_line_error
from tests.conftest import MM8_TEXT

pytestmark = pytest.mark.cli

#: M/M/8 at 7.2/s: a horizon of N/7.2 s holds about N requests.
EVENT_1E9 = ["--set", "run.horizon=138888889 s", "--set", "resolution.engine=event"]


def test_a_run_beyond_memory_is_refused_with_the_way_out(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """10⁹ requests on the event engine: exit 2, the estimate and 'resolution.engine: batched',
    nothing written."""
    path = write_scenario(MM8_TEXT)
    out = tmp_path / "out"
    message = one_line_error(
        CliRunner().invoke(cli, ["run", str(path), *EVENT_1E9, "--out", str(out)])
    )
    assert "10亿 resolution requests (event engine)" in message
    assert "resolution.engine: batched" in message
    assert not out.exists()


def test_the_python_api_refuses_it_too(write_scenario: Callable[[str], Path]) -> None:
    """simdata.run refuses the same run before simulating anything."""
    scenario = simdata.load_scenario(
        write_scenario(MM8_TEXT), ["run.horizon=138888889 s", "resolution.engine=event"]
    )
    with pytest.raises(UsageError, match="fits in this machine's memory"):
        simdata.run(scenario)


def test_a_run_that_cannot_finish_is_refused(write_scenario: Callable[[str], Path]) -> None:
    """10⁶/s for 50 years on the batched engine fits in memory but would run for years."""
    path = write_scenario(MM8_TEXT)
    fast = ["resolution.traffic.rate=1000000/s", "run.horizon=50 year", "resolution.engine=batched"]
    args = ["run", str(path), *(arg for value in fast for arg in ("--set", value))]
    message = one_line_error(CliRunner().invoke(cli, args))
    assert "expected a run that can finish" in message
    assert "years" in message


@pytest.mark.unit
def test_too_many_workers_for_memory_names_a_count_that_fits(
    write_scenario: Callable[[str], Path],
) -> None:
    """Replications that fit one at a time but not N at once: the way out is --workers k."""
    scenario = simdata.load_scenario(write_scenario(MM8_TEXT), ["run.horizon=1388889 s"])
    size = sizing.estimate(scenario, concurrency=20)
    per = size.bytes_per_replication + sizing.PROCESS_BYTES
    with pytest.raises(UsageError, match=r"--workers 3\)") as refused:
        sizing.check_fits(size, available_bytes=3.5 * per / sizing.MEMORY_SHARE)
    assert "fits in this machine's memory" in str(refused.value)
    sizing.check_fits(sizing.estimate(scenario, concurrency=3), 3.5 * per / sizing.MEMORY_SHARE)


@pytest.mark.unit
def test_the_estimate_follows_the_integrated_rate(write_scenario: Callable[[str], Path]) -> None:
    """Expected requests are rate × measured span, the engine the one auto would choose."""
    scenario = simdata.load_scenario(write_scenario(MM8_TEXT))
    size = sizing.estimate(scenario)
    assert size.node_requests == pytest.approx(7.2 * 20_000)
    assert size.engine == "event"
    big = simdata.load_scenario(write_scenario(MM8_TEXT), ["run.horizon=1000000 s"])
    assert sizing.estimate(big).engine == "batched"


def test_a_long_run_prints_its_estimate_first(
    write_scenario: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run expected to take longer than the announce limit says so on stderr first."""
    from simdata.cli import run_command

    monkeypatch.setattr(run_command, "ANNOUNCE_S", 0.0)
    path = write_scenario(MM8_TEXT)
    result = CliRunner().invoke(
        cli,
        ["run", str(path), "--set", "run.horizon=600 s", "--set", "run.warmup=60 s",
         "--replications", "2", "--workers", "1", "--out", str(tmp_path / "o")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith("estimate: 2 replication(s) of")
    assert "on 1 worker(s)" in first


def test_an_identifier_economy_beyond_memory_is_refused(tmp_path: Path) -> None:
    """10⁷ Bass candidates over 90 years: the enterprise-day table alone cannot fit."""
    from tests.conftest import SCENARIOS

    args = [
        "run", str(SCENARIOS / "zhanjiang-baseline.yaml"),
        "--set", "enterprises.adoption={model: bass, p: 0.5, q: 0.5, market_size: 10000000}",
        "--set", "run.end_date=2113-12-31", "--out", str(tmp_path / "o"),
    ]  # fmt: skip
    message = one_line_error(CliRunner().invoke(cli, args))
    assert "enterprise-days" in message
    assert not (tmp_path / "o").exists()
