"""The statement shapes sqlparse can still recognise when PostgreSQL's parser rejects the text.

Placeholders for run-time values or a dialect slip make pglast give up; the
destructive shape of the statement (``DROP TABLE x``, ``DELETE FROM y``) is still
plain to a tokenizer, and a destructive statement must not hide behind a syntax error.
"""
from __future__ import annotations

import sqlparse
from sqlparse import tokens as T

from validator.model import OpKind, Operation, Where


def _words(statement: str) -> list[str]:
    """Significant tokens, upper-cased keywords, comments and whitespace dropped."""
    words: list[str] = []
    for parsed in sqlparse.parse(statement):
        for tok in parsed.flatten():
            if tok.is_whitespace or tok.ttype in T.Comment:
                continue
            words.append(tok.value.upper() if tok.is_keyword else tok.value)
    return words


def _after(words: list[str], i: int, skip: tuple[str, ...] = ("IF", "EXISTS", "ONLY", "TABLE")) -> str | None:
    while i < len(words) and words[i] in skip:
        i += 1
    return words[i].strip('"') if i < len(words) else None


def _where(words: list[str]) -> Where:
    return Where.FILTER if "WHERE" in words else Where.NONE


def classify(statement: str) -> list[Operation]:
    """The operations of a statement pglast rejected, not yet placed; [] when the shape is not recognised."""
    try:
        words = _words(statement)
    except Exception:  # noqa: BLE001 - sqlparse is a best effort here
        return []
    if not words:
        return []
    head = " ".join(words[:3])
    if head.startswith(("DROP TABLE", "DROP FOREIGN TABLE")):
        return [Operation(OpKind.DROP_TABLE, _after(words, 2 if words[1] == "TABLE" else 3))]
    if head.startswith("DROP SCHEMA"):
        return [Operation(OpKind.DROP_SCHEMA, target=_after(words, 2))]
    if head.startswith("DROP DATABASE"):
        return [Operation(OpKind.DROP_DATABASE, target=_after(words, 2))]
    if head.startswith(("DROP MATERIALIZED VIEW", "DROP VIEW")):
        return [Operation(OpKind.DROP_VIEW, materialized=words[1] == "MATERIALIZED")]
    if words[0] == "TRUNCATE":
        return [Operation(OpKind.TRUNCATE, _after(words, 1))]
    if head.startswith("DELETE FROM"):
        return [Operation(OpKind.DELETE, _after(words, 2), where=_where(words))]
    if words[0] == "UPDATE":
        return [Operation(OpKind.UPDATE, _after(words, 1), where=_where(words))]
    if head.startswith("ALTER TABLE"):
        table = _after(words, 2)
        found: list[Operation] = []
        for i, word in enumerate(words[:-1]):
            if word == "DROP" and words[i + 1] == "CONSTRAINT":
                found.append(Operation(OpKind.DROP_CONSTRAINT, table, target=_after(words, i + 2)))
            elif word == "DROP" and words[i + 1] not in ("NOT", "DEFAULT", "EXPRESSION", "IDENTITY"):
                found.append(Operation(OpKind.DROP_COLUMN, table,
                                       target=_after(words, i + 1, ("COLUMN", "IF", "EXISTS"))))
        return found
    return []
