"""The Zhanjiang scenarios run end to end: the tables, the KPIs and their agreement, common
random numbers across variants, the node's peak-hour windows against M/M/2 theory, and
determinism.

Runs use 3 replications of the shipped scenarios (about 0.3 s each). Theory checks use
99% Student-t CIs over replications; each prints (``pytest -s``) simulated vs theory.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import chinese_calendar  # type: ignore[import-untyped]
import numpy as np
import polars as pl
import pytest
import simpy

import simdata
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.experiments.run import RunResult
from simdata.model.resolution.event import ResolutionNode
from simdata.model.resolution.windows import (
    HOUR_S,
    WARMUP_S,
    _WindowStreams,
    peak_windows,
    simulate_windows,
)
from simdata.scenario.identifiers import DEFAULT_HOURLY_WEIGHTS
from simdata.scenario.resolution import ResolutionSpec, TrafficSpec
from tests.conftest import SCENARIOS
from tests.validation.test_queue_theory import erlang_c, t_interval

BASELINE = SCENARIOS / "zhanjiang-baseline.yaml"
INTENSITY_X3 = SCENARIOS / "zhanjiang-intensity-x3.yaml"
REPLICATIONS = 3
START = dt.date(2024, 1, 1)
END = dt.date(2025, 12, 31)
DEADLINE = dt.date(2025, 12, 31)
DAYS = (END - START).days + 1  # 731 simulated days, all measured (no warm-up)
WINDOW_DAYS = 30
MIN_REGISTRATIONS = 100_000
MIN_DAILY_RESOLUTIONS = 1_000
DAY_S = 86_400.0

#: Every KPI the identifier economy must report on the baseline (n = REPLICATIONS each).
EXPECTED_KPIS = (
    "enterprises.joined_count",
    "registrations.total_count",
    "registrations.total_count@year=2024",
    "registrations.total_count@year=2025",
    "resolutions.daily_mean",
    "resolutions.daily_max",
    "subsidy.qualified_count",
    "subsidy.qualified_count@at=horizon",
    "subsidy.time_to_qualify_p50",
    "subsidy.failed_share@condition=registrations",
    "subsidy.failed_share@condition=resolutions",
    "subsidy.failed_share@condition=cases",
    "resolution.latency_mean@window=peak_hour",
    "resolution.latency_p50@window=peak_hour",
    "resolution.latency_p99@window=peak_hour",
    "resolution.sla_share@window=peak_hour",
    "resolution.failed_share@window=peak_hour",
    "resolution.cache_hit_share@window=peak_hour",
    "resolution.utilisation@window=peak_hour",
)


def load(path: Path, *overrides: str) -> simdata.Scenario:
    return simdata.load_scenario(path, [f"run.replications={REPLICATIONS}", *overrides])


def kpi(result: RunResult, name: str) -> np.ndarray:
    """One value per replication, ordered by replication."""
    frame = result.kpis.filter(pl.col("kpi") == name).sort("replication")
    return frame["value"].to_numpy()


@pytest.fixture(scope="module")
def baseline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("zhanjiang") / "run"


@pytest.fixture(scope="module")
def baseline(baseline_dir: Path) -> RunResult:
    """The baseline, 3 replications, with its run directory written."""
    result = simdata.run(load(BASELINE), out=baseline_dir)
    assert not result.failures, result.failures
    return result


@pytest.fixture(scope="module")
def intensity_x3() -> RunResult:
    """The usage-intensity ×3 variant, same seed, 3 replications, nothing written."""
    result = simdata.run(load(INTENSITY_X3))
    assert not result.failures, result.failures
    return result


def node_totals(enterprise_days: pl.DataFrame) -> pl.DataFrame:
    """The node's daily totals per replication rebuilt from enterprise_days, with a row
    for every simulated day (0 where no enterprise had a row yet)."""
    dates = pl.DataFrame({"date": pl.date_range(START, END, "1d", eager=True)})
    replications = enterprise_days.select("replication").unique()
    grid = replications.join(dates, how="cross")
    sums = enterprise_days.group_by("replication", "date").agg(
        pl.col("registrations").sum(), pl.col("resolutions").sum()
    )
    return (
        grid.join(sums, on=["replication", "date"], how="left")
        .fill_null(0)
        .sort("replication", "date")
    )


# -- the run directory -------------------------------------------------------------------


@pytest.mark.unit
def test_run_directory_holds_both_enterprise_tables(
    baseline: RunResult, baseline_dir: Path
) -> None:
    """The run writes enterprises.parquet and enterprise_days.parquet, equal to the result's
    tables, with one enterprise_days row per replication, enterprise and day from joining."""
    for name in ("enterprises", "enterprise_days"):
        on_disk = pl.read_parquet(baseline_dir / f"{name}.parquet")
        assert on_disk.equals(baseline.tables[name]), name
    days = baseline.tables["enterprise_days"]
    assert days.columns == [
        "replication",
        "enterprise",
        "date",
        "registrations",
        "resolutions",
        "cases",
    ]
    assert sorted(days["replication"].unique().to_list()) == list(range(REPLICATIONS))
    assert days.select("replication", "enterprise", "date").is_duplicated().sum() == 0
    for column in ("registrations", "resolutions", "cases"):
        assert (days[column] >= 0).all(), column
    assert days["date"].is_between(START, END).all()
    assert days["date"].max() == END
    # Rows run without a gap from the joining day to the last simulated day.
    spans = days.group_by("replication", "enterprise").agg(
        pl.len().alias("rows"), pl.col("date").min().alias("first")
    )
    enterprises = baseline.tables["enterprises"].select("replication", "enterprise", "joined_date")
    spans = spans.join(enterprises, on=["replication", "enterprise"], how="full", coalesce=True)
    assert spans["rows"].null_count() == 0
    assert spans["joined_date"].null_count() == 0
    assert (spans["first"] == spans["joined_date"]).all()
    expected_rows = (pl.lit(END) - pl.col("first")).dt.total_days() + 1
    assert spans.select((pl.col("rows") == expected_rows).all()).item()


@pytest.mark.unit
def test_enterprises_table_is_consistent(baseline: RunResult) -> None:
    """enterprises.parquet: one row per replication and enterprise; each first-condition
    date is on or after joining (the resolutions one a full window after), the qualified
    date is on or after every first-condition date, and qualified ⇔ qualified by the
    deadline; days to qualify count from joining."""
    table = baseline.tables["enterprises"]
    for column in (
        "replication",
        "enterprise",
        "joined_date",
        "first_registrations",
        "first_resolutions",
        "first_cases",
        "qualified_date",
        "qualified",
        "days_to_qualify",
    ):
        assert column in table.columns, column
    assert table.select("replication", "enterprise").is_duplicated().sum() == 0
    for replication in range(REPLICATIONS):
        ids = table.filter(pl.col("replication") == replication)["enterprise"].sort()
        assert ids.to_list() == list(range(len(ids))), replication
    assert table["joined_date"].is_between(START, END).all()
    firsts = ("first_registrations", "first_resolutions", "first_cases")
    for column in firsts:
        held = table.filter(pl.col(column).is_not_null())
        assert (held[column] >= held["joined_date"]).all(), column
        assert (held[column] <= END).all(), column
    window = table.filter(pl.col("first_resolutions").is_not_null())
    assert (
        (window["first_resolutions"] - window["joined_date"]).dt.total_days() >= WINDOW_DAYS - 1
    ).all()
    qualified = table.filter(pl.col("qualified_date").is_not_null())
    assert qualified.height >= REPLICATIONS  # the baseline has qualifiers to check
    for column in firsts:
        assert qualified[column].null_count() == 0, column
        assert (qualified["qualified_date"] >= qualified[column]).all(), column
    assert (
        table["qualified"]
        == (table["qualified_date"].is_not_null() & (table["qualified_date"] <= DEADLINE))
    ).all()
    assert (qualified.filter("qualified")["qualified_date"] <= DEADLINE).all()
    assert (
        qualified["days_to_qualify"]
        == (qualified["qualified_date"] - qualified["joined_date"]).dt.total_days()
    ).all()


@pytest.mark.unit
def test_enterprises_table_has_identifiers_at_horizon(baseline: RunResult) -> None:
    """enterprises.parquet records each enterprise's identifiers at the horizon (issue 5),
    equal to its registrations summed over enterprise_days (no initial stock here)."""
    table = baseline.tables["enterprises"]
    candidates = [c for c in table.columns if c.startswith("identifiers")]
    assert candidates, (
        "BUG (simdata/model/identifiers.py, record_identifier_economy): with a subsidy "
        "section frames['enterprises'] is judge_subsidy's frame, which drops the "
        "identifiers at the horizon (identifiers_end of enterprise_frame) that issue 5 "
        f"requires in enterprises.parquet; columns are {table.columns}"
    )
    totals = (
        baseline.tables["enterprise_days"]
        .group_by("replication", "enterprise")
        .agg(pl.col("registrations").sum())
    )
    joined = table.join(totals, on=["replication", "enterprise"])
    assert (joined[candidates[0]] == joined["registrations"]).all()


@pytest.mark.unit
def test_first_dates_follow_from_the_daily_counts(baseline: RunResult) -> None:
    """Recomputed from enterprise_days alone (cumulative registrations and cases, the
    trailing 30-day sum of resolutions judged after 30 days on the node), each enterprise's
    first-condition and qualified dates are those of enterprises.parquet."""
    days = baseline.tables["enterprise_days"].sort("replication", "enterprise", "date")
    table = baseline.tables["enterprises"].sort("replication", "enterprise")
    expected: dict[tuple[int, int], tuple[dt.date | None, ...]] = {}
    for (replication, enterprise), group in days.group_by(
        "replication", "enterprise", maintain_order=True
    ):
        dates = group["date"].to_list()
        registered = np.cumsum(group["registrations"].to_numpy())
        cases = np.cumsum(group["cases"].to_numpy())
        resolutions = np.concatenate([[0], np.cumsum(group["resolutions"].to_numpy())])
        trailing = resolutions[WINDOW_DAYS:] - resolutions[:-WINDOW_DAYS]
        busy = np.zeros(len(dates), dtype=np.bool_)
        busy[WINDOW_DAYS - 1 :] = trailing >= MIN_DAILY_RESOLUTIONS * WINDOW_DAYS
        conditions = (registered >= MIN_REGISTRATIONS, busy, cases >= 1)
        every = conditions[0] & conditions[1] & conditions[2]

        def first(held: np.ndarray, dates: list[dt.date] = dates) -> dt.date | None:
            hits = np.flatnonzero(held)
            return dates[hits[0]] if len(hits) else None

        key = (int(str(replication)), int(str(enterprise)))
        expected[key] = (*(first(c) for c in conditions), first(every))
    columns = ("first_registrations", "first_resolutions", "first_cases", "qualified_date")
    assert len(expected) == table.height
    for row in table.iter_rows(named=True):
        got = tuple(row[c] for c in columns)
        assert got == expected[(row["replication"], row["enterprise"])], row


# -- KPIs --------------------------------------------------------------------------------


@pytest.mark.unit
def test_identifier_kpis_exist_for_every_replication(baseline: RunResult) -> None:
    """Every enterprise, registration, resolution, subsidy and peak-hour latency KPI is in
    the summary with n = 3 and a finite mean."""
    summary = baseline.summary
    for name in EXPECTED_KPIS:
        row = summary.filter(pl.col("kpi") == name)
        assert row.height == 1, f"{name} missing from the summary"
        assert row["n"].item() == REPLICATIONS, name
        assert math.isfinite(row["mean"].item()), name
        assert len(kpi(baseline, name)) == REPLICATIONS, name


def busiest_weekdays(enterprise_days: pl.DataFrame) -> pl.DataFrame:
    """Per replication and month, the working day with the most node resolutions (the
    earlier of a tie) and its resolutions and registrations, rebuilt from enterprise_days."""
    workdays = node_totals(enterprise_days).filter(
        pl.col("date").map_elements(chinese_calendar.is_workday, return_dtype=pl.Boolean)
    )
    return (
        workdays.with_columns(pl.col("date").dt.strftime("%Y-%m").alias("month"))
        .sort("resolutions", "date", descending=[True, False])
        .group_by("replication", "month", maintain_order=True)
        .first()
        .sort("replication", "month")
    )


@pytest.mark.unit
def test_manifest_records_the_latency_sampling_plan(
    baseline: RunResult, baseline_dir: Path
) -> None:
    """The manifest states the sampling plan: one peak-hour window per month with traffic
    on its busiest measured weekday (24 months), and the requests simulated in them, which
    match the windows' Poisson rates rebuilt from enterprise_days (10:00's share of the
    day's resolutions and registration writes, 300 s warm-up each) within 4 sd."""
    written = json.loads((baseline_dir / "manifest.json").read_text(encoding="utf-8"))
    assert baseline.manifest is not None
    assert written["latency_sampling"] == baseline.manifest.latency_sampling
    assert "peak hour" in written["latency_sampling"]
    busiest = busiest_weekdays(baseline.tables["enterprise_days"])
    months = {(d.year, d.month) for d in pl.date_range(START, END, "1d", eager=True)}
    assert busiest.height == REPLICATIONS * len(months) == REPLICATIONS * 24
    traffic = busiest.with_columns(
        (pl.col("resolutions") + pl.col("registrations")).alias("requests")
    )
    per_replication = (
        traffic.filter(pl.col("requests") > 0)
        .group_by("replication")
        .len()
        .sort("replication")["len"]
        .to_list()
    )
    simulated = written["latency_requests_simulated"]
    assert simulated > 0
    share = max(DEFAULT_HOURLY_WEIGHTS) / sum(DEFAULT_HOURLY_WEIGHTS)  # 10:00, the first peak
    expected = float(traffic["requests"].sum()) * share / HOUR_S * (HOUR_S + WARMUP_S)
    print(f"requests simulated {simulated}, expected {expected:.0f}")
    assert abs(simulated - expected) <= 4 * math.sqrt(expected), (simulated, expected)
    stated = written["latency_windows_per_replication"]
    print(f"windows per replication {per_replication}, manifest states {stated}")
    assert (stated if isinstance(stated, list) else [stated] * REPLICATIONS) == per_replication, (
        "BUG (simdata/experiments/run.py, _sampling_info): the manifest states "
        f"latency_windows_per_replication = {stated}, replication 0's count only, while the "
        f"replications simulated {per_replication} windows (a month whose busiest weekday "
        "had no traffic gets no window)"
    )


