"""The command line in-process: exit codes, --out, output, nothing written on bad input."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from tests.conftest import MM8_TEXT, SCENARIOS

pytestmark = pytest.mark.cli

FAST = ["--set", "run.horizon=5000 s", "--set", "run.warmup=500 s", "--replications", "4"]


def invoke(*args: str | os.PathLike[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_run_prints_table_and_writes_the_run_directory(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """`simdata run` prints KPIs with CIs and verdicts and writes every convention file."""
    out = tmp_path / "run"
    code, stdout, stderr = invoke("run", write_scenario(MM8_TEXT), *FAST, "--out", out)
    assert code == 0, stderr
    assert "resolution.wait_mean" in stdout
    assert "pass" in stdout
    assert "95% CI" in stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "histograms.parquet",
        "kpis.parquet",
        "latency_histogram.parquet",
        "manifest.json",
        "scenario.yaml",
        "summary.md",
        "summary.parquet",
        "timeseries.parquet",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "run"
    assert manifest["status"] == "complete"
    assert manifest["root_seed"] == 7
    assert manifest["replications"] == 4
    assert manifest["argv"][:2] == ["simdata", "run"] or manifest["argv"][0] == "simdata"
    summary = pl.read_parquet(out / "summary.parquet")
    assert summary.columns == [
        "kpi", "unit", "mean", "ci_low", "ci_high", "std", "n", "target", "verdict",
        "ci_level", "ci_method", "note",
    ]  # fmt: skip
    assert set(summary["ci_level"].to_list()) == {0.95}
    assert summary.filter(pl.col("kpi") == "resolution.wait_mean")["verdict"].item() == "pass"
    assert pl.read_parquet(out / "kpis.parquet").schema == pl.Schema(
        {"replication": pl.Int64, "kpi": pl.String, "value": pl.Float64}
    )
    timeseries = pl.read_parquet(out / "timeseries.parquet")
    assert timeseries.columns == ["replication", "time_s", "date", "series", "group", "value"]
    assert set(timeseries["replication"].unique()) == {0, 1, 2, 3}


def test_resolved_scenario_reloads_to_the_same_scenario(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """scenario.yaml in the run directory loads back to an equal scenario (same sha256)."""
    out = tmp_path / "run"
    path = write_scenario(MM8_TEXT)
    assert invoke("run", path, *FAST, "--out", out)[0] == 0
    original = simdata.load_scenario(path, ["run.horizon=5000 s", "run.warmup=500 s",
                                            "run.replications=4"])  # fmt: skip
    assert simdata.load_scenario(out / "scenario.yaml") == original
    manifest = json.loads((out / "manifest.json").read_text())
    from simdata.scenario.loader import scenario_sha256

    assert manifest["scenario_sha256"] == scenario_sha256(original)


def test_out_must_be_new_or_empty(write_scenario: Callable[[str], Path], tmp_path: Path) -> None:
    """--out into a non-empty directory or onto a file exits 2 and changes nothing."""
    path = write_scenario(MM8_TEXT)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    code, _, stderr = invoke("run", path, *FAST, "--out", busy)
    assert code == 2
    assert "--out" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert invoke("run", path, *FAST, "--out", a_file)[0] == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert invoke("run", path, *FAST, "--out", empty)[0] == 0
    assert (empty / "manifest.json").exists()


def test_default_out_is_a_fresh_folder_under_results(
    write_scenario: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --out the run goes to results/<UTC stamp>-<6 hex>/ under the working dir."""
    path = write_scenario(MM8_TEXT)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, _, stderr = invoke("run", path, *FAST)
    assert code == 0, stderr
    (run_dir,) = (work / "results").iterdir()
    stamp, _, suffix = run_dir.name.partition("-")
    assert len(stamp) == 16
    assert stamp.endswith("Z")
    assert len(suffix) == 6
    assert (run_dir / "manifest.json").exists()


