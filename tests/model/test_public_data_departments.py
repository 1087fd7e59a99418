"""Issue 13, public data: requests ask for datasets on their channel's list, departments
differ (list or sized), delivered-within-SLA, quarterly stamps on working days, and the
bad input of every new field (one line, exit 2, nothing written)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import simpy
from click.testing import CliRunner

from simdata.analysis.kpis import REGISTRY
from simdata.cli import cli
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.component import World
from simdata.model.public_data.catalogue import (
    OPENING_CLASSES,
    SHARING_CLASSES,
    CatalogueComponent,
    quarterly_report_times,
)
from simdata.model.public_data.requesters import CHANNELS, RequestersComponent
from simdata.model.world import Window
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.models import Scenario
from simdata.scenario.public_data import DepartmentSizes
from simdata.scenario.units import DAY_S
from tests.cli_checks import one_line_error, replace_once, tree
from tests.model.test_public_data_bad_inputs import BASE, SCENARIO

LISTED = """\
name: pd13
run: {start_date: 2026-03-02, horizon: 120 d, replications: 2, seed: 5}
catalogue:
  departments:
    - {name: police, datasets_share: 20%, demand_share: 60%, reviewers: 3}
    - {name: market, datasets_share: 30%}
    - {name: small}
  datasets: 2000
  new_datasets: 30/month
requesters:
  groups:
    - {name: gov, kind: government, rate: 40/workday, channel: sharing}
    - {name: firms, kind: enterprise, rate: 40/workday, channel: opening,
       outside_catalogue_share: OUTSIDE}
