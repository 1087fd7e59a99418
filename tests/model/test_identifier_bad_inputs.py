"""Bad identifier-economy input: one line ``FILE:LINE: field: expected …``, exit 2, nothing
written.

Each case edits a valid block-style Zhanjiang scenario (``BASE``: enterprises with Bass
adoption, the subsidy rule and a secondary node with cache and SLA) and runs ``simdata run
--out …`` and ``simdata validate`` in-process from a fresh directory; the tree is compared
before and after, as in ``tests/scenario/test_bad_inputs.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from tests.cli_checks import one_line_error, replace_once, tree

pytestmark = pytest.mark.cli

BASE = """\
name: zj
run:
  start_date: 2024-01-01
  end_date: 2025-12-31
  replications: 2
enterprises:
  adoption:
    model: bass
    p: 0.03
    q: 0.3
    market_size: 120
  hourly_weights: [1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 3, 2, 3, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1]
  cases:
    rate: 0.5/year
resolution:
  servers: 2
  cache:
    hit_ratio: 80%
  timeout: 2 s
  sla: p99<=100ms
subsidy:
  min_registrations: 100000
  window: 30 d
  deadline: 2025-12-31
"""
#   line numbers: 1 name, 2 run, 3 start_date, 4 end_date, 5 replications, 6 enterprises,
#   7 adoption, 8 model, 9 p, 10 q, 11 market_size, 12 hourly_weights, 13 cases, 14 rate,
#   15 resolution, 16 servers, 17 cache, 18 hit_ratio, 19 timeout, 20 sla, 21 subsidy,
#   22 min_registrations, 23 window, 24 deadline. A missing field is reported on the line of
#   the mapping that lacks it (``adoption:``, line 7), as for distributions.

SCENARIO = "scenario.yaml"
WEIGHTS = "[1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 3, 2, 3, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1]"
ENTERPRISES = BASE[BASE.index("enterprises:\n") : BASE.index("resolution:\n")]


def edit(old: str, new: str, text: str = BASE) -> str:
    """``text`` with the one occurrence of ``old`` replaced by ``new``."""
    return replace_once(text, old, new)


@dataclass(frozen=True)
class Case:
    """One bad input: the line and field path the message names, and further substrings."""

    id: str
    text: str
    line: int
    path: str
    expect: tuple[str, ...] = ()


CASES = [
    # --- probabilities outside [0, 1] ----------------------------------------------------
    Case(
        "bass-p-1.5",
        edit("    p: 0.03", "    p: 1.5"),
        9,
        "enterprises.adoption.p",
        ("between 0 and 1", "1.5"),
    ),
    Case(
        "bass-q-negative",
        edit("    q: 0.3", "    q: -0.2"),
        10,
        "enterprises.adoption.q",
        ("-0.2",),
    ),
    Case(
        "cache-hit-150%",
        edit("hit_ratio: 80%", "hit_ratio: 150%"),
        18,
        "resolution.cache.hit_ratio",
        ("150%",),
    ),
    # --- the subsidy window and deadline --------------------------------------------------
    Case("window-0-days", edit("window: 30 d", "window: 0 d"), 23, "subsidy.window", ("0 d",)),
    Case(
        "window-half-day",
        edit("window: 30 d", "window: 36 h"),
        23,
        "subsidy.window",
        ("whole number of days", "1.5 d"),
    ),
    Case(
        "deadline-before-start",
        edit("deadline: 2025-12-31", "deadline: 2023-12-31"),
        24,
        "subsidy.deadline",
        ("2024-01-01", "2023-12-31"),
    ),
    Case(
        "deadline-after-run",
        edit("deadline: 2025-12-31", "deadline: 2026-01-31"),
        24,
        "subsidy.deadline",
        ("run's last day (2025-12-31", "2026-01-31"),
    ),
    Case(
        "window-longer-than-run",
        edit("window: 30 d", "window: 800 d"),
        23,
        "subsidy.window",
        ("731 days", "800 d"),
    ),
    Case(
        "workday-window-longer-than-run",
        edit("window: 30 d", "window: 600 workday"),
        23,
        "subsidy.window",
        ("523 working days", "600 workday"),
    ),
    Case(
        "window-a-month",
        edit("window: 30 d", "window: 1 month"),
        23,
        "subsidy.window",
        ("whole number of days", "30.4375 d"),
    ),
    Case(
        "window-fractional-workdays",
        edit("window: 30 d", "window: 2.5 workday"),
        23,
        "subsidy.window",
        ("whole number of working days", "2.5 workday"),
    ),
    Case(
        "judge-at-weekly",
        edit("  deadline: 2025-12-31\n", "  deadline: 2025-12-31\n  judge_at: weekly\n"),
        25,
        "subsidy.judge_at",
        ("'daily' or a list", "weekly"),
    ),
    Case(
        "judge-at-after-deadline",
        edit(
            "  deadline: 2025-12-31\n",
            "  deadline: 2025-12-31\n  judge_at: [2025-03-31, 2026-03-31]\n",
        ),
        25,
        "subsidy.judge_at",
        ("on or before the deadline", "2026-03-31"),
    ),
    Case(
        "judge-at-before-start",
        edit("  deadline: 2025-12-31\n", "  deadline: 2025-12-31\n  judge_at: [2023-12-31]\n"),
        25,
        "subsidy.judge_at",
        ("run.start_date (2024-01-01)", "2023-12-31"),
    ),
    Case(
        "judge-at-not-a-date",
        edit("  deadline: 2025-12-31\n", "  deadline: 2025-12-31\n  judge_at: [2025-02-30]\n"),
        25,
        "subsidy.judge_at.0",
        ("valid date", "2025-02-30"),
    ),
    Case(
        "judge-at-out-of-order",
        edit(
            "  deadline: 2025-12-31\n",
            "  deadline: 2025-12-31\n  judge_at: [2025-06-30, 2025-03-31]\n",
        ),
        25,
        "subsidy.judge_at",
        ("increasing order",),
    ),
    # --- adoption models missing parameters -----------------------------------------------
    Case(
        "bass-without-market-size",
        edit("    market_size: 120\n", ""),
        7,
        "enterprises.adoption.market_size",
        ("market_size",),
    ),
    Case(
        "bass-without-p",
        edit("    p: 0.03\n", ""),
        7,
        "enterprises.adoption.p",
    ),
    Case(
        "poisson-without-rate",
        edit(
            "    model: bass\n    p: 0.03\n    q: 0.3\n    market_size: 120\n",
            "    model: poisson\n    growth: 5%/month\n",
        ),
        7,
        "enterprises.adoption.rate",
    ),
    # --- hourly weights --------------------------------------------------------------------
    Case(
        "23-hourly-weights",
        edit(WEIGHTS, WEIGHTS.replace("[1, ", "[", 1)),
        12,
        "enterprises.hourly_weights",
        ("24 weights", "got 23"),
    ),
    # --- sections that do not go together --------------------------------------------------
    Case(
        "traffic-with-enterprises",
        edit("  servers: 2\n", "  servers: 2\n  traffic:\n    rate: 5/s\n"),
        17,
        "resolution.traffic",
        ("enterprises",),
    ),
    Case(
        "subsidy-without-enterprises",
        edit(ENTERPRISES, ""),
        12,
        "subsidy",
        ("enterprises",),
    ),
    Case(
        "enterprises-without-start-date",
        edit("  start_date: 2024-01-01\n  end_date: 2025-12-31\n", "  horizon: 731 d\n"),
        2,
        "run.start_date",
        ("enterprises",),
    ),
    # --- the SLA ---------------------------------------------------------------------------
    Case("sla-p101", edit("sla: p99<=100ms", "sla: p101<=1s"), 20, "resolution.sla", ("p101",)),
    Case(
        "sla-without-unit",
        edit("sla: p99<=100ms", "sla: p99<100"),
        20,
        "resolution.sla",
        ("a duration", "'100'"),
    ),
]


@pytest.mark.unit
def test_the_identifier_base_scenario_is_valid(tmp_path: Path) -> None:
    """The unedited BASE validates, so each case's error comes from its own edit."""
    (tmp_path / SCENARIO).write_text(BASE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / SCENARIO)])
    assert result.exit_code == 0, result.stderr


