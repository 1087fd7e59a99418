"""Issue 13 §9–10: Chinese numerals in quantities, holiday ranges, holiday files, covered years.

Through the real loader and CLI: bad input is one line (exit 2) naming file, line and field;
numeral values are written back into the resolved scenario.yaml as given; a holiday file is
inlined so the resolved scenario needs no other file; ``simdata validate`` warns (exit 0)
for each simulated year without holiday data, not for years reached only by the drain.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.model.calendar import scenario_holiday_warnings
from simdata.scenario.loader import scenario_to_yaml
from simdata.scenario.units import parse_quantity, parse_rate, parse_span
from tests.cli_checks import one_line_error

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

ZHANJIANG = f"extends: {SCENARIOS / 'zhanjiang-baseline.yaml'}\n"
FUJIAN = f"extends: {SCENARIOS / 'fujian-public-data.yaml'}\n"


@pytest.mark.parametrize(
    ("text", "value"),
    [("10万", 1e5), ("1.5亿", 1.5e8), ("3千", 3e3), ("1千万", 1e7), (" 2 万 ", 2e4)],
)
def test_numerals_read_as_numbers(text: str, value: float) -> None:
    """A number with one multiplier is that many."""
    assert parse_quantity(text) == (value, "number")


def test_numerals_in_rates_and_workday_in_chinese() -> None:
    """1.5亿/day and 2万/month are rates; 工作日 is workday."""
    assert parse_rate("1.5亿/day") == pytest.approx(1.5e8 / 86400)
    assert parse_rate("2万/month") == pytest.approx(2e4 / (30.4375 * 86400))
    assert parse_span("3 工作日", allow_workday=True) == parse_span("3 workday", allow_workday=True)


def _write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_numerals_round_trip_through_scenario_yaml(tmp_path: Path) -> None:
    """10万, 1千 and 2万/month stay as written in the resolved scenario and load back equal."""
    path = _write(
        tmp_path,
        ZHANJIANG + "subsidy: {min_daily_resolutions: 1千}\n"
        "enterprises: {cases: {rate: 2万/month}}\n"
        'targets:\n  - {kpi: registrations.total_count, ">=": 10万}\n',
    )
    scenario = simdata.load_scenario(path)
    assert scenario.targets[0].value == 1e5
    assert scenario.subsidy is not None
    assert scenario.subsidy.min_daily_resolutions == 1000.0
    text = scenario_to_yaml(scenario)
    assert "'>=': 10万" in text
    assert "min_daily_resolutions: 1千" in text
    assert "rate: 2万/month" in text
    again = _write(tmp_path, text, "resolved.yaml")
    assert simdata.load_scenario(again) == scenario
    assert scenario_to_yaml(simdata.load_scenario(again)) == text


#: (scenario lines after extends, line, field path, words of the message).
BAD = [
    (
        'targets:\n  - {kpi: registrations.total_count, ">=": 1亿亿}\n',
        3,
        "targets.0.>=",
        "one Chinese multiplier",
    ),
    (
        'targets:\n  - {kpi: registrations.total_count, ">=": 万}\n',
        3,
        "targets.0.>=",
        "one Chinese multiplier",
    ),
    (
        "enterprises: {cases: {rate: 1亿亿/month}}\n",
        2,
        "enterprises.cases.rate",
        "one Chinese multiplier",
    ),
    (
        "subsidy: {min_daily_resolutions: 万}\n",
        2,
        "subsidy.min_daily_resolutions",
        "one Chinese multiplier",
    ),
    (
        "calendar: {holidays: [2027-02-11..2027-02-05]}\n",
        2,
        "calendar.holidays.0",
        "last day is not before its first",
    ),
    (
        "calendar: {holidays: [2027-02-05..2028-03-11]}\n",
        2,
        "calendar.holidays.0",
        "at most 366 days",
    ),
    (
        "calendar: {holidays: [2027-02-05..]}\n",
        2,
        "calendar.holidays.0",
        "a date or a range like 2027-02-05..2027-02-11",
    ),
    (
        "calendar:\n  holidays: [2027-02-05..2027-02-11]\n  extra_workdays: [2027-02-07]\n",
        4,
        "calendar.extra_workdays.0",
        "a date not also in holidays",
    ),
    ("calendar: {covered_years: [1800]}\n", 2, "calendar.covered_years.0", "≥ 1900"),
    (
        "calendar: {holiday_file: nowhere.yaml}\n",
        2,
        "calendar.holiday_file",
        "an existing holiday file",
    ),
]


@pytest.mark.cli
@pytest.mark.parametrize(("lines", "line", "field", "words"), BAD)
def test_bad_numerals_and_calendars_are_one_line(
    tmp_path: Path, lines: str, line: int, field: str, words: str
) -> None:
    """exit 2, one line: FILE:LINE: field: expected …"""
    path = _write(tmp_path, ZHANJIANG + lines)
    message = one_line_error(CliRunner().invoke(cli, ["validate", str(path)]))
    assert message.startswith(f"{path}:{line}: {field}: expected"), message
    assert words in message, message


def test_a_bad_day_in_a_holiday_file_names_that_file(tmp_path: Path) -> None:
    """An error inside the holiday file names the file's own line."""
    (tmp_path / "cal").mkdir()
    _write(tmp_path, "year: 2027\nholidays:\n  - 2027-01-01\n  - 2027-13-01\n", "cal/2027.yaml")
    path = _write(tmp_path, FUJIAN + "calendar: {holiday_file: cal/2027.yaml}\n")
    message = one_line_error(CliRunner().invoke(cli, ["validate", str(path)]))
    assert message.startswith(f"{tmp_path / 'cal/2027.yaml'}:4: holidays.1: expected"), message


