"""Drive an Alembic project one revision at a time, in this process.

Stepping revision by revision is what lets verify name the revision that failed, for any project,
without relying on how (or whether) the project configures Alembic's logging. The project's env.py
runs in this process: it sees DATABASE_URL (the URL as the user gave it) and ``sqlalchemy.url``
(rewritten for psycopg 3), so both common env.py styles connect to the database under test.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Iterator

from .urls import DatabaseUrl, UsageError


@dataclass
class StepFailure:
    revision: str
    message: str
    sqlstate: str | None = None
    statement: str | None = None

    def as_dict(self) -> dict:
        return {"revision": self.revision, "sqlstate": self.sqlstate, "message": self.message,
                "statement": self.statement}


@dataclass
class RunResult:
    applied: list[dict] = field(default_factory=list)  # [{"revision", "seconds"}]
    failure: StepFailure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def describe_error(exc: BaseException, url: DatabaseUrl) -> tuple[str, str | None, str | None]:
    """(message, sqlstate, statement) with PostgreSQL's own words when the error came from the server."""
    orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error; psycopg's own have .diag
    diag = getattr(orig, "diag", None) or getattr(exc, "diag", None)
    statement = getattr(exc, "statement", None)
    if diag is not None and diag.message_primary:
        message = diag.message_primary
        for label, extra in (("DETAIL", diag.message_detail), ("HINT", diag.message_hint)):
            if extra:
                message += f" ({label}: {extra})"
        sqlstate = diag.sqlstate
    else:
        message = f"{type(exc).__name__}: {exc}".strip()
        sqlstate = getattr(orig, "sqlstate", None)
    if statement is not None:
        statement = " ".join(str(statement).split())
        if len(statement) > 300:
            statement = statement[:297] + "..."
    return url.scrub(message), sqlstate, url.scrub(statement) if statement else None


class AlembicProject:
    def __init__(self, ini_path: str, url: DatabaseUrl) -> None:
        from alembic.config import Config

        if not os.path.isfile(ini_path):
            raise UsageError(f"Alembic config not found: {ini_path}")
        self.url = url
        self.config = Config(ini_path)
        try:
            has_location = bool(self.config.get_main_option("script_location"))
        except Exception as exc:  # configparser errors: the file is not an ini file
            raise UsageError(f"cannot read {ini_path}: {exc}") from None
        if not has_location:
            raise UsageError(f"{ini_path} has no script_location in its [alembic] section")
        # configparser interpolation: a literal % in a password must be doubled.
        self.config.set_main_option("sqlalchemy.url", url.sqlalchemy.replace("%", "%%"))
        from alembic.script import ScriptDirectory
        from alembic.util.exc import CommandError

        try:
            # Only locates the directory; revision files are imported later, and their errors are
            # failures of the project (exit 1), not of the command line.
            ScriptDirectory.from_config(self.config)
        except CommandError as exc:
            raise UsageError(f"{ini_path}: {exc}") from None

    def revisions(self) -> list:
        """All revisions, base first (a topological order: every revision after its parents)."""
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(self.config)
        return list(reversed(list(script.walk_revisions("base", "heads"))))

    def heads(self) -> list[str]:
        from alembic.script import ScriptDirectory

        return list(ScriptDirectory.from_config(self.config).get_heads())

    @contextlib.contextmanager
    def _environment(self) -> Iterator[None]:
        # env.py files print and log freely; keep stdout clean for the JSON/Markdown report.
        saved = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = self.url.raw
        try:
            with contextlib.redirect_stdout(sys.stderr):
                yield
        finally:
            if saved is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = saved

    def _run(self, fn, target: str, label: str, result: RunResult) -> bool:
        started = time.perf_counter()
        try:
            with self._environment():
                fn(self.config, target)
        except BaseException as exc:  # SystemExit from an env.py counts as a failure too
            if isinstance(exc, KeyboardInterrupt):
                raise
            message, sqlstate, statement = describe_error(exc, self.url)
            result.failure = StepFailure(label, message, sqlstate, statement)
            return False
        result.applied.append({"revision": label, "seconds": round(time.perf_counter() - started, 4)})
        return True

    def upgrade_stepwise(self, observer=None) -> RunResult:
        """Upgrade one revision at a time; ``observer.before(rev)``/``.after(rev)`` run around each,
        after a failed one too (a revision that fails outside a transaction may still have destroyed)."""
        from alembic import command

        result = RunResult()
        try:
            revisions = self.revisions()
        except Exception as exc:
            message, sqlstate, _ = describe_error(exc, self.url)
            result.failure = StepFailure("(loading revisions)", message, sqlstate)
            return result
        for rev in revisions:
            if observer is not None:
                observer.before(rev.revision)
            ok = self._run(command.upgrade, rev.revision, rev.revision, result)
            if observer is not None:
                observer.after(rev.revision)
            if not ok:
                break
        return result

    def downgrade_stepwise(self) -> RunResult:
        from alembic import command

        result = RunResult()
        revisions = self.revisions()
        linear = len(self.heads()) <= 1 and all(not isinstance(r.down_revision, (tuple, list)) for r in revisions)
        if not linear:
            # With branches or merges there is no single "previous" revision to step to; let Alembic
            # order the whole walk and report the failure without a revision name.
            self._run(command.downgrade, "base", "(downgrade base)", result)
            return result
        for rev in reversed(revisions):
            if not self._run(command.downgrade, rev.down_revision or "base", rev.revision, result):
                break
        return result
