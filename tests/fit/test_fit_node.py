"""`simdata fit --as node`: traffic, cache and service time recovered; bad files refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import simdata
from simdata.experiments.fit import fit_node
from simdata.experiments.fit.censored import fit_family
from simdata.experiments.fit.counts import wilson
from simdata.experiments.fit.node_log import TEMPLATE
from simdata.experiments.fit.traffic_fit import fit_traffic
from tests.conftest import SCENARIOS
from tests.fit.cli_fit import assert_bad_file_refused, invoke
from tests.fit.node_synthetic import START, NodeTruth, node_draw, node_log

pytestmark = pytest.mark.unit

#: A smaller log (about 10,000 requests over two weeks): fast to write and fit.
SMALL = NodeTruth(rate_per_s=0.01)


def _csv(tmp_path: Path, frame: pl.DataFrame, name: str = "node.csv") -> Path:
    path = tmp_path / name
    frame.write_csv(path)
    return path


def _covers(ci: tuple[float, float], value: float) -> bool:
    return ci[0] <= value <= ci[1]


def test_fit_recovers_traffic_cache_and_service(tmp_path: Path) -> None:
    """Rate, weekend factor, hit ratio, hit time and the censored service time land in their
    95 % CIs; the hourly weights within 15 % of the truth."""
    fitted = fit_node(_csv(tmp_path, node_log(11, SMALL))).fitted
    traffic = fitted.traffic
    assert traffic is not None
    assert _covers(traffic.rate_ci, SMALL.rate_per_s), traffic.rate_ci
    assert traffic.weekend_ci is not None
    assert _covers(traffic.weekend_ci, SMALL.weekend), traffic.weekend_ci
    truth = np.array(SMALL.hourly) / np.mean(SMALL.hourly)
    assert np.max(np.abs(np.array(traffic.hourly_weights) / truth - 1)) < 0.25
    assert np.mean(np.abs(np.array(traffic.hourly_weights) / truth - 1)) < 0.08
    assert fitted.hit_ratio is not None
    assert _covers(fitted.hit_ratio.ci, SMALL.hit)
    assert fitted.hit_time is not None
    assert fitted.hit_time.families[0].family == "lognormal"
    assert _covers(fitted.hit_time.families[0].ci["median"], SMALL.hit_median_s * 1e3)
    assert fitted.service is not None
    assert fitted.service.censored > 0
    best = fitted.service.families[0]
    assert best.family == "lognormal"
    assert _covers(best.ci["median"], SMALL.service_median_s * 1e3)
    assert _covers(best.ci["sigma"], SMALL.service_sigma)


def test_timeouts_are_censored_not_dropped() -> None:
    """With 28 % of misses timed out, the censored median is within 5 %; dropping them is not."""
    draw = node_draw(4, NodeTruth(rate_per_s=0.01, timeout_s=0.008))
    miss = ~draw.hit
    done = draw.latency[miss & ~draw.timeout] * 1e3
    timed_out = draw.latency[miss & draw.timeout] * 1e3
    assert timed_out.size > 0.2 * (done.size + timed_out.size)
    censored = fit_family("lognormal", done, timed_out).params["median"]
    assert abs(censored / 5.0 - 1) < 0.05, censored
    assert float(np.exp(np.mean(np.log(done)))) < 0.8 * 5.0


def test_service_s_column_fits_the_servers_own_time(tmp_path: Path) -> None:
    """With 20 ms of hops on every miss, `service_s` recovers the service time; the latency
    fit is the documented upper bound, said so in the scenario."""
    truth = NodeTruth(rate_per_s=0.005, hop_s=0.02, timeout_s=1.0)
    frame = node_log(2, truth, service_column=True)
    with_column = fit_node(_csv(tmp_path, frame, "with.csv"))
    assert with_column.fitted.service is not None
    assert _covers(with_column.fitted.service.families[0].ci["median"], 5.0)
    assert "the servers' own time (service_s)" in with_column.text
    without = fit_node(_csv(tmp_path, frame.drop("service_s"), "without.csv"))
    assert without.fitted.service is not None
    best = without.fitted.service.families[0]
    assert best.params.get("median", best.params.get("mean", 0.0)) > 20.0
    assert "UPPER BOUND" in without.text


@pytest.mark.slow
def test_ci_coverage_over_many_logs() -> None:
    """Over 100 logs the 95 % CIs of rate, weekend factor, hit ratio and service median cover
    ≥ 89 % of the time (binomial tolerance 0.95 − 2.58·√(0.0475/100) ≈ 0.894)."""
    hits = np.zeros(4)
    for seed in range(1000, 1100):
        draw = node_draw(seed, SMALL)
        traffic = fit_traffic(START, SMALL.days, draw.t)
        assert traffic.weekend_ci is not None
        share = wilson(int(draw.hit.sum()), draw.hit.size)
        miss = ~draw.hit
        service = fit_family(
            "lognormal",
            draw.latency[miss & ~draw.timeout] * 1e3,
            draw.latency[miss & draw.timeout] * 1e3,
        )
        hits += [
            _covers(traffic.rate_ci, SMALL.rate_per_s),
            _covers(traffic.weekend_ci, SMALL.weekend),
            _covers(share.ci, SMALL.hit),
            _covers(service.ci["median"], SMALL.service_median_s * 1e3),
        ]
    assert (hits / 100 >= 0.89).all(), hits


def test_fitted_yaml_extends_the_base_and_loads(tmp_path: Path) -> None:
    """Over a base with a constant cache hit time, the fitted lognormal replaces it and the
    scenario loads; traffic, cache and service fields carry the fitted values."""
    base = tmp_path / "base.yaml"
    base.write_text(
        f"name: base\nextends: {(SCENARIOS / 'node-baseline.yaml').as_posix()}\n"
        "resolution:\n  cache: {hit_ratio: 90%, hit_time: {dist: constant, value: 1 ms}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out" / "fitted.yaml"
    out.parent.mkdir()
    log = _csv(tmp_path, node_log(5, SMALL))
    code, _, stderr = invoke("fit", log, "--as", "node", "--base", base, "--out", out)
    assert code == 0, stderr
    text = out.read_text(encoding="utf-8")
    assert "extends: ../base.yaml" in text
    assert "# D: n = " in text
    scenario = simdata.load_scenario(out)
    node = scenario.resolution
    assert node is not None
    assert node.cache is not None
    assert node.cache.hit_time.dist == "lognormal"
    assert node.cache.hit_ratio == pytest.approx(SMALL.hit, abs=0.02)
    assert node.service_time.dist == "lognormal"
    assert node.traffic.rate == pytest.approx(SMALL.rate_per_s, rel=0.05)
    assert node.traffic.weekend_factor == pytest.approx(SMALL.weekend, abs=0.06)
    assert node.traffic.hourly_weights is not None
    assert node.servers == 2  # kept from node-baseline


def test_gbk_and_parquet_read_like_csv(tmp_path: Path) -> None:
    """A GBK CSV with Chinese headers (--map) and a Parquet file give the CSV's fit."""
    frame = node_log(6, NodeTruth(rate_per_s=0.002))
    plain = _body(fit_node(_csv(tmp_path, frame)).text)
    chinese = frame.rename({"timestamp": "时间", "latency_s": "时延"})
    gbk = tmp_path / "节点.csv"
    gbk.write_bytes(chinese.write_csv().encode("gbk"))
    code, stdout, stderr = invoke(
        "fit", gbk, "--as", "node", "--map", "时间=timestamp", "--map", "时延=latency_s"
    )
    assert code == 0, stderr
    assert _body(stdout) == plain
    parquet = tmp_path / "node.parquet"
    frame.with_columns(pl.col("timestamp").str.to_datetime()).write_parquet(parquet)
    assert _body(fit_node(parquet).text) == plain


