"""The ``destruction`` step: everything a revision destroyed must have been seen by the static gate."""

from __future__ import annotations

import os

from .audit import Audit, RowLoss
from .coverage import cover, covered_by, findings_by_revision, table_finding
from .report import FAILED, PASSED, SKIPPED, Report, Step

# Losing one of these unseen fails the step; the other kinds are listed, and fail only when asked.
FAILING_KINDS = frozenset({"table", "column", "constraint", "schema", "type", "sequence", "extension"})
LISTED_KINDS = frozenset({"index", "view", "materialized_view", "function"})


def revision_paths(project) -> dict[str, str]:
    """Revision id -> its file, relative to the working directory when under it (as lint prints paths)."""
    paths = {}
    for script in project.revisions():
        path = os.path.relpath(script.path)
        paths[script.revision] = script.path if path.startswith("..") else path
    return paths


def destruction_step(step: Step, report: Report, audit: Audit, project, settings, fail_uncovered: frozenset[str]) -> None:
    report.executed = [run.as_dict() for run in audit.runs]
    if not audit.runs:
        step.status, step.detail = SKIPPED, "skipped: no revision ran"
        return
    findings = findings_by_revision(revision_paths(project), settings)
    cover(audit.destroyed, findings)
    _cover_rows(audit.row_losses, findings)
    failing_kinds = FAILING_KINDS | fail_uncovered

    def fails(d) -> bool:
        # Objects that went along with another are named through it: the one the gate should have seen.
        return d.covered_by is None and d.parent is None and d.object.kind in failing_kinds

    report.destroyed = [{**d.as_dict(), "fails": fails(d)} for d in audit.destroyed]
    report.rows_deleted = [{**loss.as_dict(), "fails": loss.covered_by is None} for loss in audit.row_losses]
    missed = [f"{d.revision}: {d.object.label}" + (f" ({d.change})" if d.change != "dropped" else "")
              for d in audit.destroyed if fails(d)]
    missed += [f"{loss.revision}: {loss.before - loss.after} row(s) of table {loss.schema}.{loss.table}"
               for loss in audit.row_losses if loss.covered_by is None]
    filled = {table: n for run in audit.runs for table, n in run.filled.items()}
    unfilled = {table: why for run in audit.runs for table, why in run.unfilled.items()}
    step.data = {
        "uncovered": missed,
        "audit_seconds": round(audit.seconds, 4),
        "with_data": audit.with_data,
        "filled": filled,
        "unfilled": unfilled,
    }
    covered = sum(d.covered_by is not None for d in audit.destroyed)
    summary = f"{len(audit.destroyed)} object(s) destroyed, {covered} covered by a finding"
    if audit.with_data:
        summary += f"; {len(filled)} table(s) filled, {len(audit.row_losses)} row loss(es)"
        if unfilled:
            summary += f"; not filled: {', '.join(f'{t} ({why})' for t, why in sorted(unfilled.items()))}"
    if missed:
        step.status = FAILED
        step.detail = f"no finding covers {'; '.join(missed)} ({summary})"
    else:
        step.status, step.detail = PASSED, summary


def _cover_rows(losses: list[RowLoss], findings: dict) -> None:
    """A finding on the table covers its rows; rows deleted by ON DELETE CASCADE follow their parent's."""
    for loss in losses:
        hit = table_finding(loss.schema, loss.table, findings.get(loss.revision, ()))
        loss.covered_by = covered_by(hit) if hit else None
    changed = True
    while changed:  # a cascade reaches grandchildren too
        covered = {(loss.revision, loss.key): loss.covered_by for loss in losses if loss.covered_by}
        changed = False
        for loss in losses:
            if loss.covered_by is None:
                loss.covered_by = next((covered[(loss.revision, key)] for key in loss.references
                                        if (loss.revision, key) in covered), None)
                changed = changed or loss.covered_by is not None
