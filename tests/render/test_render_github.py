from __future__ import annotations

import re
from dataclasses import replace

import pytest

from render_fixtures import FINDINGS, INJECTION_PATH
from migration_guard.model import Report, Severity
from migration_guard.render.github import MESSAGE_LIMIT, escape_data, escape_property, render_github

COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def _unescape_data(text: str) -> str:
    # The runner's table (ActionCommand.cs): %0D, %0A, then %25 last.
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    """Read one line the way the runner does: command, properties, message."""
    match = COMMAND.match(line)
    assert match, f"not one of our commands: {line!r}"
    props = dict(item.split("=", 1) for item in match.group(2).split(","))
    return match.group(1), {k: _unescape_property(v) for k, v in props.items()}, _unescape_data(match.group(3))


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("%0A", "%250A", "%250A"),
        ("a\nb", "a%0Ab", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
        ("%3A", "%253A", "%253A"),
    ],
)
def test_escaping_table(raw, data, prop):
    assert escape_data(raw) == data
    assert escape_property(raw) == prop
    assert _unescape_data(data) == raw
    assert _unescape_property(prop) == raw


def test_one_line_per_finding_even_with_injection(report):
    text = render_github(report)
    lines = text.split("\n")
    assert lines[-1] == "", "ends with a newline"
    lines = lines[:-1]
    assert len(lines) == len(report.findings)
    assert len(text.splitlines()) == len(report.findings), "no other line breaks either"
    for line in lines:
        _parse(line)
    assert "\x1b" not in text
    assert "##[" not in text, "the runner's legacy parser matches it anywhere in a line"


def test_order_is_errors_then_warnings_then_bypassed_notices(report):
    parsed = [_parse(line) for line in render_github(report).splitlines()]
    assert [c for c, _, _ in parsed] == ["error", "error", "error", "warning", "warning", "notice"]
    errors = [(p["file"], int(p["line"])) for c, p, _ in parsed if c == "error"]
    assert errors == sorted(errors)


def test_properties_and_message_survive_the_round_trip(report):
    parsed = {p["file"]: (c, p, m) for c, p, m in (_parse(l) for l in render_github(report).splitlines())}
    command, props, message = parsed[INJECTION_PATH]
    assert command == "error"
    assert props == {"file": INJECTION_PATH, "line": "3", "endLine": "8", "col": "5", "title": "MG101 drop-table"}
    assert message.startswith("Dropping table\n::error::pwned %0A\n")
    # CRLF folded to LF; ESC and the bidi override spelled out, never raw.
    assert (
        "::error file=x::pwned\n  ::add-mask::secret\nx ##\\x5bstop-commands]tok\n"
        "\\x1b[31mred\\x1b[0m \\u202eevil"
    ) in message
    assert "\x1b" not in message and "\u202e" not in message


def test_bypassed_notice_carries_the_reason(report):
    notices = [_parse(l) for l in render_github(report).splitlines() if l.startswith("::notice ")]
    assert len(notices) == 1
    _, props, message = notices[0]
    assert props["title"] == "MG105 truncate (bypassed)"
    assert "Bypassed: audit log is archived to S3 first, see ADR-015" in message


def test_downgrade_and_non_ascii(report):
    warnings = [_parse(l) for l in render_github(report).splitlines() if l.startswith("::warning ")]
    by_file = {p["file"]: m for _, p, m in warnings}
    assert by_file["alembic/versions/0002_löschen.py"].startswith(
        'Dropping column "größe" of "maße" destroys its data (in downgrade)'
    )


def test_empty_report_prints_nothing(empty_report):
    assert render_github(empty_report) == ""


def test_long_statement_is_cut_below_the_runner_limit():
    long = replace(FINDINGS[0], statement="x" * 10_000, message="m" * 5_000)
    (line,) = render_github(Report(files=(), findings=(long,))).splitlines()
    _, _, message = _parse(line)
    assert len(message) <= MESSAGE_LIMIT + 20 and message.endswith("[truncated]")


def test_finding_without_path_has_no_file_property():
    project = replace(FINDINGS[0], path="", severity=Severity.WARNING)
    (line,) = render_github(Report(files=(), findings=(project,))).splitlines()
    command, props, _ = _parse(line)
    assert command == "warning" and set(props) == {"title"}


def test_bad_line_numbers_are_clamped():
    odd = replace(FINDINGS[0], line=0, end_line=-3, column=0)
    (line,) = render_github(Report(files=(), findings=(odd,))).splitlines()
    _, props, _ = _parse(line)
    assert (props["line"], props["endLine"], props["col"]) == ("1", "1", "1")
