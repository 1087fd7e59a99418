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

from __future__ import annotations

import importlib
import importlib.util
import logging
import math
import multiprocessing
import os
import pickle
import re
import secrets
import select
import signal
import socket
import struct
import sys
import threading
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
#: Seconds to wait for a Dask scheduler's answer before one line and exit 2 (connect,
#: handshake, identity); ``SIMDATA_SCHEDULER_TIMEOUT`` overrides it.
CONNECT_TIMEOUT_S = 10.0
#: Remaining serial work (seconds) above which :class:`AutoExecutor` starts processes.
POOL_WORTH_S = 4.0
#: Resident memory of one pool worker: simdata, numpy, polars, scipy and SimPy imported
#: (~145 MB) plus a replication's working set; measured 185–315 MB at the peak of the
#: shipped scenarios (fujian-public-data to node-baseline's 360,000 requests, and M/M/8
#: event-engine replications of 2.9 million requests).
WORKER_BYTES = 300 * 10**6
#: Workers per core beyond which a pool only adds memory and context switches.
WORKERS_PER_CORE = 4
#: Seconds between liveness checks of the parent where pidfd_open is missing (Linux < 5.3,
#: other systems); with a pidfd the worker learns of the parent's death at once.
PARENT_POLL_S = 0.5


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


def available_memory_bytes() -> int | None:
    """Memory this machine can give new processes without swapping: ``MemAvailable`` from
    /proc/meminfo (Linux), else free physical pages; ``None`` where neither is known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def workers_that_fit(per_worker_bytes: int = WORKER_BYTES) -> int:
    """The most pool workers this machine holds: :data:`WORKERS_PER_CORE` per core, and no
    more than available memory over ``per_worker_bytes`` (at least one)."""
    most = WORKERS_PER_CORE * cpu_count()
    available = available_memory_bytes()
    if available is not None:
        most = min(most, available // per_worker_bytes)
    return max(1, most)


def check_workers(workers: int, per_worker_bytes: int = WORKER_BYTES) -> None:
    """Refuse a worker count this machine cannot hold, before any process starts.

    ``--workers 1000`` used to start a thousand ~300 MB processes and exhaust memory; the
    answer is one line with the estimate and the largest count that fits.
    """
    if workers < 1:
        raise UsageError(f"--workers: expected an integer ≥ 1, got {workers}")
    cores = cpu_count()
    if workers > WORKERS_PER_CORE * cores:
        raise UsageError(
            f"--workers {workers}: expected at most {WORKERS_PER_CORE * cores} "
            f"({WORKERS_PER_CORE} per core × {cores} cores); more processes only add memory "
            f"and switching: use --workers {min(cores, workers_that_fit(per_worker_bytes))}"
        )
    available = available_memory_bytes()
    if available is not None and workers * per_worker_bytes > available:
        raise UsageError(
            f"--workers {workers}: {workers} workers × ~{per_worker_bytes / 1e6:.0f} MB each "
            f"≈ {_gigabytes(workers * per_worker_bytes)} exceeds the "
            f"{_gigabytes(available)} of memory available: use --workers "
            f"{workers_that_fit(per_worker_bytes)} or fewer"
        )


def _gigabytes(count: int) -> str:
    return f"{count / 1e9:.1f} GB"


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


def connect_timeout_s() -> float:
    """Seconds simdata waits for a scheduler to answer: ``SIMDATA_SCHEDULER_TIMEOUT`` or
    :data:`CONNECT_TIMEOUT_S` (a live scheduler answers in milliseconds; a busy one on a
    slow network may need more, hence the variable)."""
    text = os.environ.get("SIMDATA_SCHEDULER_TIMEOUT", "").strip()
    if not text:
        return CONNECT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 3600:
        raise UsageError(
            f"SIMDATA_SCHEDULER_TIMEOUT: expected seconds in (0, 3600], got {text[:40]!r}"
        )
    return value


class _NotDaskError(Exception):
    """The peer's bytes are not a Dask message; ``args[0]`` is what it sent (a prefix)."""


