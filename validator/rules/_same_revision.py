"""What a revision did before an operation: the exemptions lock and compatibility rules share.

A table created earlier in the same revision and phase is empty and unknown to the
running release, so building an index on it, validating a constraint on it or
renaming it locks nothing for long and breaks no client. So is a table created by
another revision of the same pull request (``Deployment.new_tables``).

The facts are indexed once per revision (a generated revision can hold a hundred
thousand operations), and every question is a dictionary lookup.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Migration, OpKind, Operation, Phase, schema_key, table_key


@dataclass
class _Index:
    position: dict[int, int] = field(default_factory=dict)  # id(operation) -> place in the file
    created: dict[tuple, int] = field(default_factory=dict)  # (phase, schema, table) -> first creation
    added: dict[tuple, int] = field(default_factory=dict)  # (phase, schema, table, column) -> first add_column
    validated: dict[tuple, int] = field(default_factory=dict)  # (phase, schema, table) -> first VALIDATE
    # created indexes and views: (phase, kind, schema, name) -> first creation; names holding an f-string
    # ``{placeholder}`` the parser could not fill, as patterns: (phase, kind, schema) -> [(place, pattern)]
    named: dict[tuple, int] = field(default_factory=dict)
    patterns: dict[tuple, list[tuple[int, re.Pattern[str]]]] = field(default_factory=dict)


_cache: tuple[Migration | None, _Index] = (None, _Index())


def _index(migration: Migration) -> _Index:
    global _cache
    if _cache[0] is migration:
        return _cache[1]
    index = _Index()
    for place, op in enumerate(migration.operations):
        index.position[id(op)] = place
        key = table_key(op.phase, op.schema, op.table)
        if op.kind is OpKind.CREATE_TABLE and key:
            index.created.setdefault(key, place)
        elif op.kind is OpKind.CREATE_VIEW:
            view = table_key(op.phase, op.schema, op.target)
            if view:
                index.created.setdefault(view, place)  # a new materialized view gets its first index
        elif op.kind is OpKind.ADD_COLUMN and key and op.target:
            index.added.setdefault(key + (op.target.lower(),), place)
        elif op.kind is OpKind.VALIDATE_CONSTRAINT and key:
            index.validated.setdefault(key, place)
        if op.kind in (OpKind.CREATE_INDEX, OpKind.CREATE_VIEW) and op.target:
            key = (op.phase, op.kind, schema_key(op.schema))
            if "{" in op.target:
                index.patterns.setdefault(key, []).append((place, _pattern(op.target)))
            else:
                index.named.setdefault(key + (op.target.lower(),), place)
    _cache = (migration, index)
    return index


def _place(op: Operation, index: _Index) -> int:
    return index.position.get(id(op), len(index.position))


def table_is_new(op: Operation, migration: Migration) -> bool:
    """The table (or materialized view) ``op`` works on was created earlier in the same revision and phase,
    or by another revision the same change (pull request, ``--base``) adds, which has not run anywhere yet."""
    index = _index(migration)
    key = table_key(op.phase, op.schema, op.table)
    if key is None:
        return False
    if index.created.get(key, len(index.position)) < _place(op, index):
        return True
    return op.phase is Phase.UPGRADE and key[1:] in migration.deployment.new_tables


def view_is_new(op: Operation, migration: Migration) -> bool:
    """The materialized view ``op`` names (``target``) was created by a revision the same change adds."""
    key = table_key(op.phase, op.schema, op.target)
    return key is not None and op.phase is Phase.UPGRADE and key[1:] in migration.deployment.new_tables


def column_is_new(op: Operation, column: str, migration: Migration) -> bool:
    """``column`` of ``op``'s table was added earlier in the same revision and phase."""
    index = _index(migration)
    key = table_key(op.phase, op.schema, op.table)
    return key is not None and index.added.get(key + (column.lower(),), len(index.position)) < _place(op, index)


def validated_before(op: Operation, migration: Migration) -> bool:
    """A ``VALIDATE CONSTRAINT`` on ``op``'s table comes earlier in the same revision and phase."""
    index = _index(migration)
    key = table_key(op.phase, op.schema, op.table)
    return key is not None and index.validated.get(key, len(index.position)) < _place(op, index)


def created_in_revision(op: Operation, kind: OpKind, name: str | None, migration: Migration, *,
                        earlier_only: bool = True) -> bool:
    """An index or view called ``name`` is created in the same phase (earlier, unless told otherwise)."""
    if not name:
        return False
    index = _index(migration)
    here, key, name = _place(op, index), (op.phase, kind, schema_key(op.schema)), name.lower()
    first = index.named.get(key + (name,))
    if first is not None and (first < here or not earlier_only):
        return True
    return any((place < here or not earlier_only) and pattern.fullmatch(name)
               for place, pattern in index.patterns.get(key, ()))


def _pattern(name: str) -> re.Pattern[str]:
    """A name whose ``{placeholder}`` (left by an f-string the parser could not fill) matches anything."""
    parts = re.split(r"\{[^{}]*\}", name.lower())
    return re.compile(".+".join(re.escape(p) for p in parts))
