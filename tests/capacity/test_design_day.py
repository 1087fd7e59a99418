"""The capacity design day (issue 12 §4): ``capacity.design_day`` and ``capacity.mix_days``
parsed and checked, the day chosen, the write share averaged, and the mix recorded,
printed and reported."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.experiments.capacity import load_profile
from simdata.experiments.capacity.bisection import Search
from simdata.experiments.capacity.experiment import capacity_mix
from simdata.experiments.capacity.profile import design_day
from simdata.model.frames import NODE_DAYS
from simdata.model.identifiers.economy import record_identifier_economy
from simdata.report.html import _capacity_mix_text
from simdata.scenario.capacity_spec import CapacitySpec
from tests.cli_checks import one_line_error, tree

ZHANJIANG = "scenarios/zhanjiang-baseline.yaml"


def _days() -> pl.DataFrame:
    """Ten measured days (after one warm-up day): weekdays with a registration batch on
    day 3 and day 8, a quiet weekend on days 6–7."""
    start = dt.date(2025, 3, 1)
    types = ["weekday"] * 5 + ["weekend"] * 2 + ["weekday"] * 3
    registrations = [0, 0, 900, 0, 0, 0, 0, 0, 500, 0]
    resolutions = [1000, 1100, 1000, 1200, 1000, 400, 400, 1000, 1300, 1050]
    return pl.DataFrame(
        {
            "date": [start + dt.timedelta(days=i) for i in range(-1, 10)],
            "day_type": ["weekday", *types],
            "registrations": [10_000, *registrations],
            "resolutions": [1, *resolutions],
            "measured": [False] + [True] * 10,
        }
    )


@pytest.mark.unit
def test_busiest_picks_the_day_with_most_requests_in_the_window() -> None:
    """busiest: the most resolutions + writes among the last mix_days measured days (the
    warm-up day with 10,000 writes is not a candidate)."""
    day = design_day(_days(), CapacitySpec(mix_days=10))
    assert day.date == dt.date(2025, 3, 3)  # 1,900 requests
    assert day.requests == 1900
    assert day.rule == "busiest of the last 10 days"
    short = design_day(_days(), CapacitySpec(mix_days=3))
    assert short.date == dt.date(2025, 3, 9)  # 1,800: day 3 is outside the last 3 days


@pytest.mark.unit
def test_the_write_share_is_averaged_over_the_windows_days_of_the_design_days_type() -> None:
    """The mix is writes over requests summed over the window's weekdays: weekends (no
    batches) and the unmeasured warm-up day are left out."""
    day = design_day(_days(), CapacitySpec(mix_days=10))
    writes = 900 + 500
    requests = writes + 1000 + 1100 + 1000 + 1200 + 1000 + 1000 + 1300 + 1050
    assert day.mix_days == 8
    assert day.write_share == pytest.approx(writes / requests)
    assert day.day_write_share == pytest.approx(900 / 1900)
    assert day.day_type == "weekday"


@pytest.mark.unit
def test_final_with_one_mix_day_is_the_old_final_day_profile() -> None:
    """final + mix_days 1: the run's last day and its own write share (before 2026-12)."""
    day = design_day(_days(), CapacitySpec(design_day="final", mix_days=1))
    assert day.date == dt.date(2025, 3, 10)
    assert day.requests == 1050
    assert day.write_share == 0.0 == day.day_write_share
    assert day.mix_days == 1


@pytest.mark.unit
def test_a_date_is_the_design_day_and_ends_its_mix_window() -> None:
    """A date: that day, with the share over the mix_days ending on it (of its type)."""
    weekend = design_day(_days(), CapacitySpec(design_day="2025-03-07", mix_days=5))
    assert weekend.date == dt.date(2025, 3, 7)
    assert weekend.day_type == "weekend"
    assert weekend.mix_days == 2
    assert weekend.write_share == 0.0
    batch = design_day(_days(), CapacitySpec(design_day=dt.date(2025, 3, 3), mix_days=2))
    assert batch.write_share == pytest.approx(900 / (900 + 2100))


@pytest.mark.unit
@pytest.mark.parametrize(
    ("value", "expected"),
    [("busiest", "busiest"), (" final ", "final"), ("2025-06-30", dt.date(2025, 6, 30))],
)
def test_design_day_values_parse(value: str, expected: object) -> None:
    """The rule words and ISO dates are the accepted values."""
    assert CapacitySpec.model_validate({"design_day": value}).design_day == expected


