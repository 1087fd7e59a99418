"""Hostile scenario input (issue 15): YAML-version numbers, empty overrides, files that are
not scenarios, and sizes that cannot finish — each one line, exit 2, nothing written.

The table runs every case through ``simdata run --out …`` and ``simdata validate`` in
process, like ``test_bad_inputs.py``, and also checks that no message echoes more than a
short excerpt of anything in the files. Files that are not regular (a FIFO, ``/dev/zero``)
are read under an alarm, so code that blocks on them fails the test instead of hanging it.
"""

from __future__ import annotations

import math
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import numpy as np
import pytest
from click.testing import CliRunner
from pydantic import TypeAdapter

import simdata
from simdata.cli import cli
from simdata.errors import ScenarioError
from simdata.scenario.distributions import IntegerDistribution, sample_integers
from simdata.scenario.strict_yaml import MAX_EXCERPT
from simdata.scenario.units import parse_growth, parse_quantity, parse_share
from simdata.scenario.worktime import parse_work_rate
from tests.cli_checks import one_line_error, tree
from tests.scenario.test_bad_inputs import BASE, SCENARIO, Case, _setup, _workdir, edit, service

pytestmark = pytest.mark.cli

#: A dated scenario with enterprises whose joining rate grows (line 10: growth).
FIRMS = """\
name: firms
run:
  start_date: 2024-01-01
  end_date: 2025-12-31
  replications: 2
enterprises:
  adoption:
    model: poisson
    rate: 4/month
    growth: 5%/month
"""
#   line numbers: 2 run, 3 start_date, 4 end_date, 5 replications, 6 enterprises,
#   7 adoption, 8 model, 9 rate, 10 growth.

#: One line of 900 KB: under the 1 MiB limit, so it is parsed (as one long scalar).
LONG_LINE = "x" * 900_000 + "\n"
#: A text file shaped like a system file (many "user:x:uid:…" lines, one YAML scalar).
SYSTEM_FILE = "".join(f"user{i}:x:{i}:{i}:User {i}:/home/user{i}:/bin/sh\n" for i in range(400))


def firms(old: str, new: str) -> str:
    """FIRMS with its one occurrence of ``old`` replaced by ``new``."""
    return edit(old, new, FIRMS)


@dataclass(frozen=True)
class Hostile(Case):
    """A bad input that may also need FIFOs beside SCENARIO."""

    fifos: tuple[str, ...] = ()


