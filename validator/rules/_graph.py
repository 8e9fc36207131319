"""The revision graph of a versions directory, read from each file's ``revision``/``down_revision``."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..model import PARSE_ERROR_CODE, Migration, Span


@dataclass(frozen=True)
class Graph:
    by_id: dict[str, list[Migration]]  # revision id -> the files declaring it (more than one: MG403)
    complete: bool  # False when a file could not be parsed: its place in the graph is unknown

    @property
    def ids(self) -> set[str]:
        return set(self.by_id)

    def heads(self) -> list[str]:
        """Revisions that no other revision names as its ``down_revision``."""
        parents = {down for files in self.by_id.values() for m in files for down in m.revision.down_revisions}
        return sorted(rid for rid in self.by_id if rid not in parents)


def build(migrations: tuple[Migration, ...]) -> Graph:
    by_id: dict[str, list[Migration]] = defaultdict(list)
    complete = True
    for migration in migrations:
        if any(p.code == PARSE_ERROR_CODE for p in migration.problems):
            complete = False
        if migration.revision.revision:
            by_id[migration.revision.revision].append(migration)
    return Graph(dict(by_id), complete)


def where(migration: Migration) -> Span:
    """The ``revision = …`` line: where graph findings are reported."""
    return Span(migration.revision.line, migration.revision.line)


def listing(ids: list[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
