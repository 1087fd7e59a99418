"""Keeping an optimisation's replications as they finish, and going on after Ctrl-C.

Every number of an optimisation depends only on (plan, replication index, root seed), and
every task an executor runs is named by a key built from exactly those (``optimize-<plan>-
r<index>``). So an interrupted search is resumed by **replaying** it: the same search asks
for the same tasks in the same order, and a task whose result was kept is answered from
``DIR/replications/`` instead of being run again — the resumed run's plans, statuses,
estimates, Optuna trials and KN's selection are those of an uninterrupted run.

:class:`RecordingExecutor` wraps the run's executor: each finished task's result is written
(pickled, in chunks of :data:`CHUNK`, atomically) as it comes in, and whatever is pending is
written when a map ends, fails or is interrupted. ``simdata optimize … --resume DIR`` checks
that DIR's scenario, design and root seed are the ones given (one line, exit 2, otherwise).
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from simdata.errors import UsageError
from simdata.experiments.executors import Executor

T = TypeVar("T")
R = TypeVar("R")
#: The folder of kept replications inside the run directory.
KEPT = "replications"
#: Results written together (a map's end, a failure or Ctrl-C writes what is pending).
CHUNK = 16


class RecordingExecutor:
    """An executor that keeps every finished task's result by key, and answers kept keys."""

    def __init__(self, inner: Executor, directory: Path, kept: dict[str, Any]) -> None:
        self.inner, self.directory, self.kept = inner, directory, kept
        self.ran = 0

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], keys: Sequence[str]
    ) -> Iterator[tuple[int, R]]:
        todo = [i for i, key in enumerate(keys) if key not in self.kept]
        for i, key in enumerate(keys):
            if key not in self.kept:
                continue
            yield i, self.kept[key]
        pending: list[tuple[str, Any]] = []
        try:
            for position, result in self.inner.map(
                fn, [items[i] for i in todo], [keys[i] for i in todo]
            ):
                index = todo[position]
                self.kept[keys[index]] = result
                self.ran += 1
                pending.append((keys[index], result))
                if len(pending) >= CHUNK:
                    self._write(pending)
                    pending = []
                yield index, result
        finally:
            if pending:
                self._write(pending)

    def _write(self, pending: list[tuple[str, Any]]) -> None:
        folder = self.directory / KEPT
        folder.mkdir(exist_ok=True)
        number = sum(1 for _ in folder.glob("*.pkl"))
        path = folder / f"{number:06d}.pkl"
        partial = folder / f".{number:06d}.pkl.part"
        with partial.open("wb") as handle:
            pickle.dump(pending, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)

    def close(self) -> None:
        return None  # the wrapped executor belongs to the caller


def load_kept(directory: Path) -> dict[str, Any]:
    """Every kept task result of a run directory, by key."""
    kept: dict[str, Any] = {}
    for path in sorted((directory / KEPT).glob("*.pkl")):
        with path.open("rb") as handle:
            kept.update(dict(pickle.load(handle)))
    return kept


def check_resumable(
    directory: Path, scenario_sha256: str, design: dict[str, Any], seed: int
) -> None:
    """DIR must be an optimisation of this scenario, design and root seed (one line)."""
    path = directory / "manifest.json"
    if not path.exists():
        raise UsageError(
            f"{directory}: --resume: expected a simdata optimize run directory, got none "
            "(no manifest.json)"
        )
    found = json.loads(path.read_text(encoding="utf-8"))
    kept_design = directory / "design.json"
    same_design = kept_design.exists() and json.loads(kept_design.read_text()) == design
    if found.get("kind") != "optimize":
        raise UsageError(
            f"{directory}: --resume: expected an optimize run, got {found.get('kind')!r}"
        )
    if found.get("scenario_sha256") != scenario_sha256 or not same_design:
        raise UsageError(
            f"{directory}: --resume: expected the scenario and design it was started with, "
            "got another (start a new run with --out)"
        )
    if found.get("root_seed") != seed:
        raise UsageError(
            f"{directory}: --resume: expected root seed {found.get('root_seed')}, got {seed}"
        )
