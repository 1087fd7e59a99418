"""A run's manifest: fixed at the start, rewritten as replications finish, final at the end.

The manifest is written before the first replication (``running``), after every part, with
the stopping rule's looks, when the run stops early (``interrupted``, with the command that
finishes it) and last of all when it completes. Every version carries ``run_identity``: the
digest of what fixes the run's numbers, which every part carries too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

from simdata.experiments.replication import Replication
from simdata.experiments.run.diagnostics import sampling_info, warmup_record
from simdata.experiments.until_decided import Look, StoppingRule
from simdata.results.directory import iso, utc_now
from simdata.results.manifest import (
    Failure,
    LookRecord,
    RunManifest,
    UntilDecidedRecord,
    provenance,
)
from simdata.scenario.loader import scenario_sha256
from simdata.scenario.models import Scenario


def base_manifest(
    scenario: Scenario, argv: list[str], started: dt.datetime, rule: StoppingRule | None
) -> RunManifest:
    """The manifest fields fixed for the whole run (git state and versions looked up once)."""
    extra: dict[str, Any] = {"scenario_name": scenario.name}
    if rule is not None:
        extra["until_decided"] = rule.as_dict()
    record = provenance(
        kind="run",
        status="running",
        argv=argv,
        started=started,
        finished=None,
        scenario_sha256=scenario_sha256(scenario),
        root_seed=scenario.run.seed,
        replications=scenario.run.replications,
        warnings=[],
        failures=[],
        **extra,
    )
    run = cast(RunManifest, record)  # provenance(kind="run") builds a RunManifest
    return run.model_copy(update={"run_identity": run_identity(run.to_json())})


def run_identity(content: dict[str, Any]) -> str:
    """sha256 of what fixes a run's numbers — its scenario, root seed, replication count and
    stopping rule — as the manifest records them. Every part carries it, so ``--resume``
    refuses parts of another run and a manifest whose plan was edited."""
    rule = content.get("until_decided")
    fixed = {
        "kind": content.get("kind"),
        "scenario_sha256": content.get("scenario_sha256"),
        "root_seed": content.get("root_seed"),
        "replications": content.get("replications") if rule is None else None,
        "until_decided": (
            None
            if not isinstance(rule, dict)
            else {key: rule.get(key) for key in ("max_replications", "precision", "alpha", "first")}
        ),
    }
    text = json.dumps(fixed, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_utc(text: object) -> dt.datetime:
    """A manifest's ``…_utc`` time back as a datetime (now, when it is not one)."""
    if isinstance(text, str):
        try:
            return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            pass
    return utc_now()


def failures(done: Iterable[Replication], scenario: Scenario) -> list[Failure]:
    """Failed replications with what reproduces them: index, root seed, scenario, error.

    The scenario is hashed only when a replication failed: this runs at every manifest
    write, and hashing serialises the whole scenario."""
    failed = [r for r in sorted(done, key=lambda r: r.index) if not r.ok]
    if not failed:
        return []
    sha = scenario_sha256(scenario)
    return [
        Failure(
            replication=r.index,
            root_seed=r.root_seed,
            error=str(r.error),
            scenario=scenario.name,
            scenario_sha256=sha,
        )
        for r in failed
    ]


def _looks(looks: Sequence[Look]) -> list[LookRecord]:
    return [LookRecord.model_validate(one.as_dict()) for one in looks]


def progress_manifest(
    base: RunManifest,
    status: str,
    done: dict[int, Replication],
    scenario: Scenario,
    *,
    looks: Sequence[Look] = (),
    error: str | None = None,
    out_dir: Path,
) -> RunManifest:
    """The manifest of a run still going (``running``) or stopped early (``interrupted``)."""
    update: dict[str, Any] = {
        "status": status,
        "replications_done": len(done),
        "failures": failures(done.values(), scenario),
    }
    if looks and base.until_decided is not None:
        update["until_decided"] = base.until_decided.model_copy(update={"looks": _looks(looks)})
    if status == "interrupted":
        update["finished_utc"] = iso(utc_now())
        update["resume"] = f"simdata run --resume {out_dir}"
    if error is not None:
        update["error"] = error
    return base.model_copy(update=update)


def final_manifest(
    base: RunManifest,
    done: Sequence[Replication],
    *,
    status: str,
    warnings: list[str],
    failed: list[Failure],
    rule: StoppingRule | None,
    looks: Sequence[Look],
) -> RunManifest:
    """The manifest of a finished run: counts, warnings, failures, sampling, runtime."""
    update: dict[str, Any] = {
        "status": status,
        "finished_utc": iso(utc_now()),
        "replications": len(done),
        "warnings": warnings,
        "failures": failed,
        **sampling_info(done),
        **warmup_record(done),
        "runtime_s": sum(r.runtime_s for r in done),
        "events": sum(r.events for r in done),
    }
    if rule is not None:
        update["until_decided"] = UntilDecidedRecord(
            **rule.as_dict(),
            confidence_per_look=looks[-1].confidence,
            looks=_looks(looks),
            stopping_reason=looks[-1].reason,
        )
    return base.model_copy(update=update)
