"""``manifest.json``: the provenance of a results directory, as typed records.

One model per kind of directory (``run``, ``capacity``, ``sweep``, ``compare``,
``optimize``) on a common base — schema version, status, argv, start/stop UTC, scenario
sha256, root seed, git state, versions, host, warnings, failures — and a typed record for
each failure. The file is the model's dump: a field is written when the code that built
the manifest gave it (so a ``running`` manifest has ``replications_done`` and no
``events``, exactly as before), and written last, after every other file of the directory.

Reading is lenient where it must be: reports and exports open directories written by older
versions, so they read the JSON object (:func:`read_manifest`); ``--resume`` validates a run's
manifest into :class:`RunManifest` before it trusts it.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from simdata.errors import UsageError
from simdata.results.directory import iso
from simdata.results.files import write_json

#: Raised only when the file's shape changes (a field renamed, removed or retyped).
SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"
_PACKAGES = ("simdata", "simpy", "numpy", "polars", "pydantic", "scipy", "pyyaml")

Kind = Literal["run", "capacity", "sweep", "compare", "optimize", "backtest"]
Status = Literal["running", "complete", "interrupted", "failed"]


class Record(BaseModel):
    """A record written into a manifest: no field beyond those declared."""

    model_config = ConfigDict(extra="forbid")

    def to_json(self) -> dict[str, Any]:
        """The record as written: the fields given when it was built, in declared order."""
        return self.model_dump(exclude_unset=True)


class GitState(Record):
    """The simdata source checkout's commit and dirty flag (``None`` outside a checkout)."""

    commit: str | None = None
    dirty: bool | None = None


class Failure(Record):
    """A failed replication (or sweep run) with what reproduces it."""

    #: Sweep: the design point whose run failed.
    point: int | None = None
    replication: int
    root_seed: int
    #: Sweep: the point's parameter values.
    values: dict[str, Any] | None = None
    error: str
    #: Run: the scenario's name and the resolved scenario's sha256.
    scenario: str | None = None
    scenario_sha256: str | None = None


class Manifest(Record):
    """What every results directory's manifest holds."""

    schema_version: int = SCHEMA_VERSION
    kind: Kind
    status: Status
    argv: list[str]
    started_utc: str
    finished_utc: str | None
    scenario_sha256: str
    root_seed: int
    replications: int
    git: GitState
    python: str
    packages: dict[str, str | None]
    host: str
    platform: str
    warnings: list[str]
    failures: list[Failure]


class LookRecord(Record):
    """One ``--until-decided`` look: after ``n`` replications, why it stopped or went on."""

    n: int
    confidence: float
    reason: Literal["decided", "precise", "cap", "continue"]
    open: list[str]
    #: Targets more replications cannot decide (too few tail samples per replication).
    guarded: list[str] = []


class UntilDecidedRecord(Record):
    """The stopping rule of a ``--until-decided`` run, and its looks so far."""

    max_replications: int
    precision: float
    alpha: float
    first: int
    #: The level of the look the run stopped at (each look has its own, see ``looks``).
    confidence_per_look: float | None = None
    looks: list[LookRecord] | None = None
    stopping_reason: str | None = None


class Resumed(Record):
    """One ``--resume`` of the run: its command line and when."""

    argv: list[str]
    at_utc: str


class WarmupRecord(Record):
    """``run.warmup: auto``: the warm-up MSER-5 chose for each replication, in seconds."""

    method: str
    #: Truncation of each replication, in the order of ``replications`` (their indices).
    truncation_s: list[float]
    replications: list[int]
    median_s: float
    min_s: float
    max_s: float
    #: The line the terminal and the report show.
    text: str


class RunManifest(Manifest):
    """``simdata run``: the plan (``run_identity``), progress, resumes, sampling, runtime."""

    kind: Literal["run"] = "run"
    scenario_name: str | None = None
    until_decided: UntilDecidedRecord | None = None
    #: sha256 of what fixes the run's numbers (see ``experiments.run.record``).
    run_identity: str | None = None
    resumed: list[Resumed] | None = None
    replications_done: int | None = None
    #: The command that finishes an interrupted run.
    resume: str | None = None
    #: Why the run stopped early.
    error: str | None = None
    latency_sampling: Any = None
    latency_windows_per_replication: list[Any] | None = None
    latency_requests_simulated: int | None = None
    #: Public data: measured requests still without an outcome when the run ended (summed
    #: over replications), excluded from ``requests.delivered_within_sla_share``.
    requests_open_at_end: int | None = None
    runtime_s: float | None = None
    events: int | None = None
    warmup: WarmupRecord | None = None


class CapacityMix(Record):
    """The offered load at capacity by kind of request (means over replications)."""

    resolutions_per_s: float
    writes_per_s: float
    write_share: float
    write_share_min: float
    write_share_max: float


class CapacityManifest(Manifest):
    """``simdata capacity``: the SLA searched, the design day scaled and the outcome."""

    kind: Literal["capacity"] = "capacity"
    scenario_name: str | None = None
    sla: str | None = None
    status_detail: str | None = None
    #: With enterprises: ``capacity.design_day`` (``busiest``, ``final`` or a date) and
    #: ``capacity.mix_days``.
    design_day: str | None = None
    mix_days: int | None = None
    #: Resolutions and registration writes per second at capacity.
    mix: CapacityMix | None = None
    #: A network's search: the traffic multiplier at which its first node breaks its SLA.
    network: bool = False


