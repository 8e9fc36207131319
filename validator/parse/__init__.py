"""Python source of a revision file -> ``Migration``. Nothing is imported or executed."""
from __future__ import annotations

from validator.model import Migration


def parse_source(path: str, data: "bytes | OSError") -> Migration:
    raise NotImplementedError
