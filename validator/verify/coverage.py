"""Which static finding saw each destroyed object: the gate's audit trail next to the executed one.

verify lints the same revision files lint would, with the project's settings, and matches every
object a revision destroyed to a finding of that revision on that object (``Finding.object``). An
object that went along with another one (the indexes of a dropped column, the columns of a type
dropped with CASCADE) is covered by whatever covers that one.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from ..model import Finding, Phase
from .objects import CatalogObject, Destroyed, root_of


# MG211 (missing-lock-timeout) is about how the revision waits for its first lock, not about what that
# statement destroys: a drop it lands on is no more covered than one it misses.
_NOT_ABOUT_THE_OBJECT = frozenset({"MG211"})


def findings_by_revision(revision_paths: Mapping[str, str], settings) -> dict[str, list[Finding]]:
    """Lint the revision files; the upgrade findings of each revision that speak for their object, by revision id."""
    from ..engine import lint_paths

    by_path: dict[str, list[Finding]] = {path: [] for path in revision_paths.values()}
    # One process: no fork of a process that holds database connections (lint is fast enough alone).
    report = lint_paths(sorted(by_path), settings, jobs=1)
    for finding in report.findings:
        if finding.phase is not Phase.DOWNGRADE and finding.path in by_path \
                and finding.code not in _NOT_ABOUT_THE_OBJECT:
            by_path[finding.path].append(finding)
    return {rev: by_path[path] for rev, path in revision_paths.items()}


def _same(written: str | None, actual: str | None) -> bool:
    """Unquoted names fold to lower case in PostgreSQL; a name written in Python is taken as given."""
    return written is None or written == actual or written.lower() == actual


def on_object(finding: Finding, obj: CatalogObject) -> bool:
    """Does ``finding`` target ``obj``? A missing schema matches any: the search path is not known statically."""
    ref = finding.object
    if ref is None or ref.kind != obj.kind or ref.name is None:
        return False
    name = obj.name
    if obj.kind == "function" and "(" not in ref.name:
        name = name.partition("(")[0]  # DROP FUNCTION f without its arguments: any overload
    if not _same(ref.schema, obj.schema) or not _same(ref.name, name):
        return False
    return obj.kind in ("table", "view", "materialized_view", "schema") or _same(ref.table, obj.table)


def covered_by(finding: Finding) -> dict:
    return {"code": finding.code, "path": finding.path, "line": finding.line, "bypassed": finding.bypassed,
            "reason": finding.bypass_reason}


def cover(entries: Sequence[Destroyed], findings: Mapping[str, Sequence[Finding]]) -> None:
    """Fill ``covered_by`` of each entry from the findings of its revision."""
    for entry in entries:
        entry.covered_by = _direct(entry, findings.get(entry.revision, ()))
    for entry in entries:
        if entry.covered_by is None:
            root = root_of(entry)
            if root is not entry:
                entry.covered_by = root.covered_by


def _direct(entry: Destroyed, findings: Iterable[Finding]) -> dict | None:
    hit = next((f for f in findings if on_object(f, entry.object)), None)
    return covered_by(hit) if hit else None


def table_finding(schema: str, table: str, findings: Iterable[Finding]) -> Finding | None:
    """A finding on the table itself (a DELETE, TRUNCATE or UPDATE of it, a drop): it answers for its rows."""
    target = CatalogObject("table", "", schema, table, table)
    return next((f for f in findings if on_object(f, target)), None)