@pytest.mark.unit
def test_kpis_agree_with_the_tables(baseline: RunResult) -> None:
    """Per replication: joined_count is the rows of enterprises.parquet; total_count (also
    by year) the registrations summed over enterprise_days; daily_mean and daily_max the
    mean and max of the node's daily totals over all 731 days; qualified_count the
    enterprises qualified by the deadline (@at=horizon: qualified at all); the failed
    shares and time to qualify follow from enterprises.parquet."""
    table = baseline.tables["enterprises"]
    totals = node_totals(baseline.tables["enterprise_days"])
    for replication in range(REPLICATIONS):
        mine = table.filter(pl.col("replication") == replication)
        days = totals.filter(pl.col("replication") == replication)
        assert days.height == DAYS

        def value(name: str, replication: int = replication) -> float:
            return float(kpi(baseline, name)[replication])

        assert value("enterprises.joined_count") == mine.height
        assert value("registrations.total_count") == days["registrations"].sum()
        for year in (2024, 2025):
            upto = days.filter(pl.col("date").dt.year() <= year)["registrations"].sum()
            assert value(f"registrations.total_count@year={year}") == upto, year
        daily = days["resolutions"].to_numpy()
        assert value("resolutions.daily_mean") == pytest.approx(daily.mean(), rel=1e-12)
        assert value("resolutions.daily_max") == daily.max()
        by_deadline = mine.filter(
            pl.col("qualified_date").is_not_null() & (pl.col("qualified_date") <= DEADLINE)
        ).height
        assert value("subsidy.qualified_count") == by_deadline
        assert value("subsidy.qualified_count@at=horizon") == mine["qualified_date"].count()
        on_node = mine.filter(pl.col("on_node_by_deadline"))
        failing = on_node.filter(~pl.col("qualified"))
        assert failing.height > 0
        conditions = ("registrations", "resolutions", "cases")
        met = {c: failing[f"{c}_met"].fill_null(False) for c in conditions}
        for condition in conditions:
            unmet = (~met[condition]).sum() / on_node.height  # over all on the node
            assert value(f"subsidy.failed_share@condition={condition}") == pytest.approx(unmet)
            first, second = (met[c] for c in conditions if c != condition)
            only = (~met[condition] & first & second).sum() / on_node.height
            got = value(f"subsidy.failed_only_share@condition={condition}")
            assert got == pytest.approx(only)
        joiners = mine.filter(pl.col("qualified_date").is_not_null() & ~pl.col("initial"))
        median = joiners["days_to_qualify"].median()
        assert isinstance(median, float | int)
        assert value("subsidy.time_to_qualify_p50") == pytest.approx(median * DAY_S)


