"""Bad scenario input: one line ``FILE:LINE: field: expected …, got …``, exit 2, nothing written.

Each case is a scenario (text, bytes or extra files), extra command-line arguments and the
message it must produce. Both ``simdata run --out …`` and ``simdata validate`` are invoked
in-process, from a fresh working directory under ``tmp_path`` (``monkeypatch.chdir``: click
8.5 deprecates ``CliRunner.isolated_filesystem``, and warnings are errors here), and the
directory tree is compared before and after: bad input never creates anything.
"""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from simdata.cli import cli
from tests.cli_checks import one_line_error, replace_once, tree

pytestmark = pytest.mark.cli

#: A valid scenario in block style, so that every field sits on its own line.
BASE = """\
name: mm8
description: M/M/8 textbook case
run:
  horizon: 2000 s
  warmup: 200 s
  replications: 2
  seed: 7
resolution:
  servers: 8
  service_time:
    dist: exponential
    mean: 1 s
  traffic:
    rate: 7.2/s
targets:
  - kpi: resolution.wait_mean
    "<=": 1.2 s
"""
#   line numbers:  1 name, 2 description, 3 run, 4 horizon, 5 warmup, 6 replications,
#   7 seed, 8 resolution, 9 servers, 10 service_time, 11 dist, 12 mean, 13 traffic,
#   14 rate, 15 targets, 16 kpi (item 0), 17 "<=".

SCENARIO = "scenario.yaml"
SERVICE = "    dist: exponential\n    mean: 1 s\n"


def edit(old: str, new: str, text: str = BASE) -> str:
    """``text`` with the one occurrence of ``old`` replaced by ``new``."""
    return replace_once(text, old, new)


def service(block: str) -> str:
    """BASE with the service-time parameters (lines 11–12) replaced by ``block``."""
    return edit(SERVICE, block)


