"""The rule registry. A rule is a module in this package holding one decorated check.

A check takes a ``Migration`` and yields ``(operation_or_span, message)`` pairs;
the engine turns them into ``Finding`` values. Per-operation rules use
``@rule(..., kinds=...)`` and receive one ``Operation`` at a time; rules over the
whole project (the revision graph) use ``scope="project"`` and receive every
``Migration`` at once.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Union

from ..model import Migration, OpKind, Operation, RuleInfo, Severity, Span

Hit = tuple[Union[Operation, Span], str]
_CODE = re.compile(r"^MG\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Rule:
    info: RuleInfo
    doc: str
    check: Callable[..., Iterable]
    kinds: frozenset[OpKind] | None  # None: the check sees the whole migration
    scope: str  # "operation", "migration" or "project"
    column_types: bool = False  # reads the types of the columns op calls create, which the parser reads on request

    def run(self, migration: Migration, by_kind: dict[OpKind, list[Operation]] | None = None) -> Iterator[Hit]:
        """``by_kind`` (operations grouped by kind) spares each rule a pass over every operation."""
        if self.scope == "operation":
            if self.kinds is None or by_kind is None:
                candidates: Iterable[Operation] = migration.operations
            else:
                candidates = sorted((op for kind in self.kinds for op in by_kind.get(kind, ())),
                                    key=lambda op: (op.span.line, op.span.column)) if len(self.kinds) > 1 else \
                    by_kind.get(next(iter(self.kinds)), ())
            for op in candidates:
                if self.kinds is None or op.kind in self.kinds:
                    message = self.check(op, migration)
                    if message:
                        yield op, message
        else:
            yield from self.check(migration)

    def run_project(self, migrations: tuple[Migration, ...]) -> Iterator[tuple[str, Hit]]:
        """Project rules yield ``(path, hit)``: the file each finding belongs to."""
        yield from self.check(migrations)


_REGISTRY: dict[str, Rule] = {}
_META: dict[str, RuleInfo] = {}


def rule(
    *,
    code: str,
    name: str,
    severity: Severity,
    kinds: Iterable[OpKind] | None = None,
    scope: str = "operation",
    category: str = "destructive",
    opt_in: bool = False,
    column_types: bool = False,
):
    """Register a check; its module docstring is the rule's documentation."""

    def register(func: Callable) -> Callable:
        module = inspect.getmodule(func)
        doc = inspect.cleandoc((module.__doc__ if module else None) or func.__doc__ or "")
        if not _CODE.match(code) or not _NAME.match(name):
            raise ValueError(f"bad rule code or name: {code} {name}")
        if not doc:
            raise ValueError(f"rule {code} has no documentation")
        unknown = [k for k in kinds or () if not isinstance(k, OpKind)]
        if unknown:  # a string would match nothing, and the rule would silently never fire
            raise ValueError(f"rule {code} {name}: kinds must be OpKind members, not {unknown!r}")
        if code in _REGISTRY or any(r.info.name == name for r in _REGISTRY.values()):
            raise ValueError(f"rule {code} {name} registered twice")
        summary = doc.splitlines()[0].strip()
        info = RuleInfo(code, name, severity, summary, category, opt_in)
        _REGISTRY[code] = Rule(info, doc, func, frozenset(kinds) if kinds else None, scope, column_types)
        return func

    return register


def meta(code: str, name: str, severity: Severity, summary: str) -> RuleInfo:
    """Declare a finding the engine itself emits (parse errors, bypass problems)."""
    info = RuleInfo(code, name, severity, summary, category="meta")
    _META[code] = info
    return info


def _load() -> None:
    if _REGISTRY:
        return
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def all_rules() -> tuple[Rule, ...]:
    _load()
    return tuple(sorted(_REGISTRY.values(), key=lambda r: r.info.code))


def meta_rules() -> tuple[RuleInfo, ...]:
    _load()
    return tuple(sorted(_META.values(), key=lambda r: r.code))


def lookup(code_or_name: str) -> RuleInfo | None:
    """Find a rule, or a meta finding, by its code (``MG101``) or name (``drop-table``)."""
    _load()
    key = code_or_name.strip()
    for info in [r.info for r in _REGISTRY.values()] + list(_META.values()):
        if key.upper() == info.code or key.lower() == info.name:
            return info
    return None