@pytest.mark.unit
def test_total_count_includes_initial_stock(tmp_path: Path) -> None:
    """With enterprises already on the node at the start, registrations.total_count is
    their initial identifiers plus every registration during the run."""
    variant = tmp_path / "initial.yaml"
    variant.write_text(
        f"extends: {BASELINE}\n"
        "name: zhanjiang-initial\n"
        "enterprises:\n"
        "  initial:\n"
        "    - {identifiers: 150000, usage_intensity: 0.02, cases: 1}\n"
        "    - {identifiers: 5000}\n",
        encoding="utf-8",
    )
    result = simdata.run(simdata.load_scenario(variant, ["run.replications=1"]))
    registered = result.tables["enterprise_days"]["registrations"].sum()
    got = float(kpi(result, "registrations.total_count")[0])
    assert got == registered + 155_000, (
        "BUG (simdata/model/identifiers.py, node_days 'identifiers' = cum_sum of the day's "
        "registrations): registrations.total_count leaves out the 155,000 identifiers the "
        f"initial enterprises hold at the start: got {got:.0f}, registrations during the "
        f"run {registered}, expected {registered + 155_000}"
    )


@pytest.mark.unit
def test_new_count_is_the_sum_of_daily_registrations_in_the_window(tmp_path: Path) -> None:
    """registrations.new_count leaves the initial stock out but counts what an enterprise
    already on the node registers during the run: it is the sum of the daily registrations
    of enterprise_days; its milestones @month/@quarter/@year are the sums up to each
    period's end, and @date exists only for a day a target names."""
    variant = tmp_path / "initial.yaml"
    variant.write_text(
        f"extends: {BASELINE}\n"
        "name: zhanjiang-initial\n"
        "enterprises:\n"
        "  initial:\n"
        "    - {identifiers: 150000, final_identifiers: 400000, usage_intensity: 0.02}\n"
        "targets:\n"
        '  - {kpi: "registrations.new_count@date=2024-05-17", ">=": 1}\n',
        encoding="utf-8",
    )
    result = simdata.run(simdata.load_scenario(variant, ["run.replications=1"]))
    days = node_totals(result.tables["enterprise_days"].filter(pl.col("replication") == 0))
    inside = days.filter(pl.col("date") >= START)

    def value(name: str) -> float:
        return float(kpi(result, name)[0])

    initial = result.tables["enterprise_days"].filter(pl.col("enterprise") == 0)
    assert initial["registrations"].sum() == 250_000  # 150,000 → 400,000 during the run
    assert value("registrations.new_count") == inside["registrations"].sum()
    assert value("registrations.total_count") == value("registrations.new_count") + 150_000
    for name, upto in (
        ("@month=2024-01", dt.date(2024, 1, 31)),
        ("@quarter=2024-Q2", dt.date(2024, 6, 30)),
        ("@year=2025", dt.date(2025, 12, 31)),
        ("@date=2024-05-17", dt.date(2024, 5, 17)),
    ):
        expected = inside.filter(pl.col("date") <= upto)["registrations"].sum()
        assert value(f"registrations.new_count{name}") == expected, name
    names = set(result.kpis["kpi"].unique().to_list())
    assert len([n for n in names if n.startswith("registrations.new_count@month=")]) == 24
    assert {n for n in names if "@date=" in n} == {
        "registrations.new_count@date=2024-05-17",
        "registrations.total_count@date=2024-05-17",
    }


