"""Python source of a revision file -> ``Migration``. Nothing is imported or executed."""
from __future__ import annotations

import ast
import re

from ..downgrade import DowngradePolicy
from ..model import BYPASS_TOKEN, PARSE_ERROR_CODE, Migration, Problem, Revision, Span
from .called import called_only
from .comments import python_bypasses
from .python import Walker
from .source import Unreadable, decode, read


def parse_source(path: str, data: bytes | OSError, token: str = BYPASS_TOKEN, *,
                 downgrade: DowngradePolicy = DowngradePolicy.ERROR, dialect: str = "postgresql",
                 column_types: bool = False) -> Migration:
    """Every operation and bypass of a revision file that the ``downgrade`` policy counts; code for
    another database than ``dialect`` is not read.

    The default policy reads ``downgrade()`` and counts everything. ``column_types`` also reads the
    SQLAlchemy types of the columns that op calls create (for the history of a column's type;
    lint itself does not need them and does not pay for them).
    """
    try:
        source, tree = read(data, path)
    except Unreadable as exc:
        return Migration(path, problems=(exc.problem,))
    try:
        walker = Walker(source, tree, token, downgrade.reads_downgrade, dialect, column_types)
        operations = called_only(walker.run())
    except RecursionError:
        return _unparsable(path, "the file nests too deeply to analyse")
    bypasses = downgrade.counted_bypasses(python_bypasses(source, tree, token) + list(walker.sql_bypasses.values()),
                                          walker.downgrade_only)
    bypasses.sort(key=lambda b: b.line)
    return Migration(path, tuple(sorted(operations, key=lambda o: (o.span.line, o.span.column))),
                     tuple(bypasses), (), revision_of(tree))


def _unparsable(path: str, message: str, line: int = 1, statement: str = "") -> Migration:
    return Migration(path, problems=(Problem(PARSE_ERROR_CODE, message, Span(line, line), statement),))


def _strings(node: ast.expr | None) -> tuple[str, ...]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return ()


def revision_of(tree: ast.Module) -> Revision:
    """``revision``/``down_revision`` assignments and the shape of ``downgrade()``."""
    revision, down, line, downgrade, empty = None, (), 1, False, True
    down_line = downgrade_line = 0
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        if target == "revision":
            found = _strings(value)
            revision, line = (found[0] if found else None), node.lineno
        elif target == "down_revision":
            down, down_line = _strings(value), node.lineno
        elif isinstance(node, ast.FunctionDef) and node.name == "downgrade":
            downgrade, downgrade_line = True, node.lineno
            empty = all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
                        for s in node.body)
    return Revision(revision, down, line, downgrade, empty, down_line, downgrade_line)


_ASSIGNMENT = re.compile(r"^(revision|down_revision)[ \t]*(?::[^=\n]*)?=[ \t]*", re.M)


def revision_only(path: str, data: bytes | OSError) -> Migration:
    """Just the revision identity of a file, for the revision-graph rules over files not linted.

    Reading ``revision``/``down_revision`` needs no full parse: the project's other files
    can number in the thousands, and only these two assignments matter for them.
    """
    try:
        source = decode(data, "replace")  # as lenient as importing: comments are never decoded
    except Unreadable as exc:
        return Migration(path, problems=(exc.problem,))
    revision, down, line, down_line = None, (), 1, 0
    for m in _ASSIGNMENT.finditer(source):
        value = _literal_at(source, m.end())
        if m.group(1) == "revision" and revision is None:
            found = _strings_of(value)
            revision, line = (found[0] if found else None), source.count("\n", 0, m.start()) + 1
        elif m.group(1) == "down_revision" and not down:
            down, down_line = _strings_of(value), source.count("\n", 0, m.start()) + 1
    return Migration(path, revision=Revision(revision, down, line, has_downgrade=True, downgrade_is_empty=False,
                                             down_revision_line=down_line))


def _literal_at(source: str, start: int) -> object:
    end = source.find("\n", start)
    end = len(source) if end < 0 else end
    if source[start:start + 1] in "([":
        close = source.find(")" if source[start] == "(" else "]", start)
        end = close + 1 if close >= 0 else end
    try:
        return ast.literal_eval(source[start:end].split("#")[0].strip() or "None")
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _strings_of(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(v for v in value if isinstance(v, str))
    return ()
