"""``simdata sweep`` refuses designs that would record wrong values or cannot fit or finish,
and prints hostile names as text (issue 15, items 6, 8 and 13)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.experiments import sweep as sweep_module
from simdata.experiments.sweep import Sweepable, design_from_data
from simdata.experiments.sweep import plan as sweep_plan
from tests.cli_checks import one_line_error, replace_once, tree
from tests.conftest import SCENARIOS
from tests.sweep.test_sweep_cli import GRID_TEXT, MMC_TEXT

pytestmark = pytest.mark.cli

#: Address space a ``simdata sweep --dry-run`` of a 4-point grid needs, measured on the
#: development machine: VmPeak 1.66 GB unlimited (numba, llvmlite, polars' and BLAS's
#: threads reserve more than they touch); under RLIMIT_AS it ran 6 times in 6 at 1.5 GB and
#: failed at 1.25 GB. 2 GiB leaves room and is less than a 10⁸-sample matrix alone
#: (10⁸ × 3 float64 = 2.4 GB) or a 1000³ grid's (24 GB).
ADDRESS_SPACE = 2 * 2**30

BIG_DESIGNS = {
    "grid-1000-cubed": """\
name: cube
method: grid
levels: 1000
replications: 2
kpis: [resolution.wait_mean]
parameters:
  - {path: resolution.servers, range: [3, 6], integer: true}
  - {path: resolution.service_time.mean, range: [0.8, 1.0], unit: s}
  - {path: resolution.traffic.rate, range: [1.5, 2.5], unit: /s}
""",
    "lhs-1e8-samples": """\
name: many
method: lhs
samples: 100000000
replications: 2
kpis: [resolution.wait_mean]
parameters:
  - {path: resolution.servers, levels: [3, 4, 5]}
  - {path: resolution.service_time.mean, range: [0.8, 1.0], unit: s}
  - {path: resolution.traffic.rate, range: [1.5, 2.5], unit: /s}
""",
}
MANY_REPLICATIONS = replace_once(GRID_TEXT, "replications: 2", "replications: 10000000")
#: Each design's points, runs and the field the refusal names.
BIG_SIZES = {
    "grid-1000-cubed": ("1,000,000,000 points", "2,000,000,000 runs", "levels"),
    "lhs-1e8-samples": ("100,000,000 points", "200,000,000 runs", "samples"),
}


#: Runs ``simdata sweep`` through click's CliRunner once per argument list, in one process
#: (one import of simdata for all four cases), and prints each outcome as JSON.
CHILD = """
import json, sys
from click.testing import CliRunner
from simdata.cli import cli
outcomes = []
for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(cli, args)
    crashed = not isinstance(result.exception, (SystemExit, type(None)))
    outcomes.append({"code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr,
                     "crash": repr(result.exception) if crashed else None})
print(json.dumps(outcomes))
"""


def _cap_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.fixture(scope="module")
def capped_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], Any]:
    """Each big design's --dry-run and real sweep, run in one child process under
    RLIMIT_AS = :data:`ADDRESS_SPACE`; the outcomes and the directory's files after."""
    root = tmp_path_factory.mktemp("capped")
    scenario = root / "mmc.yaml"
    scenario.write_text(MMC_TEXT, encoding="utf-8")
    cases, argv = [], []
    designs = {**BIG_DESIGNS, "many-replications": MANY_REPLICATIONS}
    for name, text in sorted(designs.items()):
        design = root / f"{name}.yaml"
        design.write_text(text, encoding="utf-8")
        for dry_run in (True, False):
            extra = ["--dry-run"] if dry_run else ["--out", str(root / f"{name}-out")]
            cases.append((name, dry_run))
            argv.append(["sweep", str(scenario), "--design", str(design), *extra])
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(argv)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_cap_address_space,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcomes = json.loads(done.stdout)
    found: dict[tuple[str, bool], Any] = dict(zip(cases, outcomes, strict=True))
    found["files"] = tree(root)
    found["root"] = root
    return found


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real"])
@pytest.mark.parametrize("name", sorted(BIG_DESIGNS))
def test_huge_designs_are_sized_without_being_built(
    capped_runs: dict[Any, Any], name: str, dry_run: bool
) -> None:
    """Under a 2 GiB address-space cap a 1000³ grid and 10⁸ samples are sized: --dry-run
    prints the size and exits 0, a real sweep is one line saying the size and the way out,
    exit 2, nothing written."""
    outcome = capped_runs[name, dry_run]
    points, runs, field = BIG_SIZES[name]
    assert outcome["crash"] is None, outcome["crash"]
    if dry_run:
        assert outcome["code"] == 0, outcome["stderr"]
        lines = outcome["stdout"].splitlines()
        assert f"{points} × 2 replications = {runs}" in lines[0]
        assert "a real sweep would be refused: expected at most 10,000,000 runs" in lines[1]
        assert "pilot replication (base scenario)" in lines[2]
        assert "about" in lines[2]
    else:
        assert outcome["code"] == 2, outcome["stderr"]
        message = outcome["stderr"].strip()
        assert "\n" not in message, message
        design = capped_runs["root"] / f"{name}.yaml"
        assert message.startswith(f"{design}:")
        assert f"{field}: expected at most 10,000,000 runs, got {points} (" in message
        assert f"× 2 replications = {runs}; use fewer {field}" in message
        assert outcome["stdout"] == ""
        assert f"{name}-out" not in " ".join(capped_runs["files"])