# -- common random numbers ---------------------------------------------------------------


@pytest.mark.unit
def test_intensity_x3_shares_enterprises_and_registrations(
    baseline: RunResult, intensity_x3: RunResult
) -> None:
    """Same seed: the ×3 variant has the same enterprises joining on the same dates and the
    same registrations on every day of every replication (common random numbers)."""
    keys = ["replication", "enterprise", "joined_date"]
    base = baseline.tables["enterprises"].select(keys).sort(keys)
    assert base.equals(intensity_x3.tables["enterprises"].select(keys).sort(keys))
    np.testing.assert_array_equal(
        kpi(baseline, "enterprises.joined_count"), kpi(intensity_x3, "enterprises.joined_count")
    )
    columns = ["replication", "enterprise", "date", "registrations", "cases"]
    base_days = baseline.tables["enterprise_days"].select(columns).sort(columns[:3])
    x3_days = intensity_x3.tables["enterprise_days"].select(columns).sort(columns[:3])
    assert base_days.equals(x3_days)
    for year in ("", "@year=2024", "@year=2025", "@quarter=2025-Q3", "@month=2024-07"):
        for name in (f"registrations.total_count{year}", f"registrations.new_count{year}"):
            np.testing.assert_array_equal(kpi(baseline, name), kpi(intensity_x3, name))


