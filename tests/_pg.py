"""A throwaway PostgreSQL/PostGIS cluster for the tests: local socket only, no TCP.

``scripts/test.sh`` installs Debian's PostgreSQL and PostGIS; this module creates a
cluster in a temporary folder, starts it listening on a Unix socket only
(``listen_addresses=''``), creates the PostGIS extension, and stops and removes
it at the end. When the server cannot start, the reason is returned so the tests
are skipped with it, visibly.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class Cluster:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="uc-pg-"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.dsn = ""
        self._as: list[str] = []

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._as, *cmd], capture_output=True, text=True, check=False, timeout=120
        )

    def start(self) -> str | None:
        """Start the cluster; return None, or the reason it could not start."""
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if not initdb or not pg_ctl:
            return "PostgreSQL is not installed (scripts/test.sh installs it from Debian)"
        if not glob.glob("/usr/share/postgresql/*/extension/postgis.control"):
            return "PostGIS is not installed (Debian package postgresql-*-postgis-3)"
        self.sock.mkdir()
        if os.geteuid() == 0:  # initdb refuses root: run the server as 'postgres'
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no 'postgres' user to run the server"
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            os.chown(self.sock, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
            user = "postgres"
        else:
            user = pwd.getpwuid(os.geteuid()).pw_name
        out = self._run(initdb, "-D", str(self.data), "-A", "trust", "-U", user, "-E", "UTF8")
        if out.returncode:
            return f"initdb failed: {out.stderr.strip()[-300:]}"
        opts = f"-c listen_addresses='' -k {self.sock} -c fsync=off"
        out = self._run(pg_ctl, "-D", str(self.data), "-o", opts, "-w", "-t", "60",
                        "-l", str(self.root / "log"), "start")
        if out.returncode:
            return f"pg_ctl start failed: {out.stderr.strip()[-300:]}"
        self.dsn = f"postgresql://{user}@/postgres?host={self.sock}"
        psql = _bin("psql") or "psql"
        out = self._run(psql, "-h", str(self.sock), "-U", user, "-d", "postgres", "-c",
                        "CREATE EXTENSION IF NOT EXISTS postgis")
        if out.returncode:
            return f"CREATE EXTENSION postgis failed: {out.stderr.strip()[-300:]}"
        return None

    def stop(self) -> None:
        pg_ctl = _bin("pg_ctl")
        if pg_ctl and self.data.exists():
            self._run(pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_dsn() -> Iterator[str]:
    """A running throwaway PostGIS cluster's connection string (module-scoped).

    Skips with the reason when the server cannot start, or fails instead when
    ``URBANCHAIN_REQUIRE_POSTGIS`` is set (as ``scripts/test.sh`` does).
    """
    cluster = Cluster()
    reason = cluster.start()
    if reason is not None:
        cluster.stop()
        if os.environ.get("URBANCHAIN_REQUIRE_POSTGIS"):
            pytest.fail(f"the test command requires PostGIS, but: {reason}")
        pytest.skip(f"PostGIS server could not start: {reason}")
    try:
        yield cluster.dsn
    finally:
        cluster.stop()
