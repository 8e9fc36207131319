"""What each revision did, observed around it during the one-revision-at-a-time upgrade.

Before the first revision and after each one the catalog is snapshotted by identity (objects.py);
the difference is what that revision destroyed. With ``with_data`` every table a revision creates
gets a few rows and every table's rows are counted after each revision, so rows a revision deleted
are seen whatever SQL deleted them. The statements each revision sent are recorded at the driver.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from . import catalog, objects, rows
from .statements import Executed, Recorder, name_locks


@dataclass
class RowLoss:
    revision: str
    key: str  # the table's identity (objects.CatalogObject.key)
    schema: str
    table: str
    before: int
    after: int
    references: tuple[str, ...] = ()  # keys of the tables its foreign keys point at
    covered_by: dict | None = None

    def as_dict(self) -> dict:
        return {"revision": self.revision, "schema": self.schema, "table": self.table, "before": self.before,
                "after": self.after, "covered_by": self.covered_by}


@dataclass
class RevisionRun:
    revision: str
    statements: list[Executed] = field(default_factory=list)
    audit_seconds: float = 0.0  # snapshots, counts and fills: what the audit added to this revision
    filled: dict[str, int] = field(default_factory=dict)  # table -> rows inserted
    unfilled: dict[str, str] = field(default_factory=dict)  # table -> why no row could be inserted

    def as_dict(self) -> dict:
        return {"revision": self.revision, "audit_seconds": round(self.audit_seconds, 4),
                "statements": [s.as_dict() for s in self.statements]}


class Audit:
    """Passed to ``AlembicProject.upgrade_stepwise``: called before and after every revision."""

    def __init__(self, conn, with_data: bool = False, scrub=lambda text: text) -> None:
        self.conn = conn
        self.with_data = with_data
        self.scrub = scrub
        self.destroyed: list[objects.Destroyed] = []
        self.row_losses: list[RowLoss] = []
        self.runs: list[RevisionRun] = []
        self._recorder = Recorder(conn)
        self._current: objects.Snapshot | None = None
        self._counts: dict[int, int] = {}
        self._setup_seconds = 0.0

    def __enter__(self) -> "Audit":
        started = time.perf_counter()
        self._current = objects.snapshot(self.conn)
        self._counts = self._count(self._current)
        self._setup_seconds = time.perf_counter() - started
        self._recorder.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._recorder.__exit__(*exc)

    def before(self, revision: str) -> None:
        self._recorder.take()  # anything sent between revisions belongs to none of them

    def after(self, revision: str) -> None:
        run = RevisionRun(revision, self._recorder.take())
        started = time.perf_counter()
        before, after = self._current, objects.snapshot(self.conn)
        ignore = self._version_keys(before, after)
        self.destroyed += objects.destroyed(revision, before, after, ignore)
        name_locks(run.statements, _relation_names(before, after, ignore=ignore))
        for record in run.statements:
            record.error = self.scrub(record.error) if record.error else None
        if self.with_data:
            counted = self._count(after, ignore)
            self._losses(revision, before, counted)
            self._fill(run, before, after, ignore)
            self._counts = self._count(after, ignore)
        self._current = after
        run.audit_seconds = time.perf_counter() - started
        self.runs.append(run)

    @property
    def seconds(self) -> float:
        return self._setup_seconds + sum(r.audit_seconds for r in self.runs)

    def _version_keys(self, *shots: objects.Snapshot) -> set[str]:
        names = catalog.version_tables(self.conn)
        return {o.key for shot in shots for o in shot.by_kind("table") if f"{o.schema}.{o.name}" in names}

    def _count(self, shot: objects.Snapshot, ignore: set[str] = frozenset()) -> dict[int, int]:
        if not self.with_data:
            return {}
        tables = {int(o.key[2:]): (o.schema, o.name) for o in shot.by_kind("table") if o.key not in ignore}
        return rows.counts(self.conn, tables)

    def _losses(self, revision: str, before: objects.Snapshot, now: dict[int, int]) -> None:
        for oid, count in sorted(now.items(), key=lambda item: _sort_name(before, item[0])):
            old = self._counts.get(oid)
            if old is not None and count < old:
                table = before.objects[f"c:{oid}"]
                self.row_losses.append(RowLoss(revision, table.key, table.schema, table.name, old, count,
                                               _referenced(before, table.key)))

    def _fill(self, run: RevisionRun, before: objects.Snapshot, after: objects.Snapshot, ignore: set[str]) -> None:
        new = [o for o in after.by_kind("table") if o.key not in before.objects and o.key not in ignore]
        pending = sorted(new, key=lambda o: (o.schema, o.name))
        # Referenced tables first: a table is retried after the others while that fills something;
        # when nothing moves any more, nullable foreign keys may stay NULL for one last round.
        wait = True
        while pending:
            progress, waiting = False, []
            for table in pending:
                inserted, why = rows.fill(self.conn, int(table.key[2:]), wait_for_references=wait)
                if inserted:
                    run.filled[f"{table.schema}.{table.name}"] = inserted
                    progress = True
                else:
                    waiting.append((table, why))
            pending = [t for t, _ in waiting]
            if not progress:
                if wait:
                    wait = False
                    continue
                for table, why in waiting:
                    run.unfilled[f"{table.schema}.{table.name}"] = self.scrub(why or "no row could be inserted")
                pending = []


def _sort_name(shot: objects.Snapshot, oid: int) -> tuple[str, str]:
    table = shot.objects.get(f"c:{oid}")
    return (table.schema, table.name) if table else ("", "")


def _relation_names(*shots: objects.Snapshot, ignore: set[str]) -> dict[int, str]:
    names = {}
    for shot in shots:
        for o in shot.objects.values():
            if o.key.startswith("c:") and o.kind in ("table", "view", "materialized_view", "sequence") \
                    and o.key not in ignore:
                names[int(o.key[2:])] = f"{o.schema}.{o.name}"
    return names


def _referenced(shot: objects.Snapshot, table_key: str) -> tuple[str, ...]:
    """Tables the foreign keys of ``table_key`` point at: ON DELETE CASCADE deletes follow them."""
    return tuple(c.parents[2] for c in shot.by_kind("constraint")
                 if c.storage == "f" and len(c.parents) > 2 and c.parents[1] == table_key)
