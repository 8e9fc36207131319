"""``DO`` blocks: the statements a PL/pgSQL body runs, found with PostgreSQL's PL/pgSQL parser.

A ``DO $$ BEGIN DROP TABLE t; END $$`` drops a table as surely as a bare statement,
so its body is parsed and each embedded statement analysed at its own line. A
dynamic ``EXECUTE`` of a constant string is analysed too; one built at run time
cannot be read, and is reported rather than passed.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import pglast

from validator.model import OpKind, Operation
from validator.parse.located import Located
from validator.parse.pgnode import Node, const, parse

_OPEN = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$|[Ee]?'")


def _body_start(text: str, start: int, end: int, body: str) -> int:
    """Offset in ``text`` where the DO body's content begins."""
    for m in _OPEN.finditer(text, start, end):
        candidate = m.end()
        if text.startswith(body[:40], candidate):
            return candidate
    found = text.find(body[:40], start, end)
    return found if found >= 0 else start


def _unresolved(start: int, end: int, reason: str) -> Located:
    return Located(start, end, Operation(OpKind.UNRESOLVED_SQL, reason=reason))


def do_block(stmt: Node, text: str, start: int, end: int, analyse: Callable) -> list[Located]:
    """The operations of a ``DO`` statement at ``text[start:end]``; ``analyse`` reads each embedded statement."""
    body, language = None, "plpgsql"
    for arg in stmt.args or ():
        value = arg.arg
        if isinstance(value, Node) and value.type == "String":
            if arg.defname == "as":
                body = value.sval or ""
            elif arg.defname == "language":
                language = (value.sval or "").lower()
    if body is None or language != "plpgsql":
        return [_unresolved(start, end, f"a DO block in {language} is not analysed")]
    origin = _body_start(text, start, end, body)
    wrapper = "CREATE FUNCTION mg_do() RETURNS void LANGUAGE plpgsql AS $mg_do$" + body + "$mg_do$"
    try:
        tree = pglast.parse_plpgsql(wrapper)
    except Exception as exc:  # noqa: BLE001
        return [_unresolved(start, end, f"PL/pgSQL parser rejects the DO block ({exc})")]
    line_starts = [0] + [m.end() for m in re.finditer("\n", body)]
    ops: list[Located] = []

    def at(lineno: int, needle: str) -> int:
        line_offset = line_starts[min(max(lineno - 1, 0), len(line_starts) - 1)]
        found = body.find(needle, max(line_offset, 0)) if needle else -1
        return found if found >= 0 else line_offset

    def embedded(query: str, lineno: int) -> None:
        offset = at(lineno, query)
        ops.extend(found.shifted(origin + offset) for found in analyse(query).ops)

    def dynamic(expr: str, lineno: int) -> None:
        offset = at(lineno, expr)
        try:
            target = next(parse("SELECT " + expr))[2].targetList[0].val
        except Exception:  # noqa: BLE001
            target = None
        is_constant, sql = const(target)
        if is_constant and isinstance(sql, str):
            quote = expr.find("'")
            inner = origin + offset + max(quote + 1, 0)
            ops.extend(found.shifted(inner) for found in analyse(sql).ops)
        else:
            ops.append(_unresolved(origin + offset, origin + offset + len(expr),
                                   "EXECUTE of SQL built at run time inside a DO block"))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "PLpgSQL_stmt_execsql":
                    embedded(value["sqlstmt"]["PLpgSQL_expr"]["query"], value.get("lineno", 1))
                elif key == "PLpgSQL_stmt_dynexecute":
                    dynamic(value["query"]["PLpgSQL_expr"]["query"], value.get("lineno", 1))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(tree)
    return ops