def _recv_exactly(sock: socket.socket, count: int, deadline: float, seen: bytes) -> bytes:
    """``count`` bytes from ``sock`` before ``deadline`` (monotonic); the peer closing first
    is :class:`_NotDaskError` with everything it sent (``seen`` plus this read's bytes)."""
    chunks: list[bytes] = []
    got = 0
    while got < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        try:
            chunk = sock.recv(min(count - got, 1 << 20))
        except ConnectionResetError:  # a text service that hung up on our handshake
            chunk = b""
        if not chunk:
            raise _NotDaskError(seen + b"".join(chunks))
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _dask_frame(message: dict[str, Any]) -> bytes:
    """``message`` as Dask's TCP comm writes it: the byte count, the frame count, each
    frame's length (native unsigned 64-bit, as ``distributed.comm.tcp`` packs them), then one
    msgpack frame (a message without serialized objects is a single frame)."""
    msgpack: Any = importlib.import_module("msgpack")
    body: bytes = msgpack.packb(message, use_bin_type=True)
    frames = struct.pack("QQ", 1, len(body)) + body
    return struct.pack("Q", len(frames)) + frames


def _read_dask_message(sock: socket.socket, deadline: float, limit: int) -> dict[str, Any]:
    """One Dask message's first frame, decoded, or :class:`_NotDaskError`.

    Every length is checked against what was announced and against ``limit`` *before*
    anything is allocated: Dask's own reader trusts the first 8 bytes, so an HTTP reply or a
    text banner (``220 mail``) becomes a 3–7 EiB allocation, and a peer streaming noise a
    hang.
    """
    header = _recv_exactly(sock, 8, deadline, b"")
    (total,) = struct.unpack("Q", header)
    if not 16 <= total <= limit:
        raise _NotDaskError(header + _a_little_more(sock, deadline))
    data = _recv_exactly(sock, total, deadline, header)
    (count,) = struct.unpack_from("Q", data)
    if not 1 <= count <= (total - 8) // 8:
        raise _NotDaskError(header + data)
    lengths = struct.unpack_from(f"{count}Q", data, 8)
    start = 8 * (count + 1)
    if start + lengths[0] > total:
        raise _NotDaskError(header + data)
    msgpack: Any = importlib.import_module("msgpack")
    try:
        decoded = msgpack.unpackb(data[start : start + lengths[0]], raw=False, strict_map_key=False)
    except Exception:  # msgpack's errors are several unrelated classes
        raise _NotDaskError(header + data) from None
    if not isinstance(decoded, dict):
        raise _NotDaskError(header + data)
    return decoded


def _a_little_more(sock: socket.socket, deadline: float) -> bytes:
    """What else the peer has already sent (up to 64 bytes), for a message that shows more
    than 8 bytes of it; nothing if it sent nothing more within 0.2 s."""
    try:
        sock.settimeout(max(0.001, min(0.2, deadline - time.monotonic())))
        return sock.recv(64)
    except OSError:
        return b""


def _excerpt(sent: bytes) -> str:
    """What a peer sent, for a one-line message: at most 24 bytes, escaped."""
    text = repr(sent[:24])[2:-1]
    return f"{text}…" if len(sent) > 24 else text


