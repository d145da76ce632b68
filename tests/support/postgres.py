"""A throwaway PostgreSQL cluster for the tests: the real server from the distribution's packages, never a mock.

``initdb`` in a fresh temporary folder, a server listening on one free loopback port (and a Unix socket in that
folder, nowhere else), password authentication for a superuser of our own, fsync and synchronous commit kept on
(the storage tests test durability), and everything gone when the cluster stops. Run as root (CI), the cluster
runs as an unprivileged user, since ``initdb`` and ``postgres`` refuse to run as root.

The fixtures that use it live in tests/support/fixtures.py.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

SUPERUSER = "privacy"
_PREFIX = "privacy-test-pg-"
_START_TIMEOUT = 60.0  # seconds; initdb and a first start on a loaded 2-core machine
_STOP_TIMEOUT = 30.0
_STALE_AFTER = 600.0  # seconds: a folder of ours this old, with no live server, is a run killed before its cleanup


class PostgresUnavailable(RuntimeError):
    """The cluster could not be started; the message says why and what to install or set."""


def find_bindir() -> Path:
    """Where ``initdb`` and ``postgres`` are: $PRIVACY_TEST_PG_BINDIR, else PATH, else Debian's
    /usr/lib/postgresql/<version>/bin (the newest version installed), where they are not on PATH."""
    chosen = os.environ.get("PRIVACY_TEST_PG_BINDIR")
    if chosen:
        candidates = [Path(chosen)]
    else:
        on_path = shutil.which("initdb")
        candidates = [Path(on_path).parent] if on_path else []
        versions = Path("/usr/lib/postgresql").glob("*/bin")
        candidates += sorted(versions, key=lambda path: _version(path.parent.name), reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    raise PostgresUnavailable(
        "PostgreSQL's server programs (initdb, postgres) were not found"
        + (f" in PRIVACY_TEST_PG_BINDIR={chosen}" if chosen else " on PATH nor under /usr/lib/postgresql/*/bin")
        + ": install them (Debian: apt-get install postgresql; .ci/run does) or point PRIVACY_TEST_PG_BINDIR at"
        " their folder. The PostgreSQL tests are part of the suite and are never skipped."
    )


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


def _cluster_user() -> pwd.struct_passwd | None:
    """The unprivileged account the cluster runs as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in (os.environ.get("PRIVACY_TEST_PG_USER"), "postgres", "nobody"):
        if name:
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(name)
    raise PostgresUnavailable(
        "running as root, and neither a 'postgres' nor a 'nobody' account exists to run the PostgreSQL test"
        " cluster (initdb and postgres refuse root): create one or set PRIVACY_TEST_PG_USER"
    )


def _as_user(user: pwd.struct_passwd | None, command: list[str]) -> list[str]:
    # setpriv execs the program itself (the pid we hold is the server's), and --pdeathsig stops the server when
    # this process dies without its cleanup (a run killed by `timeout`): no cluster outlives its tests.
    prefix = ["setpriv", "--pdeathsig", "QUIT"]
    if user is not None:
        prefix += ["--reuid", str(user.pw_uid), "--regid", str(user.pw_gid), "--clear-groups"]
    return [*prefix, "--", *command]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _remove_stale_folders() -> None:
    """Folders of clusters whose run was killed before it could clean up (their server is gone)."""
    now = time.time()
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        try:
            if now - folder.stat().st_mtime < _STALE_AFTER:
                continue
            pid_file = folder / "data" / "postmaster.pid"
            if pid_file.exists():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid_file.read_text().split("\n", 1)[0]), 0)
                    continue  # still running: another run's
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


@dataclass(frozen=True)
class PostgresCluster:
    """A running cluster: where to reach it, and how to make databases in it."""

    host: str
    port: int
    socket_dir: Path
    user: str
    password: str
    bindir: Path
    pid: int = 0  # the postmaster's: its children are the sessions (bench/ reads their CPU time)

    def url(self, database: str = "postgres") -> str:
        """A ``postgresql://`` URL, over TCP on loopback, for ``database``."""
        return f"postgresql://{self.user}:{quote(self.password, safe='')}@{self.host}:{self.port}/{quote(database)}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit connection (CREATE/DROP DATABASE cannot run in a transaction)."""
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=10)

    def create_database(self, template: str = "template0") -> str:
        """A new, empty database (a copy of ``template``, which must have no open connection); its name."""
        name = f"test_{secrets.token_hex(6)}"
        with self.connect() as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, ending the sessions still connected to it (a test that forgot to close a pool)."""
        with self.connect() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextlib.contextmanager
def running_cluster(settings: Mapping[str, str] | None = None) -> Iterator[PostgresCluster]:
    """Start a throwaway cluster; stop it and delete its folder afterwards. Raises PostgresUnavailable, saying
    why, when it cannot start. ``settings``: more server settings (bench/ loads pg_stat_statements)."""
    bindir = find_bindir()
    user = _cluster_user()
    _remove_stale_folders()
    folder = Path(tempfile.mkdtemp(prefix=_PREFIX))
    try:
        # The folder is the cluster user's alone (initdb wants its data folder 0700 and its own).
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
        folder.chmod(0o700)
        password = secrets.token_urlsafe(24)
        password_file = folder / "password"
        password_file.write_text(password + "\n")
        if user is not None:
            os.chown(password_file, user.pw_uid, user.pw_gid)
        data = folder / "data"
        _run(
            user,
            [
                str(bindir / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                SUPERUSER,
                "--pwfile",
                str(password_file),
                "--auth",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
            ],
            "initdb",
        )
        password_file.unlink()
        cluster, process = _start(bindir, user, data, folder, password, settings or {})
        try:
            yield cluster
        finally:
            _stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(user: pwd.struct_passwd | None, command: list[str], what: str) -> None:
    try:
        done = subprocess.run(
            _as_user(user, command), capture_output=True, text=True, timeout=_START_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PostgresUnavailable(f"{what} of the PostgreSQL test cluster failed: {error}") from error
    if done.returncode != 0:
        raise PostgresUnavailable(f"{what} of the PostgreSQL test cluster failed ({done.returncode}):\n{done.stderr}")


def _start(
    bindir: Path, user: pwd.struct_passwd | None, data: Path, folder: Path, password: str, settings: Mapping[str, str]
) -> tuple[PostgresCluster, subprocess.Popen[bytes]]:
    log = folder / "server.log"
    for _attempt in range(3):  # the free port may be taken between our look and the server's bind
        port = _free_port()
        command = [
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"port={port}",
            "-c",
            f"unix_socket_directories={folder}",
            # Durability is what the storage tests check: never traded for speed here.
            "-c",
            "fsync=on",
            "-c",
            "synchronous_commit=on",
            "-c",
            "full_page_writes=on",
            "-c",
            "max_connections=200",
            *(option for name, value in settings.items() for option in ("-c", f"{name}={value}")),
        ]
        with log.open("ab") as out:
            process = subprocess.Popen(_as_user(user, command), stdout=out, stderr=subprocess.STDOUT)
        cluster = PostgresCluster("127.0.0.1", port, folder, SUPERUSER, password, bindir, process.pid)
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with cluster.connect():
                    return cluster, process
            except psycopg.OperationalError:
                time.sleep(0.1)
        if process.poll() is None:
            process.kill()
            process.wait()
            break
        if "could not bind" not in log.read_text(errors="replace"):
            break
    raise PostgresUnavailable(
        f"the PostgreSQL test cluster did not start within {_START_TIMEOUT:.0f} s; its log:\n"
        + log.read_text(errors="replace")
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)  # "fast" shutdown: ends the sessions, checkpoints, exits
    try:
        process.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