def test_strict_exits_1_only_when_a_target_fails(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """--strict: a failed target exits 1; without --strict the same run exits 0."""
    failing = MM8_TEXT.replace('"<=": 1.2 s', '"<=": 0.1 s')
    path = write_scenario(failing)
    code, stdout, _ = invoke("run", path, *FAST, "--out", tmp_path / "a")
    assert code == 0
    assert "fail" in stdout
    assert invoke("run", path, *FAST, "--strict", "--out", tmp_path / "b")[0] == 1
    passing = write_scenario(MM8_TEXT, "ok.yaml")
    assert invoke("run", passing, *FAST, "--strict", "--out", tmp_path / "c")[0] == 0


def test_undecided_is_a_warning_not_a_failure(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """A target inside its CI is 'undecided' (never 'pass'); --strict still exits 0."""
    scenario = simdata.load_scenario(write_scenario(MM8_TEXT), FAST[1::2][:2])
    truth = simdata.run(scenario, replications=4).summary
    mean = truth.filter(pl.col("kpi") == "resolution.wait_mean")["mean"].item()
    path = write_scenario(MM8_TEXT.replace('"<=": 1.2 s', f'"<=": {mean!r} s'), "edge.yaml")
    code, stdout, stderr = invoke("run", path, *FAST, "--strict", "--out", tmp_path / "u")
    assert code == 0
    assert "undecided" in stdout
    assert "undecided" in stderr


def test_one_replication_gives_undecided(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """With n = 1 there is no CI, so every target is undecided."""
    path = write_scenario(MM8_TEXT)
    out = tmp_path / "one"
    args = ["run", path, "--set", "run.horizon=2000 s", "--set", "run.warmup=200 s"]
    code, _, _ = invoke(*args, "--replications", "1", "--out", out)
    assert code == 0
    summary = pl.read_parquet(out / "summary.parquet")
    assert summary.filter(pl.col("kpi") == "resolution.wait_mean")["verdict"].item() == "undecided"


def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    """A bad --set value: one line naming the field, exit 2, --out not created."""
    out = tmp_path / "never"
    path = write_scenario(MM8_TEXT)
    code, stdout, stderr = invoke("run", path, "--set", "resolution.servers=0", "--out", out)
    assert code == 2
    assert stderr.strip() == f"{path}: --set resolution.servers: expected a value ≥ 1, got 0"
    assert "Traceback" not in stdout + stderr
    assert not out.exists()
    code, _, stderr = invoke("run", path, "--replications", "0", "--out", out)
    assert code == 2
    assert "run.replications" in stderr
    assert not out.exists()


def test_validate_and_schema(write_scenario: Callable[[str], Path]) -> None:
    """`validate` accepts a good file, rejects a bad one with exit 2; `schema` prints JSON."""
    good = write_scenario(MM8_TEXT)
    code, stdout, _ = invoke("validate", good)
    assert code == 0
    assert "valid" in stdout
    bad = write_scenario(MM8_TEXT.replace("servers: 8", "servers: eight"), "bad.yaml")
    code, _, stderr = invoke("validate", bad)
    assert code == 2
    assert stderr.startswith(f"{bad}:4: resolution.servers: expected an integer")
    code, stdout, _ = invoke("schema")
    assert code == 0
    assert json.loads(stdout)["title"] == "simdata scenario"


def test_version_and_help_name_the_commands() -> None:
    """--help lists run, validate and schema."""
    code, stdout, _ = invoke("--help")
    assert code == 0
    for command in ("run", "validate", "schema"):
        assert command in stdout


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_every_shipped_scenario_validates_and_runs(name: str, tmp_path: Path) -> None:
    """Each file in scenarios/ validates and runs (two short replications)."""
    path = SCENARIOS / name
    assert invoke("validate", path)[0] == 0
    scenario = simdata.load_scenario(path)
    node = scenario.resolution or scenario.network
    if scenario.run.start_date is not None and node and not scenario.enterprises:
        # A node (or network) on its own at national scale (1.5亿 a day): one hour is enough.
        short = ["run.end_date=null", "run.horizon=1 h", "run.warmup=1 min"]
    elif scenario.run.start_date is not None:
        last = scenario.run.start_date + dt.timedelta(days=13)
        short = ["run.horizon=null", f"run.end_date={last}", "run.warmup=0 s"]
        if scenario.subsidy is not None:  # the rule must lie within the shortened run
            short += [f"subsidy.deadline={last}", "subsidy.window=7 d", "subsidy.judge_at=daily"]
    else:
        short = ["run.horizon=60 s", "run.warmup=6 s"]
    out = tmp_path / "out"
    sets = [item for s in short for item in ("--set", s)]
    code, stdout, stderr = invoke(
        "run", path, "--replications", "2", *sets, "--out", out, "--quiet"
    )
    assert code == 0, stderr
    assert (out / "manifest.json").exists()
    shown = set(re.findall(r"[a-z_]+\.[a-z0-9_]+(?:@[^\s│|]+)?", stdout))
    network = scenario.network is not None
    expected = {
        "resolution.sojourn_p99": scenario.resolution is not None and not scenario.enterprises,
        "resolution.utilisation@node=": network,
        "resolution.latency_p99@window=peak_hour": bool(
            scenario.resolution and scenario.enterprises
        ),
        "requests.arrivals_count": scenario.requesters is not None,
        "enterprises.joined_count": scenario.enterprises is not None,
    }
    for kpi, present in expected.items():
        found = any(name == kpi or (kpi.endswith("=") and name.startswith(kpi)) for name in shown)
        assert found == present, kpi


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (0.0031, "s", "3.1 ms"),
        (2.5e-5, "s", "25 µs"),
        (12.0, "s", "12 s"),
        (0.5998, "fraction", "59.98%"),
        (599.7, "1/s", "599.7/s"),
        (323815.0, "count", "323,815"),
        (float("nan"), "s", "—"),
        # Never an exponent (issue 14): a share near 0 and a large rate stay positional.
        (7.366e-9, "fraction", "0.0000007366%"),
        (12345.6, "1/s", "12,346/s"),
    ],
)
def test_terminal_values_are_scaled_for_reading(value: float, unit: str, shown: str) -> None:
    """The table shows ms/µs, percent and rates readably (files keep SI values)."""
    from simdata.cli import fmt

    assert fmt(value, unit) == shown


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--max-replications", "20"], "--max-replications/--precision: expected them with"),
        (["--until-decided", "--replications", "5"], "expected one of them, got both"),
        (["--until-decided", "--precision", "2"], "--precision: expected a number in (0, 1)"),
        (["--until-decided", "--max-replications", "1"], "from 2 to 100,000, got 1"),
        (["--workers", "0"], "--workers: expected an integer ≥ 1, got 0"),
    ],
)
def test_bad_run_options_are_one_line_exit_2_and_write_nothing(
    write_scenario: Callable[[str], Path], tmp_path: Path, extra: list[str], message: str
) -> None:
    """Option combinations that make no sense: one line naming the option, exit 2, no files."""
    out = tmp_path / "never"
    code, stdout, stderr = invoke("run", write_scenario(MM8_TEXT), *extra, "--out", out)
    assert code == 2, stdout + stderr
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_run_help_names_the_executor_and_stopping_options() -> None:
    """`simdata run --help` documents --workers, --scheduler, --until-decided and --resume."""
    code, stdout, _ = invoke("run", "--help")
    assert code == 0
    for option in ("--workers", "--scheduler", "--until-decided", "--max-replications",
                   "--precision", "--resume"):  # fmt: skip
        assert option in stdout


