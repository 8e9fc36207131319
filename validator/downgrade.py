"""The downgrade policy, decided here only; the parser and the engine ask it.

``ignore`` (the default): ``downgrade()`` is not read at all, a bypass comment in code
only ``downgrade()`` reaches counts for nothing, and no downgrade finding is reported.
``warning`` reads ``downgrade()`` and caps its findings at warning; ``error`` keeps them.
"""
from __future__ import annotations

import enum
from dataclasses import replace
from typing import Callable, Iterable, Sequence

from .model import Bypass, Finding, Phase, Severity, Span


class DowngradePolicy(str, enum.Enum):
    IGNORE = "ignore"
    WARNING = "warning"
    ERROR = "error"

    @property
    def reads_downgrade(self) -> bool:
        """Whether the parser analyses ``downgrade()`` and the helpers it calls."""
        return self is not DowngradePolicy.IGNORE

    def counted_bypasses(self, bypasses: Sequence[Bypass], unread: Callable[[], Sequence[Span]]) -> list[Bypass]:
        """The bypasses that count; ``unread`` gives the lines of code the parser left unread.

        A bypass there guards findings the policy drops anyway: it would only be reported
        as unused. ``unread`` is called only when it matters.
        """
        if self.reads_downgrade or not bypasses:
            return list(bypasses)
        spans = unread()
        return [b for b in bypasses if not any(s.contains_line(b.line) for s in spans)]

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """Drop (``ignore``), cap at warning (``warning``) or keep (``error``) downgrade findings."""
        result = []
        for f in findings:
            if f.phase is Phase.DOWNGRADE:
                if self is DowngradePolicy.IGNORE:
                    continue
                if self is DowngradePolicy.WARNING and f.severity is Severity.ERROR:
                    f = replace(f, severity=Severity.WARNING)
            result.append(f)
        return result


CHOICES = tuple(p.value for p in DowngradePolicy)
