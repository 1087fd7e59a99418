"""Results-directory writes (atomic, readable like any file the user creates) and the
manifest records (one model per kind, the JSON shape unchanged)."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError

from simdata.results import (
    MANIFESTS,
    SCHEMA_VERSION,
    Failure,
    Manifest,
    manifest,
    write_json,
    write_parquet,
    write_text,
)


@pytest.mark.unit
def test_written_files_get_the_usual_mode_not_mkstemps_private_one(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    write_text(tmp_path / "a.md", "x")
    write_json(tmp_path / "b.json", {"a": 1})
    write_parquet(tmp_path / "c.parquet", pl.DataFrame({"a": [1]}))
    for name in ("a.md", "b.json", "c.parquet"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o666 & ~mask, (name, oct(mode))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.json", "c.parquet"]


COMMON: dict[str, Any] = {
    "status": "complete",
    "argv": ["simdata"],
    "started": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    "finished": None,
    "scenario_sha256": "0" * 64,
    "root_seed": 7,
    "replications": 2,
    "warnings": [],
}


@pytest.mark.unit
@pytest.mark.parametrize(
    ("kind", "extra", "failures"),
    [
        ("run", {"scenario_name": "mm8", "run_identity": "x", "events": 3}, []),
        (
            "capacity",
            {"scenario_name": "mm8", "sla": "p99<=0.1 s", "status_detail": "found"},
            [{"replication": 1, "root_seed": 7, "error": "E"}],
        ),
        (
            "sweep",
            {"design": "d", "design_file": "d.yaml", "method": "grid", "points": 4},
            [{"point": 2, "replication": 0, "root_seed": 7, "values": {"a": 1.0}, "error": "E"}],
        ),
        ("compare", {"base": {"path": "a", "scenario_name": "mm8"}, "variants": []}, []),
    ],
)
def test_a_manifest_is_its_kinds_model_dumped_with_the_fields_given(
    kind: str, extra: dict[str, Any], failures: list[dict[str, Any]]
) -> None:
    """manifest() validates by the kind's model and writes exactly the fields it was given,
    common ones first; the dump reads back into the same model."""
    content = manifest(kind=kind, failures=failures, extra=extra, **COMMON)
    assert list(content)[:2] == ["schema_version", "kind"]
    assert content["schema_version"] == SCHEMA_VERSION == 1
    assert content["failures"] == failures
    assert {key: content[key] for key in extra} == extra
    assert set(content) == set(Manifest.model_fields) | set(extra)
    model = MANIFESTS[kind].model_validate(json.loads(json.dumps(content, default=str)))
    assert model.to_json() == content


@pytest.mark.unit
def test_a_field_the_kind_does_not_have_is_refused() -> None:
    """A manifest field outside its kind's model is a validation error, not silent JSON."""
    with pytest.raises(ValidationError, match="sla"):
        manifest(kind="run", failures=[], extra={"sla": "p99<=1 s"}, **COMMON)
    with pytest.raises(ValidationError, match="status"):
        manifest(kind="run", failures=[], **{**COMMON, "status": "done"})


@pytest.mark.unit
def test_a_failure_record_keeps_only_what_was_given() -> None:
    """A capacity failure has three fields, a run's five: the record writes what it got."""
    short = Failure(replication=1, root_seed=7, error="E")
    assert short.to_json() == {"replication": 1, "root_seed": 7, "error": "E"}
    full = Failure(replication=1, root_seed=7, error="E", scenario="s", scenario_sha256="h")
    assert list(full.to_json()) == [
        "replication",
        "root_seed",
        "error",
        "scenario",
        "scenario_sha256",
    ]