@pytest.mark.validation
def test_intensity_x3_triples_resolutions_and_never_loses_qualifiers(
    baseline: RunResult, intensity_x3: RunResult
) -> None:
    """The paired ratio of resolutions.daily_mean (×3 / baseline) has a 99% CI over
    replications containing 3 (a CI narrower than ±0.05, so the check has teeth), and every
    replication has at least as many qualifiers with ×3 usage as without."""
    ratio = kpi(intensity_x3, "resolutions.daily_mean") / kpi(baseline, "resolutions.daily_mean")
    interval = t_interval(ratio)
    print(
        f"daily_mean ratio x3/base: {interval.mean:.5f}, 99% CI [{interval.low:.5f}, "
        f"{interval.high:.5f}] (n={interval.n}), theory 3"
    )
    assert 3.0 in interval, f"3 outside the 99% CI {interval}"
    assert interval.high - interval.low < 0.1, interval
    base_q = kpi(baseline, "subsidy.qualified_count")
    x3_q = kpi(intensity_x3, "subsidy.qualified_count")
    print(f"qualified_count base {base_q.tolist()}, x3 {x3_q.tolist()}")
    assert np.all(x3_q >= base_q), (base_q, x3_q)
    assert x3_q.sum() > base_q.sum()


# -- peak windows ------------------------------------------------------------------------


