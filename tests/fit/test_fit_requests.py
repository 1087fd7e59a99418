"""`simdata fit --as requests`: known parameters recovered, censoring handled, bad files refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import simdata
from simdata.experiments.fit import fit_requests, read_log
from simdata.experiments.fit.censored import fit_family, naive_lognormal_median
from simdata.experiments.fit.reading import LogError
from simdata.experiments.fit.requests_log import TEMPLATE, parse_requests
from simdata.model.calendar import WorkCalendar
from simdata.scenario.calendar_spec import CalendarSpec
from tests.conftest import SCENARIOS
from tests.fit.cli_fit import assert_bad_file_refused, invoke
from tests.fit.synthetic import TRUTH, Truth, requests_log

pytestmark = pytest.mark.unit

#: Long reviews over a short log: about one review in five is still open at its end.
CENSORED = Truth({"government": 80.0}, 13.0, 1.0, 0.5, 0.2, 0.1, days=30)


def _csv(tmp_path: Path, frame: pl.DataFrame, name: str = "requests.csv") -> Path:
    path = tmp_path / name
    frame.write_csv(path)
    return path


def test_fit_recovers_rates_review_time_and_shares(tmp_path: Path) -> None:
    """Rates, the lognormal review time and both shares land in their 95 % CIs."""
    frame, _ = requests_log(3)
    result = fit_requests(_csv(tmp_path, frame))
    rates = {fit.kind: fit for fit in result.fitted.rates}
    for kind, rate in TRUTH.rates.items():
        low, high = rates[kind].ci
        assert low <= rate <= high, (kind, rates[kind])
    best = result.fitted.review[0]
    assert best.family == "lognormal"
    assert best.ci["median"][0] <= TRUTH.median_h <= best.ci["median"][1]
    assert best.ci["sigma"][0] <= TRUTH.sigma <= best.ci["sigma"][1]
    assert result.fitted.reject is not None
    assert result.fitted.auto is not None
    assert result.fitted.reject.ci[0] <= TRUTH.reject <= result.fitted.reject.ci[1]
    assert result.fitted.auto.ci[0] <= TRUTH.auto <= result.fitted.auto.ci[1]


def _review_hours(path: Path) -> tuple[np.ndarray, np.ndarray]:
    log = parse_requests(read_log(path), str(path))
    calendar = WorkCalendar(CalendarSpec(), log.start_date, 0.0, log.end_s)
    assert log.review_start_s is not None
    assert log.review_end_s is not None
    start, end = log.review_start_s, log.review_end_s
    ended, still = np.isfinite(start) & np.isfinite(end), np.isfinite(start) & ~np.isfinite(end)
    done = calendar.work_between(start[ended], end[ended]) / 3600
    open_ = calendar.work_between(start[still], np.full(int(still.sum()), log.end_s)) / 3600
    return done[done > 0], open_[open_ > 0]


def test_censored_fit_is_unbiased_where_the_naive_fit_is_not(tmp_path: Path) -> None:
    """With ~20 % of reviews open, the censored median is within 10 %; dropping them is not."""
    frame, _ = requests_log(5, CENSORED)
    done, open_ = _review_hours(_csv(tmp_path, frame))
    assert open_.size > 0.15 * (done.size + open_.size)
    censored = fit_family("lognormal", done, open_).params["median"]
    naive = naive_lognormal_median(done)
    assert abs(censored / CENSORED.median_h - 1) < 0.10, censored
    assert naive < 0.85 * CENSORED.median_h, naive


@pytest.mark.slow
def test_censored_median_ci_covers_at_its_level() -> None:
    """Over 120 censored samples (n = 300), the 95 % CI of the median covers ≥ 89 % of the time
    (binomial tolerance 0.95 − 2.58·√(0.0475/120) ≈ 0.899)."""
    rng = np.random.default_rng(2026)
    hits = 0
    for _ in range(120):
        x = rng.lognormal(np.log(13.0), 1.0, 300)
        c = rng.uniform(0, 60, 300)
        low, high = fit_family("lognormal", x[x <= c], c[x > c]).ci["median"]
        hits += low <= 13.0 <= high
    assert hits / 120 >= 0.89, hits


def test_fitted_yaml_extends_the_base_and_loads(tmp_path: Path) -> None:
    """`simdata fit --base … --out` writes a scenario `simdata.load_scenario` accepts."""
    frame, _ = requests_log(3)
    out = tmp_path / "fitted.yaml"
    base = SCENARIOS / "fujian-public-data.yaml"
    code, _, stderr = invoke(
        "fit", _csv(tmp_path, frame), "--as", "requests", "--base", base, "--out", out
    )
    assert code == 0, stderr
    text = out.read_text(encoding="utf-8")
    assert "extends:" in text
    assert "# D: n = " in text
    assert "Wilson 95% CI" in text
    scenario = simdata.load_scenario(out)
    assert scenario.requesters is not None
    assert scenario.policy is not None
    government = next(g for g in scenario.requesters.groups if g.kind == "government")
    assert government.growth is None
    assert government.rate * 6.5 * 3600 == pytest.approx(TRUTH.rates["government"], rel=0.1)
    assert scenario.policy.review_effort.dist == "lognormal"
    assert 0.1 < scenario.policy.reject_probability < 0.3


def _body(text: str) -> list[str]:
    """The fitted lines, without the file name and sha256 or the scenario name."""
    return [line for line in text.splitlines() if not line.startswith(("# Fitted", "name:"))]


def test_gbk_csv_with_bom_and_renamed_columns_reads(tmp_path: Path) -> None:
    """A GBK file (Excel on Chinese Windows) with a BOM-like prefix and Chinese headers reads."""
    frame, _ = requests_log(3)
    frame = frame.rename({"arrival": "到达时间", "requester_kind": "申请方类型"})
    path = tmp_path / "申请.csv"
    path.write_bytes(frame.write_csv().encode("gbk"))
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + frame.write_csv().encode("utf-8"))
    plain = fit_requests(_csv(tmp_path, requests_log(3)[0])).text
    for log in (path, bom):
        code, stdout, stderr = invoke(
            "fit",
            log,
            "--as",
            "requests",
            "--map",
            "到达时间=arrival",
            "--map",
            "申请方类型=requester_kind",
        )
        assert code == 0, stderr
        assert _body(stdout) == _body(plain)


def test_xlsx_and_parquet_read_like_csv(tmp_path: Path) -> None:
    """The same log as xlsx and Parquet gives the same fitted text as the CSV."""
    import openpyxl  # type: ignore[import-untyped]

    frame, _ = requests_log(7, Truth({"social": 5.0}, 2.0, 0.8, 0.5, 0.2, 0.1, days=30))
    csv = _csv(tmp_path, frame, "log.csv")
    parquet = tmp_path / "log.parquet"
    frame.with_columns(pl.col("arrival").str.to_datetime()).write_parquet(parquet)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(tmp_path / "log.xlsx")
    texts = [_body(fit_requests(p).text) for p in (csv, parquet, tmp_path / "log.xlsx")]
    assert texts[0] == texts[1] == texts[2]


def test_template_prints_a_log_that_parses(tmp_path: Path) -> None:
    """`simdata fit --template requests` prints the documented columns; the file parses."""
    code, stdout, _ = invoke("fit", "--template", "requests")
    assert code == 0
    assert stdout == TEMPLATE
    path = tmp_path / "template.csv"
    path.write_text(stdout, encoding="utf-8")
    assert invoke("fit", path, "--as", "requests")[0] == 0


GOOD = TEMPLATE.splitlines()


def _swap(row: int, column: str, value: str) -> str:
    header = GOOD[0].split(",")
    lines = [line.split(",") for line in GOOD]
    lines[row - 1][header.index(column)] = value
    return "\n".join(",".join(line) for line in lines) + "\n"


BAD = [
    (
        "missing column",
        GOOD[0].replace("arrival,", "arrived,") + "\n" + "\n".join(GOOD[1:]),
        ":1: expected a column 'arrival'",
    ),
    ("bad time", _swap(3, "arrival", "2026-13-40 25:00"), ":3: arrival: expected a time like"),
    (
        "negative review",
        _swap(2, "review_end", "2026-03-02 09:00:00"),
        ":2: review_end: expected a time at or after review_start",
    ),
    (
        "delivered early",
        _swap(5, "delivered", "2026-03-01 09:00:00"),
        ":5: delivered: expected a time at or after arrival",
    ),
    ("unknown kind", _swap(4, "requester_kind", "alien"), ":4: requester_kind: expected one of"),
    ("bad datasets", _swap(2, "datasets", "0"), ":2: datasets: expected a whole number ≥ 1"),
    ("empty", GOOD[0] + "\n", ": expected at least one record row"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD, ids=[case for case, _, _ in BAD])
def test_bad_files_are_one_line_and_exit_2(
    tmp_path: Path, case: str, text: str, message: str
) -> None:
    """Each bad file is refused with one line naming file, row and column; nothing written."""
    assert_bad_file_refused(tmp_path, "requests", text, message)


def test_log_error_names_file_row_and_column() -> None:
    """The error's text is FILE:ROW: COLUMN: message."""
    assert str(LogError("a.csv", "expected x, got y", 3, "arrival")) == (
        "a.csv:3: arrival: expected x, got y"
    )