policy: {reviewers_per_department: 1, reviewers: {small: 2}}
"""


def _world(outside: str = "0%") -> tuple[CatalogueComponent, RequestersComponent]:
    scenario = Scenario.model_validate(_yaml(LISTED.replace("OUTSIDE", outside)))
    run = scenario.run
    world = World(
        scenario, simpy.Environment(initial_time=run.sim_start_s), Streams(5, 0), Recorder()
    )
    catalogue = CatalogueComponent(world)
    world.add(catalogue)
    return catalogue, RequestersComponent(world)


def _yaml(text: str) -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _items(requesters: RequestersComponent, channel: str) -> tuple[np.ndarray, np.ndarray]:
    """(every item's dataset, whether it is its request's first) for one channel."""
    requests = requesters.requests
    counts = np.diff(requests.first_item)
    item_channel = np.repeat(requests.channel, counts)
    first = np.zeros(len(requests.item_dataset), dtype=bool)
    first[requests.first_item[:-1]] = True
    mine = item_channel == CHANNELS.index(channel)
    return requests.item_dataset[mine], first[mine]


@pytest.mark.unit
def test_requests_ask_for_datasets_on_their_channels_list() -> None:
    """Opening requests never ask for not-open data, sharing requests never for not-shared
    data (outside share 0); every dataset existed when its request arrived."""
    catalogue, requesters = _world()
    cat = catalogue.catalogue
    opening, _ = _items(requesters, "opening")
    sharing, _ = _items(requesters, "sharing")
    assert len(opening) > 1000
    assert len(sharing) > 1000
    assert not np.any(cat.opening[opening] == OPENING_CLASSES.index("not_open"))
    assert not np.any(cat.sharing[sharing] == SHARING_CLASSES.index("not_shared"))
    requests = requesters.requests
    arrival = np.repeat(requests.arrival_s, np.diff(requests.first_item))
    assert np.all(cat.created_s[requests.item_dataset] <= arrival)


@pytest.mark.unit
def test_outside_catalogue_share_sends_the_first_dataset_off_the_list() -> None:
    """At 100 % every opening request's first dataset is not open and the rest are open;
    at 25 % about a quarter of first datasets are (binomial, ±4.5 σ)."""
    catalogue, requesters = _world("100%")
    datasets, first = _items(requesters, "opening")
    not_open = catalogue.catalogue.opening[datasets] == OPENING_CLASSES.index("not_open")
    assert np.all(not_open[first])
    assert not np.any(not_open[~first])
    catalogue, requesters = _world("25%")
    datasets, first = _items(requesters, "opening")
    share = np.mean(catalogue.catalogue.opening[datasets[first]] == 0)
    n = int(first.sum())
    assert abs(share - 0.25) < 4.5 * np.sqrt(0.25 * 0.75 / n), (share, n)


@pytest.mark.unit
def test_department_shares_set_who_owns_and_who_is_asked() -> None:
    """Owners follow datasets_share (20/30/50 % after normalising 'small' to an equal
    third) and picks follow demand_share (60 % for police; market and small share the
    rest 1/3 : 1/3 normalised); reviewers: listed, policy.reviewers override, default."""
    catalogue, requesters = _world()
    cat = catalogue.catalogue
    assert cat.departments == ["police", "market", "small"]
    owners = np.bincount(cat.owner, minlength=3) / cat.size
    np.testing.assert_allclose(owners, [0.2 / 0.833, 0.3 / 0.833, 0.333 / 0.833], atol=0.03)
    picks = np.bincount(cat.owner[requesters.requests.item_dataset], minlength=3)
    demand = picks / picks.sum()
    np.testing.assert_allclose(demand, [0.6 / 1.267, 0.333 / 1.267, 0.333 / 1.267], atol=0.03)
    table = catalogue.spec.department_table()
    assert table.reviewers == [3, None, None]


@pytest.mark.unit
def test_sized_departments_are_fixed_largest_first_and_heavy_tailed() -> None:
    """{count, size}: the same sizes every time, dept-01 the largest, lognormal σ = 1.2
    puts about a third of the total in the top 10 % of 40 departments."""
    sizes = DepartmentSizes.model_validate(
        {"count": 40, "size": {"dist": "lognormal", "median": 1, "sigma": 1.2}}
    ).sizes()
    again = DepartmentSizes.model_validate({"count": 40}).sizes()
    np.testing.assert_array_equal(sizes, again)
    assert np.all(np.diff(sizes) < 0)
    top = sizes[:4].sum() / sizes.sum()
    assert 0.25 < top < 0.5, top


@pytest.mark.unit
def test_delivered_within_sla_share_counts_refusals_and_abandons_as_not_delivered() -> None:
    """Hand-made frame (SLA 10 s): delivered in 5 s ✓, delivered in 20 s ✗, rejected in 1 s
    ✗, abandoned ✗, open (excluded), arrived before the window (excluded): 1 / 4; the
    within-SLA share counts the quick refusal as an answer: 2 / 5."""
    frame = pl.DataFrame(
        {
            "arrival_s": [10.0, 11.0, 12.0, 13.0, 14.0, -5.0],
            "end_s": [15.0, 31.0, 13.0, 90.0, float("nan"), 1.0],
            "work_s": [5.0, 20.0, 1.0, 77.0, float("nan"), 6.0],
            "outcome": ["delivered", "delivered", "rejected", "abandoned", "open", "delivered"],
            "channel": ["sharing"] * 6,
            "initial": [False] * 6,
        }
    )
    window = Window(0.0, 100.0, 0, {"sla_s": 10.0})
    kpi = REGISTRY["requests.delivered_within_sla_share"]
    assert frame.select(kpi.expr(window)).item() == pytest.approx(1 / 4)
    within = REGISTRY["requests.within_sla_share"]
    assert frame.select(within.expr(window)).item() == pytest.approx(2 / 5)
    assert kpi.values == ("sharing", "opening")  # development has no time limit


@pytest.mark.unit
def test_quarterly_reports_are_stamped_on_the_last_working_day_on_or_before_the_20th() -> None:
    """2026: 20 Mar is a Friday (kept); 20 Jun a Saturday after the Dragon Boat holiday on
    Friday 19 Jun → Thursday 18 Jun; 20 Sep a make-up working Sunday (kept); 20 Dec a
    Sunday → Friday 18 Dec."""
    start = dt.date(2026, 1, 1)
    calendar = WorkCalendar(CalendarSpec(), start, 0.0, 365 * DAY_S)
    times = quarterly_report_times(start, 0.0, 365 * DAY_S, calendar)
    days = [start + dt.timedelta(seconds=float(t)) for t in times]
    assert days == [dt.date(2026, 3, 20), dt.date(2026, 6, 18), dt.date(2026, 9, 20),
                    dt.date(2026, 12, 18)]  # fmt: skip


_LIST_BASE = replace_once(
    BASE,
    "  departments: 3\n",
    "  departments:\n    - name: dept-01\n      datasets_share: 50%\n"
    "    - name: dept-02\n      reviewers: 2\n    - name: dept-03\n",
)
#   lines: 9 departments, 10 - name: dept-01, 11 datasets_share, 12 - name: dept-02,
#   13 reviewers, 14 - name: dept-03, then BASE's line 10 (datasets) is line 15 …

CASES = [
    ("duplicate-name", replace_once(_LIST_BASE, "name: dept-03", "name: dept-01"),
     "catalogue.departments.2.name", 14, ("no other department",)),
    ("name-with-space", replace_once(_LIST_BASE, "name: dept-03", "name: dept 03"),
     "catalogue.departments.2.name", 14, ("without spaces",)),
    ("share-above-1", replace_once(_LIST_BASE, "datasets_share: 50%", "datasets_share: 150%"),
     "catalogue.departments.0.datasets_share", 11, ()),
    ("reviewers-0", replace_once(_LIST_BASE, "reviewers: 2", "reviewers: 0"),
     "catalogue.departments.1.reviewers", 13, ("≥ 1",)),
    ("all-shares-0", replace_once(
        _LIST_BASE,
        "    - name: dept-02\n      reviewers: 2\n    - name: dept-03\n",
        "    - name: dept-02\n      datasets_share: 0%\n    - name: dept-03\n      "
        "datasets_share: 0%\n").replace("datasets_share: 50%", "datasets_share: 0%"),
     "catalogue.departments.datasets_share", 9, ("positive sum",)),
    ("empty-list", replace_once(BASE, "  departments: 3\n", "  departments: []\n"),
     "catalogue.departments", 9, ("at least 1",)),
    ("bool", replace_once(BASE, "  departments: 3\n", "  departments: true\n"),
     "catalogue.departments", 9, ("a count, a list of departments or {count, size}",)),
    ("sizes-count-0", replace_once(BASE, "  departments: 3\n", "  departments: {count: 0}\n"),
     "catalogue.departments.count", 9, ("≥ 1",)),
    ("sizes-negative", replace_once(
        BASE, "  departments: 3\n",
        "  departments: {count: 3, size: {dist: uniform, low: -1, high: 1}}\n"),
     "catalogue.departments.size", 9, ("positive sizes",)),
    ("unknown-reviewer-department", replace_once(_LIST_BASE, "    dept-02: 2\n", "    tax: 2\n"),
     "policy.reviewers.tax", 31, ("dept-01 … dept-03",)),
    ("outside-share-above-1", replace_once(
        BASE, "      channel: sharing\n",
        "      channel: sharing\n      outside_catalogue_share: 120%\n"),
     "requesters.groups.0.outside_catalogue_share", 21, ()),
]  # fmt: skip


@pytest.mark.cli
def test_the_listed_departments_base_is_valid(tmp_path: Path) -> None:
    (tmp_path / SCENARIO).write_text(_LIST_BASE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / SCENARIO)])
    assert result.exit_code == 0, result.stderr


@pytest.mark.cli
@pytest.mark.parametrize(("text", "path", "line", "expect"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_department_or_list_input_is_one_line_exit_2_nothing_written(
    text: str,
    path: str,
    line: int,
    expect: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / SCENARIO).write_text(text, encoding="utf-8")
    before = tree(tmp_path)
    runner = CliRunner()
    ran = runner.invoke(cli, ["run", SCENARIO, "--out", str(tmp_path / "out")])
    message = one_line_error(ran)
    assert tree(tmp_path) == before
    assert one_line_error(runner.invoke(cli, ["validate", SCENARIO])) == message
    assert message.startswith(f"{SCENARIO}:{line}: {path}: expected"), message
    for text_part in expect:
        assert text_part in message, message
