from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from render_fixtures import FINDINGS, INJECTION_PATH
from migration_guard import __version__
from migration_guard.model import Report
from migration_guard.render.sarif import FINGERPRINT_KEY, artifact_uri, render_sarif

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def _log(report: Report) -> dict:
    return json.loads(render_sarif(report))


def _errors(log: dict) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(log)]


def test_validates_against_the_sarif_schema(report, empty_report):
    assert _errors(_log(report)) == []
    assert _errors(_log(empty_report)) == []


def test_the_schema_check_can_fail(report):
    # Guards against a schema file that accepts anything.
    log = _log(report)
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert _errors(broken)
    broken = copy.deepcopy(log)
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert _errors(broken)
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["suppressions"] = [{"kind": "byMagic"}]
    assert _errors(broken)


def test_driver(report):
    driver = _log(report)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "migration-guard"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")


def test_results_levels_and_rule_indexes(report):
    run = _log(report)["runs"][0]
    results, rules = run["results"], run["tool"]["driver"]["rules"]
    assert len(results) == len(report.findings)
    ids = [r["id"] for r in rules]
    assert ids == sorted({f.code for f in report.findings}), "only the rules referenced, once each"
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    expected = sorted((f.code, f.severity.value, f.line) for f in report.findings)
    got = sorted(
        (r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results
    )
    assert got == expected


def test_rule_metadata_comes_from_report_rules(report):
    rules = {r["id"]: r for r in _log(report)["runs"][0]["tool"]["driver"]["rules"]}
    mg101 = rules["MG101"]
    assert mg101["name"] == "drop-table"
    assert mg101["shortDescription"]["text"] == "Dropping a table destroys its data"
    assert mg101["helpUri"].endswith("/drop-table.md")
    assert mg101["help"]["text"] and mg101["fullDescription"]["text"]
    assert rules["MG904"]["defaultConfiguration"]["level"] == "warning"


def test_rules_missing_from_the_report_get_a_stand_in(report):
    log = _log(replace(report, rules=()))
    assert _errors(log) == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == 5


def test_bypassed_findings_are_suppressed_in_source(report):
    results = _log(report)["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["ruleId"] == "MG105"
    assert suppressed[0]["suppressions"] == [
        {"kind": "inSource", "justification": "audit log is archived to S3 first, see ADR-015"}
    ]


def test_fingerprints_are_ours_and_line_independent(report):
    results = _log(report)["runs"][0]["results"]
    for result, finding in zip(results, sorted(report.findings, key=lambda f: f.sort_key())):
        assert result["partialFingerprints"] == {FINGERPRINT_KEY: finding.fingerprint}
    moved = replace(FINDINGS[0], line=99, end_line=99)
    moved_fp = _log(Report(files=(), findings=(moved,)))["runs"][0]["results"][0]["partialFingerprints"]
    assert moved_fp == {FINGERPRINT_KEY: FINDINGS[0].fingerprint}


def test_uris_are_relative_and_percent_encoded(report):
    for result in _log(report)["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri
        assert ":" not in uri and "," not in uri and " " not in uri
    assert artifact_uri(INJECTION_PATH) == "alembic/versions/0003_odd%3Aname%2C100%25.py"
    assert unquote(artifact_uri(INJECTION_PATH)) == INJECTION_PATH


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("alembic/versions/a.py", "alembic/versions/a.py"),
        ("./alembic/versions/a.py", "alembic/versions/a.py"),
        ("alembic\\versions\\a.py", "alembic/versions/a.py"),
        ("alembic/versions/größe.py", "alembic/versions/gr%C3%B6%C3%9Fe.py"),
        ("alembic/versions/a b#c?.py", "alembic/versions/a%20b%23c%3F.py"),
        ("/github/workspace/a.py", "file:///github/workspace/a.py"),
        ("C:\\repo\\a.py", "file:///C:/repo/a.py"),
        ("alembic/\udcff.py", "alembic/%FF.py"),  # an undecodable byte of a file name
    ],
)
def test_artifact_uri(path, uri):
    assert artifact_uri(path) == uri


def test_output_is_utf8_safe_with_surrogates():
    odd = replace(FINDINGS[0], path="a/\udcff.py", message="bad \udc80 byte")
    text = render_sarif(Report(files=(odd.path,), findings=(odd,)))
    text.encode("utf-8")
    log = json.loads(text)
    assert log["runs"][0]["results"][0]["message"]["text"] == "bad \udc80 byte"
    assert _errors(log) == []
