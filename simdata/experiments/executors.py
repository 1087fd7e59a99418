"""Where independent tasks run: one interface, three back ends (serial, process pool, Dask).

A task is a module-level function and one picklable argument; its numbers depend on the
argument alone (for replications: the scenario, the root seed and the replication index —
never the worker's identity), so every back end returns the same results. Results come back
as they finish, tagged with the position of their argument; the caller orders them.

This module is the contract shared by ``run``, ``sweep`` and ``capacity``:

- :class:`SerialExecutor` runs in this process, in order (the reference; ``simdata.run``'s
  default in Python);
- :class:`PoolExecutor` runs in local worker processes started with *forkserver* (or
  *spawn* where there is none — polars warns against *fork*); workers ignore SIGINT, so a
  Ctrl-C reaches the parent only, which stops submitting, cancels and terminates them;
- :class:`DaskExecutor` submits to a Dask distributed scheduler with explicit task keys and
  ``retries`` (a retried task recomputes the same numbers); Dask is imported lazily, from
  the optional ``simdata[dask]`` extra;
- :class:`AutoExecutor` is the CLI's default: it runs the first task here, and starts a
  pool of one process per core only if the remaining work looks long enough to repay the
  few seconds it takes to start processes (so a tiny run stays in one process).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import secrets
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from simdata.errors import UsageError

if TYPE_CHECKING:
    import distributed

T = TypeVar("T")
R = TypeVar("R")

#: Dask retries of a task that raised (a replication returns its own model errors, so this
#: covers transient failures such as a lost connection; worker deaths are rescheduled by
#: the scheduler itself).
DASK_RETRIES = 2
#: Remaining serial work (seconds) above which :class:`AutoExecutor` starts processes.
POOL_WORTH_S = 4.0


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


def cpu_count() -> int:
    """Cores this process may use (its CPU affinity where the OS reports one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it cancels and terminates)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class PoolExecutor:
    """Local worker processes (``concurrent.futures.ProcessPoolExecutor``).

    At most two tasks per worker are in flight, so stopping (Ctrl-C, or the caller closing
    the iterator) leaves little to cancel; the workers running then are terminated.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise UsageError(f"--workers: expected an integer ≥ 1, got {workers}")
        self.workers = workers
        self._pool: futures.ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> futures.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = futures.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context(_start_method()),
                initializer=_ignore_sigint,
            )
        return self._pool

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], keys: Sequence[str]
    ) -> Iterator[tuple[int, R]]:
        pool = self._ensure_pool()
        queue = iter(enumerate(items))
        pending: dict[futures.Future[R], int] = {}

        def submit_more() -> None:
            while len(pending) < 2 * self.workers:
                nxt = next(queue, None)
                if nxt is None:
                    return
                pending[pool.submit(fn, nxt[1])] = nxt[0]

        try:
            submit_more()
            while pending:
                finished, _ = futures.wait(pending, return_when=futures.FIRST_COMPLETED)
                # Positions in submission order, so equal finishing times yield stably.
                for future in sorted(finished, key=pending.__getitem__):
                    position = pending.pop(future)
                    yield position, future.result()
                submit_more()
        except BaseException:
            # Ctrl-C, the caller closing the iterator (GeneratorExit) or a task error: cancel
            # what has not started and stop the workers still busy with the rest.
            for future in pending:
                future.cancel()
            if pending:
                self.terminate()
            raise

    def terminate(self) -> None:
        """Stop the worker processes now (running tasks are lost; finished ones are kept)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # ProcessPoolExecutor has no public way to stop busy workers before Python 3.14
        # (terminate_workers); its _processes map is the documented-in-source fallback.
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError(
            "--scheduler: Dask is not installed; install simdata[dask] "
            "(pip install 'simdata[dask]')"
        ) from None
    return distributed


_SCHEDULER_ADDRESS = re.compile(
    r"^((tcp|tls|ucx|ws|wss)://)?(\[[0-9a-fA-F:]+\]|[^\s/:\[\]]+):\d{1,5}$|^inproc://\S+$"
)


def check_scheduler_address(address: str | None) -> None:
    """A Dask scheduler address is ``PROTOCOL://HOST:PORT`` (e.g. ``tcp://10.0.0.5:8786``);
    anything else is one line and exit 2 before a client tries (and hangs) to connect."""
    if address is None or not _SCHEDULER_ADDRESS.match(address):
        raise UsageError(
            f"--scheduler: expected an address like tcp://HOST:PORT (e.g. "
            f"tcp://10.0.0.5:8786), got {address!r}"
        )


class DaskExecutor:
    """Tasks on a Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

    Each task is submitted with ``key=<caller's key>-<token of this map>`` (stable within a
    run, distinct between runs sharing a scheduler), ``pure=False`` and ``retries``; a worker
    that dies mid-task has its task rescheduled by the scheduler, which recomputes the same
    numbers because a task's numbers depend on its argument alone.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        client: distributed.Client | None = None,
        retries: int = DASK_RETRIES,
        timeout_s: float = 20.0,
    ) -> None:
        self._distributed = _import_distributed()
        self.retries = retries
        self._owns_client = client is None
        if client is None:
            check_scheduler_address(address)
            try:
                client = self._distributed.Client(
                    address, timeout=f"{timeout_s}s", set_as_default=False
                )
            except (OSError, TimeoutError, ValueError) as error:
                raise UsageError(
                    f"--scheduler {address}: cannot reach the Dask scheduler ({error})"
                ) from None
        # Typed Any: distributed's own methods are untyped (mypy --strict rejects calls).
        self.client: Any = client

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], keys: Sequence[str]
    ) -> Iterator[tuple[int, R]]:
        token = secrets.token_hex(4)
        submitted = {
            self.client.submit(
                fn, item, key=f"{key}-{token}", retries=self.retries, pure=False
            ): position
            for position, (item, key) in enumerate(zip(items, keys, strict=True))
        }
        try:
            for future in self._distributed.as_completed(submitted):
                yield submitted[future], future.result()
        except BaseException:
            self.client.cancel(list(submitted))
            raise
        finally:
            for future in submitted:
                future.release()

    def close(self) -> None:
        if self._owns_client:
            self.client.close()


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
        if self._pool is None and (
            self.workers < 2 or remaining < 2 or (self._task_s or 0.0) * remaining < POOL_WORTH_S
        ):
            for position in range(start, len(items)):
                yield position, fn(items[position])
            return
        if self._pool is None:
            self._pool = PoolExecutor(min(self.workers, remaining))
        for position, result in self._pool.map(fn, items[start:], keys[start:]):
            yield start + position, result

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
    if workers < 1:
        raise UsageError(f"--workers: expected an integer ≥ 1, got {workers}")
    if workers == 1:
        return SerialExecutor()
    return PoolExecutor(workers)
