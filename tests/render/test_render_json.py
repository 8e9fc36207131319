from __future__ import annotations

import json
from dataclasses import replace

from render_fixtures import FINDINGS, INJECTION_STATEMENT
from migration_guard.model import Report
from migration_guard.render.json_format import render_json

FINDING_KEYS = [
    "code", "rule", "severity", "path", "line", "end_line", "column", "phase",
    "message", "statement", "bypassed", "bypass_reason", "object",
]
OBJECT_KEYS = ["kind", "schema", "table", "name"]
FINDING_TYPES = {
    "code": str, "rule": str, "severity": str, "path": str, "line": int, "end_line": int,
    "column": int, "phase": str, "message": str, "statement": str, "bypassed": bool,
}


def _one_object(text: str) -> dict:
    value, end = json.JSONDecoder().raw_decode(text)
    assert text[end:] == "\n", "exactly one JSON object, then a newline"
    assert isinstance(value, dict)
    return value


def test_top_level_keys_in_contract_order(report):
    data = _one_object(render_json(report))
    assert list(data) == ["version", "files", "environments", "findings", "summary"]
    assert data["version"] == 1
    assert data["files"] == list(report.files)
    assert data["environments"] == [{"path": "alembic/versions", "config": "alembic.ini", "files": 4},
                                    {"path": "tenants/migrations/versions", "config": None, "files": 1}]
    assert data["summary"] == {"errors": 3, "warnings": 2, "bypassed": 1, "files": 4}
    assert list(data["summary"]) == ["errors", "warnings", "bypassed", "files"]


def test_findings_have_exact_keys_and_types(report):
    findings = _one_object(render_json(report))["findings"]
    assert len(findings) == len(report.findings), "bypassed findings are included"
    for item in findings:
        assert list(item) == FINDING_KEYS
        for key, kind in FINDING_TYPES.items():
            assert type(item[key]) is kind, key
        assert item["severity"] in {"error", "warning"}
        assert item["phase"] in {"upgrade", "downgrade", "module"}
        assert item["bypass_reason"] is None or isinstance(item["bypass_reason"], str)
        target = item["object"]
        assert target is None or (list(target) == OBJECT_KEYS and isinstance(target["kind"], str)
                                  and all(v is None or isinstance(v, str) for v in target.values()))


def test_values_round_trip(report):
    findings = _one_object(render_json(report))["findings"]
    for item, finding in zip(findings, report.findings):
        assert item["message"] == finding.message
        assert item["statement"] == finding.statement
        assert item["path"] == finding.path
        assert item["bypassed"] is finding.bypassed
        assert item["bypass_reason"] == finding.bypass_reason
        assert item["object"] == (None if finding.object is None else {
            "kind": finding.object.kind, "schema": finding.object.schema,
            "table": finding.object.table, "name": finding.object.name})
    bypassed = [i for i in findings if i["bypassed"]]
    assert [i["bypass_reason"] for i in bypassed] == ["audit log is archived to S3 first, see ADR-015"]


def test_non_ascii_is_written_as_utf8_and_round_trips(report):
    text = render_json(report)
    assert "größe" in text and "中文" in text, "readable, not \\u-escaped"
    assert _one_object(text)["findings"][3]["statement"] == 'op.drop_column("maße", "größe")  # 中文'


def test_lone_surrogates_do_not_crash_and_round_trip():
    # What a file name or source decoded with surrogateescape looks like.
    odd = replace(FINDINGS[0], path="alembic/versions/\udcff\udcfe.py", statement="DROP TABLE \udc80x")
    text = render_json(Report(files=(odd.path,), findings=(odd,)))
    text.encode("utf-8")  # printable on any UTF-8 stdout
    data = _one_object(text)
    assert data["findings"][0]["path"] == odd.path
    assert data["files"] == [odd.path]
    assert data["findings"][0]["statement"] == odd.statement


def test_control_characters_and_log_commands_are_escaped_losslessly(report):
    text = render_json(report)
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert "##[" not in text, "the runner's legacy parser would run it from a log line"
    assert not any(l.lstrip().startswith("::") for l in text.splitlines())
    assert len(text.splitlines()) == text.count("\n"), "no raw line breaks inside strings"
    assert json.loads(text)["findings"][5]["statement"] == INJECTION_STATEMENT


def test_line_separators_stay_escaped():
    odd = replace(FINDINGS[0], message="a\u2028b\u2029c\x85d\x7f")
    text = render_json(Report(files=(), findings=(odd,)))
    assert "\\u2028" in text and "\u2028" not in text
    assert len(text.splitlines()) == text.count("\n")
    assert json.loads(text)["findings"][0]["message"] == odd.message


def _random_value(rng, depth=0):
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice([0, -3, 2.5, float("nan"), True, False, None, 'a"b\\\n', "é\u2028", "", "##[x"])
    if roll < 0.7:
        return {rng.choice(["k", "é", "a b", '"q']) + str(i): _random_value(rng, depth + 1)
                for i in range(rng.randint(0, 4))}
    items = [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return items if rng.random() < 0.5 else tuple(items)


def test_indented_layout_is_byte_for_byte_the_json_modules():
    """The fast indented encoder writes exactly what ``json.dumps(indent=...)`` writes."""
    import random

    from migration_guard.render._common import _indented

    rng = random.Random(20251115)
    values = [_random_value(rng) for _ in range(3000)] + [
        {1: "a", "b": [1, {2: 3}]}, [{None: 1, True: [2]}], [{"a": 1}], [{"a": "},\n  {"}, {"b": None, "c": 2}],
        {"findings": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}], "n": [{"k": {}}, {"k": 1}]}, [{"a": 1}, {}],
        # findings with their object: a flat dict or null under one key, strings that look like the layout
        [{"a": 1, "o": {"k": 'x\n  "o": null},\n    {'}}, {"a": 2, "o": None}, {"a": '"o": null', "o": {"z": 0}}],
        [{"o": None}, {"o": None}], [{"o": {"a": 1}}, {"p": {"a": 1}}], [{"o": {"a": [1]}}], [{"o": {}}, {"o": None}]]
    for value in values:
        for indent in (2, 4):
            assert _indented(value, " " * indent, 0) == json.dumps(value, ensure_ascii=False, indent=indent)
