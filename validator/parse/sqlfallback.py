"""The statement shapes sqlparse can still recognise when PostgreSQL's parser rejects the text.

Placeholders for run-time values or a dialect slip make pglast give up; the
destructive shape of the statement (``DROP TABLE x``, ``DELETE FROM y``) is still
plain to a tokenizer, and a destructive statement must not hide behind a syntax error.

Text another database's parser would read (MySQL's ``ALTER TABLE t DROP PRIMARY KEY``,
backquoted names, SQL Server's ``[brackets]``...) is that database's SQL: it never
becomes a finding of the configured dialect. Under ``dialect = "mysql"`` MySQL's
``DROP PRIMARY KEY`` / ``DROP FOREIGN KEY`` / ``DROP INDEX`` inside ``ALTER TABLE`` are
read as the constraint and index drops they are.
"""
from __future__ import annotations

import re

import sqlparse
from sqlparse import tokens as T

from ..model import OpKind, Operation, Where


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
    return words[i].strip('"`') if i < len(words) else None


def _where(words: list[str]) -> Where:
    """The statement's own WHERE: one inside parentheses belongs to a subquery."""
    depth = 0
    for word in words:
        if word == "(":
            depth += 1
        elif word == ")":
            depth = max(depth - 1, 0)
        elif word == "WHERE" and depth == 0:
            return Where.FILTER
    return Where.NONE


_MYSQL, _MSSQL, _SQLITE, _ORACLE = "mysql", "mssql", "sqlite", "oracle"
# shapes PostgreSQL rejects and another database reads
_DIALECT_SHAPES = tuple((re.compile(pattern, re.I | re.M), dialect) for pattern, dialect in (
    (r"^\s*ALTER\s+TABLE\b.*\bDROP\s+(?:PRIMARY\s+KEY|FOREIGN\s+KEY|INDEX|KEY|CHECK)\b", _MYSQL),
    (r"^\s*ALTER\s+TABLE\b.*\b(?:MODIFY|CHANGE)\s+(?:COLUMN\s+)?\w", _MYSQL),
    (r"`|\bENGINE\s*=|\bAUTO_INCREMENT\b|\bUNSIGNED\b", _MYSQL),
    (r"^\s*DROP\s+INDEX\s+\S+\s+ON\s", _MYSQL),
    (r"^\s*PRAGMA\b", _SQLITE),
    (r"\[\w+\]|\bsp_rename\b|\bIF\s+OBJECT_ID\b|\bNVARCHAR\s*\(\s*MAX\s*\)|^\s*GO\s*$", _MSSQL),
    (r"\bCASCADE\s+CONSTRAINTS\b|\bVARCHAR2\b|\bPURGE\s*;?\s*$", _ORACLE),
))
_SAME_SQL = {"mariadb": _MYSQL}


def other_dialect(statement: str) -> str | None:
    """The database whose SQL this is, when its shape is one PostgreSQL rejects; else None."""
    for pattern, dialect in _DIALECT_SHAPES:
        if pattern.search(statement):
            return dialect
    return None


def classify(statement: str, dialect: str = "postgresql") -> list[Operation]:
    """The operations of a statement pglast rejected, not yet placed; [] when the shape is not recognised."""
    foreign = other_dialect(statement)
    if foreign is not None and foreign != _SAME_SQL.get(dialect, dialect):
        return [Operation(OpKind.OTHER_SQL)]  # another database's SQL: not this dialect's finding
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
            what = words[i + 1] if word == "DROP" else None
            if what == "CONSTRAINT":
                found.append(Operation(OpKind.DROP_CONSTRAINT, table, target=_after(words, i + 2)))
            elif what in ("PRIMARY KEY", "PRIMARY"):  # MySQL's: the primary key, never a column named PRIMARY
                found.append(Operation(OpKind.DROP_CONSTRAINT, table, target="PRIMARY", constraint_type="primary_key"))
            elif what == "FOREIGN":
                found.append(Operation(OpKind.DROP_CONSTRAINT, table, target=_after(words, i + 2, ("KEY",)),
                                       constraint_type="foreign_key"))
            elif what in ("INDEX", "KEY"):
                found.append(Operation(OpKind.DROP_INDEX, table, target=_after(words, i + 2)))
            elif what is not None and what not in ("NOT", "DEFAULT", "EXPRESSION", "IDENTITY", "CHECK"):
                found.append(Operation(OpKind.DROP_COLUMN, table,
                                       target=_after(words, i + 1, ("COLUMN", "IF", "EXISTS"))))
        return found
    return []
