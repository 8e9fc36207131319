"""Two revision files declare the same revision id.

**What goes wrong**: Alembic keys its revision map by id. With two files claiming the
same ``revision``, one of them silently replaces the other: its operations never run
(or run in place of the other's), and the databases that already applied one of them
record an id that now means something else. Copying a revision file to start a new one
and forgetting to change the id is the usual cause.

The graph is built from every revision file in the versions directory, even when only
one file changed; every linted file involved is reported.

**Safer alternative**:

1. Give the newer file a fresh id (``alembic revision`` generates one, or
   ``uuid.uuid4().hex[-12:]``) and update the ``down_revision`` of any revision that
   follows it:

   ```python
   revision = "7d1e0c4b9a22"  # was "3f2a9c0d1e4b", the id of add_orders_index.py
   down_revision = "3f2a9c0d1e4b"
   ```
2. If both files were meant to be one revision, merge their operations into one file
   and delete the other.
"""
from ..model import Severity
from . import rule
from ._graph import build, where


@rule(code="MG403", name="duplicate-revision", severity=Severity.WARNING, scope="project", category="graph")
def check(migrations):
    graph = build(migrations)
    for rid, files in sorted(graph.by_id.items()):
        if len(files) < 2:
            continue
        for migration in files:
            others = sorted({m.path for m in files if m is not migration and m.path != migration.path})
            if not others:
                continue
            yield migration.path, (where(migration), f"revision {rid} is also declared in {', '.join(others)}")
