"""A column's type before a revision changes it, read from the revisions before it (never imported).

``op.alter_column(..., type_=...)`` without ``existing_type=`` does not say what the type was;
the revisions before it do: the ``create_table``, ``add_column`` or earlier type change that
gave the column its type. The chain is followed through ``down_revision`` from the revision
itself; a drop or rename of the table or column on the way, a merge whose branches disagree,
or a file that cannot be read leaves the type unknown, and MG210 says so.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator

from .config import Settings
from .downgrade import DowngradePolicy
from .model import Migration, OpKind, Operation, Phase, schema_key
from .parse import parse_source, revision_only

_MAX_REVISIONS = 2000  # a chain longer than any real project's is cut short: the type stays unknown
_UNKNOWN = object()

# per process: revision files by id and their upgrade operations (workers fork with an empty cache)
_by_id: dict[tuple[str, ...], dict[str, str]] = {}
_upgrades: dict[str, tuple[Operation, ...] | None] = {}


def with_old_types(migration: Migration, data: bytes | OSError, settings: Settings) -> Migration:
    """``migration`` (parsed from ``data``) with ``old_type`` filled, where the history knows it, on type changes
    that lack it."""
    unknown = [op for op in migration.operations
               if op.kind is OpKind.ALTER_COLUMN and op.type_change and op.old_type is None and op.table and op.target]
    if not unknown:
        return migration
    files = migration.deployment.revision_files
    # read again with the types of the columns it creates, which lint alone does not need
    typed = parse_source(migration.path, data, settings.bypass_token, downgrade=settings.downgrade,
                         dialect=settings.dialect, column_types=True).operations
    found = {}
    for op in unknown:
        earlier = [o for o in typed if o.phase is op.phase and o.span.line < op.span.line]
        old = _type_in(reversed(earlier), op)
        if old is None and op.phase is Phase.UPGRADE and files:
            old = _type_before(migration.revision.down_revisions, op, files, settings)
        if isinstance(old, str):
            found[id(op)] = old
    if not found:
        return migration
    operations = tuple(op.placed(old_type=found[id(op)]) if id(op) in found else op for op in migration.operations)
    return replace(migration, operations=operations)


def _type_before(parents: tuple[str, ...], op: Operation, files: tuple[str, ...], settings: Settings) -> str | None:
    """The column's type after the revisions ``parents`` (and theirs); None when unknown."""
    by_id = _revisions(files)
    answers = set()
    seen: set[str] = set()
    for start in parents:
        revision = start
        while revision and revision not in seen and len(seen) < _MAX_REVISIONS:
            seen.add(revision)
            path = by_id.get(revision)
            operations = _upgrade_of(path, settings) if path else None
            if operations is None:
                return None  # a revision that cannot be found or read: nothing before it is known
            answer = _type_in(reversed(operations), op)
            if answer is not None:
                answers.add(answer)
                break
            parents_of = revision_only(path, _read(path)).revision.down_revisions
            if len(parents_of) > 1:
                for other in parents_of[1:]:  # a merge: every branch must agree
                    answers.add(_type_before((other,), op, files, settings) or _UNKNOWN)
            revision = parents_of[0] if parents_of else None
        else:
            if revision:  # a cycle or a chain too long
                return None
    if len(answers) != 1:
        return None
    answer = answers.pop()
    return answer if isinstance(answer, str) else None


def _type_in(operations: Iterator[Operation], op: Operation) -> str | object | None:
    """Newest first: the type the column was given; ``_UNKNOWN`` when its trail ends; None when not touched."""
    table, column, schema = op.table.lower(), op.target.lower(), schema_key(op.schema)
    for earlier in operations:
        if earlier.kind is OpKind.UNRESOLVED_SQL or "{" in (earlier.table or ""):
            return _UNKNOWN  # SQL or a name built at run time may have changed it
        if schema_key(earlier.schema) != schema:
            continue
        names_table = (earlier.table or "").lower() == table
        if earlier.kind is OpKind.RENAME_TABLE and (earlier.target or "").lower() == table:
            return _UNKNOWN  # renamed to this name: its earlier life is under another name
        if not names_table:
            continue
        if earlier.kind is OpKind.CREATE_TABLE:
            return next((t for c, t in earlier.column_types if c.lower() == column), None) or _UNKNOWN
        if earlier.kind is OpKind.DROP_TABLE:
            return _UNKNOWN
        if (earlier.target or "").lower() == column and earlier.kind in (OpKind.ADD_COLUMN, OpKind.ALTER_COLUMN):
            if earlier.kind is OpKind.ADD_COLUMN:
                return earlier.column_type or _UNKNOWN
            if earlier.type_change:
                return earlier.new_type or _UNKNOWN
        if earlier.kind is OpKind.RENAME_COLUMN and (earlier.new_name or "").lower() == column:
            return _UNKNOWN
        if earlier.kind is OpKind.DROP_COLUMN and (earlier.target or "").lower() == column:
            return _UNKNOWN
    return None


def _revisions(files: tuple[str, ...]) -> dict[str, str]:
    if files not in _by_id:
        _by_id[files] = {}
        for path in files:
            revision = revision_only(path, _read(path)).revision.revision
            if revision:
                _by_id[files].setdefault(revision, path)
    return _by_id[files]


def _upgrade_of(path: str, settings: Settings) -> tuple[Operation, ...] | None:
    if path not in _upgrades:
        data = _read(path)
        migration = parse_source(path, data, settings.bypass_token, downgrade=DowngradePolicy.IGNORE,
                                 dialect=settings.dialect, column_types=True)
        _upgrades[path] = None if isinstance(data, OSError) or migration.problems else migration.operations
    return _upgrades[path]


def _read(path: str) -> bytes | OSError:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        return exc