def _billion_laughs() -> str:
    """Nine levels of nine aliases: 9**9 ≈ 387 million strings once expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "name: bomb\n" + "\n".join(lines) + "\n"


BILLION_LAUGHS = _billion_laughs()  # a5 (line 7) is the first to pass 100,000 values
HUGE = "name: huge\ndescription: " + "x" * (1 << 20) + "\n"


@dataclass(frozen=True)
class Case:
    """One bad input and the message it must give."""

    id: str
    text: str | bytes | None  # content of SCENARIO; None: SCENARIO is not created
    path: str = ""  # field path the message names ("" when about the whole file)
    line: int | None = None  # line the message names (None when there is none)
    expect: tuple[str, ...] = ()  # further substrings of the message
    absent: tuple[str, ...] = ()  # substrings the message must not contain
    args: tuple[str, ...] = ()  # extra command-line arguments
    files: dict[str, str] = field(default_factory=dict)  # other files beside SCENARIO
    dirs: tuple[str, ...] = ()  # directories to create beside SCENARIO
    scenario: str = SCENARIO  # the SCENARIO argument
    file: str = SCENARIO  # the file the message names
    override: bool = False  # the message is about a --set override

    def prefix(self) -> str:
        """The exact start of the message: ``FILE:LINE: path: `` or ``FILE: --set path: ``."""
        if self.override:
            return f"{self.file}: --set{' ' + self.path if self.path else ''}: "
        where = self.file + (f":{self.line}" if self.line is not None else "")
        return f"{where}: {self.path}: " if self.path else f"{where}: "


CASES = [
    # --- wrong types -----------------------------------------------------------------
    Case(
        "servers-string",
        edit("servers: 8", 'servers: "8"'),
        "resolution.servers",
        9,
        ("an integer", "'8'"),
    ),
    Case("name-list", edit("name: mm8", "name: [a, b]"), "name", 1, ("text",)),
    Case(
        "horizon-mapping",
        edit("horizon: 2000 s", "horizon: {value: 2000}"),
        "run.horizon",
        4,
        ("a duration",),
    ),
    Case(
        "replications-bool",
        edit("replications: 2", "replications: true"),
        "run.replications",
        6,
        ("an integer", "True"),
        absent=("quote it",),
    ),
    Case("seed-float", edit("seed: 7", "seed: 7.5"), "run.seed", 7, ("an integer", "7.5")),
    Case("seed-negative", edit("seed: 7", "seed: -1"), "run.seed", 7, ("≥ 0", "-1")),
    Case(
        "targets-mapping",
        edit('  - kpi: resolution.wait_mean\n    "<=": 1.2 s\n', "  kpi: resolution.wait_mean\n"),
        "targets",
        15,
        ("a list",),
    ),
    Case(
        "resolution-scalar",
        edit(BASE[BASE.index("resolution:") : BASE.index("targets:")], "resolution: 3\n"),
        "resolution",
        8,
        ("a mapping", "3"),
    ),
    Case(
        "cv-bool",
        service("    dist: lognormal\n    median: 1 s\n    sigma: yes\n"),
        "resolution.service_time.sigma",
        13,
        ("a number",),
        absent=("quote it",),
    ),
    Case(
        "start-date-number",
        edit("  seed: 7\n", "  seed: 7\n  start_date: 0\n"),
        "run.start_date",
        8,
        ("a date like",),
    ),
    Case(
        "start-date-datetime",
        edit("  seed: 7\n", "  seed: 7\n  start_date: 2024-02-01 10:00:00\n"),
        "run.start_date",
        8,
        ("a date like",),
    ),
    # --- unknown fields ----------------------------------------------------------------
    Case(
        "unknown-top-level",
        BASE + "colour: red\n",
        "colour",
        18,
        ("known field", "name, description"),
    ),
    Case(
        "unknown-nested",
        edit("    rate: 7.2/s\n", "    rate: 7.2/s\n    burst: 3\n"),
        "resolution.traffic.burst",
        15,
        ("known field", "rate"),
    ),
    Case(
        "unknown-dist-parameter",
        service("    dist: exponential\n    mean: 1 s\n    cv: 2\n"),
        "resolution.service_time.cv",
        13,
        ("known field", "dist, mean"),
    ),
    # --- rates, servers, units -----------------------------------------------------------
    Case("rate-negative", edit("7.2/s", "-7.2/s"), "resolution.traffic.rate", 14, ("> 0",)),
    Case("rate-zero", edit("7.2/s", "0/s"), "resolution.traffic.rate", 14, ("> 0", "0/s")),
    Case(
        "rate-per-word",
        edit("7.2/s", "7.2 per s"),
        "resolution.traffic.rate",
        14,
        ("a rate like", "7.2 per s"),
    ),
    Case(
        "rate-bare-number",
        edit("7.2/s", "7.2"),
        "resolution.traffic.rate",
        14,
        ("with a unit", "7.2/s"),
    ),
    Case("servers-zero", edit("servers: 8", "servers: 0"), "resolution.servers", 9, ("≥ 1",)),
    Case(
        "unit-parsecs",
        edit("2000 s", "5 parsecs"),
        "run.horizon",
        4,
        ("duration unit", "5 parsecs"),
    ),
    Case(
        "duration-bare-number",
        edit("2000 s", "2000"),
        "run.horizon",
        4,
        ("with a unit", "'30 s'", "2000"),
    ),
    Case(
        "warmup-workday", edit("200 s", "1 workday"), "run.warmup", 5, ("elapsed time", "1 workday")
    ),
    Case(
        "warmup-equals-horizon",
        edit("200 s", "2000 s"),
        "run.warmup",
        5,
        ("less than the horizon",),
    ),
    Case(
        "warmup-beyond-horizon",
        edit("200 s", "1 h"),
        "run.warmup",
        5,
        ("less than the horizon", "3600"),
    ),
    Case("warmup-negative", edit("200 s", "-5 s"), "run.warmup", 5, ("≥ 0",)),
    Case("horizon-overflows", edit("2000 s", "1e308 year"), "run.horizon", 4, ("finite",)),
    Case("rate-overflows", edit("7.2/s", "1/1e-320 s"), "resolution.traffic.rate", 14, ("finite",)),
    Case("target-nan", edit('"<=": 1.2 s', '"<=": .nan'), "targets.0.<=", 17, ("finite",)),
    # --- distributions -------------------------------------------------------------------
    Case(
        "lognormal-mean-and-median",
        service("    dist: lognormal\n    mean: 1 s\n    median: 1 s\n"),
        "resolution.service_time",
        10,
        ("exactly one of", "mean+median"),
    ),
    Case(
        "lognormal-missing-parameters",
        service("    dist: lognormal\n    cv: 1\n"),
        "resolution.service_time",
        10,
        ("exactly one of", "got cv"),
    ),
    Case(
        "exponential-missing-mean",
        service("    dist: exponential\n"),
        "resolution.service_time.mean",
        10,
        ("required",),
    ),
    Case(
        "exponential-negative-mean",
        service("    dist: exponential\n    mean: -1 s\n"),
        "resolution.service_time.mean",
        12,
        ("≥ 0",),
    ),
    Case(
        "gamma-zero-cv",
        service("    dist: gamma\n    mean: 1 s\n    cv: 0\n"),
        "resolution.service_time.cv",
        13,
        ("> 0",),
    ),
    Case(
        "uniform-high-below-low",
        service("    dist: uniform\n    low: 2 s\n    high: 1 s\n"),
        "resolution.service_time.high",
        13,
        ("high > low",),
    ),
    Case(
        "empirical-weights-length",
        service("    dist: empirical\n    values: [1 s, 2 s, 3 s]\n    weights: [1, 2]\n"),
        "resolution.service_time.weights",
        13,
        ("3 weights", "got 2"),
    ),
    Case(
        "empirical-negative-weight",
        service("    dist: empirical\n    values: [1 s, 2 s]\n    weights: [1, -1]\n"),
        "resolution.service_time.weights",
        13,
        ("≥ 0",),
    ),
    Case(
        "empirical-no-values",
        service("    dist: empirical\n    values: []\n"),
        "resolution.service_time.values",
        12,
        ("at least 1",),
    ),
    Case(
        "triangular-mode-outside",
        service("    dist: triangular\n    low: 1 s\n    mode: 5 s\n    high: 3 s\n"),
        "resolution.service_time.mode",
        13,
        ("low ≤ mode ≤ high",),
    ),
    Case(
        "unknown-dist",
        service("    dist: weibull\n    mean: 1 s\n"),
        "resolution.service_time",
        10,
        ("weibull", "exponential"),
    ),
    Case(
        "queue-limit-below-servers",
        edit("  servers: 8\n", "  servers: 8\n  queue_limit: 4\n"),
        "resolution.queue_limit",
        10,
        ("≥ servers", "got 4"),
    ),
    Case(
        "no-model-section",
        edit(BASE[BASE.index("resolution:") :], ""),
        "resolution",
        1,
        ("at least one model section",),
    ),
    # --- targets ---------------------------------------------------------------------------
    Case(
        "target-two-operators",
        edit('    "<=": 1.2 s\n', '    "<=": 1.2 s\n    ">=": 0.1 s\n'),
        "targets.0",
        16,
        ("exactly one operator", "got 2"),
    ),
    Case(
        "target-unknown-kpi",
        edit("kpi: resolution.wait_mean", "kpi: resolution.wait_p95"),
        "targets.0.kpi",
        16,
        ("registered KPI", "resolution.wait_p95"),
    ),
    Case(
        "target-bare-number-on-seconds",
        edit('"<=": 1.2 s', '"<=": 1.2'),
        "targets.0.<=",
        17,
        ("with a unit", "'1.2 s'"),
    ),
    Case("target-rate-on-seconds", edit('"<=": 1.2 s', '"<=": 3/s'), "targets.0.<=", 17, ("in s",)),
    Case(
        "target-share-above-one",
        edit(
            'kpi: resolution.wait_mean\n    "<=": 1.2 s',
            'kpi: resolution.utilisation\n    "<=": 1.5',
        ),
        "targets.0.<=",
        17,
        ("share", "1.5"),
    ),
    Case(
        "target-percent-above-100",
        edit(
            'kpi: resolution.wait_mean\n    "<=": 1.2 s',
            'kpi: resolution.utilisation\n    "<=": 150%',
        ),
        "targets.0.<=",
        17,
        ("share", "150%"),
    ),
    # --- extends -------------------------------------------------------------------------
    Case(
        "extends-missing-file",
        "extends: missing.yaml\nname: child\n",
        "extends",
        1,
        ("existing scenario file", "missing.yaml"),
    ),
    Case(
        "extends-cycle",
        "name: a\nextends: b.yaml\n",
        "extends",
        1,
        ("cycle",),
        files={"b.yaml": "extends: scenario.yaml\nname: b\n"},
        file="b.yaml",
    ),
    Case(
        "extends-non-string",
        "name: child\nextends: [base.yaml]\n",
        "extends",
        2,
        ("relative path",),
        files={"base.yaml": BASE},
    ),
    Case(
        "extends-bad-value-in-base",
        "extends: base.yaml\nname: child\n",
        "resolution.traffic.rate",
        14,
        ("> 0",),
        files={"base.yaml": edit("7.2/s", "0/s")},
        file="base.yaml",
    ),
    Case(
        "extends-bad-value-in-child",
        "extends: base.yaml\nname: child\nrun:\n  seed: -3\n",
        "run.seed",
        4,
        ("≥ 0",),
        files={"base.yaml": BASE},
    ),
    # --- --set overrides ---------------------------------------------------------------------
    Case(
        "set-index-out-of-range",
        BASE,
        "targets.3.kpi",
        args=("--set", "targets.3.kpi=x"),
        override=True,
        expect=("index below 1",),
    ),
    Case(
        "set-index-into-mapping",
        BASE,
        "run.0",
        args=("--set", "run.0=5"),
        override=True,
        expect=("field name",),
    ),
    Case(
        "set-field-into-scalar",
        BASE,
        "resolution.servers.count",
        args=("--set", "resolution.servers.count=2"),
        override=True,
        expect=("mapping or list", "resolution.servers"),
    ),
    Case(
        "set-unknown-field",
        BASE,
        "resolution.colour",
        args=("--set", "resolution.colour=red"),
        override=True,
        expect=("known field",),
    ),
    Case(
        "set-bad-unit",
        BASE,
        "run.horizon",
        args=("--set", "run.horizon=5 parsecs"),
        override=True,
        expect=("duration unit",),
    ),
    Case(
        "set-unparseable-yaml",
        BASE,
        "run.horizon",
        args=("--set", "run.horizon=["),
        override=True,
        expect=("valid YAML",),
    ),
    Case(
        "set-without-equals",
        BASE,
        "",
        args=("--set", "run.horizon"),
        override=True,
        expect=("PATH=VALUE",),
    ),
    Case(
        "set-no-as-name",
        BASE,
        "name",
        args=("--set", "name=no"),
        override=True,
        expect=("quote it",),
    ),
    Case(
        "replications-option-zero",
        BASE,
        "run.replications",
        args=("--replications", "0"),
        override=True,
        expect=("≥ 1",),
    ),
    # --- documents and files -------------------------------------------------------------------
    Case("document-list", "- name: a\n- name: b\n", "", 1, ("a mapping", "a list")),
    Case("document-scalar", "just some words\n", "", 1, ("a mapping", "just some words")),
    Case("empty-file", "", "", 1, ("a mapping", "empty")),
    Case("comments-only", "# nothing here\n   \n\n# still nothing\n", "", 1, ("empty",)),
    Case(
        "binary-garbage", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "", 1, ("UTF-8", "binary")
    ),
    Case("invalid-utf8", b"name: ok\ndescription: fine\nnotes: caf\xe9\n", "", 3, ("UTF-8",)),
    Case(
        "duplicate-key",
        edit("  servers: 8\n", "  servers: 8\n  servers: 9\n"),
        "resolution.servers",
        10,
        ("once", "line 9"),
    ),
    Case("alias-bomb", BILLION_LAUGHS, "a5", 7, ("alias",)),
    Case(
        "recursive-alias",
        "name: x\ndescription: &loop [a, *loop]\n",
        "description.1",
        2,
        ("recursive",),
    ),
    Case(
        "python-object-tag",
        edit("name: mm8", "name: !!python/object/apply:os.system [ls]"),
        "name",
        1,
        ("plain YAML", "python/object"),
    ),
    Case(
        "binary-tag",
        edit("name: mm8", "name: !!binary aGVsbG8="),
        "name",
        1,
        ("plain YAML", "!!binary"),
    ),
    Case(
        "merge-key",
        "defaults: &d {servers: 2}\nresolution:\n  <<: *d\n  servers: 3\n",
        "resolution",
        3,
        ("merge keys",),
    ),
    Case("two-documents", BASE + "---\nname: other\n", "", 18, ("one YAML document",)),
    Case("trailing-document-marker", BASE + "---\n", "", 18, ("one YAML document",)),
    Case("file-over-1-mib", HUGE, "", None, ("1024 KiB",)),
    Case("syntax-error", edit("name: mm8", "name: [mm8"), "", 2, ("valid YAML",)),
    Case("tab-indentation", edit("  servers: 8", "\tservers: 8"), "", 9, ("valid YAML",)),
    Case("non-text-key", "1: one\nname: x\n", "", 1, ("text key",)),
    # --- YAML 1.1 surprises ----------------------------------------------------------------------
    Case(
        "sexagesimal-horizon",
        edit("2000 s", "10:00"),
        "run.horizon",
        4,
        ("quote it", '"10:00"', "600"),
    ),
    Case(
        "sexagesimal-servers",
        edit("servers: 8", "servers: 1:30"),
        "resolution.servers",
        9,
        ("base-60", "90", 'quote it: "1:30"'),
    ),
    Case("no-as-name", edit("name: mm8", "name: no"), "name", 1, ("quote it", '"no"', "False")),
    Case(
        "unquoted-date-description",
        edit("description: M/M/8 textbook case", "description: 2024-01-01"),
        "description",
        2,
        ("quote it", '"2024-01-01"'),
    ),
    # --- the SCENARIO argument --------------------------------------------------------------------
    Case(
        "missing-scenario-file",
        None,
        "",
        None,
        ("existing scenario file",),
        scenario="nowhere.yaml",
        file="nowhere.yaml",
    ),
    Case(
        "directory-as-scenario",
        None,
        "",
        None,
        ("a directory",),
        dirs=("scenarios.d",),
        scenario="scenarios.d",
        file="scenarios.d",
    ),
]


def _workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty working directory under ``tmp_path``, made the current one."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _setup(case: Case, where: Path) -> None:
    if isinstance(case.text, bytes):
        (where / SCENARIO).write_bytes(case.text)
    elif case.text is not None:
        (where / SCENARIO).write_text(case.text, encoding="utf-8")
    for name, text in case.files.items():
        (where / name).write_text(text, encoding="utf-8")
    for name in case.dirs:
        (where / name).mkdir()


def test_the_base_scenario_is_valid(tmp_path: Path) -> None:
    """The unedited BASE validates, so each case's error comes from its own edit."""
    (tmp_path / SCENARIO).write_text(BASE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / SCENARIO)])
    assert result.exit_code == 0, result.stderr