@pytest.mark.unit
def test_tables_keep_numbers_whole_on_a_narrow_terminal() -> None:
    """On 60 columns the long KPI name folds; means, n and verdicts are never cut, a CI
    only breaks after its comma."""
    from rich.console import Console

    from simdata.cli.common import readable_table

    rows = [
        ["resolution.utilisation@window=peak_hour", "43.47%", "[43.1%, 43.8%]", "10", "pass"],
        ["subsidy.failed_share@condition=resolutions", "1,500,486", "—", "3", "undecided"],
    ]
    table = readable_table(("KPI", "mean", "95% CI", "n", "verdict"), rows, right=("mean",))
    console = Console(width=60, record=True, color_system=None)
    console.print(table)
    text = console.export_text()
    assert "…" not in text
    for row in rows:
        for cell in row[1:]:
            for part in cell.split(" "):  # a CI may go onto two lines, at its comma
                assert part in text, cell
    assert max(len(line) for line in text.splitlines()) <= 60


@pytest.mark.cli
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["capacity", "x.yaml", "--confidence", "1"], "simdata capacity: Invalid value for"),
        (["run", "x.yaml", "--replications", "abc"], "simdata run: Invalid value for"),
        (["run", "x.yaml", "--no-such-option"], "simdata run: No such option"),
        (["nope"], "simdata: No such command"),
    ],
)
def test_click_usage_errors_are_one_line_and_exit_2(args: list[str], says: str) -> None:
    """click's own option errors follow the house rule: one line naming the command."""
    result = CliRunner().invoke(cli, args, prog_name="simdata")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(says), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--help" in result.stderr
