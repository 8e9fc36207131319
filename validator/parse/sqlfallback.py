"""The statement shapes sqlparse can still recognise when PostgreSQL's parser rejects the text.

Placeholders for run-time values or a dialect slip make pglast give up; the
destructive shape of the statement (``DROP TABLE x``, ``DELETE FROM y``) is still
plain to a tokenizer, and a destructive statement must not hide behind a syntax error.
"""
from __future__ import annotations

from typing import Any

import sqlparse
from sqlparse import tokens as T

Found = tuple[str, "str | None", "str | None", dict[str, Any]]


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


def classify(statement: str) -> list[Found]:
    try:
        words = _words(statement)
    except Exception:  # noqa: BLE001 - sqlparse is a best effort here
        return []
    if not words:
        return []
    head = " ".join(words[:3])
    if head.startswith(("DROP TABLE", "DROP FOREIGN TABLE")):
        return [("drop_table", _after(words, 2 if words[1] == "TABLE" else 3), None, {})]
    if head.startswith("DROP SCHEMA"):
        return [("drop_schema", None, _after(words, 2), {})]
    if head.startswith("DROP DATABASE"):
        return [("drop_database", None, _after(words, 2), {})]
    if head.startswith(("DROP MATERIALIZED VIEW", "DROP VIEW")):
        return [("drop_view", None, None, {"materialized": words[1] == "MATERIALIZED"})]
    if words[0] == "TRUNCATE":
        return [("truncate", _after(words, 1), None, {})]
    if head.startswith("DELETE FROM"):
        where = "filtered" if "WHERE" in words else "none"
        return [("delete", _after(words, 2), None, {"where": where})]
    if words[0] == "UPDATE":
        return [("update", _after(words, 1), None, {"where": "filtered" if "WHERE" in words else "none"})]
    if head.startswith("ALTER TABLE"):
        table = _after(words, 2)
        found: list[Found] = []
        for i, word in enumerate(words[:-1]):
            if word == "DROP" and words[i + 1] == "CONSTRAINT":
                found.append(("drop_constraint", table, _after(words, i + 2), {}))
            elif word == "DROP" and words[i + 1] not in ("NOT", "DEFAULT", "EXPRESSION", "IDENTITY"):
                found.append(("drop_column", table, _after(words, i + 1, ("COLUMN", "IF", "EXISTS")), {}))
        return found
    return []
