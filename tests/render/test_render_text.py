from __future__ import annotations

import re
from dataclasses import replace

from render_fixtures import FINDINGS, INJECTION_PATH
from migration_guard.model import Report, Severity
from migration_guard.render.text import STATEMENT_LINES, render_text, statement_excerpt

OUR_STYLES = re.compile(r"\x1b\[[0-9;]*m")


def test_blocks_and_summary(report):
    text = render_text(report)
    assert text.endswith(
        "3 errors, 2 warnings, 1 bypassed in 4 files\n"
        'A destructive change made on purpose can be bypassed with a reason: "# CI:DESTRUCTIVE_OK '
        "<why it is safe>\" on the statement's line or alone on the line above it, "
        'or "-- CI:DESTRUCTIVE_OK <why>" inside the SQL.\n'
    )
    assert (
        'alembic/versions/0001_init.py:12:5: MG101 drop-table [error] Dropping table "users" destroys its data\n'
        '    | op.drop_table("users")\n'
    ) in text


def test_phase_is_shown_unless_upgrade(report):
    heads = [l for l in render_text(report).splitlines() if re.match(r"\S+:\d+:\d+: MG", l)]
    assert len(heads) == len(report.findings)
    downgrade = next(l for l in heads if "MG102" in l)
    assert "[warning] (downgrade) " in downgrade
    module = next(l for l in heads if "MG901" in l)
    assert "[error] (module) " in module
    upgrade = next(l for l in heads if "MG101" in l and "0001" in l)
    assert "(upgrade)" not in upgrade


def test_bypassed_findings_come_last_with_their_reason(report):
    text = render_text(report)
    block = text.split("\n\n")[-2]
    assert block == (
        'alembic/versions/0001_init.py:30:5: MG105 truncate [bypassed] TRUNCATE "audit_log" removes every row\n'
        "    | TRUNCATE audit_log\n"
        "    bypassed: audit log is archived to S3 first, see ADR-015"
    )


def test_no_raw_control_characters_reach_the_terminal(report):
    text = render_text(report)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", text)
    assert "\\x1b[31mred\\x1b[0m \\u202eevil" in text
    assert f"{INJECTION_PATH}:3:5: MG101 drop-table [error] Dropping table\\n::error::pwned %0A" in text


def _workflow_commands(text: str) -> list[str]:
    """Lines the Actions runner would run: ``::`` after leading spaces, ``##[`` anywhere."""
    return [l for l in text.splitlines() if l.lstrip().startswith("::") or "##[" in l]


def test_no_line_is_a_workflow_command(report):
    assert _workflow_commands(render_text(report)) == []
    assert _workflow_commands(render_text(report, color=True)) == []
    assert "    | x ##\\x5bstop-commands]tok" in render_text(report)


def test_a_path_cannot_start_a_workflow_command():
    odd = replace(FINDINGS[0], path="  ::add-mask::x.py")
    text = render_text(Report(files=(odd.path,), findings=(odd,)))
    assert _workflow_commands(text) == []
    assert text.startswith("./  ::add-mask::x.py:12:5: ")


def test_colour_only_when_asked_and_only_ours(report):
    assert "\x1b" not in render_text(report)
    coloured = render_text(report, color=True)
    assert "\x1b[1;31m[error]\x1b[0m" in coloured
    assert OUR_STYLES.sub("", coloured) == render_text(report)
    assert "\x1b" not in OUR_STYLES.sub("", coloured)


def test_clean_report_has_no_hint(empty_report):
    assert render_text(empty_report) == "0 errors, 0 warnings, 0 bypassed in 1 file\n"


def test_warnings_only_have_no_hint():
    warning = replace(FINDINGS[0], severity=Severity.WARNING)
    assert render_text(Report(files=("a",), findings=(warning,))).endswith(
        "0 errors, 1 warning, 0 bypassed in 1 file\n"
    )


def test_custom_bypass_token_in_hint(report):
    assert '"# ALLOW_DROP <why it is safe>"' in render_text(report, bypass_token="ALLOW_DROP")


def test_statement_excerpt_is_dedented_and_cut():
    rows = statement_excerpt("\n".join(f"        line {i}" for i in range(20)))
    assert rows[:2] == ["line 0", "line 1"]
    assert len(rows) == STATEMENT_LINES + 1
    assert rows[-1] == f"… ({20 - STATEMENT_LINES} more lines)"
    (wide,) = statement_excerpt("x" * 500)
    assert len(wide) == 160 and wide.endswith("…")
    assert statement_excerpt("  \n  ") == []


def test_surrogates_are_printable():
    odd = replace(FINDINGS[0], path="a/\udcff.py", statement="DROP TABLE \udc80")
    text = render_text(Report(files=(odd.path,), findings=(odd,)))
    text.encode("utf-8")
    assert "a/\\udcff.py:12:5:" in text


def test_no_bypass_hint_when_only_meta_errors_fail():
    parse_error = FINDINGS[4]
    assert parse_error.code == "MG901"
    assert render_text(Report(files=("a",), findings=(parse_error,))).endswith(
        "1 error, 0 warnings, 0 bypassed in 1 file\n"
    )


def test_bypass_hint_follows_what_a_bypass_can_accept():
    # unresolved SQL raised to error can be bypassed (its page shows how); a reasonless bypass cannot
    unresolved = replace(FINDINGS[1], severity=Severity.ERROR)
    assert unresolved.code == "MG904"
    assert "can be bypassed with a reason" in render_text(Report(files=("a",), findings=(unresolved,)))
    reasonless = replace(FINDINGS[4], code="MG902", rule="bypass-without-reason")
    assert "can be bypassed" not in render_text(Report(files=("a",), findings=(reasonless,)))
