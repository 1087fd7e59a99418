"""Local worker processes: :class:`PoolExecutor`.

Workers start with *forkserver* (or *spawn* where there is none — polars warns against
*fork*); they ignore SIGINT, so a Ctrl-C reaches the parent only, which stops submitting,
cancels and terminates them; they watch the simdata process that started them and exit when
it dies, even by SIGKILL; a worker count the machine cannot hold is refused before any
starts (:mod:`simdata.experiments.executors.limits`).
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from typing import TypeVar

from simdata.experiments.executors.limits import check_workers

T = TypeVar("T")
R = TypeVar("R")

#: Seconds between liveness checks of the parent where pidfd_open is missing (Linux < 5.3,
#: other systems); with a pidfd the worker learns of the parent's death at once.
PARENT_POLL_S = 0.5


def _worker_init(parent_pid: int) -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it cancels and terminates), and
    the worker dies with the simdata process that started it.

    With *forkserver* a worker's parent is the fork server, not simdata, so neither
    ``getppid`` nor the parent-death signal sees simdata die; a SIGKILLed simdata used to
    leave its ~300 MB workers (and, through them, the fork server, whose alive pipe they
    hold) running for minutes with the caller's stdout and stderr open. A daemon thread
    watches simdata's own pid instead.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_with, args=(parent_pid,), name="simdata-parent-watch", daemon=True
    ).start()


def _exit_with(pid: int) -> None:
    """Block until process ``pid`` ends, then end this process at once (``os._exit``: a task
    half done is recomputed by ``--resume``, and nothing here is worth flushing).

    A pidfd (Linux ≥ 5.3) becomes readable when the process terminates — zombie or not,
    and immune to pid reuse; elsewhere the pid is polled every :data:`PARENT_POLL_S`.
    """
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        pidfd = -1
    if pidfd >= 0:
        select.select([pidfd], [], [])
        os._exit(1)
    while True:
        time.sleep(PARENT_POLL_S)
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):  # gone, or its pid reused by another user
            os._exit(1)


def _start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class PoolExecutor:
    """Local worker processes (``concurrent.futures.ProcessPoolExecutor``).

    At most two tasks per worker are in flight, so stopping (Ctrl-C, or the caller closing
    the iterator) leaves little to cancel; the workers running then are terminated.
    """

    def __init__(self, workers: int) -> None:
        check_workers(workers)
        self.workers = workers
        self._pool: futures.ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> futures.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = futures.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context(_start_method()),
                initializer=_worker_init,
                initargs=(os.getpid(),),
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
