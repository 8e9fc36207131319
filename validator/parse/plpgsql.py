"""``DO`` blocks and function bodies: the statements PL/pgSQL runs, found with PostgreSQL's PL/pgSQL parser.

A ``DO $$ BEGIN DROP TABLE t; END $$`` drops a table as surely as a bare statement,
so its body is parsed and each embedded statement analysed at its own line; so is the
body of a function or procedure the revision creates (in PL/pgSQL or SQL). A dynamic
``EXECUTE`` of a constant string, a ``format()`` template or a ``||`` chain is analysed
with its run-time parts as placeholders (the verb of ``format('DROP TABLE %I', r.name)``
is literal); one whose text is all computed cannot be read, and is reported rather than passed.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import pglast

from ..model import OpKind, Operation
from .located import Located
from .pgnode import Node, const, parse

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


def _language_and_body(options: list) -> tuple[str | None, str]:
    body, language = None, "plpgsql"
    for option in options:
        value = option.arg
        if isinstance(value, Node) and value.type == "List" and option.defname == "as":
            value = (value.items or [None])[0]  # a function's AS: the body, then a link symbol for C
        if isinstance(value, Node) and value.type == "String":
            if option.defname == "as":
                body = value.sval or ""
            elif option.defname == "language":
                language = (value.sval or "").lower()
    return body, language


def do_block(stmt: Node, text: str, start: int, end: int, analyse: Callable) -> list[Located]:
    """The operations of a ``DO`` statement at ``text[start:end]``; ``analyse`` reads each embedded statement."""
    body, language = _language_and_body(stmt.args or ())
    if body is None or language != "plpgsql":
        return [_unresolved(start, end, f"a DO block in {language} is not analysed")]
    return _plpgsql(body, text, start, end, analyse, "the DO block")


def function_body(options: list, text: str, start: int, end: int, analyse: Callable) -> list[Located]:
    """The operations of the body of ``CREATE FUNCTION``/``PROCEDURE`` at ``text[start:end]``."""
    body, language = _language_and_body(options)
    if body is None:
        return []
    if language == "sql":
        origin = _body_start(text, start, end, body)
        return [found.shifted(origin) for found in analyse(body).ops]
    if language != "plpgsql":
        return []  # C, Python...: their bodies are not SQL this tool can read
    return _plpgsql(body, text, start, end, analyse, "the function body")


def _plpgsql(body: str, text: str, start: int, end: int, analyse: Callable, what: str) -> list[Located]:
    origin = _body_start(text, start, end, body)
    wrapper = "CREATE FUNCTION mg_do() RETURNS void LANGUAGE plpgsql AS $mg_do$" + body + "$mg_do$"
    try:
        tree = pglast.parse_plpgsql(wrapper)
    except Exception as exc:  # noqa: BLE001
        return [_unresolved(start, end, f"PL/pgSQL parser rejects {what} ({exc})")]
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
        template = dynamic_sql(expr)
        if template is None:
            ops.append(_unresolved(origin + offset, origin + offset + len(expr),
                                   f"EXECUTE of SQL built at run time inside {what}"))
            return
        sql, parts = template
        quote = expr.find("'")
        inner = origin + offset + max(quote + 1, 0)
        for found in analyse(sql).ops:
            if not parts:
                ops.append(found.shifted(inner))
                continue
            # the template's offsets are not the source's: the operation stands where the EXECUTE does
            op = found.operation.placed(table=_restore(found.operation.table, parts),
                                        target=_restore(found.operation.target, parts))
            ops.append(Located(origin + offset, origin + offset + len(expr), op))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "PLpgSQL_stmt_execsql":
                    embedded(value["sqlstmt"]["PLpgSQL_expr"]["query"], value.get("lineno", 1))
                elif key == "PLpgSQL_stmt_perform":
                    embedded(value["expr"]["PLpgSQL_expr"]["query"], value.get("lineno", 1))
                elif key == "PLpgSQL_stmt_dynexecute":
                    dynamic(value["query"]["PLpgSQL_expr"]["query"], value.get("lineno", 1))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(tree)
    return ops


_FORMAT_SPEC = re.compile(r"%(?:\d+\$)?-?\d*([sIL%])")
_PART = "mg_part_"


def dynamic_sql(expr: str) -> tuple[str, list[str]] | None:
    """The SQL an ``EXECUTE`` expression runs, run-time parts replaced by placeholder names
    (``mg_part_0``...), with the source of each part; None when no literal text shows a verb."""
    try:
        target = next(parse("SELECT " + expr))[2].targetList[0].val
    except Exception:  # noqa: BLE001
        return None
    parts: list[str] = []

    def piece(node: Any) -> str | None:
        is_constant, value = const(node)
        if is_constant:
            return value if isinstance(value, str) else None
        if isinstance(node, Node) and node.type == "A_Expr" and node.kind == "AEXPR_OP" and node.name \
                and node.name[-1].sval == "||":
            left, right = piece(node.lexpr), piece(node.rexpr)
            return None if left is None or right is None else left + right
        if isinstance(node, Node) and node.type == "FuncCall" and node.funcname \
                and node.funcname[-1].sval == "format" and node.args:
            template = const(node.args[0])[1]
            if not isinstance(template, str):
                return None
            values = list(node.args[1:])
            return _FORMAT_SPEC.sub(lambda m: _format_field(m.group(1), values, parts, expr), template)
        parts.append(_source(node, expr))
        return f"{_PART}{len(parts) - 1}"

    sql = piece(target)
    if sql is None or sql.startswith(_PART) or not sql.strip():
        return None  # the verb itself is computed
    return sql, parts


def _format_field(spec: str, values: list, parts: list[str], expr: str) -> str:
    if spec == "%":
        return "%"
    parts.append(_source(values.pop(0), expr) if values else "?")
    name = f"{_PART}{len(parts) - 1}"
    return f"'{name}'" if spec == "L" else name


def _source(node: Any, expr: str) -> str:
    """The text of an argument in ``expr``: from its location to the ``,``, ``)`` or ``||`` that ends it."""
    location = node.location if isinstance(node, Node) else None
    if not isinstance(location, int) or not 7 <= location <= len(expr) + 7:
        return "?"
    start = location - len("SELECT ")
    depth, i, quoted = 0, start, False
    while i < len(expr):
        ch = expr[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted:
            if ch == "(":
                depth += 1
            elif depth == 0 and (ch in ",)" or expr.startswith("||", i)):
                break
            elif ch == ")":
                depth -= 1
        i += 1
    return expr[start:i].strip() or "?"


_PART_RE = re.compile(_PART + r"(\d+)")


def _restore(name: str | None, parts: list[str]) -> str | None:
    if not name:
        return name
    return _PART_RE.sub(lambda m: "{" + parts[int(m.group(1))] + "}", name)
