"""Bad public-data input: one line ``FILE:LINE: field: expected …``, exit 2, nothing written.

Each case edits one line of a valid block-style public-data scenario (``BASE``) and runs
``simdata run --out …`` and ``simdata validate`` in-process from a fresh directory; the
tree is compared before and after, as in ``tests/scenario/test_bad_inputs.py``.
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
name: pd
run:
  start_date: 2026-03-02
  horizon: 10 d
  replications: 2
calendar:
  office_hours: ["09:00-12:00"]
catalogue:
  departments: 3
  datasets: 50
  sharing_mix:
    unconditional: 60%
    conditional: 30%
    not_shared: 10%
requesters:
  groups:
    - name: gov
      kind: government
      rate: 5/workday
      channel: sharing
  initial_backlog:
    dept-01: 2
policy:
  reviewers_per_department: 1
  reviewers:
    dept-02: 2
  sla: 10 workday
agency:
  analysts: 2
"""
#   line numbers: 1 name, 2 run, 3 start_date, 4 horizon, 5 replications, 6 calendar,
#   7 office_hours, 8 catalogue, 9 departments, 10 datasets, 11 sharing_mix,
#   12 unconditional, 13 conditional, 14 not_shared, 15 requesters, 16 groups, 17 name,
#   18 kind, 19 rate, 20 channel, 21 initial_backlog, 22 dept-01, 23 policy,
#   24 reviewers_per_department, 25 reviewers, 26 dept-02, 27 sla, 28 agency, 29 analysts.

SCENARIO = "scenario.yaml"


def edit(old: str, new: str) -> str:
    """BASE with the one occurrence of ``old`` replaced by ``new``."""
    return replace_once(BASE, old, new)


@dataclass(frozen=True)
class Case:
    """One bad input and the exact start (``FILE:LINE: path: ``) of its message."""

    id: str
    text: str
    path: str
    line: int
    expect: tuple[str, ...] = ()


CASES = [
    Case(
        "sharing-mix-not-1",
        edit("not_shared: 10%", "not_shared: 20%"),
        "catalogue.sharing_mix.not_shared",
        14,
        ("summing to 1", "1.1"),
    ),
    Case(
        "reviewers-negative",
        edit("reviewers_per_department: 1", "reviewers_per_department: -1"),
        "policy.reviewers_per_department",
        24,
        ("≥ 1", "-1"),
    ),
    Case(
        "named-reviewers-zero",
        edit("dept-02: 2", "dept-02: 0"),
        "policy.reviewers.dept-02",
        26,
        ("≥ 1", "got 0"),
    ),
    Case(
        "analysts-zero",
        edit("analysts: 2", "analysts: 0"),
        "agency.analysts",
        29,
        ("≥ 1", "got 0"),
    ),
    Case(
        "group-without-channel",
        edit("      channel: sharing\n", ""),
        "requesters.groups.0.channel",
        17,
        ("channel or channel_mix", "neither"),
    ),
    Case(
        "negative-sla",
        edit("sla: 10 workday", "sla: -2 workday"),
        "policy.sla",
        27,
        ("≥ 0", "-2 workday"),
    ),
    Case(
        "reviewers-unknown-department",
        edit("dept-02: 2", "dept-09: 2"),
        "policy.reviewers.dept-09",
        26,
        ("a department of the catalogue", "dept-01 … dept-03", "'dept-09'"),
    ),
    Case(
        "backlog-unknown-department",
        edit("dept-01: 2", "dept-07: 2"),
        "requesters.initial_backlog.dept-07",
        22,
        ("a department of the catalogue", "'dept-07'"),
    ),
    Case(
        "backlog-negative",
        edit("dept-01: 2", "dept-01: -3"),
        "requesters.initial_backlog.dept-01",
        22,
        ("≥ 0", "-3"),
    ),
    Case(
        "office-hours-unquoted",
        edit('office_hours: ["09:00-12:00"]', "office_hours: [10:00]"),
        "calendar.office_hours.0",
        7,
        ("quoted", "600", 'quote it: "10:00"'),
    ),
    Case(
        "horizon-and-end-date",
        edit("  horizon: 10 d\n", "  horizon: 10 d\n  end_date: 2026-03-20\n"),
        "run.horizon",
        4,
        ("exactly one of horizon or end_date", "both"),
    ),
    Case(
        "end-date-without-start-date",
        edit("  start_date: 2026-03-02\n  horizon: 10 d\n", "  end_date: 2026-03-20\n"),
        "run.end_date",
        3,
        ("start_date", "none"),
    ),
    Case(
        "requesters-without-start-date",
        edit("  start_date: 2026-03-02\n", ""),
        "run.start_date",
        2,
        ("a start date for the public-data model", "none"),
    ),
    Case(
        "requesters-without-catalogue",
        edit(BASE[BASE.index("catalogue:") : BASE.index("requesters:")], ""),
        "catalogue",
        1,
        ("a catalogue section", "none"),
    ),
    Case(
        "government-opening",
        edit("channel: sharing", "channel: opening"),
        "requesters.groups.0.channel",
        20,
        ("sharing for government", "got opening"),
    ),
]


@pytest.mark.unit
def test_the_public_data_base_scenario_is_valid(tmp_path: Path) -> None:
    """The unedited BASE validates, so each case's error comes from its own edit."""
    (tmp_path / SCENARIO).write_text(BASE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / SCENARIO)])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_public_data_input_is_one_line_exit_2_nothing_written(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad public-data input: exit 2, one FILE:LINE: field: expected … line, no files."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / SCENARIO).write_text(case.text, encoding="utf-8")
    out_dir = tmp_path / "out"
    before = tree(tmp_path)
    runner = CliRunner()
    ran = runner.invoke(cli, ["run", SCENARIO, "--out", str(out_dir)])
    assert tree(tmp_path) == before
    message = one_line_error(ran)
    validated = runner.invoke(cli, ["validate", SCENARIO])
    assert one_line_error(validated) == message
    assert tree(tmp_path) == before
    assert message.startswith(f"{SCENARIO}:{case.line}: {case.path}: expected"), message
    for text in case.expect:
        assert text in message, message
