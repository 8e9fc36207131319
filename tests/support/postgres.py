"""A PostgreSQL server for tests and benchmarks: the one in ``DATABASE_URL``, or a throwaway one.

Usage::

    from tests.support.postgres import postgres_server, PostgresUnavailable

    with postgres_server() as server:          # raises PostgresUnavailable if none can be had
        name = server.create_database()        # fresh, empty, from template0
        url = server.url(name)                 # postgresql://user[:pw]@host:port/name
        ...
        server.drop_database(name)             # optional; a throwaway server vanishes anyway

``postgres_server()`` uses ``DATABASE_URL`` when it is set (a CI service container): databases are created on
that server through the URL's own database, so its role needs ``CREATEDB``. Otherwise it looks for PostgreSQL
binaries (``$PG_BINDIR``, ``pg_config --bindir``, ``/usr/lib/postgresql/*/bin``, ``PATH``), runs ``initdb`` in a
temporary directory and starts a server on 127.0.0.1 with a free port, its unix socket inside that directory and
durability switched off (``fsync=off``: the data is disposable). PostgreSQL refuses to run as root, so when this
process is root the server runs as the ``postgres`` user through ``runuser``. On exit the server is stopped and the
directory removed, also when the process receives SIGTERM (unless the program handles SIGTERM itself).

``server.started`` tells whether the server is a throwaway one; ``server.binaries_found`` is False when no
PostgreSQL installation could be located at all (callers may decide to skip only in that case, and never on CI).

psycopg is imported lazily so that importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import quote, urlsplit, urlunsplit

__all__ = ["PostgresServer", "PostgresUnavailable", "postgres_server", "find_bindir"]


class PostgresUnavailable(RuntimeError):
    """No server could be reached or started. ``binaries_found`` says whether PostgreSQL is installed at all."""

    def __init__(self, message: str, *, binaries_found: bool = True) -> None:
        super().__init__(message)
        self.binaries_found = binaries_found


@dataclass
class PostgresServer:
    """A reachable server. ``base_url`` points at a maintenance database on it."""

    base_url: str
    started: bool = False
    binaries_found: bool = True
    _created: list[str] = field(default_factory=list)

    def url(self, dbname: str) -> str:
        """The URL of database ``dbname`` on this server (same credentials as ``base_url``)."""
        parts = urlsplit(self.base_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + quote(dbname), parts.query, ""))

    def _admin(self):
        import psycopg

        return psycopg.connect(_libpq_url(self.base_url), autocommit=True, connect_timeout=10)

    def create_database(self, prefix: str = "mgtest") -> str:
        """Create an empty database with a unique name and return the name."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        self._created.append(name)
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting anyone still attached to it."""
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self._created:
            self._created.remove(name)

    def drop_created(self) -> None:
        for name in list(self._created):
            with contextlib.suppress(Exception):
                self.drop_database(name)


def _libpq_url(url: str) -> str:
    """libpq understands postgresql:// but not SQLAlchemy's driver suffix (postgresql+psycopg://)."""
    scheme, sep, rest = url.partition("://")
    if "+" in scheme:
        scheme = scheme.split("+", 1)[0]
    return scheme + sep + rest


def find_bindir() -> str | None:
    """The directory holding initdb/pg_ctl, or None."""
    candidates: list[str] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0:
                candidates.append(out.stdout.strip())
    # Debian keeps server binaries out of PATH; prefer the newest major version.
    candidates.extend(sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major, reverse=True))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(os.path.dirname(initdb))
    for path in candidates:
        if os.access(os.path.join(path, "initdb"), os.X_OK) and os.access(os.path.join(path, "pg_ctl"), os.X_OK):
            return path
    return None


def _major(path: str) -> float:
    try:
        return float(path.split("/")[-2])
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *argv]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_shell_quote(a) for a in argv)]


def _shell_quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


def _run(argv: list[str], what: str, timeout: float = 120) -> None:
    proc = subprocess.run(_as_server_user(argv), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise PostgresUnavailable(f"{what} failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()}")


@contextlib.contextmanager
def _unwind_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM (what `timeout` and CI cancellation send) into SystemExit, so the server is stopped
    and its directory removed instead of outliving a killed test run. Only when nobody else handles it."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def _throwaway(settings: dict[str, str] | None = None) -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "DATABASE_URL is unset and no PostgreSQL binaries (initdb, pg_ctl) were found; "
            "set DATABASE_URL or PG_BINDIR",
            binaries_found=False,
        )
    if os.geteuid() == 0:
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable("running as root and there is no 'postgres' user to run the server as") from None
    root = tempfile.mkdtemp(prefix="mg-pg-")
    datadir = os.path.join(root, "data")
    logfile = os.path.join(root, "server.log")
    started = False
    try:
        os.chmod(root, 0o700)
        if os.geteuid() == 0:
            os.chown(root, pw.pw_uid, pw.pw_gid)
        _run([os.path.join(bindir, "initdb"), "-D", datadir, "-U", "postgres", "--auth=trust",
              "-E", "UTF8", "--locale=C", "--no-sync"], "initdb")
        port = _free_port()
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": root,
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "50",
        }
        options.update(settings or {})
        opt_str = " ".join(f"-c {k}={v}" for k, v in options.items())
        _run([os.path.join(bindir, "pg_ctl"), "-D", datadir, "-l", logfile, "-w", "-t", "60",
              "-o", opt_str, "start"], "pg_ctl start")
        started = True
        yield PostgresServer(base_url=f"postgresql://postgres@127.0.0.1:{port}/postgres", started=True)
    except PostgresUnavailable as exc:
        tail = ""
        with contextlib.suppress(OSError):
            with open(logfile, encoding="utf-8", errors="replace") as fh:
                tail = fh.read()[-2000:]
        raise PostgresUnavailable(f"{exc}\n{tail}".rstrip()) from None
    finally:
        if started:
            with contextlib.suppress(Exception):
                _run([os.path.join(bindir, "pg_ctl"), "-D", datadir, "-m", "immediate", "-w", "stop"], "pg_ctl stop")
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server(settings: dict[str, str] | None = None) -> Iterator[PostgresServer]:
    """Yield a :class:`PostgresServer`; ``settings`` are extra ``-c`` options for a throwaway server only."""
    url = os.environ.get("DATABASE_URL")
    if url:
        server = PostgresServer(base_url=_libpq_url(url))
        try:
            with server._admin():
                pass
        except Exception as exc:  # psycopg.OperationalError, bad URL, ...
            raise PostgresUnavailable(f"cannot connect to DATABASE_URL: {exc}") from None
        try:
            yield server
        finally:
            server.drop_created()
        return
    with _unwind_on_sigterm(), _throwaway(settings) as server:
        yield server
