"""The SQL each revision actually executed, captured at the driver, with duration and locks.

Every statement any SQLAlchemy engine sends while a revision runs is recorded: ``op`` calls, raw
``op.execute`` text, SQL read from files or built at run time. Locks are read from ``pg_locks`` by
verify's own connection, keyed by the migration connection's backend pid, so nothing is ever sent
inside the migration's transaction. What Alembic sends for its own bookkeeping (the version table,
its existence check) is left out: the reviewer wants the revision's DDL.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

# Weakest first, as PostgreSQL orders them (the lock conflict table).
LOCK_MODES = ("AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
              "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")

_LOCKS_SQL = """
SELECT l.relation, l.mode FROM pg_locks l
WHERE l.pid = %s AND l.locktype = 'relation' AND l.granted AND l.relation >= 16384
"""

_STATEMENT_LIMIT = 2000  # characters kept of one statement: a bulk INSERT can be megabytes


@dataclass
class Executed:
    sql: str
    seconds: float
    locks: list[dict] = field(default_factory=list)  # [{"relation", "mode"}] taken by this statement
    rows: int | None = None
    error: str | None = None
    held: dict[int, str] = field(default_factory=dict, repr=False)  # relation OID -> strongest mode held
    new_locks: set[int] = field(default_factory=set, repr=False)

    def as_dict(self) -> dict:
        return {"sql": self.sql, "seconds": round(self.seconds, 4), "locks": self.locks, "rows": self.rows,
                "error": self.error}


def _strongest(modes: set[str]) -> str:
    return max(modes, key=lambda m: LOCK_MODES.index(m) if m in LOCK_MODES else -1)


def _bookkeeping(sql: str, parameters, version_table: str) -> bool:
    text = sql.lower()
    if version_table in text:
        return True
    # Alembic's "does the version table exist" query names the table only in its parameters.
    return "pg_catalog.pg_class" in text and version_table in repr(parameters).lower()


class Recorder:
    """Listen to every engine while a revision runs; ``take()`` hands over what it ran."""

    def __init__(self, lock_conn, version_table: str = "alembic_version") -> None:
        self.lock_conn = lock_conn
        self.version_table = version_table
        self.statements: list[Executed] = []
        self._held: dict[int, set[tuple[int, str]]] = {}  # per backend pid: the locks already seen
        self._started: dict[int, float] = {}

    def __enter__(self) -> "Recorder":
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)
        event.listen(Engine, "handle_error", self._error)
        event.listen(Engine, "commit", self._end)
        event.listen(Engine, "rollback", self._end)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.remove(Engine, "before_cursor_execute", self._before)
        event.remove(Engine, "after_cursor_execute", self._after)
        event.remove(Engine, "handle_error", self._error)
        event.remove(Engine, "commit", self._end)
        event.remove(Engine, "rollback", self._end)

    def take(self) -> list[Executed]:
        taken, self.statements = self.statements, []
        return taken

    @staticmethod
    def _pid(conn) -> int | None:
        try:
            return conn.connection.driver_connection.info.backend_pid
        except Exception:  # another driver, or a closed connection: no locks, still the statement
            return None

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        seconds = time.perf_counter() - self._started.pop(id(cursor), time.perf_counter())
        if _bookkeeping(statement, parameters, self.version_table):
            return
        rows = cursor.rowcount if isinstance(cursor.rowcount, int) and cursor.rowcount >= 0 else None
        record = Executed(_clip(statement), seconds, rows=rows)
        pid = self._pid(conn)
        if pid is not None:
            record.held, record.new_locks = self._new_locks(pid)
        self.statements.append(record)

    def _error(self, context) -> None:
        statement = context.statement or ""
        if statement and not _bookkeeping(statement, context.parameters, self.version_table):
            error = " ".join(str(getattr(context.original_exception, "args", [""])[0]).split())
            self.statements.append(Executed(_clip(statement), 0.0, error=error[:500]))

    def _end(self, conn) -> None:
        pid = self._pid(conn)
        if pid is not None:
            self._held.pop(pid, None)

    def _new_locks(self, pid: int) -> tuple[dict[int, str], set[int]]:
        """(strongest mode held on each relation, the relations this statement locked anew)."""
        try:
            held = {(oid, mode) for oid, mode in self.lock_conn.execute(_LOCKS_SQL, (pid,)).fetchall()}
        except Exception:  # locks are a courtesy; never fail a revision for them
            return {}, set()
        new = {oid for oid, _ in held - self._held.get(pid, set())}
        self._held[pid] = held
        by_relation: dict[int, set[str]] = {}
        for oid, mode in held:
            by_relation.setdefault(oid, set()).add(mode)
        return {oid: _strongest(modes) for oid, modes in by_relation.items()}, new


def name_locks(statements: list[Executed], names: dict[int, str]) -> None:
    """Name the relations each statement locked anew or names itself, with the strongest mode its
    transaction held on them once the statement was done (a second ALTER of the same table shows the
    lock the first one took). Names come from the catalog snapshots around the revision: a relation a
    statement creates is invisible to verify's connection until the revision commits. Indexes, and
    relations created and dropped inside the revision, are left out."""
    for record in statements:
        text = record.sql.lower()
        record.locks = [
            {"relation": names[oid], "mode": mode}
            for oid, mode in sorted(record.held.items(), key=lambda item: names.get(item[0], ""))
            if oid in names and (oid in record.new_locks or _mentions(text, names[oid]))
        ]


def _mentions(sql: str, qualified: str) -> bool:
    name = qualified.rpartition(".")[2].lower()
    return re.search(r'(?<![\w$])"?' + re.escape(name) + r'"?(?![\w$])', sql) is not None


def _clip(sql: str) -> str:
    sql = sql.strip()
    return sql if len(sql) <= _STATEMENT_LIMIT else sql[:_STATEMENT_LIMIT] + f" ... ({len(sql)} characters)"