@pytest.mark.cli
@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "capacity.design_day=2026-01-05",
            "--set capacity.design_day: expected busiest, final or a date YYYY-MM-DD within "
            "the run (2024-01-01 to 2025-12-31), got 2026-01-05",
        ),
        (
            "capacity.design_day=2023-12-31",
            "(2024-01-01 to 2025-12-31), got 2023-12-31",
        ),
        (
            "capacity.design_day=busiest-weekday",
            "--set capacity.design_day: expected busiest, final or a date YYYY-MM-DD within "
            "the run, got 'busiest-weekday'",
        ),
        ("capacity.mix_days=0", "--set capacity.mix_days: expected a value ≥ 1, got 0"),
        ("capacity.mix_days=367", "--set capacity.mix_days: expected a value ≤ 366, got 367"),
    ],
)
def test_a_bad_design_day_is_one_line_and_exit_2(
    tmp_path: Path, setting: str, message: str
) -> None:
    """A design day outside the run, an unknown word or a mix window out of bounds: one
    line naming the field, exit 2, nothing written."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["capacity", ZHANJIANG, "--set", setting, "--out", str(out), "--quiet"]
    )
    line = one_line_error(result)
    assert line.startswith(ZHANJIANG)
    assert message in line
    assert not out.exists() or tree(out) == []


@pytest.mark.cli
def test_a_date_in_the_file_is_read_and_checked_at_its_line(
    write_scenario: Callable[[str, str], Path],
) -> None:
    """An unquoted YAML date is a design day; one outside the run names the file's line;
    a capacity section without enterprises is refused."""
    text = Path(ZHANJIANG).read_text(encoding="utf-8")
    inside = write_scenario(text + "capacity: {design_day: 2025-11-03, mix_days: 7}\n")
    loaded = simdata.load_scenario(inside)
    assert loaded.capacity == CapacitySpec(design_day=dt.date(2025, 11, 3), mix_days=7)
    outside = write_scenario(text + "capacity:\n  design_day: 2030-01-01\n", "late.yaml")
    result = CliRunner().invoke(cli, ["validate", str(outside)])
    line = one_line_error(result)
    lines = text.count("\n") + 2
    assert f"late.yaml:{lines}: capacity.design_day: expected busiest, final" in line
    node = write_scenario(
        Path("scenarios/node-baseline.yaml").read_text(encoding="utf-8")
        + "capacity: {mix_days: 7}\n",
        "node.yaml",
    )
    line = one_line_error(CliRunner().invoke(cli, ["validate", str(node)]))
    assert "capacity: expected an enterprises section for a design day" in line


@pytest.mark.unit
def test_no_capacity_section_leaves_the_resolved_scenario_unchanged() -> None:
    """Scenarios without the section keep their resolved YAML and sha256 (no null key)."""
    from simdata.scenario.loader import scenario_to_yaml

    assert "capacity" not in scenario_to_yaml(simdata.load_scenario(ZHANJIANG))


@pytest.mark.unit
def test_the_profile_scales_the_design_day_with_the_averaged_mix() -> None:
    """Zhanjiang: the default profile is the busiest day of the last 30 with the 30-day
    weekday mix; final + 1 mix day is the final day's own traffic and mix."""
    scenario = simdata.load_scenario(ZHANJIANG, ["run.replications=1"])
    recorder = Recorder()
    counted = scenario.model_copy(update={"resolution": None})
    record_identifier_economy(counted, Streams(scenario.run.seed, 0), recorder, None)
    days = recorder.get(NODE_DAYS)
    assert days is not None
    last30 = days.filter(pl.col("date") > dt.date(2025, 12, 1))
    totals = last30["registrations"] + last30["resolutions"]
    profile = load_profile(scenario, 0, scenario.run.seed)
    assert profile.design is not None
    assert profile.design.date == last30["date"][int(totals.arg_max() or 0)]
    assert profile.mean_rate == pytest.approx(float(totals.max()) / 86400)  # type: ignore[arg-type]
    weekdays = last30.filter(pl.col("day_type") == profile.design.day_type)
    share = weekdays["registrations"].sum() / (
        weekdays["registrations"].sum() + weekdays["resolutions"].sum()
    )
    assert profile.write_share == pytest.approx(share)
    final = scenario.model_copy(update={"capacity": CapacitySpec(design_day="final", mix_days=1)})
    old = load_profile(final, 0, scenario.run.seed)
    row = days.row(-1, named=True)
    per_day = row["registrations"] + row["resolutions"]
    assert old.mean_rate == pytest.approx(per_day / 86400)
    assert old.write_share == pytest.approx(row["registrations"] / per_day)