def node_days_frame(rows: list[tuple[dt.date, str, int, bool]], writes: int = 0) -> pl.DataFrame:
    """A node_days frame from (date, day_type, resolutions, measured), with ``writes``
    registrations on every day."""
    return pl.DataFrame(
        rows,
        schema={
            "date": pl.Date,
            "day_type": pl.String,
            "resolutions": pl.Int64,
            "measured": pl.Boolean,
        },
        orient="row",
    ).with_columns(pl.lit(writes, dtype=pl.Int64).alias("registrations"))


@pytest.mark.unit
def test_peak_windows_pick_busiest_weekday_and_heaviest_hour() -> None:
    """Per month: the measured weekday with the most resolutions (weekend, holiday and
    unmeasured days ignored however busy; the earlier of a tie), at the hour of the largest
    weight, with rate = resolutions × that hour's share / 3600 s."""
    d = dt.date
    node_days = node_days_frame(
        [
            (d(2023, 12, 29), "weekday", 90_000, False),  # warm-up day: not measured
            (d(2024, 1, 2), "weekday", 7_000, True),
            (d(2024, 1, 3), "weekday", 9_000, True),  # January's peak
            (d(2024, 1, 6), "weekend", 50_000, True),
            (d(2024, 1, 31), "weekday", 8_999, True),
            (d(2024, 2, 1), "weekday", 4_000, True),
            (d(2024, 2, 11), "holiday", 80_000, True),
            (d(2024, 2, 20), "weekday", 6_000, True),  # tie: the earlier one
            (d(2024, 2, 21), "weekday", 6_000, True),
            (d(2024, 3, 2), "weekend", 1_000, True),  # March: no weekday, no window
            (d(2024, 4, 1), "weekday", 0, True),  # a window at rate 0
        ],
        writes=720,
    )
    weights = [1.0] * 24
    weights[15] = 3.0
    weights[10] = 2.5
    shares = [w / sum(weights) for w in weights]
    windows = peak_windows(node_days, shares)
    assert windows.columns[:3] == ["date", "hour", "rate_per_s"]
    assert windows["date"].to_list() == [d(2024, 1, 3), d(2024, 2, 20), d(2024, 4, 1)]
    assert windows["hour"].to_list() == [15, 15, 15]
    np.testing.assert_allclose(
        windows["rate_per_s"].to_numpy(),
        np.array([9_000, 6_000, 0]) * shares[15] / 3_600.0,
        rtol=1e-12,
    )
    if "write_rate_per_s" in windows.columns:  # registration writes spread like the traffic
        np.testing.assert_allclose(
            windows["write_rate_per_s"].to_numpy(), 720 * shares[15] / 3_600.0
        )
    assert peak_windows(node_days.filter(pl.col("day_type") == "weekend"), shares).is_empty()


