"""A ``--scheduler`` that is not a usable Dask scheduler is one line and exit 2 within the
connect timeout, with nothing written: an HTTP server, a text service, noise, a closed port,
``tls://`` without a TLS configuration, ``ucx://`` without distributed-ucxx."""

from __future__ import annotations

import contextlib
import http.server
import importlib.util
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from simdata.cli import cli
from tests.cli_checks import one_line_error
from tests.conftest import MM8_TEXT

pytestmark = pytest.mark.cli

#: The connect timeout these tests run with (seconds; SIMDATA_SCHEDULER_TIMEOUT).
TIMEOUT_S = "2"
DESIGN_TEXT = """\
name: servers
method: grid
replications: 2
kpis: [resolution.wait_mean]
parameters:
  - {path: resolution.servers, levels: [8, 9]}
"""
#: A CLI call still running after this many seconds has hung (the bug: 120 s and more).
HANG_S = 60.0


class _Quiet(http.server.BaseHTTPRequestHandler):
    """An HTTP server's handler that logs nothing (a Dask dashboard stands for any)."""

    def log_message(self, format: str, *args: object) -> None:
        return None


def _http_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _tcp_server(serve: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP service on 127.0.0.1 that runs ``serve`` on each connection (in a thread)."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def handle(connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            serve(connection)

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=handle, args=(connection,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        acceptor.join()
        for thread in threads:
            thread.join(timeout=10)


def _banner(connection: socket.socket) -> None:
    """A text service (SMTP-like): a greeting line, then it waits for the client."""
    connection.sendall(b"220 mail.example.com ESMTP ready\r\n")
    while connection.recv(65536):
        pass


def _noise(connection: socket.socket) -> None:
    """Random bytes for as long as the client listens."""
    while True:
        connection.sendall(os.urandom(65536))


@pytest.fixture
def http_scheduler() -> Iterator[str]:
    yield from _http_server()


@pytest.fixture
def banner_scheduler() -> Iterator[str]:
    yield from _tcp_server(_banner)


@pytest.fixture
def noise_scheduler() -> Iterator[str]:
    yield from _tcp_server(_noise)


@pytest.fixture
def closed_port() -> str:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def _invoke(args: list[str]) -> Result:
    """The CLI in this process, failing (not hanging) if it does not return in HANG_S."""
    outcome: list[Result] = []
    thread = threading.Thread(
        target=lambda: outcome.append(CliRunner().invoke(cli, args)), daemon=True
    )
    thread.start()
    thread.join(HANG_S)
    if not outcome:
        pytest.fail(f"simdata {' '.join(args)} still running after {HANG_S:.0f} s")
    return outcome[0]


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        ("http_scheduler", f"no Dask scheduler answered within {TIMEOUT_S} s"),
        ("banner_scheduler", "not a Dask scheduler: it sent b'220 mail.example.com"),
        ("noise_scheduler", "not a Dask scheduler: it sent b'"),
        ("closed_port", "connection refused"),
    ],
)
def test_a_peer_that_is_not_a_dask_scheduler_is_one_line(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: str,
    expected: str,
) -> None:
    """An HTTP server (silent until a request line), a text banner, random bytes or a closed
    port: exit 2, one line naming the address, nothing written — not a 3 EiB allocation, a
    traceback or a hang."""
    monkeypatch.setenv("SIMDATA_SCHEDULER_TIMEOUT", TIMEOUT_S)
    address = request.getfixturevalue(server)
    scenario = tmp_path / "mm8.yaml"
    scenario.write_text(MM8_TEXT, encoding="utf-8")
    out = tmp_path / "never"
    result = _invoke(["run", str(scenario), "--scheduler", address, "--out", str(out)])
    message = one_line_error(result)
    assert message.startswith(f"--scheduler {address}: "), message
    assert expected in message
    assert not out.exists()


@pytest.mark.parametrize(
    ("protocol", "expected"),
    [("tls", "needs Dask's TLS configuration"), ("ucx", "needs the distributed-ucxx package")],
)
def test_a_protocol_without_its_extra_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, protocol: str, expected: str
) -> None:
    """``tls://`` without Dask's TLS settings and ``ucx://`` without distributed-ucxx: one
    line saying what is missing, exit 2, nothing written (was a traceback and a 40 s hang)."""
    if protocol == "ucx" and importlib.util.find_spec("distributed_ucxx") is not None:
        pytest.skip("distributed-ucxx is installed here")
    for name in list(os.environ):
        if name.startswith("DASK_DISTRIBUTED__COMM__TLS"):
            monkeypatch.delenv(name)
    scenario, design = tmp_path / "mm8.yaml", tmp_path / "design.yaml"
    scenario.write_text(MM8_TEXT, encoding="utf-8")
    design.write_text(DESIGN_TEXT, encoding="utf-8")
    out = tmp_path / "never"
    address = f"{protocol}://127.0.0.1:8786"
    result = _invoke(["sweep", str(scenario), "--design", str(design), "--scheduler", address,
                      "--out", str(out)])  # fmt: skip
    assert expected in one_line_error(result)
    assert not out.exists()


@pytest.mark.slow
def test_the_cli_process_exits_2_with_one_line_on_noise_and_http(
    http_scheduler: str, noise_scheduler: str, tmp_path: Path
) -> None:
    """As a process of its own — where a half-built Dask client used to spend 40 s in its
    destructor and print a traceback at exit — the CLI ends with exit 2 and one stderr line
    for an HTTP server and for noise alike."""
    scenario = tmp_path / "mm8.yaml"
    scenario.write_text(MM8_TEXT, encoding="utf-8")
    env = {**os.environ, "SIMDATA_SCHEDULER_TIMEOUT": TIMEOUT_S}
    processes = {
        address: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simdata",
                "run",
                str(scenario),
                "--scheduler",
                address,
                "--out",
                str(tmp_path / name),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name, address in (("http", http_scheduler), ("noise", noise_scheduler))
    }
    for address, process in processes.items():
        try:
            stdout, stderr = process.communicate(timeout=HANG_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        assert process.returncode == 2, stderr
        assert stdout == ""
        assert len(stderr.splitlines()) == 1, stderr
        assert stderr.startswith(f"--scheduler {address}: ")
    assert not (tmp_path / "http").exists()
    assert not (tmp_path / "noise").exists()
