"""What an environment's ``env.py`` sets for every revision, read from its text: it is never imported.

Only string literals are read (comments and docstrings that merely mention a setting
do not count): ``connection.execute(text("SET lock_timeout = '5s'"))``, a connect
argument ``options="-c lock_timeout=5s"``, or ``set_config('lock_timeout', '5s', ...)``.
A setting of ``0`` turns the timeout off and does not count.
"""
from __future__ import annotations

import ast
import re

_LOCK_TIMEOUT = re.compile(
    r"""\bSET\s+(?:SESSION\s+|LOCAL\s+)?lock_timeout\s*(?:=|\bTO\b)\s*'?\s*([0-9][0-9a-z ]*)"""
    r"""|-c\s*lock_timeout\s*=\s*'?([0-9][0-9a-z]*)"""
    r"""|set_config\s*\(\s*'lock_timeout'\s*,\s*'([0-9][0-9a-z ]*)'""",
    re.IGNORECASE,
)
_OFF = re.compile(r"^0+\s*[a-z]*$", re.IGNORECASE)


def sets_lock_timeout(source: bytes | str) -> bool:
    """Whether the env.py's string literals set a non-zero ``lock_timeout``; False when it cannot be read."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):  # unreadable: no timeout is assumed, so the rule still warns
        return False
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            for match in _LOCK_TIMEOUT.finditer(node.value):
                value = next(group for group in match.groups() if group is not None).strip()
                if not _OFF.match(value):
                    return True
    return False
