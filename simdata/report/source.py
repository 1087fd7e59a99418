"""A results directory opened for reading: its kind, manifest, scenario and tables.

Reports and exports read only what a run, capacity search, sweep or compare wrote — never
a live simulation — so this is the one place that checks a directory is one (exit 2 with
one line otherwise) and reads its files defensively: the capacity, sweep and compare
formats are young, and a report should show what is there rather than crash on what is not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pydantic
import yaml

from simdata.errors import UsageError
from simdata.results.manifest import MANIFEST_NAME, MANIFESTS
from simdata.scenario.models import Target

SectionT = TypeVar("SectionT", bound=pydantic.BaseModel)

#: The kinds of results directory (one manifest model each).
KINDS = tuple(MANIFESTS)
#: Tables each kind must have for a report (others are optional and used when present).
REQUIRED: dict[str, tuple[str, ...]] = {
    "run": ("summary.parquet",),
    "capacity": ("capacity.json",),
    "sweep": ("points.parquet",),
    "compare": ("compare.parquet",),
    "optimize": ("candidates.parquet",),
    "backtest": ("backtest.parquet",),
}


@dataclass
class Results:
    """One results directory, read lazily."""

    path: Path
    manifest: dict[str, Any]
    _tables: dict[str, pl.DataFrame | None] = field(default_factory=dict)
    _raw: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    def has(self, name: str) -> bool:
        return (self.path / name).is_file()

    def table(self, name: str) -> pl.DataFrame | None:
        """``name.parquet`` as a frame, or ``None`` when absent or empty."""
        if name not in self._tables:
            path = self.path / f"{name}.parquet"
            frame = None
            if path.is_file():
                try:
                    frame = pl.read_parquet(path)
                except (OSError, pl.exceptions.PolarsError) as error:
                    raise UsageError(
                        f"{path}: expected a readable Parquet table, got {error}"
                    ) from None
            self._tables[name] = frame if frame is not None and frame.height else None
        return self._tables[name]

    def json(self, name: str) -> dict[str, Any] | None:
        path = self.path / name
        if not path.is_file():
            return None
        return _read_json(path)

    @property
    def scenario_text(self) -> str | None:
        path = self.path / "scenario.yaml"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    @property
    def raw_scenario(self) -> dict[str, Any]:
        """``scenario.yaml`` as plain data (empty when absent or unreadable)."""
        if self._raw is None:
            self._raw = {}
            text = self.scenario_text
            if text is not None:
                try:
                    data = yaml.safe_load(text)
                except yaml.YAMLError:
                    data = None
                if isinstance(data, dict):
                    self._raw = data
        return self._raw

    def section(self, name: str, model: type[SectionT]) -> SectionT | None:
        """One validated section of the resolved scenario, or ``None`` (absent or invalid).

        Sections are validated on their own, not as a whole scenario, so a report still
        reads a directory written by an older simdata whose cross-section rules changed.
        """
        data = self.raw_scenario.get(name)
        if data is None and not self.raw_scenario:
            return None
        try:
            return model.model_validate(data if data is not None else {})
        except (pydantic.ValidationError, ValueError, TypeError):
            return None

    def targets(self) -> list[Target]:
        """The scenario's targets that still validate."""
        found = []
        for item in self.raw_scenario.get("targets") or []:
            try:
                found.append(Target.model_validate(item))
            except (pydantic.ValidationError, ValueError, TypeError):
                continue
        return found


def unfinished_hint(path: Path, manifest: dict[str, Any]) -> str:
    """What to do with a run that did not finish (its tables are written at the end)."""
    if manifest.get("kind") == "run" and manifest.get("status") in ("running", "interrupted"):
        return f" (the run is {manifest['status']}: finish it with simdata run --resume {path})"
    return ""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"{path}: expected JSON, got {type(error).__name__}: {error}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def open_results(path: Path) -> Results:
    """Check ``path`` is a results directory of a known kind with its tables; read nothing else."""
    if not path.exists():
        raise UsageError(f"{path}: expected a results directory, got no such directory")
    if not path.is_dir():
        raise UsageError(f"{path}: expected a results directory, got a file")
    manifest_path = path / MANIFEST_NAME
    if not manifest_path.is_file():
        raise UsageError(
            f"{path}: expected a results directory with manifest.json "
            "(written by simdata run, capacity, sweep or compare), found none"
        )
    manifest = _read_json(manifest_path)
    kind = manifest.get("kind")
    if kind not in KINDS:
        raise UsageError(f"{manifest_path}: kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    for name in REQUIRED[kind]:
        if not (path / name).is_file():
            raise UsageError(
                f"{path}: expected {name} in a results directory of kind {kind}, got none"
                f"{unfinished_hint(path, manifest)}"
            )
    return Results(path=path, manifest=manifest)
