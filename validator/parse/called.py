"""Functions and procedures a revision creates run only when it calls them.

The operations of a created function's body carry the function's name
(``defined_in``); they are kept when the revision calls that function (``SELECT f()``,
``CALL p()``, ``PERFORM f()``, also from another function it calls) and dropped
otherwise. They stay at the body statement's own line: that is where the destructive
text is, and where a bypass comment belongs.
"""
from __future__ import annotations

from ..model import OpKind, Operation


def called_only(operations: list[Operation]) -> list[Operation]:
    if not any(op.defined_in for op in operations):
        return operations
    calls: dict[str | None, set[str]] = {}
    for op in operations:
        if op.kind is OpKind.CALL_FUNCTION and op.target:
            calls.setdefault(op.defined_in, set()).add(op.target)
    called: set[str] = set()
    pending = list(calls.get(None, ()))
    while pending:
        name = pending.pop()
        if name not in called:
            called.add(name)
            pending.extend(calls.get(name, ()))
    return [op for op in operations if op.defined_in is None or op.defined_in in called]