def test_the_table_has_45_distinct_cases() -> None:
    """The table holds at least 45 bad inputs, no two alike."""
    assert len(CASES) >= 45
    assert len({c.id for c in CASES}) == len(CASES)
    keys = {(c.text, c.args, tuple(sorted(c.files.items())), c.scenario) for c in CASES}
    assert len(keys) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_exit_2_nothing_written(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad input gives exit 2 and one FILE:LINE: field: expected … line; nothing is created."""
    runner = CliRunner()
    out_dir = tmp_path / "out"
    _setup(case, _workdir(tmp_path, monkeypatch))
    before = tree(tmp_path)
    ran = runner.invoke(cli, ["run", case.scenario, *case.args, "--out", str(out_dir)])
    assert tree(tmp_path) == before
    assert not out_dir.exists()
    message = one_line_error(ran)
    # `validate` takes --set but not --replications; it must say the same thing.
    if not case.args or case.args[0] == "--set":
        validated = runner.invoke(cli, ["validate", case.scenario, *case.args])
        assert tree(tmp_path) == before
        assert one_line_error(validated) == message
    assert message.startswith(case.prefix()), message
    assert "expected" in message
    if case.line is not None and not case.override:
        assert f"{case.file}:{case.line}:" in message
    for text in case.expect:
        assert text in message, message
    for text in case.absent:
        assert text not in message, message


BOUNDED = [c for c in CASES if c.id in ("alias-bomb", "file-over-1-mib")]


@pytest.mark.parametrize("case", BOUNDED, ids=[c.id for c in BOUNDED])
def test_hostile_files_are_refused_in_bounded_memory(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An alias bomb and a file over 1 MiB are refused with < 50 MB of Python allocations."""
    _setup(case, _workdir(tmp_path, monkeypatch))
    runner = CliRunner()
    tracemalloc.start()
    try:
        result = runner.invoke(cli, ["validate", case.scenario])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2, result.stderr
    assert peak < 50 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert "\n" not in result.stderr.strip()
    assert case.expect[0] in result.stderr
