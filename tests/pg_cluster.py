"""A throwaway PostgreSQL cluster for the end-to-end tests: its own data directory, on loopback.

Debian's ``postgresql`` package puts the server binaries in ``/usr/lib/postgresql/<major>/bin``.
PostgreSQL refuses to run as root, so under root every server command runs as the
``postgres`` user, on a data directory that user owns.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "The PostgreSQL server is not installed, and the Postgres end-to-end test needs it. "
    "Install it with: sudo apt-get update && sudo apt-get install -y postgresql "
    "(the test looks for initdb and pg_ctl in /usr/lib/postgresql/<version>/bin)."
)


class PostgresNotInstalled(RuntimeError):
    """No PostgreSQL server binaries were found."""


def find_server_bindir(root: Path = Path("/usr/lib/postgresql")) -> Path:
    """The newest ``<root>/<major>/bin`` that has initdb, pg_ctl, postgres and psql."""
    candidates = [
        path
        for path in root.glob("*/bin")
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "postgres", "psql"))
    ]
    if not candidates:
        raise PostgresNotInstalled(INSTALL_HINT)
    return max(candidates, key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)] or [0])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """A cluster started by :meth:`start` and removed by :meth:`stop`; trust auth on 127.0.0.1."""

    user = "postgres"
    database = "postgres"
    host = "127.0.0.1"

    def __init__(self) -> None:
        self.bindir = find_server_bindir()
        self.port = _free_port()
        self.datadir = Path(tempfile.mkdtemp(prefix="tap-pixieset-pg-"))
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.datadir, user="postgres", group="postgres")

    def _server_command(self, *argv: str) -> list[str]:
        if not self._as_postgres:
            return list(argv)
        if shutil.which("runuser"):
            return ["runuser", "-u", "postgres", "--", *argv]
        return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(argv)]

    def _server(self, *argv: str) -> None:
        proc = subprocess.run(
            self._server_command(*argv), capture_output=True, text=True, check=False, timeout=300
        )
        if proc.returncode != 0:
            log = self.datadir / "server.log"
            server_log = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(
                f"{Path(argv[0]).name} failed:\n{proc.stdout}{proc.stderr}\n{server_log}"
            )

    def start(self) -> PostgresCluster:
        """initdb and start the server on a free loopback port."""
        self._server(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses={self.host} -p {self.port} -k {self.datadir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c TimeZone=UTC"
        )
        self._server(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.datadir / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "120",
            "start",
        )
        return self

    def stop(self) -> None:
        """Stop the server and delete its data directory."""
        try:
            self._server(
                str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"
            )
        finally:
            shutil.rmtree(self.datadir, ignore_errors=True)

    def target_config(self) -> dict[str, Any]:
        """Connection settings for target-postgres."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": "",
            "database": self.database,
        }

    def rows(self, sql: str) -> list[dict[str, Any]]:
        """The rows of a query, as dicts (through psql and ``json_agg``, so no driver is needed)."""
        wrapped = f"SELECT coalesce(json_agg(q), '[]'::json) FROM ({sql}) AS q"
        proc = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                self.database,
                "-c",
                wrapped,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed for {sql!r}: {proc.stderr}")
        return list(json.loads(proc.stdout))
