"""A throwaway PostgreSQL server for tests, when the machine has one installed.

``RAGBOT_TEST_DATABASE_URL`` wins if set (e.g. a CI service). Otherwise, if ``initdb`` and
``postgres`` are on the PATH, a private cluster is started on 127.0.0.1 in a temp dir for the test
session (as the ``postgres`` user when running as root) and stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.net import free_port, wait_for_port


def _as_postgres_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root without runuser")
    return [runuser, "-u", "postgres", "--", *command]


@contextmanager
def throwaway_postgres() -> Iterator[str | None]:
    """Yield a SQLAlchemy URL of a live PostgreSQL database, or None when none can be had."""
    configured = os.environ.get("RAGBOT_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    initdb, postgres = _server_binary("initdb"), _server_binary("postgres")
    if not (initdb and postgres):
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="ragbot-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(
        _as_postgres_user([initdb, "-D", str(data), "-U", "ragbot", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        _as_postgres_user(
            [
                postgres,
                "-D",
                str(data),
                "-p",
                str(port),
                "-h",
                "127.0.0.1",
                "-k",
                str(root),
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server, timeout=30, name="postgres")
        time.sleep(0.3)  # a moment more for start-up to finish once the port opens
        yield f"postgresql+psycopg://ragbot@127.0.0.1:{port}/postgres"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def _server_binary(name: str) -> str | None:
    """On the PATH, or where Debian's ``postgresql`` package puts it (not on the PATH)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(candidates[0]) if candidates else None


@contextmanager
def fresh_database(server_url: str, name: str) -> Iterator[str]:
    """Create an empty database on the server, yield its URL, drop it afterwards."""
    import sqlalchemy

    admin = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