#: M/M/2 at ρ = 0.7: λ = 1.4/s, exponential service of mean 1 s.
MM2_SERVERS, MM2_RATE = 2, 1.4
MM2_PATH = {
    "servers": MM2_SERVERS,
    "service_time": {"dist": "exponential", "mean": "1 s"},
    "cache": {"hit_ratio": 0, "hit_time": {"dist": "constant", "value": "1 ms"}},
    "top_level": {"dist": "constant", "value": "0 s"},
    "enterprise_node": {"dist": "constant", "value": "0 s"},
}
MM2_MONTHS = 12
MM2_REPLICATIONS = 10


def mm2_node_days() -> pl.DataFrame:
    """Twelve months, each with one busy Wednesday whose 10:00 hour (the default weights'
    peak) has rate 1.4/s, and a quieter Thursday."""
    share = DEFAULT_HOURLY_WEIGHTS[10] / sum(DEFAULT_HOURLY_WEIGHTS)
    busy = round(MM2_RATE * HOUR_S / share)
    rows = []
    for month in range(1, MM2_MONTHS + 1):
        first = dt.date(2024, month, 1)
        wednesday = first + dt.timedelta(days=(2 - first.weekday()) % 7)
        rows.append((wednesday, "weekday", busy, True))
        rows.append((wednesday + dt.timedelta(days=1), "weekday", busy // 2, True))
    return node_days_frame(rows)


@pytest.mark.validation
def test_peak_window_latency_matches_mm2() -> None:
    """Cache hit 0, zero hops, no timeout: a window's latency is its node sojourn, and the
    pooled latency_mean and utilisation of 12 peak hours at ρ = 0.7 on 2 servers match M/M/2
    (W = C(2, a)/(cμ − λ) + 1/μ) within 99% CIs over 10 replications."""
    shares = [w / sum(DEFAULT_HOURLY_WEIGHTS) for w in DEFAULT_HOURLY_WEIGHTS]
    windows = peak_windows(mm2_node_days(), shares)
    assert windows.height == MM2_MONTHS
    np.testing.assert_allclose(windows["rate_per_s"].to_numpy(), MM2_RATE, rtol=1e-4)
    spec = ResolutionSpec.model_validate(MM2_PATH)
    latency, utilisation, requests = [], [], 0
    for replication in range(MM2_REPLICATIONS):
        results = simulate_windows(spec, windows, Streams(4242, replication))
        assert len(results.plan) == MM2_MONTHS
        frame = results.requests
        assert frame["cache_hit"].sum() == 0
        assert frame["failed"].sum() == 0
        assert frame["admitted"].all()
        latency.append(float(frame["latency_s"].mean()))  # type: ignore[arg-type]
        utilisation.append(float(results.servers["busy_s"].sum()) / (2 * HOUR_S * MM2_MONTHS))
        requests += frame.height
    assert requests > MM2_REPLICATIONS * MM2_MONTHS * 4_500
    wait = erlang_c(MM2_SERVERS, MM2_RATE) / (MM2_SERVERS - MM2_RATE)
    for label, values, theory in (
        ("peak-hour M/M/2 latency_mean", latency, wait + 1.0),
        ("peak-hour M/M/2 utilisation", utilisation, MM2_RATE / MM2_SERVERS),
    ):
        interval = t_interval(np.array(values))
        print(
            f"{label}: simulated {interval.mean:.6g}, 99% CI [{interval.low:.6g}, "
            f"{interval.high:.6g}] (n={interval.n}), theory {theory:.6g}"
        )
        assert theory in interval, f"{label}: theory {theory:.6g} outside the 99% CI {interval}"


@pytest.mark.unit
def test_window_latency_is_the_node_sojourn() -> None:
    """With cache hit 0, zero hops and no timeout, the latencies simulate_windows reports
    for a window are exactly end − node arrival of the same window's requests arriving in
    its hour (rebuilt on the window's own streams)."""
    shares = [w / sum(DEFAULT_HOURLY_WEIGHTS) for w in DEFAULT_HOURLY_WEIGHTS]
    windows = peak_windows(mm2_node_days(), shares).head(1)
    spec = ResolutionSpec.model_validate(MM2_PATH)
    streams = Streams(99, 0)
    reported = simulate_windows(spec, windows, streams).requests["latency_s"].to_numpy()
    date, rate = windows["date"][0], windows["rate_per_s"][0]
    window_spec = spec.model_copy(
        update={"traffic": TrafficSpec.model_validate({"rate": f"{rate!r}/s"})}
    )
    env = simpy.Environment(initial_time=-WARMUP_S)
    node = ResolutionNode(
        env,
        window_spec,
        _WindowStreams(streams, f"{date:%Y-%m}"),
        Recorder(),
        -WARMUP_S,
        HOUR_S,
        start_weekday=date.weekday(),
    )
    node.start()
    env.run()
    frame = node.requests.frame()
    hour = frame.filter((pl.col("arrival_s") >= 0) & (pl.col("arrival_s") < HOUR_S))
    sojourn = (hour["end_s"] - hour["node_arrival_s"]).to_numpy()
    assert len(sojourn) > 4_000
    np.testing.assert_allclose(reported, sojourn, rtol=1e-12, atol=1e-12)


# -- determinism -------------------------------------------------------------------------


@pytest.mark.unit
def test_same_seed_same_results_other_seed_different(baseline: RunResult) -> None:
    """The baseline run again with the same seed gives identical KPIs and enterprise_days;
    with another seed both differ."""
    again = simdata.run(load(BASELINE))
    assert again.kpis.equals(baseline.kpis)
    assert again.tables["enterprise_days"].equals(baseline.tables["enterprise_days"])
    assert again.tables["enterprises"].equals(baseline.tables["enterprises"])
    other = simdata.run(load(BASELINE), seed=760)
    assert not other.kpis.equals(baseline.kpis)
    assert not other.tables["enterprise_days"].equals(baseline.tables["enterprise_days"])
    differ = other.kpis.join(baseline.kpis, on=["replication", "kpi"]).filter(
        pl.col("value") != pl.col("value_right")
    )
    assert differ["kpi"].n_unique() >= 10
