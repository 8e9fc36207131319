"""Helpers shared by the renderers: ordering, rule lookup, JSON text, visible escapes.

Everything here is pure: a renderer takes a ``Report`` and returns text.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

from ..model import Finding, Report, RuleInfo


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by place: GitHub shows only the first 10 annotations of a type.

    Public as ``validator.render.by_severity``: the review orders its inline comments alike.
    """
    return sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))


def by_place(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def rule_for(report: Report, finding: Finding) -> RuleInfo:
    """The finding's rule; a stand-in built from the finding when the report does not list it.

    The engine lists every rule it ran, but a report built elsewhere (a test, a
    ``workflow_run`` artifact) may not: renderers must still produce valid output.
    """
    info = report.rule_info(finding.code)
    if info is not None:
        return info
    return RuleInfo(code=finding.code, name=finding.rule, severity=finding.severity, summary=finding.rule)


# Characters that can move the cursor, recolour or rewrite a terminal or log line,
# reorder text (bidi controls, "Trojan Source"), or that no UTF-8 stream can carry
# (lone surrogates). Tab is kept: it is harmless and common in SQL.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufeff]"
)
_UNSAFE_WITH_NEWLINES = re.compile(_UNSAFE.pattern[:-1] + "\n]")


# The runner's legacy parser (``##[command]data``) finds its prefix *anywhere* in a
# log line (actions/runner ActionCommand.TryParse), so text we print must never hold
# it: ``##[error]`` or ``##[stop-commands]`` inside a statement would raise an
# annotation or silence every later command of the step.
LEGACY_COMMAND = "##["


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """Text that is safe to print to a terminal or a workflow log.

    Unsafe characters get a visible ``\\xNN`` / ``\\uNNNN`` spelling and the legacy
    command prefix is broken up the same way (``##\\x5b``).
    """
    pattern = _UNSAFE if keep_newlines else _UNSAFE_WITH_NEWLINES
    return pattern.sub(_spell, text).replace(LEGACY_COMMAND, "##\\x5b")


