"""The runner's file and stdout protocols: workflow commands, step outputs, the job summary.

Anything printed here that came from a repository or from an API answer is escaped, so
no line of ours can smuggle a second workflow command (``::add-mask::``, ``::error::``...).
"""
from __future__ import annotations

import os
import sys
import uuid

from ..render.github import escape_data, escape_property

JOB_SUMMARY_LIMIT = 1_040_000  # bytes; GitHub rejects a step summary over 1 MiB


def command(name: str, message: str = "", **properties: str | int | None) -> None:
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v not in (None, ""))
    print(f"::{name}{' ' + props if props else ''}::{escape_data(message)}", flush=True)


def log(message: str) -> None:
    """A plain log line; newlines are escaped so no part of it can start a command."""
    print("migration-guard: " + escape_data(message), flush=True)


def warning(message: str) -> None:
    command("warning", message, title="migration-guard")


def error(message: str) -> None:
    command("error", message, title="migration-guard")


def notice(message: str) -> None:
    command("notice", message, title="migration-guard")


def set_outputs(values: dict[str, str]) -> None:
    """Write outputs with the heredoc syntax: safe for any value, one delimiter per value."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        for name, value in values.items():
            log(f"output {name}={value}")
        return
    with open(path, "a", encoding="utf-8") as out:
        for name, value in values.items():
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            while delimiter in value:  # pragma: no cover - a uuid collision
                delimiter = f"ghadelimiter_{uuid.uuid4()}"
            out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def append_job_summary(markdown: str) -> bool:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    data = markdown.encode("utf-8", "replace")
    if len(data) > JOB_SUMMARY_LIMIT:  # the renderer already shortened lists; this is the backstop
        data = data[:JOB_SUMMARY_LIMIT].decode("utf-8", "ignore").encode() + b"\n\n... truncated\n"
    try:
        with open(path, "ab") as out:
            out.write(data)
    except OSError as exc:
        warning(f"cannot write the job summary: {exc.strerror or exc}")
        return False
    return True


def flush() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
