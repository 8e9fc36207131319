"""The action's inputs, as the runner passes them: ``INPUT_<NAME>`` with hyphens kept."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..config import DOWNGRADE, FAIL_ON


class InputError(ValueError):
    """An input value the action cannot use: reported with ``::error::``, exit code 2."""


def get_input(name: str) -> str:
    key = "INPUT_" + name.replace(" ", "_").upper()
    value = os.environ.get(key)
    if value is None:  # a local run may spell it with underscores
        value = os.environ.get(key.replace("-", "_"), "")
    return value.strip()


def _bool(name: str, default: bool) -> bool:
    raw = get_input(name)
    if not raw:
        return default
    if raw in ("true", "True", "TRUE"):
        return True
    if raw in ("false", "False", "FALSE"):
        return False
    raise InputError(f"input {name}: expected true or false, got {raw[:40]!r}")


def _choice(name: str, choices: tuple[str, ...]) -> str | None:
    raw = get_input(name)
    if not raw:
        return None  # the config file's value, else the default
    if raw not in choices:
        raise InputError(f"input {name}: expected one of {', '.join(choices)}, got {raw[:40]!r}")
    return raw


@dataclass(frozen=True)
class Inputs:
    token: str
    paths: tuple[str, ...]
    config: str
    fail_on: str | None
    downgrade: str | None
    review: bool
    comment: bool
    check_all: bool
    sarif_file: str
    pull_request: int | None = None

    def __repr__(self) -> str:  # never let a debug print show the token
        return f"Inputs(paths={self.paths!r}, config={self.config!r}, fail_on={self.fail_on!r}, ...)"


def read() -> Inputs:
    paths = tuple(p.strip() for p in re.split(r"[\n,]", get_input("paths")) if p.strip())
    return Inputs(
        token=get_input("github-token"),
        paths=paths,
        config=get_input("config"),
        fail_on=_choice("fail-on", FAIL_ON),
        downgrade=_choice("downgrade", DOWNGRADE),
        review=_bool("review", True),
        comment=_bool("comment", True),
        check_all=_bool("check-all", False),
        sarif_file=get_input("sarif-file"),
        pull_request=_number("pull-request"),
    )


def _number(name: str) -> int | None:
    raw = get_input(name)
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise InputError(f"input {name}: expected a pull request number, got {raw[:40]!r}")
    return int(raw)
