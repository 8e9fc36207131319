import re

import pytest

from migration_guard.render import markdown as md

ZWSP = "\u200b"
PAYLOADS = [
    "<!-- migration-guard:summary -->",
    "<!-- migration-guard:fp=0123456789abcdef -->",
    "@org/team please look",
    "a`b``c```d",
    "col|umn",
    "line\n::error::x",
    "</details><script>alert(1)</script>",
    "*bold* _it_ [link](http://x) ![i](y) # h",
    "--> end of a comment",
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("escape", [md.text, md.code, lambda s: md.code(s, table=True), md.code_block])
def test_no_marker_no_mention_no_line_break_survives(payload, escape):
    out = escape(payload)
    assert "<!--" not in out and "-->" not in out
    assert not re.search(r"@\w", out)
    if escape is not md.code_block:
        assert "\n" not in out and "\r" not in out


def test_text_renders_specials_literally():
    assert md.text("a|b") == "a\\|b"
    assert md.text("<b>&") == "&lt;b&gt;&amp;"
    assert md.text("@team") == "@" + ZWSP + "team"
    assert md.text("x\n::error::y") == "x \\:\\:error\\:\\:y"
    assert md.text("*_`[]") == "\\*\\_\\`\\[\\]"


def test_code_span_fence_is_longer_than_any_backtick_run():
    assert md.code("a`b``c") == "```a`b``c```"
    assert md.code("`x`") == "`` `x` ``"
    assert md.code("plain") == "`plain`"
    assert md.code("") == ""


def test_code_span_in_table_escapes_pipes_and_folds_newlines():
    assert md.code("a | b\nc", table=True) == "`a \\| b c`"


def test_code_block_cannot_be_closed_from_inside():
    out = md.code_block("x\n```\n::error::y\n````", lang="sql")
    fence = out.split("\n", 1)[0]
    assert fence == "`````sql"
    assert out.endswith("\n`````")
    inner = out.split("\n")[1:-1]
    assert all(not line.startswith("`````") for line in inner)


def test_control_and_bidi_characters_are_spelled_out():
    assert md.text("a\x1b[31mb\u202ec") == "a\\\\x1b\\[31mb\\\\u202ec"


def test_render_within_shortens_lists_then_cuts():
    out = md.render_within("_tables.md.j2", 10)  # renders macros only: empty
    assert out == ""
