"""Local TCP helpers for tests and benchmarks that start servers on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import time
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (free when asked; closed, so unreachable)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(
    port: int,
    process: subprocess.Popen[Any],
    timeout: float = 60,
    *,
    name: str = "server",
    poll_s: float = 0.1,
) -> None:
    """Wait until 127.0.0.1:``port`` accepts connections.

    Raises `RuntimeError` when ``process`` exits first and `TimeoutError` after ``timeout`` s;
    ``name`` says what did not start in those messages.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} during start-up")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(poll_s)
    raise TimeoutError(f"{name} did not start in {timeout:g} s")
