"""A revision names a down_revision that no revision file declares.

**What goes wrong**: Alembic builds its revision map from every file in the versions
directory before doing anything; a ``down_revision`` that points nowhere stops every
command (``Revision … referenced from … is not present``), so the deploy fails. The
usual causes are a parent revision that was renamed, squashed or deleted, a typo, or
a branch rebased onto a revision that only exists on another branch.

The graph is built from every revision file in the versions directory, even when only
one file changed. The check is skipped while some revision file cannot be parsed
(MG901), because it may be the missing parent. Projects that spread revisions over
several ``version_locations`` must lint them together, or disable this rule.

**Safer alternative**:

1. Run ``alembic heads`` and ``alembic history`` on the target branch.
2. Point ``down_revision`` at the revision your change really follows:

   ```python
   revision = "3f2a9c0d1e4b"
   down_revision = "9b1c2d3e4f50"  # the current head on main
   ```
3. If the parent was deleted on purpose, restore it: the databases that already ran it
   still record its id in ``alembic_version``.
"""
from ..model import Severity, Span
from . import rule
from ._graph import build


@rule(code="MG402", name="unknown-down-revision", severity=Severity.WARNING, scope="project", category="graph")
def check(migrations):
    graph = build(migrations)
    if not graph.complete:
        return
    for rid, files in sorted(graph.by_id.items()):
        for migration in files:
            for down in migration.revision.down_revisions:
                if down not in graph.by_id:
                    line = migration.revision.down_revision_line or migration.revision.line
                    yield migration.path, (Span(line, line),
                                           f"revision {rid} names down_revision {down}, which no revision file declares")