@pytest.mark.unit
def test_the_mix_splits_each_replications_capacity_by_its_own_write_share() -> None:
    """Resolutions/s + writes/s is the mean capacity; the share's spread is its range."""
    searches = [
        Search(0, "found", 600.0, write_share=0.2),
        Search(1, "found", 800.0, write_share=0.1),
        Search(2, "below_range", None, write_share=0.9),
    ]
    mix = capacity_mix(searches)
    assert mix is not None
    assert mix.writes_per_s == pytest.approx((120 + 80) / 2)
    assert mix.resolutions_per_s == pytest.approx((480 + 720) / 2)
    assert mix.resolutions_per_s + mix.writes_per_s == pytest.approx(700)
    assert (mix.write_share, mix.write_share_min, mix.write_share_max) == pytest.approx(
        (0.15, 0.1, 0.2)
    )
    assert capacity_mix([Search(0, "below_range", None)]) is None


@pytest.mark.unit
def test_the_report_states_the_mix_and_the_design_day_in_both_languages() -> None:
    """The capacity sentence carries the mix and the design day, en and zh; a directory
    written before the mix existed gives no extra sentence."""
    written = {
        "design_day": "busiest",
        "mix_days": 30,
        "mix": {
            "resolutions_per_s": 470.4,
            "writes_per_s": 115.6,
            "write_share": 0.201,
            "write_share_min": 0.142,
            "write_share_max": 0.248,
        },
        "per_replication": [{"design_date": "2025-12-31"}, {"design_date": "2025-12-02"}],
    }
    english = " ".join(_capacity_mix_text(written, "en"))
    assert "470.4/s resolutions and 115.6/s registration writes" in english
    assert "write share 20.1%; 14.2% – 24.8%" in english
    assert "the busiest of the last 30 days (2025-12-02 – 2025-12-31)" in english
    chinese = "".join(_capacity_mix_text(written, "zh"))
    assert "解析 470.4 次/秒，注册写入 115.6 次/秒" in chinese  # units in Chinese (issue 14)
    assert "最后 30 天中请求最多的一天" in chinese
    assert _capacity_mix_text({"capacity": 1.0}, "en") == []


@pytest.mark.cli
@pytest.mark.slow
def test_the_mix_is_printed_and_recorded_next_to_the_answer(tmp_path: Path) -> None:
    """`simdata capacity` on Zhanjiang prints the mix and the design day under the
    capacity, and writes them to capacity.json (per replication too) and the manifest;
    the capacity is far above the design day's own load, below the stability limit."""
    out = tmp_path / "zj"
    result = CliRunner().invoke(
        cli, ["capacity", ZHANJIANG, "--replications", "2", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    written = json.loads((out / "capacity.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    mix = written["mix"]
    assert manifest["mix"] == mix
    assert (written["design_day"], written["mix_days"]) == ("busiest", 30)
    assert (manifest["design_day"], manifest["mix_days"]) == ("busiest", 30)
    assert mix["resolutions_per_s"] + mix["writes_per_s"] == pytest.approx(written["capacity"])
    assert written["peak_capacity"] > written["capacity"]
    scenario = simdata.load_scenario(ZHANJIANG)
    for entry in written["per_replication"]:
        profile = load_profile(scenario, entry["replication"], scenario.run.seed)
        assert profile.mean_rate < entry["capacity"] < profile.stability_limit()
        assert entry["design_day_load_per_s"] == pytest.approx(profile.mean_rate)
        assert dt.date(2025, 12, 2) <= dt.date.fromisoformat(entry["design_date"])
        assert 0 < entry["write_share"] < 1
        assert entry["mix_days_averaged"] >= 15  # the weekdays of 30 days
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("capacity: "))
    assert lines[at + 1].startswith("  mix at capacity: ")
    assert "resolutions/s + " in lines[at + 1]
    assert "writes/s (write share " in lines[at + 1]
    assert lines[at + 2].startswith("  design day: busiest of the last 30 days (2025-12-")
