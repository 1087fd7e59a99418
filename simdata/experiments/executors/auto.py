"""The CLI's default executor (:class:`AutoExecutor`) and :func:`make_executor`, which turns
the executor options (``--workers N``, ``--scheduler ADDR``) into a back end."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from simdata.errors import UsageError
from simdata.experiments.executors.dask import DaskExecutor
from simdata.experiments.executors.limits import cpu_count, workers_that_fit
from simdata.experiments.executors.pool import PoolExecutor
from simdata.experiments.executors.serial import Executor, SerialExecutor

if TYPE_CHECKING:
    import distributed

T = TypeVar("T")
R = TypeVar("R")

#: Remaining serial work (seconds) above which :class:`AutoExecutor` starts processes.
POOL_WORTH_S = 4.0


class AutoExecutor:
    """The CLI default: serial while the work is small, a process pool once it is not.

    The first task runs in this process and is timed; when the remaining tasks would take
    longer than :data:`POOL_WORTH_S` serially (starting a worker costs about a second of
    imports), a pool of ``min(workers, remaining)`` processes takes over and is kept for
    later calls. Results do not depend on the choice.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._task_s: float | None = None
        self._pool: PoolExecutor | None = None

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], keys: Sequence[str]
    ) -> Iterator[tuple[int, R]]:
        start = 0
        if self._task_s is None and items:
            started = time.perf_counter()
            result = fn(items[0])
            self._task_s = time.perf_counter() - started
            yield 0, result
            start = 1
        remaining = len(items) - start
        if self._pool is None:
            self._pool = self._start_pool(remaining)
        if self._pool is None:
            for position in range(start, len(items)):
                yield position, fn(items[position])
            return
        for position, result in self._pool.map(fn, items[start:], keys[start:]):
            yield start + position, result

    def _start_pool(self, remaining: int) -> PoolExecutor | None:
        """A pool for ``remaining`` tasks when it repays its start, else ``None`` (serial).

        The default asks for one worker per core; where memory holds fewer, it takes what
        fits (or stays serial) rather than refusing work nobody sized.
        """
        if (self._task_s or 0.0) * remaining < POOL_WORTH_S:
            return None
        workers = min(self.workers, remaining, workers_that_fit())
        if workers < 2:
            return None
        try:
            return PoolExecutor(workers)
        except UsageError:  # memory taken by others since workers_that_fit looked
            return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


def make_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    *,
    client: distributed.Client | None = None,
) -> Executor:
    """The executor the CLI options ask for (``--workers N``, ``--scheduler tcp://…``).

    ``workers=None`` is the CLI default (:class:`AutoExecutor` over every core); ``1`` runs
    serially here; ``N ≥ 2`` always uses a pool of N processes. ``scheduler`` (an address) or
    ``client`` (a ``distributed.Client``, e.g. of a ``LocalCluster`` in tests) selects Dask.
    """
    if scheduler is not None and workers is not None:
        raise UsageError("--workers and --scheduler: expected one of them, got both")
    if scheduler is not None or client is not None:
        return DaskExecutor(scheduler, client=client)
    if workers is None:
        return AutoExecutor(cpu_count())
    if workers == 1:
        return SerialExecutor()
    return PoolExecutor(workers)  # refuses 0, and counts that cannot fit (check_workers)
