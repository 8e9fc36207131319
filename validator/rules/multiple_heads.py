"""The revision graph has more than one head, so alembic upgrade head fails.

**What goes wrong**: two branches each added a revision on top of the same parent (two
pull requests merged one after the other is the usual cause). Each new revision is
fine on its own, but together the history forks: ``alembic upgrade head`` stops with
``Multiple head revisions are present``, and the deploy that runs it fails. Which
order the two revisions should run in is a decision nobody has made yet.

The graph is built from every revision file in the versions directory, even when only
one file changed; each head among the linted files is reported. The check is skipped
while some revision file cannot be parsed (MG901), because its place in the graph is
unknown. Projects that keep independent branches on purpose (``branch_labels`` and
``alembic upgrade heads``) should disable this rule.

**Safer alternative**:

1. Rebase your revision on the current head: set ``down_revision`` to the revision
   ``alembic heads`` lists besides yours, and check that the two do not conflict.
2. Or add a merge revision that joins them:

   ```bash
   alembic merge -m "merge heads" heads
   ```

   which writes a revision whose ``down_revision`` is a tuple of both heads.
"""
from ..model import Severity
from . import rule
from ._graph import build, listing, where


@rule(code="MG401", name="multiple-heads", severity=Severity.WARNING, scope="project", category="graph")
def check(migrations):
    graph = build(migrations)
    heads = graph.heads()
    if len(heads) < 2 or not graph.complete:
        return
    for head in heads:
        others = [h for h in heads if h != head]
        for migration in graph.by_id[head]:
            yield migration.path, (where(migration), f"revision {head} is one of {len(heads)} heads "
                                                     f"(also {listing(others)}); the history needs a merge revision")
