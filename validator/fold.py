"""Findings on the parts of a table that the same revision drops fold into that table's MG101.

A deliberate ``DROP TABLE`` often drops the table's indexes, constraints and columns
first. Each of those is reported by its own rule (MG202, MG107, MG102...), so one
decision would need several bypasses and show several lock warnings for a table that is
going away. Folded, the parts are listed in the MG101 message and are covered by its
bypass: a bypass already on a part's line still counts as used, since folding happens
after bypasses are matched.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from .model import Finding, OpKind, Operation, Span, table_key

DROP_TABLE_CODE = "MG101"
_PARTS = {OpKind.DROP_INDEX: "index", OpKind.DROP_CONSTRAINT: "constraint", OpKind.DROP_COLUMN: "column"}


def fold_into_table_drops(findings: Sequence[Finding], sources: Sequence[Operation | Span]) -> list[Finding]:
    """``sources[i]`` is what ``findings[i]`` was reported on; findings past the end (meta) never fold."""
    drops: dict[tuple, int] = {}
    for i, where in enumerate(sources):
        if isinstance(where, Operation) and where.kind is OpKind.DROP_TABLE and findings[i].code == DROP_TABLE_CODE:
            key = table_key(where.phase, where.schema, where.table)
            if key:
                drops.setdefault(key, i)
    if not drops:
        return list(findings)
    parts: dict[int, dict[str, list]] = {}  # MG101 finding -> part -> [its line, the codes folded into it]
    result: list[Finding | int] = []
    for i, finding in enumerate(findings):
        where = sources[i] if i < len(sources) else None
        if isinstance(where, Operation) and where.kind in _PARTS:
            owner = drops.get(table_key(where.phase, where.schema, where.table) or ())
            if owner is not None:
                part = f"{_PARTS[where.kind]} {where.target or '?'}"
                parts.setdefault(owner, {}).setdefault(part, [where.span.line]).append(finding.code)
                continue
        result.append(i)
    return [_with_parts(findings[i], parts.get(i)) for i in result]


def _with_parts(finding: Finding, parts: dict[str, list] | None) -> Finding:
    if not parts:
        return finding
    in_order = sorted(parts.items(), key=lambda item: item[1][0])
    listed = ", ".join(f"{part} ({', '.join(found[1:])})" for part, found in in_order)
    return replace(finding, message=f"{finding.message}, with its {listed}")
