"""Where independent tasks run: one interface, three back ends (serial, process pool, Dask).

A task is a module-level function and one picklable argument; its numbers depend on the
argument alone (for replications: the scenario, the root seed and the replication index —
never the worker's identity), so every back end returns the same results. Results come back
as they finish, tagged with the position of their argument; the caller orders them.

This package is the contract shared by ``run``, ``sweep`` and ``capacity``, one module per
back end (``serial``, ``pool``, ``dask``), with ``limits`` (how many workers fit), ``probe``
(is an address a Dask scheduler) and ``auto`` (the CLI default and :func:`make_executor`):

- :class:`SerialExecutor` runs in this process, in order (the reference; ``simdata.run``'s
  default in Python);
- :class:`PoolExecutor` runs in local worker processes started with *forkserver* (or
  *spawn* where there is none — polars warns against *fork*); workers ignore SIGINT, so a
  Ctrl-C reaches the parent only, which stops submitting, cancels and terminates them;
  they watch the simdata process that started them and exit when it dies, even by SIGKILL;
  a worker count the machine cannot hold (cores, memory) is refused before any starts;
- :class:`DaskExecutor` submits to a Dask distributed scheduler with explicit task keys and
  ``retries`` (a retried task recomputes the same numbers); Dask is imported lazily, from
  the optional ``simdata[dask]`` extra; an address that is not a usable scheduler is one
  line within the connect timeout (:data:`CONNECT_TIMEOUT_S`);
- :class:`AutoExecutor` is the CLI's default: it runs the first task here, and starts a
  pool of one process per core (as many as memory holds) only if the remaining work looks
  long enough to repay the few seconds it takes to start processes (so a tiny run stays in
  one process).
"""

from simdata.experiments.executors.auto import POOL_WORTH_S, AutoExecutor, make_executor
from simdata.experiments.executors.dask import DASK_RETRIES, DaskExecutor
from simdata.experiments.executors.limits import (
    WORKER_BYTES,
    WORKERS_PER_CORE,
    available_memory_bytes,
    check_workers,
    cpu_count,
    workers_that_fit,
)
from simdata.experiments.executors.pool import PoolExecutor
from simdata.experiments.executors.probe import (
    CONNECT_TIMEOUT_S,
    check_scheduler_address,
    connect_timeout_s,
)
from simdata.experiments.executors.serial import Executor, SerialExecutor

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DASK_RETRIES",
    "POOL_WORTH_S",
    "WORKERS_PER_CORE",
    "WORKER_BYTES",
    "AutoExecutor",
    "DaskExecutor",
    "Executor",
    "PoolExecutor",
    "SerialExecutor",
    "available_memory_bytes",
    "check_scheduler_address",
    "check_workers",
    "connect_timeout_s",
    "cpu_count",
    "make_executor",
    "workers_that_fit",
]
