"""An operation found in SQL text, at its character offsets in that text."""
from __future__ import annotations

from typing import NamedTuple

from ..model import Operation


class Located(NamedTuple):
    start: int
    end: int
    operation: Operation

    def shifted(self, by: int) -> Located:
        """The same operation in a text that holds this one at offset ``by`` (a DO block's body)."""
        return Located(self.start + by, self.end + by, self.operation)