CASES = [
    # --- item 5: numbers YAML 1.1 and 1.2 read differently ---------------------------------
    Hostile(
        "servers-octal",
        edit("servers: 8", "servers: 010"),
        "resolution.servers",
        9,
        ("octal: 8", "write 10", 'quote it: "010"'),
    ),
    Hostile(
        "seed-octal",
        edit("seed: 7", "seed: 0777"),
        "run.seed",
        7,
        ("octal: 511", "write 777", 'quote it: "0777"'),
    ),
    Hostile(
        "servers-hexadecimal",
        edit("servers: 8", "servers: 0x10"),
        "resolution.servers",
        9,
        ("hexadecimal number 16", 'quote it: "0x10"'),
    ),
    Hostile(
        "servers-binary",
        edit("servers: 8", "servers: 0b101"),
        "resolution.servers",
        9,
        ("binary number 5", 'quote it: "0b101"'),
    ),
    Hostile(
        "servers-yaml12-octal",
        edit("servers: 8", "servers: 0o17"),
        "resolution.servers",
        9,
        ("YAML 1.2 reads it as the number 15", 'quote it: "0o17"'),
    ),
    Hostile(
        "servers-leading-zero-decimal",
        edit("servers: 8", "servers: 08"),
        "resolution.servers",
        9,
        ("number 8", 'quote it: "08"'),
    ),
    Hostile(
        "replications-underscores",
        edit("replications: 2", "replications: 1_000"),
        "run.replications",
        6,
        ("underscores", "write 1000", 'quote it: "1_000"'),
    ),
    Hostile(
        "cv-float-underscores",
        service("    dist: gamma\n    mean: 1 s\n    cv: 0_1.5\n"),
        "resolution.service_time.cv",
        13,
        ("underscores", "write 1.5"),
    ),
    Hostile(
        "name-octal",
        edit("name: mm8", "name: 0755"),
        "name",
        1,
        ('quote it: "0755"',),
    ),
    Hostile(
        "set-servers-octal",
        BASE,
        "resolution.servers",
        args=("--set", "resolution.servers=010"),
        override=True,
        expect=("octal: 8", "write 10"),
    ),
    Hostile(
        "set-seed-hexadecimal",
        BASE,
        "run.seed",
        args=("--set", "run.seed=0x1F"),
        override=True,
        expect=("hexadecimal number 31",),
    ),
    Hostile(
        "set-seed-sexagesimal",
        BASE,
        "run.seed",
        args=("--set", "run.seed=1:30"),
        override=True,
        expect=("base-60 number 90", 'quote it: "1:30"'),
    ),
    # --- item 7: an override without a value -----------------------------------------------
    Hostile(
        "set-empty-value",
        BASE,
        "resolution.servers",
        args=("--set", "resolution.servers="),
        override=True,
        expect=("a value after '='", "got nothing"),
    ),
    Hostile(
        "set-blank-value",
        BASE,
        "run.seed",
        args=("--set", "run.seed=   "),
        override=True,
        expect=("a value after '='",),
    ),
    Hostile(
        "set-comment-only-value",
        BASE,
        "resolution.servers",
        args=("--set", "resolution.servers=# none"),
        override=True,
        expect=("an integer", "None"),
    ),
    Hostile(
        "set-superscript-index",
        BASE,
        "targets.²",
        args=("--set", "targets.²=x"),
        override=True,
        expect=("list index", "'²'"),
    ),
    # --- item 10: files that are not scenarios ---------------------------------------------
    Hostile(
        "fifo-as-scenario",
        None,
        "",
        None,
        ("a FIFO",),
        scenario="pipe.yaml",
        file="pipe.yaml",
        fifos=("pipe.yaml",),
    ),
    Hostile(
        "extends-fifo",
        "extends: pipe.yaml\nname: child\n",
        "extends",
        1,
        ("'pipe.yaml', a FIFO",),
        absent=("no such file",),
        fifos=("pipe.yaml",),
    ),
    Hostile(
        "extends-dev-zero",
        "name: child\nextends: /dev/zero\n",
        "extends",
        2,
        ("'/dev/zero', a character device",),
        absent=("no such file",),
    ),
    Hostile(
        "dev-null-as-scenario",
        None,
        "",
        None,
        ("a character device",),
        scenario="/dev/null",
        file="/dev/null",
    ),
    Hostile(
        "extends-directory",
        "extends: bases\nname: child\n",
        "extends",
        1,
        ("'bases', a directory",),
        dirs=("bases",),
    ),
    Hostile(
        "extends-long-text-line",
        "extends: notes.txt\nname: child\n",
        "",
        1,
        ("a mapping of scenario fields", "'xxxx"),
        files={"notes.txt": LONG_LINE},
        file="notes.txt",
    ),
    Hostile(
        "extends-system-file",
        "extends: passwd\nname: child\n",
        "",
        1,
        ("a mapping of scenario fields", "'user0:x:0:0"),
        absent=("user399",),
        files={"passwd": SYSTEM_FILE},
        file="passwd",
    ),
    Hostile("scenario-is-a-long-line", LONG_LINE, "", 1, ("a mapping of scenario fields",)),
    Hostile(
        "long-unknown-key",
        BASE + "? " + "k" * 5000 + "\n: 1\n",  # an explicit key: no 1024-character limit
        "k" * (MAX_EXCERPT - 1) + "…",
        18,
        ("known field",),
    ),
    Hostile(
        "long-duration-text",
        edit("horizon: 2000 s", "horizon: " + "9" * 200_000 + " s"),
        "run.horizon",
        4,
        ("finite",),
    ),
    Hostile(
        "integer-beyond-4300-digits",
        edit("servers: 8", "servers: " + "9" * 5000),
        "resolution.servers",
        9,
        ("a valid scalar", "'9999"),
    ),
    # --- item 13: sizes that cannot finish ---------------------------------------------------
    Hostile(
        "replications-1e9",
        edit("replications: 2", "replications: 1000000000"),
        "run.replications",
        6,
        ("≤ 100000",),
    ),
    Hostile(
        "replications-option-1e9",
        BASE,
        "run.replications",
        args=("--replications", "1000000000"),
        override=True,
        expect=("≤ 100000",),
    ),
    Hostile(
        "servers-1e9",
        edit("servers: 8", "servers: 1000000000"),
        "resolution.servers",
        9,
        ("≤ 100000",),
    ),
    Hostile(
        "queue-limit-1e10",
        edit("  servers: 8\n", "  servers: 8\n  queue_limit: 10000000000\n"),
        "resolution.queue_limit",
        10,
        ("≤ 1000000000",),
    ),
    Hostile(
        "seed-beyond-int64",
        edit("seed: 7", "seed: 9223372036854775808"),
        "run.seed",
        7,
        ("≤ 9223372036854775807",),
    ),
    Hostile(
        "rate-1e300",
        edit("7.2/s", "1e300/s"),
        "resolution.traffic.rate",
        14,
        ("rate ≤ 1e9/s", "1e300/s"),
    ),
    Hostile(
        "horizon-1000-years",
        edit("2000 s", "1000 year"),
        "run.horizon",
        4,
        ("≤ 100 year", "1000 year"),
    ),
    Hostile("horizon-1e30-s", edit("2000 s", "1e30 s"), "run.horizon", 4, ("≤ 100 year",)),
    Hostile(
        "service-time-beyond-100-years",
        service("    dist: exponential\n    mean: 101 year\n"),
        "resolution.service_time.mean",
        12,
        ("≤ 100 year",),
    ),
    Hostile(
        "lognormal-cv-1e3",
        service("    dist: lognormal\n    mean: 1 s\n    cv: 1000\n"),
        "resolution.service_time.cv",
        13,
        ("≤ 100",),
    ),
    Hostile(
        "lognormal-sigma-50",
        service("    dist: lognormal\n    median: 1 s\n    sigma: 50\n"),
        "resolution.service_time.sigma",
        13,
        ("≤ 10",),
    ),
    Hostile(
        "weekday-factor-1e6",
        edit("    rate: 7.2/s\n", "    rate: 7.2/s\n    weekday_factor: 1e6\n"),
        "resolution.traffic.weekday_factor",
        15,
        ("≤ 1000",),
    ),
    Hostile(
        "hourly-weight-1e300",
        edit("    rate: 7.2/s\n", "    rate: 7.2/s\n    hourly_weights: [1.0e+300]\n"),
        "resolution.traffic.hourly_weights.0",
        15,
        ("between -1e15 and 1e15",),
    ),
    Hostile(
        "growth-1e6-percent",
        firms("5%/month", "1e6%/month"),
        "enterprises.adoption.growth",
        10,
        ("≤ 1000%/month", "1e6%/month"),
    ),
    Hostile(
        "growth-1e400-percent",
        firms("5%/month", "1e400%/month"),
        "enterprises.adoption.growth",
        10,
        ("finite growth",),
    ),
    Hostile(
        "growth-compounding-past-1e9",
        firms("5%/month", "200%/month"),
        "enterprises.adoption.growth",
        10,
        ("10^9-fold", "731 d", "10^11.5-fold"),
    ),
    Hostile(
        "growth-over-100-years",
        firms("  end_date: 2025-12-31\n", "  horizon: 100 year\n"),
        "enterprises.adoption.growth",
        10,
        ("10^9-fold",),
    ),
    Hostile(
        "end-date-beyond-100-years",
        firms("end_date: 2025-12-31", "end_date: 2124-01-01"),
        "run.end_date",
        4,
        ("less than 100 years after start_date",),
    ),
    Hostile(
        "start-date-year-9999",
        firms("start_date: 2024-01-01\n  end_date: 2025-12-31", "start_date: 9999-12-01"),
        "run.start_date",
        3,
        ("from 1900-01-01 to 2200-12-31",),
    ),
    Hostile(
        "dated-horizon-1e30-months",
        firms("  end_date: 2025-12-31\n", "  horizon: 1e30 month\n"),
        "run.horizon",
        4,
        ("≤ 100 year",),
    ),
    Hostile(
        "dated-horizon-inf-months",
        firms("  end_date: 2025-12-31\n", "  horizon: inf month\n"),
        "run.horizon",
        4,
        ("a duration like",),
    ),
    Hostile(
        "initial-identifiers-1e15",
        firms(
            "    growth: 5%/month\n",
            "    growth: 5%/month\n  initial:\n    - identifiers: 1000000000000000\n",
        ),
        "enterprises.initial.0.identifiers",
        12,
        ("≤ 1000000000000",),
    ),
]


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the test if the block takes longer (a blocking open, a hang)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s (blocked on a FIFO?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _make(case: Hostile, where: Path) -> None:
    _setup(case, where)
    for name in case.fifos:
        os.mkfifo(where / name)


def test_the_firms_base_is_valid(tmp_path: Path) -> None:
    """The unedited FIRMS validates, so each of its cases fails because of its own edit."""
    (tmp_path / SCENARIO).write_text(FIRMS, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / SCENARIO)])
    assert result.exit_code == 0, result.stderr