def _probe_tcp_scheduler(address: str, host: str, port: int, deadline: float) -> None:
    """Check, on a plain socket and before ``deadline``, that ``address`` is a Dask scheduler.

    Speaks the first two steps of Dask's protocol itself — the handshake both sides send
    on connecting, then an ``identity`` request, as ``distributed.Client`` does — with every
    length bounded, so that an HTTP server, a text service, noise or a Dask *worker* is
    one line instead of a huge allocation, a traceback or a hang. The scheduler sees an
    ordinary short-lived connection (nothing in its log).
    """
    timeout_s = max(0.0, deadline - time.monotonic())
    where = f"--scheduler {address}"
    try:
        with socket.create_connection((host, port), timeout=max(0.001, timeout_s)) as sock:
            hello = {
                "compression": None,
                "python": list(sys.version_info[:3]),
                "pickle-protocol": pickle.HIGHEST_PROTOCOL,
            }
            sock.sendall(_dask_frame(hello))
            handshake = _read_dask_message(sock, deadline, 1 << 16)
            if "pickle-protocol" not in handshake:
                raise _NotDaskError(repr(handshake).encode())
            sock.sendall(_dask_frame({"op": "identity", "reply": True}))
            identity = _read_dask_message(sock, deadline, 1 << 26)
    except socket.gaierror as error:
        raise UsageError(f"{where}: cannot resolve host {host!r} ({error.strerror})") from None
    except ConnectionRefusedError:
        raise UsageError(
            f"{where}: connection refused: no Dask scheduler listens there (start one with "
            f"`dask scheduler`; its default port is 8786)"
        ) from None
    except TimeoutError:
        raise UsageError(
            f"{where}: no Dask scheduler answered within {_seconds(timeout_s)} (a scheduler "
            f"answers at once; is it an HTTP server such as the dashboard on port 8787? set "
            f"SIMDATA_SCHEDULER_TIMEOUT to wait longer)"
        ) from None
    except _NotDaskError as error:
        sent: bytes = error.args[0]
        if sent.startswith(b"HTTP/"):
            said = (
                f"it answered like an HTTP server (b'{_excerpt(sent)}'; the dashboard? a "
                f"scheduler listens on port 8786 by default)"
            )
        elif sent:
            said = f"it sent b'{_excerpt(sent)}' where Dask's handshake was expected"
        else:
            said = "it closed the connection without Dask's handshake"
        raise UsageError(f"{where}: not a Dask scheduler: {said}") from None
    except OSError as error:
        raise UsageError(
            f"{where}: cannot connect ({error.strerror or type(error).__name__})"
        ) from None
    kind = identity.get("type")
    if kind != "Scheduler":
        if "status" in identity and kind is None:
            kind = "server that refused the identity request"
        raise UsageError(
            f"{where}: expected a Dask scheduler, got a Dask {str(kind)[:40]} (give the "
            f"address the scheduler prints as 'Scheduler at:')"
        )


def _seconds(value: float) -> str:
    return f"{value:.3g} s"


def _check_transport(distributed: Any, address: str, scheme: str) -> None:
    """Protocols Dask knows but cannot use here are one line (Dask's own failures are a
    traceback followed by a 40 s hang in the half-built client's destructor)."""
    where = f"--scheduler {address}"
    if scheme == "inproc":
        raise UsageError(
            f"{where}: an inproc:// scheduler exists only inside its own Python process; "
            f"give its tcp://HOST:PORT address (or pass client= in Python)"
        )
    if scheme == "ucx" and importlib.util.find_spec("distributed_ucxx") is None:
        raise UsageError(
            f"{where}: the ucx protocol needs the distributed-ucxx package (pip install "
            f"distributed-ucxx-cu12 or -cu13, or distributed-ucxx from conda-forge)"
        )
    if scheme in ("tls", "wss"):
        security = distributed.Security()
        if security.get_connection_args("client").get("ssl_context") is None:
            raise UsageError(
                f"{where}: {scheme}:// needs Dask's TLS configuration (distributed.comm.tls"
                f".ca-file, .client.cert and .client.key, e.g. DASK_DISTRIBUTED__COMM__TLS__"
                f"CA_FILE); none is set"
            )


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
        raise UsageError(f"{where}: no Dask scheduler answered within {_seconds(timeout_s)}")
    detail = " ".join(str(error).split())[:160] or type(error).__name__
    raise UsageError(f"{where}: cannot use the Dask scheduler ({detail})")


class _DropRecords(logging.Filter):
    """Drops every record: Dask's handlers, while simdata connects (records of its child
    loggers reach those handlers whatever the parent logger's level, hence a filter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


class DaskExecutor:
    """Tasks on a Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

    Each task is submitted with ``key=<caller's key>-<token of this map>`` (stable within a
    run, distinct between runs sharing a scheduler), ``pure=False`` and ``retries``; a worker
    that dies mid-task has its task rescheduled by the scheduler, which recomputes the same
    numbers because a task's numbers depend on its argument alone.

    Given an address, it connects its own client (``set_as_default=False``: a library must
    not replace the caller's default client), so everything here names that client
    explicitly. Before the client, a ``tcp://`` address is probed on a plain socket (see
    :func:`_probe_tcp_scheduler`), and protocols whose extras are missing are refused; the
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
            _check_transport(self._distributed, address, scheme)
            if scheme == "tcp":
                _probe_tcp_scheduler(address, host, int(port), deadline)
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
