"""The executor contract (:class:`Executor`) and its reference back end, :class:`SerialExecutor`.

A task is a module-level function and one picklable argument; its numbers depend on the
argument alone (for replications: the scenario, the root seed and the replication index —
never the worker's identity), so every back end returns the same results. Results come back
as they finish, tagged with the position of their argument; the caller orders them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs ``fn(item)`` for every item, yielding ``(position, result)`` as each finishes.

    ``keys`` name the tasks (unique, stable across runs: e.g. ``"run-rep-000007"``); Dask uses
    them as task keys so that a retried task recomputes the same numbers. Closing the
    iterator early (or Ctrl-C in the parent) cancels what has not started.
    """

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], keys: Sequence[str]
    ) -> Iterator[tuple[int, R]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """In this process, in order: the reference every other back end must equal."""

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], keys: Sequence[str]
    ) -> Iterator[tuple[int, R]]:
        for position, item in enumerate(items):
            yield position, fn(item)

    def close(self) -> None:
        return None