def _body(text: str) -> list[str]:
    """The fitted lines, without the file name and sha256 or the scenario name."""
    return [line for line in text.splitlines() if not line.startswith(("# Fitted", "name:"))]


def test_template_prints_a_log_that_fits(tmp_path: Path) -> None:
    """`simdata fit --template node` prints the documented columns; the file fits (exit 0)."""
    code, stdout, _ = invoke("fit", "--template", "node")
    assert code == 0
    assert stdout == TEMPLATE
    path = tmp_path / "template.csv"
    path.write_text(stdout, encoding="utf-8")
    code, stdout, stderr = invoke("fit", path, "--as", "node")
    assert code == 0, stderr
    assert "hit_ratio: 0.4" in stdout


GOOD = TEMPLATE.splitlines()


def _swap(row: int, column: str, value: str) -> str:
    header = GOOD[0].split(",")
    lines = [line.split(",") for line in GOOD]
    lines[row - 1][header.index(column)] = value
    return "\n".join(",".join(line) for line in lines) + "\n"


BAD = [
    (
        "missing column",
        GOOD[0].replace("latency_s,", "latency,") + "\n" + "\n".join(GOOD[1:]),
        ":1: expected a column 'latency_s'",
    ),
    ("bad time", _swap(3, "timestamp", "2026-03-02 9h"), ":3: timestamp: expected a time like"),
    ("negative latency", _swap(2, "latency_s", "-0.1"), ":2: latency_s: expected seconds ≥ 0"),
    ("text latency", _swap(4, "latency_s", "fast"), ":4: latency_s: expected seconds ≥ 0"),
    ("empty latency", _swap(2, "latency_s", ""), ":2: latency_s: expected a latency on an ok"),
    ("unknown outcome", _swap(5, "outcome", "maybe"), ":5: outcome: expected one of"),
    ("bad cache flag", _swap(3, "cache_hit", "perhaps"), ":3: cache_hit: expected 1/0"),
    ("negative service", _swap(3, "service_s", "-1"), ":3: service_s: expected seconds ≥ 0"),
    ("empty", GOOD[0] + "\n", ": expected at least one record row"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD, ids=[case for case, _, _ in BAD])
def test_bad_files_are_one_line_and_exit_2(
    tmp_path: Path, case: str, text: str, message: str
) -> None:
    """Each bad file is refused with one line naming file, row and column; nothing written."""
    assert_bad_file_refused(tmp_path, "node", text, message)