def test_the_table_has_distinct_cases() -> None:
    """Every hostile case has its own id and its own input."""
    assert len({c.id for c in CASES}) == len(CASES)
    keys = {(c.text, c.args, tuple(sorted(c.files.items())), c.scenario, c.fifos) for c in CASES}
    assert len(keys) == len(CASES)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, /dev/zero and SIGALRM are POSIX")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_one_short_line_exit_2_nothing_written(
    case: Hostile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hostile input: exit 2, one FILE:LINE: field: expected … line, no long echo, no output."""
    runner = CliRunner()
    out_dir = tmp_path / "out"
    _make(case, _workdir(tmp_path, monkeypatch))
    before = tree(tmp_path)
    with _deadline(30):
        ran = runner.invoke(cli, ["run", case.scenario, *case.args, "--out", str(out_dir)])
    assert tree(tmp_path) == before
    assert not out_dir.exists()
    message = one_line_error(ran)
    if not case.args or case.args[0] == "--set":
        with _deadline(30):
            validated = runner.invoke(cli, ["validate", case.scenario, *case.args])
        assert one_line_error(validated) == message
    assert message.startswith(case.prefix()), message
    assert "expected" in message
    if case.line is not None and not case.override:
        assert f"{case.file}:{case.line}:" in message
    for text in case.expect:
        assert text in message, message
    for text in case.absent:
        assert text not in message, message
    # An excerpt is at most MAX_EXCERPT characters, plus the punctuation around it.
    assert max(len(word) for word in message.split()) <= MAX_EXCERPT + 2, message
    assert len(message) < 400, message


# --- legitimate values keep their meaning -----------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "attribute", "value"),
    [
        (["run.seed=0"], ("run", "seed"), 0),
        (["resolution.servers=10"], ("resolution", "servers"), 10),
        (["resolution.servers=+3"], ("resolution", "servers"), 3),
        (
            ["resolution.traffic.weekday_factor=0.5"],
            ("resolution", "traffic", "weekday_factor"),
            0.5,
        ),
        (
            ["resolution.traffic.weekday_factor=1e3"],
            ("resolution", "traffic", "weekday_factor"),
            1000.0,
        ),
        (
            ["resolution.traffic.weekday_factor=2.5E-1"],
            ("resolution", "traffic", "weekday_factor"),
            0.25,
        ),
        (["resolution.traffic.rate=1e3/h"], ("resolution", "traffic", "rate"), 1000 / 3600),
        (["run.horizon=100 year"], ("run", "horizon"), 100 * 365.25 * 86_400),
        (["run.replications=100000"], ("run", "replications"), 100_000),
        (["resolution.servers=100000"], ("resolution", "servers"), 100_000),
        (["run.seed=9223372036854775807"], ("run", "seed"), 2**63 - 1),
        (["resolution.traffic.rate=1e9/s"], ("resolution", "traffic", "rate"), 1e9),
        (["name='010'"], ("name",), "010"),
    ],
)
def test_legitimate_numbers_keep_their_meaning(
    overrides: list[str], attribute: tuple[str, ...], value: object
) -> None:
    """0, 10, +3, 0.5, 1e3, 2.5E-1, quoted '010' and values at each bound load as written."""
    loaded: object = simdata.load_scenario("scenarios/mm8.yaml", overrides)
    for name in attribute:
        loaded = getattr(loaded, name)
    if isinstance(value, float):
        assert loaded == pytest.approx(value, rel=1e-15)
    else:
        assert loaded == value


def test_requester_growth_is_bounded_over_the_run() -> None:
    """A requester group's growth that compounds past 10⁹-fold over the run is refused."""
    simdata.load_scenario(
        "scenarios/fujian-public-data.yaml", ["requesters.groups.1.growth=50%/month"]
    )
    with pytest.raises(ScenarioError) as error:
        simdata.load_scenario(
            "scenarios/fujian-public-data.yaml", ["requesters.groups.1.growth=900%/month"]
        )
    assert error.value.path == "requesters.groups.1.growth"
    assert "10^9-fold" in str(error.value)


