"""Helpers for tests that start a real server process and talk to it over HTTP on localhost."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, proc: subprocess.Popen, seconds: float, what: str = "the server") -> None:
    """Poll ``url`` until it answers 200; fail with the process's output if it dies or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            stream = proc.stderr or proc.stdout
            output = stream.read() if stream else ""
            raise AssertionError(f"{what} exited: {output.decode() if isinstance(output, bytes) else output}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{what} did not answer {url} within {seconds:.0f} s"
        time.sleep(0.3)
