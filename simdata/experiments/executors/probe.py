"""Is this address a usable Dask scheduler? Answered in one line, within the connect timeout.

The address is checked by its form, its protocol's requirements (TLS configuration, the
ucx extra; inproc is refused), and — for ``tcp://`` — by speaking the first two steps of
Dask's protocol on a plain socket with every length bounded, so that an HTTP server, a text
service, noise or a Dask *worker* is one line instead of a huge allocation, a traceback or
a hang.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import pickle
import re
import socket
import struct
import sys
import time
from typing import Any

from simdata.errors import UsageError

#: Seconds to wait for a Dask scheduler's answer before one line and exit 2 (connect,
#: handshake, identity); ``SIMDATA_SCHEDULER_TIMEOUT`` overrides it.
CONNECT_TIMEOUT_S = 10.0


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


def probe_tcp_scheduler(address: str, host: str, port: int, deadline: float) -> None:
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
            identity = _identity(sock, deadline)
    except socket.gaierror as error:
        raise UsageError(f"{where}: cannot resolve host {host!r} ({error.strerror})") from None
    except ConnectionRefusedError:
        raise UsageError(
            f"{where}: connection refused: no Dask scheduler listens there (start one with "
            f"`dask scheduler`; its default port is 8786)"
        ) from None
    except TimeoutError:
        raise UsageError(
            f"{where}: no Dask scheduler answered within {seconds(timeout_s)} (a scheduler "
            f"answers at once; is it an HTTP server such as the dashboard on port 8787? set "
            f"SIMDATA_SCHEDULER_TIMEOUT to wait longer)"
        ) from None
    except _NotDaskError as error:
        raise UsageError(f"{where}: not a Dask scheduler: {_what_it_sent(error.args[0])}") from None
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


def _identity(sock: socket.socket, deadline: float) -> dict[str, Any]:
    """Dask's handshake both ways, then the peer's answer to an ``identity`` request."""
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
    return _read_dask_message(sock, deadline, 1 << 26)


def _what_it_sent(sent: bytes) -> str:
    """A peer that is not a Dask scheduler, described by what it sent."""
    if sent.startswith(b"HTTP/"):
        return (
            f"it answered like an HTTP server (b'{_excerpt(sent)}'; the dashboard? a "
            f"scheduler listens on port 8786 by default)"
        )
    if sent:
        return f"it sent b'{_excerpt(sent)}' where Dask's handshake was expected"
    return "it closed the connection without Dask's handshake"


def seconds(value: float) -> str:
    return f"{value:.3g} s"


def check_transport(distributed: Any, address: str, scheme: str) -> None:
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