def test_datasets_per_request_is_bounded() -> None:
    """A request needing 10⁶ datasets on average is refused before the run draws them."""
    with pytest.raises(ScenarioError) as error:
        simdata.load_scenario(
            "scenarios/fujian-public-data.yaml",
            ["requesters.groups.0.datasets_per_request={dist: geometric, mean: 1000000}"],
        )
    assert error.value.path == "requesters.groups.0.datasets_per_request"
    assert "at most 1000" in str(error.value)


# --- the unit parsers refuse what float() would read -------------------------------------------


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (parse_work_rate, "inf/workday"),
        (parse_work_rate, "1e400/workday"),
        (parse_work_rate, "1_000/workday"),
        (parse_work_rate, "nan/h"),
        (parse_growth, "1e400%/month"),
        (parse_share, "0_5"),
        (parse_share, "infinity"),
        (parse_quantity, "1_000"),
        (parse_quantity, "inf"),
        (parse_quantity, 10**400),
    ],
)
def test_unit_parsers_refuse_infinity_nan_and_underscores(
    parse: Callable[[object], object], text: object
) -> None:
    """inf, nan, overflowing numbers and Python's 1_000 are never read as quantities."""
    with pytest.raises(ValueError, match=r"^expected"):
        parse(text)


def test_integer_draws_stay_within_int64() -> None:
    """A lognormal with σ = 10 draws counts that are clipped to 10^15, never wrapped negative."""
    dist = TypeAdapter(IntegerDistribution).validate_python(
        {"dist": "lognormal", "median": 1.0e12, "sigma": 10}
    )
    draws = sample_integers(dist, np.random.default_rng(1), 10_000)
    assert draws.min() >= 0
    assert draws.max() == 10**15
    assert math.isfinite(dist.mean)