def _spell(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x0A:
        return "\\n"
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """JSON text that keeps non-ASCII readable and is safe to print anywhere.

    ``json.dumps`` already escapes C0 controls; it leaves DEL, C1 controls, bidi
    overrides, U+2028/2029 and lone surrogates raw. A path or statement read with
    ``surrogateescape`` holds lone surrogates, which UTF-8 cannot encode: printing
    them would crash the CLI. Those characters are written as ``\\uXXXX`` escapes,
    which ``json.loads`` turns back into the very same string (so ``os.fsencode``
    recovers a file name's original bytes): the escaping loses nothing. The same
    lossless trick keeps the legacy ``##[`` command prefix out of the printed line,
    since this text may well be printed to a workflow log.
    """
    text = _indented(value, " " * indent, 0) if indent is not None else json.dumps(value, ensure_ascii=False)
    text = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    # Outside strings JSON has no ``#``, so every match is inside a string value.
    return text.replace(LEGACY_COMMAND, "##\\u005b")


_CONTAINERS = (dict, list, tuple)


def _flat(value: Any) -> bool:
    """A non-empty dict of scalars under string keys: what every finding is."""
    return type(value) is dict and bool(value) and all(type(k) is str for k in value) \
        and not any(isinstance(v, _CONTAINERS) for v in value.values())


def _indented(value: Any, indent: str, level: int) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=len(indent))``, byte for byte, but faster.

    With ``indent`` the json module falls back to its pure-Python encoder; a report of
    thousands of findings spends most of its rendering time there. Here the C encoder
    writes each container of scalars, and each list of such dicts (the findings), in one
    call: its item separator carries the line break and indentation. Encoded strings
    never hold a raw line break, so the separators can be adjusted afterwards safely.
    """
    if not isinstance(value, _CONTAINERS):
        return json.dumps(value, ensure_ascii=False)
    inner, outer = indent * (level + 1), indent * level
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):  # keys json would convert: leave it to json
            return json.dumps(value, ensure_ascii=False, indent=indent).replace("\n", "\n" + outer)
        values = value.values()
    else:
        values = value
    if not any(isinstance(v, _CONTAINERS) for v in values):
        flat = json.dumps(value, ensure_ascii=False, separators=(",\n" + inner, ": "))
        return flat[0] + "\n" + inner + flat[1:-1] + "\n" + outer + flat[-1]
    if not isinstance(value, dict) and all(_flat(v) for v in value):
        return _flat_dicts(value, indent, level)
    if not isinstance(value, dict) and all(type(v) is dict for v in value):
        records = _records(value, indent, level)
        if records is not None:
            return records
    if isinstance(value, dict):
        # runs of scalar items in one call each, so a finding with its ``object`` costs two calls, not fourteen
        items, run = [], {}
        for k, v in value.items():
            if v and isinstance(v, _CONTAINERS):
                if run:
                    items.append(json.dumps(run, ensure_ascii=False, separators=(",\n" + inner, ": "))[1:-1])
                    run = {}
                items.append(json.dumps(k, ensure_ascii=False) + ": " + _indented(v, indent, level + 1))
            else:
                run[k] = v
        if run:
            items.append(json.dumps(run, ensure_ascii=False, separators=(",\n" + inner, ": "))[1:-1])
        return "{\n" + inner + (",\n" + inner).join(items) + "\n" + outer + "}"
    items = [_indented(v, indent, level + 1) for v in value]
    return "[\n" + inner + (",\n" + inner).join(items) + "\n" + outer + "]"


def _flat_dicts(value: list, indent: str, level: int) -> str:
    """A non-empty list of flat dicts (``_flat``), in one encoder call."""
    inner, outer, deeper = indent * (level + 1), indent * level, indent * (level + 2)
    flat = json.dumps(value, ensure_ascii=False, separators=(",\n" + deeper, ": "))
    body = flat[2:-2].replace("},\n" + deeper + "{", "\n" + inner + "},\n" + inner + "{\n" + deeper)
    return "[\n" + inner + "{\n" + deeper + body + "\n" + inner + "}\n" + outer + "]"


def _records(value: list, indent: str, level: int) -> str | None:
    """A list of dicts whose only containers are flat dicts under one key (findings and their ``object``).

    Both lists are written by the fast paths above: the records with that key set to null, then
    the nested dicts; each record's ``"key": null`` line is then replaced by its nested dict.
    Lines are safe to match since encoded strings hold no raw line break. None: not this shape.
    """
    key = next((k for record in value for k, v in record.items() if isinstance(v, _CONTAINERS)), None)
    if key is None:
        return None
    nested, flat = [], []
    for record in value:
        if key not in record:
            return None
        target, copy = record[key], {**record, key: None}
        if not (target is None or _flat(target)) or not _flat(copy):
            return None
        nested.append(target)
        flat.append(copy)
    deeper = indent * (level + 2)
    text = _flat_dicts(flat, indent, level)
    line = "\n" + deeper + json.dumps(key, ensure_ascii=False) + ": "
    parts = text.split(line + "null")
    if len(parts) != len(value) + 1:
        return None
    rendered = iter(_split_records([v for v in nested if v], indent, level + 1))
    out = [parts[0]]
    for part, target in zip(parts[1:], nested):
        out.append(line + (next(rendered) if target else "null"))
        out.append(part)
    return "".join(out)


def _split_records(flat_dicts: list, indent: str, level: int) -> list[str]:
    """``_indented(d, indent, level + 1)`` of each flat dict, written in one encoder call for them all."""
    if not flat_dicts:
        return []
    item = indent * (level + 1)
    text = _flat_dicts(flat_dicts, indent, level)[len("[\n" + item) + 1:-len("\n" + indent * level + "]") - 1]
    return ["{" + body + "}" for body in text.split("},\n" + item + "{")]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"