def test_too_many_replications_name_the_replications(capped_runs: dict[Any, Any]) -> None:
    """4 points × 10⁷ replications (under the cap too): the line points at replications, the
    points being fine; its dry run still sizes it."""
    outcome = capped_runs["many-replications", False]
    assert outcome["crash"] is None, outcome["crash"]
    assert outcome["code"] == 2, outcome["stderr"]
    message = outcome["stderr"].strip()
    design = capped_runs["root"] / "many-replications.yaml"
    assert message.startswith(f"{design}:4: replications: expected at most 10,000,000 runs")
    assert message.endswith("= 40,000,000 runs; use fewer replications or levels")
    assert "many-replications-out" not in " ".join(capped_runs["files"])
    dry = capped_runs["many-replications", True]
    assert dry["code"] == 0, dry["stderr"]
    assert "4 points × 10,000,000 replications = 40,000,000 runs" in dry["stdout"]


def test_a_plan_larger_than_memory_is_refused(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A design within the run cap whose plan exceeds half the available memory is one line."""
    monkeypatch.setattr(sweep_plan, "_available_memory", lambda: 2**19)
    scenario = write_scenario(MMC_TEXT, "mmc.yaml")
    design = write_scenario(replace_once(GRID_TEXT, "levels: 2", "levels: 20"), "grid.yaml")
    before = tree(tmp_path)
    result = CliRunner().invoke(
        cli, ["sweep", str(scenario), "--design", str(design), "--out", str(tmp_path / "o")]
    )
    message = one_line_error(result)
    assert f"{design}:3: levels: expected a sweep that fits in this machine's memory" in message
    assert "40 points (2 × 20 levels) × 2 replications = 80 runs needing about" in message
    assert "(0.5 MB available); use fewer levels" in message
    assert tree(tmp_path) == before


def test_a_point_whose_replication_cannot_fit_is_refused(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A point at 1000/s (10⁶ requests on the event engine, ≈ 220 MB) with 16 MB available:
    a real sweep is one line naming the point, exit 2; --dry-run says so and exits 0."""
    monkeypatch.setattr(sweep_plan, "_available_memory", lambda: 16 * 2**20)
    scenario = write_scenario(
        replace_once(MMC_TEXT, "traffic: {rate: 2.4/s}", "engine: event\n  traffic: {rate: 2.4/s}"),
        "mmc.yaml",
    )
    design = write_scenario(
        replace_once(
            GRID_TEXT,
            "{path: resolution.service_time.mean, name: service_time, range: [0.8, 1.0], unit: s}",
            "{path: resolution.traffic.rate, name: rate, range: [1, 1000], unit: /s}",
        ),
        "grid.yaml",
    )
    before = tree(tmp_path)
    real = CliRunner().invoke(
        cli, ["sweep", str(scenario), "--design", str(design), "--out", str(tmp_path / "o")]
    )
    message = one_line_error(real)
    assert message.startswith(f"{design}:6: parameters: expected every point to fit in this")
    assert "got point 1 (servers=3, rate=1000) needing about 209.8 MB per replication" in message
    assert message.endswith("(16.0 MB available); narrow the parameters' ranges")
    assert tree(tmp_path) == before
    dry = CliRunner().invoke(cli, ["sweep", str(scenario), "--design", str(design), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    lines = dry.stdout.splitlines()
    assert lines[0].endswith("4 points × 2 replications = 8 runs (2 × 2 levels)")
    assert lines[1].startswith("a real sweep would be refused: expected every point to fit")
    assert lines[2].startswith("pilot replication (base scenario) ")
    assert tree(tmp_path) == before


def test_a_name_with_a_newline_keeps_a_refusal_on_one_line(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused point whose parameter name holds CR LF and ESC: still one line, the controls
    shown as \\xNN."""
    monkeypatch.setattr(sweep_plan, "_available_memory", lambda: 16 * 2**20)
    scenario = write_scenario(
        replace_once(MMC_TEXT, "traffic: {rate: 2.4/s}", "engine: event\n  traffic: {rate: 2.4/s}"),
        "mmc.yaml",
    )
    design = write_scenario(
        replace_once(
            GRID_TEXT,
            "{path: resolution.service_time.mean, name: service_time, range: [0.8, 1.0], unit: s}",
            '{path: resolution.traffic.rate, name: "r\\r\\n\\e[2J", range: [1, 1000], unit: /s}',
        ),
        "grid.yaml",
    )
    result = CliRunner().invoke(
        cli, ["sweep", str(scenario), "--design", str(design), "--out", str(tmp_path / "o")]
    )
    message = one_line_error(result)
    assert "got point 1 (servers=3, r\\x0d\\x0a\\x1b[2J=1000) needing about" in message
    assert not (tmp_path / "o").exists()


def test_a_sweep_that_cannot_finish_is_refused(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Estimated computing past the run-size limit (lowered here to 0.01 s): one line, exit 2."""
    monkeypatch.setattr(sweep_plan.sizing, "MAX_CORE_S", 0.01)
    scenario = write_scenario(MMC_TEXT, "mmc.yaml")
    design = write_scenario(GRID_TEXT, "grid.yaml")
    result = CliRunner().invoke(
        cli, ["sweep", str(scenario), "--design", str(design), "--out", str(tmp_path / "o")]
    )
    message = one_line_error(result)
    assert message.startswith(f"{design}:3: levels: expected a sweep that can finish, got 8 runs")
    assert message.endswith("use fewer samples, levels or replications")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("design", "samples", "points"),
    [
        ({"method": "grid", "levels": 3}, 1, 2 * 3 * 3),
        ({"method": "lhs"}, 7, 7),
        # Morris, Sobol' and eFAST sample one more lever: the noise lever.
        ({"method": "morris", "levels": 4}, 5, 5 * (4 + 1)),
        ({"method": "sobol"}, 8, 8 * (4 + 2)),
        ({"method": "sobol", "calc_second_order": True}, 8, 8 * (2 * 4 + 2)),
        ({"method": "fast"}, 65, 65 * 4),
    ],
    ids=["grid", "lhs", "morris", "sobol", "sobol-second-order", "fast"],
)
def test_the_arithmetic_size_is_the_sampled_size(
    design: dict[str, object], samples: int, points: int
) -> None:
    """For every method, the point count computed without sampling equals SALib's rows."""
    data = {
        **design,
        "samples": samples,
        "kpis": ["y"],
        "parameters": [
            {"path": "a", "levels": [1, 2]},
            {"path": "b", "range": [0, 1]},
            {"path": "c", "range": [1, 10], "scale": "log"},
        ],
    }
    bound = Sweepable(design_from_data(data))
    assert bound.point_count() == points
    assert bound.sample().matrix.shape == (points, len(bound.lever_names))


# -- item 6: one field, one parameter --------------------------------------------------------

SAME_FIELD = [
    (
        "{path: resolution.service_time.mean, name: service_time",
        "{path: resolution.servers, name: service_time",
        "grid.yaml:8: parameters.1.path: expected each scenario field in one parameter only, "
        "got 'resolution.servers', which parameter 'servers' already sets",
    ),
    (
        "{path: resolution.servers, name: servers",
        "{path: resolution.service_time, name: servers",
        "grid.yaml:8: parameters.1.path: expected each scenario field in one parameter only, "
        "got 'resolution.service_time.mean', inside resolution.service_time, set by "
        "parameter 'servers'",
    ),
    (
        "name: servers, levels",
        "name: point, levels",
        "grid.yaml:7: parameters.0.name: expected a parameter name other than point, "
        "replication, (noise) and the design's KPIs (columns of points.parquet), got 'point'",
    ),
    (
        "name: service_time, range",
        "name: resolution.arrivals_count, range",
        "got 'resolution.arrivals_count'",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), SAME_FIELD)
def test_two_parameters_on_one_field_are_refused(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """A field set by two parameters (the later would win, points.parquet would record the
    other's values) or a name that would overwrite a points.parquet column: one line, exit 2,
    nothing written."""
    scenario = write_scenario(MMC_TEXT, "mmc.yaml")
    design = write_scenario(replace_once(GRID_TEXT, old, new), "grid.yaml")
    before = tree(tmp_path)
    result = CliRunner().invoke(
        cli, ["sweep", str(scenario), "--design", str(design), "--out", str(tmp_path / "o")]
    )
    message = one_line_error(result)
    assert message.startswith(str(design.parent)), message
    assert expected in message, message
    assert tree(tmp_path) == before


# -- item 8: names are text, never markup or terminal control ---------------------------------

HOSTILE_TEXT = """\
name: "[/]\\e]0;title\\a"
method: lhs
samples: 8
replications: 2
kpis: [resolution.wait_mean]
parameters:
  - {path: resolution.servers, name: "[/]", levels: [3, 4, 5]}
  - path: resolution.service_time.mean
    name: "[link=http://x]y[/link]"
    range: [0.8, 1.0]
    unit: s
  - {path: resolution.traffic.rate, name: "\\e[31mred\\rover", range: [1.5, 2.5], unit: /s}
"""
SHORT_MMC = replace_once(MMC_TEXT, "horizon: 1000 s, warmup: 100 s", "horizon: 300 s, warmup: 30 s")


def test_hostile_parameter_names_print_as_text(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """Names holding rich markup and ESC/CR/BEL: the sweep and its dry run exit 0, the names
    appear literally (controls as \\xNN), no control character reaches the output."""
    scenario = write_scenario(SHORT_MMC, "mmc.yaml")
    design = write_scenario(HOSTILE_TEXT, "hostile.yaml")
    out = tmp_path / "out"
    runner = CliRunner()
    ran = runner.invoke(
        cli, ["sweep", str(scenario), "--design", str(design), "--workers", "1", "--out", str(out)]
    )
    dry = runner.invoke(cli, ["sweep", str(scenario), "--design", str(design), "--dry-run"])
    for result in (ran, dry):
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.exit_code == 0, result.output
        shown = result.stdout + result.stderr
        assert not any(ch in shown for ch in "\x1b\r\x07"), repr(shown)
    table = ran.stdout
    assert "[/]" in table
    assert "[link=http://x]y[/link]" in table
    assert "\\x1b[31mred\\x0dover" in table
    assert dry.stdout.startswith("[/]\\x1b]0;title\\x07: lhs, 8 points")
    points = pl.read_parquet(out / "points.parquet")
    assert points.columns[2:5] == ["[/]", "[link=http://x]y[/link]", "\x1b[31mred\rover"]
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_size_of_a_shipped_design_matches_its_plan() -> None:
    """measure_sweep sizes the shipped Morris design as plan_sweep builds it (130 points)."""
    scenario = simdata.load_scenario(SCENARIOS / "zhanjiang-baseline.yaml")
    size = sweep_module.measure_sweep(scenario, SCENARIOS / "designs" / "zhanjiang-morris.yaml")
    assert (size.points, size.runs, size.refusal) == (130, 260, None)
    assert size.formula == "10 trajectories × (11 parameters + noise lever + 1)"
