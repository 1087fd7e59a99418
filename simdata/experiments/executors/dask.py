"""Tasks on a Dask distributed cluster: :class:`DaskExecutor`.

Dask is imported lazily, from the optional ``simdata[dask]`` extra; an address that is not
a usable scheduler is one line within the connect timeout
(:mod:`simdata.experiments.executors.probe`).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from simdata.errors import UsageError
from simdata.experiments.executors.probe import (
    check_scheduler_address,
    check_transport,
    connect_timeout_s,
    probe_tcp_scheduler,
    seconds,
)

if TYPE_CHECKING:
    import distributed

T = TypeVar("T")
R = TypeVar("R")

#: Dask retries of a task that raised (a replication returns its own model errors, so this
#: covers transient failures such as a lost connection; worker deaths are rescheduled by
#: the scheduler itself).
DASK_RETRIES = 2


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError(
            "--scheduler: Dask is not installed; install simdata[dask] "
            "(pip install 'simdata[dask]')"
        ) from None
    return distributed


def _connect_client(distributed: Any, address: str, deadline: float) -> Any:
    """A ``distributed.Client`` for ``address``, or :class:`UsageError` by ``deadline``.

    The constructor runs in a daemon thread so that the deadline holds even where Dask's
    own timeout does not (its handshake read has none), and any exception it raises —
    including ``MemoryError`` or ``OverflowError`` from a bogus frame length — is one line.
    A client whose start failed is marked closed, so its destructor does not spend
    2 × timeout trying to close a connection that never opened. Dask's log lines are kept
    off the terminal while connecting: the CLI's answer is that one line.
    """
    timeout_s = max(0.001, deadline - time.monotonic())
    outcome: dict[str, Any] = {}

    # Named Client so the scheduler's log shows "Client-<id>" as for any client.
    class Client(distributed.Client):  # type: ignore[misc]  # distributed's Client is untyped
        def start(self, **kwargs: Any) -> Any:
            try:
                return super().start(**kwargs)
            except BaseException:
                self.status = "closed"
                raise

    def connect() -> None:
        try:
            outcome["client"] = Client(address, timeout=timeout_s, set_as_default=False)
        except BaseException as error:  # reported by the waiting thread, one line
            outcome["error"] = error

    silence = _DropRecords()
    handlers = logging.getLogger("distributed").handlers
    for handler in handlers:
        handler.addFilter(silence)
    thread = threading.Thread(target=connect, name="simdata-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if "client" in outcome:
        for handler in handlers:
            handler.removeFilter(silence)
        return outcome["client"]
    # Failed: Dask stays silent (an abandoned attempt may still log as the process exits).
    where = f"--scheduler {address}"
    error = outcome.get("error")
    if error is None:
        raise UsageError(f"{where}: no Dask scheduler answered within {seconds(timeout_s)}")
    detail = " ".join(str(error).split())[:160] or type(error).__name__
    raise UsageError(f"{where}: cannot use the Dask scheduler ({detail})")


class _DropRecords(logging.Filter):
    """Drops every record: Dask's handlers, while simdata connects (records of its child
    loggers reach those handlers whatever the parent logger's level, hence a filter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


class _DropBelow(logging.Filter):
    """Drops records below ``level`` (Dask's recoverable warnings during a map)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level


class DaskExecutor:
    """Tasks on a Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

    Each task is submitted with ``key=<caller's key>-<token of this map>`` (stable within a
    run, distinct between runs sharing a scheduler), ``pure=False`` and ``retries``; a worker
    that dies mid-task has its task rescheduled by the scheduler, which recomputes the same
    numbers because a task's numbers depend on its argument alone.

    Given an address, it connects its own client (``set_as_default=False``: a library must
    not replace the caller's default client), so everything here names that client
    explicitly. Before the client, a ``tcp://`` address is probed on a plain socket (see
    :func:`probe_tcp_scheduler`), and protocols whose extras are missing are refused; the
    whole connection holds to ``timeout_s`` (default: :func:`connect_timeout_s`).
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        client: distributed.Client | None = None,
        retries: int = DASK_RETRIES,
        timeout_s: float | None = None,
    ) -> None:
        self._distributed = _import_distributed()
        self.retries = retries
        self._owns_client = client is None
        if client is None:
            check_scheduler_address(address)
            assert address is not None  # checked just above
            deadline = time.monotonic() + (
                timeout_s if timeout_s is not None else connect_timeout_s()
            )
            comm = self._distributed.comm
            try:
                scheme, location = comm.parse_address(address)
                host, port = comm.parse_host_port(location) if scheme != "inproc" else ("", 0)
            except ValueError as error:
                raise UsageError(f"--scheduler {address}: {error}") from None
            check_transport(self._distributed, address, scheme)
            if scheme == "tcp":
                probe_tcp_scheduler(address, host, int(port), deadline)
            client = _connect_client(self._distributed, address, deadline)
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
        # With our own client (the CLI's --scheduler), Dask's warnings about work it
        # recovers by itself — "Couldn't gather 1 keys, rescheduling" after a worker died —
        # stay off the terminal; errors still show. A caller's own client keeps its logging.
        quiet = _DropBelow(logging.ERROR) if self._owns_client else None
        handlers = logging.getLogger("distributed").handlers if quiet is not None else []
        for handler in handlers:
            handler.addFilter(quiet)  # type: ignore[arg-type]  # not None when handlers
        try:
            # The loop is given explicitly: without it as_completed looks for a *default*
            # client, and ours is deliberately not one (set_as_default=False), so the CLI's
            # --scheduler path failed with "No clients found".
            for future in self._distributed.as_completed(submitted, loop=self.client.loop):
                yield submitted[future], future.result()
        except BaseException:
            self.client.cancel(list(submitted))
            raise
        finally:
            for handler in handlers:
                handler.removeFilter(quiet)  # type: ignore[arg-type]
            for future in submitted:
                future.release()

    def close(self) -> None:
        if self._owns_client:
            self.client.close()