@pytest.mark.unit
def test_the_cases_are_distinct() -> None:
    """Every case edits BASE differently and has its own id."""
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({c.text for c in CASES}) == len(CASES)
    assert all(c.text != BASE for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_identifier_input_is_one_line_exit_2_nothing_written(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad identifier-economy input: exit 2, one FILE:LINE: field: expected … line, for run
    and validate alike, and no file or directory created."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / SCENARIO).write_text(case.text, encoding="utf-8")
    out_dir = tmp_path / "out"
    before = tree(tmp_path)
    runner = CliRunner()
    ran = runner.invoke(cli, ["run", SCENARIO, "--out", str(out_dir)])
    assert tree(tmp_path) == before
    assert not out_dir.exists()
    message = one_line_error(ran)
    validated = runner.invoke(cli, ["validate", SCENARIO])
    assert tree(tmp_path) == before
    assert one_line_error(validated) == message
    tagged = [tag for tag in (".bass.", ".poisson.") if tag in message.split(": ")[1]]
    assert not tagged, (
        "BUG (simdata/scenario/loader.py, _field_loc): the adoption model's union tag "
        f"{tagged[0]!r} is left in the field path (only a distribution's `dist` tag is "
        "dropped), so the path is not the scenario's and a given value's line falls "
        f"back to `adoption:`'s; expected {SCENARIO}:{case.line}: {case.path}: …, got {message}"
    )
    assert message.startswith(f"{SCENARIO}:{case.line}: {case.path}: "), message
    assert "expected" in message, message
    for text in case.expect:
        assert text in message, message