def test_holiday_file_is_inlined_and_covers_its_year(tmp_path: Path) -> None:
    """The template loads; its days, ranges expanded, and its year land in the resolved
    scenario, which loads back equal without the file."""
    (tmp_path / "calendars").mkdir()
    template = (SCENARIOS / "calendars" / "TEMPLATE.yaml").read_text(encoding="utf-8")
    _write(tmp_path, template, "calendars/2027.yaml")
    path = _write(
        tmp_path,
        FUJIAN + "run: {start_date: 2027-01-01, end_date: 2027-12-31}\n"
        "calendar: {holiday_file: calendars/2027.yaml}\n",
    )
    scenario = simdata.load_scenario(path)
    calendar = scenario.calendar
    assert calendar is not None
    assert calendar.covered_years == [2027]
    assert dt.date(2027, 2, 8) in calendar.holidays  # inside 2027-02-05..2027-02-11
    assert dt.date(2027, 2, 14) in calendar.extra_workdays
    assert scenario_holiday_warnings(scenario) == []
    text = scenario_to_yaml(scenario)
    assert "holiday_file" not in text
    assert "covered_years:\n  - 2027" in text
    (tmp_path / "calendars" / "2027.yaml").unlink()
    assert simdata.load_scenario(_write(tmp_path, text, "resolved.yaml")) == scenario


@pytest.mark.cli
def test_validate_warns_for_each_uncovered_year(tmp_path: Path) -> None:
    """2027 with one listed holiday is still uncovered; 2028 too; exit 0, one line each."""
    path = _write(
        tmp_path,
        FUJIAN + "run: {start_date: 2026-06-01, end_date: 2028-01-31}\n"
        "calendar: {holidays: [2027-10-01]}\n",
    )
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "no holiday data" in line]
    assert [line.split("no holiday data for ")[1][:4] for line in warned] == ["2027", "2028"]


def test_years_reached_only_by_the_drain_are_not_warned_about(tmp_path: Path) -> None:
    """A run ending 2026-12-31 (horizon at 2027-01-01 00:00) warns about nothing."""
    scenario = simdata.load_scenario(SCENARIOS / "fujian-public-data.yaml")
    assert scenario.run.end_date == dt.date(2026, 12, 31)
    assert scenario_holiday_warnings(scenario) == []