class SweepManifest(Manifest):
    """``simdata sweep``: the design, its size and how far it got."""

    kind: Literal["sweep"] = "sweep"
    design: str | None = None
    design_file: str | None = None
    method: str | None = None
    points: int | None = None
    runs: int | None = None
    runs_done: int | None = None
    runtime_s: float | None = None
    scenario_name: str | None = None
    noise_share: Any = None
    #: Why the sweep stopped early.
    error: str | None = None


class ComparedRun(Record):
    """A run directory taking part in a comparison."""

    path: str
    scenario_name: str | None = None
    label: str | None = None
    scenario_sha256: str | None = None
    root_seed: int | None = None
    #: ``paired t`` (same root seed: common random numbers) or ``Welch t``.
    test: str | None = None


class BetterRule(Record):
    """How a comparison decided "better": the correction, its level, its family."""

    method: str
    alpha: float
    family_size: int
    family: str


class CompareManifest(Manifest):
    """``simdata compare``: the base run and the variants compared with it."""

    kind: Literal["compare"] = "compare"
    base: ComparedRun | None = None
    variants: list[ComparedRun] | None = None
    better: BetterRule | None = None


class OptimizeManifest(Manifest):
    """``simdata optimize``: the design, how α was split, how far the search got."""

    kind: Literal["optimize"] = "optimize"
    scenario_name: str | None = None
    design: str | None = None
    design_file: str | None = None
    #: Plans in the design space, and the most the search may evaluate (Bonferroni).
    space_size: int | None = None
    plans_bound: int | None = None
    confidence: float | None = None
    alpha_per_judgement: float | None = None
    plans_evaluated: int | None = None
    replications_spent: int | None = None
    #: The chosen plan's levers and cost (None: no plan meets every target).
    chosen: dict[str, float] | None = None
    cost: float | None = None
    guarantee: str | None = None
    runtime_s: float | None = None
    #: Why the search stopped early.
    error: str | None = None


class BacktestManifest(Manifest):
    """``simdata backtest``: the run confronted and the observed file (with its sha256)."""

    kind: Literal["backtest"] = "backtest"
    scenario_name: str | None = None
    run: str | None = None
    observed: str | None = None
    observed_sha256: str | None = None
    #: Observed KPIs judged.
    kpis: int | None = None


#: The manifest model of each kind of results directory.
MANIFESTS: dict[str, type[Manifest]] = {
    "run": RunManifest,
    "capacity": CapacityManifest,
    "sweep": SweepManifest,
    "compare": CompareManifest,
    "optimize": OptimizeManifest,
    "backtest": BacktestManifest,
}


def provenance(
    *,
    kind: str,
    status: str,
    argv: list[str],
    started: dt.datetime,
    finished: dt.datetime | None,
    scenario_sha256: str,
    root_seed: int,
    replications: int,
    warnings: list[str],
    failures: list[Failure] | list[dict[str, Any]],
    **extra: Any,
) -> Manifest:
    """A manifest of ``kind`` (its model from :data:`MANIFESTS`) with the machine's
    provenance filled in: git state, Python and package versions, host, platform."""
    fields = {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "status": status,
        "argv": argv,
        "started_utc": iso(started),
        "finished_utc": iso(finished) if finished else None,
        "scenario_sha256": scenario_sha256,
        "root_seed": root_seed,
        "replications": replications,
        "git": _git_state(),
        "python": sys.version.split()[0],
        "packages": _versions(),
        "host": platform.node(),
        "platform": platform.platform(),
        "warnings": warnings,
        "failures": failures,
        **extra,
    }
    return MANIFESTS[kind].model_validate(fields)


def manifest(
    *,
    kind: str,
    status: str,
    argv: list[str],
    started: dt.datetime,
    finished: dt.datetime | None,
    scenario_sha256: str,
    root_seed: int,
    replications: int,
    warnings: list[str],
    failures: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest's content as written (validated by its kind's model, then dumped)."""
    return provenance(
        kind=kind,
        status=status,
        argv=argv,
        started=started,
        finished=finished,
        scenario_sha256=scenario_sha256,
        root_seed=root_seed,
        replications=replications,
        warnings=warnings,
        failures=failures,
        **(extra or {}),
    ).to_json()


def write_manifest(directory: Path, record: Manifest) -> None:
    """``DIR/manifest.json``, atomically (write it after every other file)."""
    write_json(directory / MANIFEST_NAME, record.to_json())


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """A run directory's ``manifest.json`` (exit 2 when missing or unreadable)."""
    path = run_dir / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: expected a run directory's manifest, got no such file") from None
    except (OSError, ValueError) as error:
        raise UsageError(f"{path}: expected a JSON manifest, got {error}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def run_manifest(path: Path, data: dict[str, Any]) -> RunManifest:
    """``data`` (read from ``path``) as a run's manifest, or one line and exit 2."""
    try:
        return RunManifest.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "manifest"
        raise UsageError(
            f"{path}: {where}: expected the manifest simdata run writes, got {first['msg']}"
        ) from None


def _git_state() -> dict[str, Any]:
    """Commit and dirty flag of the simdata source checkout, when it is one."""
    source = Path(__file__).resolve().parent.parent.parent
    if not (source / ".git").exists():
        return {"commit": None, "dirty": None}
    try:
        commit = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(status.strip())}


def _versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
