"""``--format sarif``: a SARIF 2.1.0 log for GitHub code scanning (``upload-sarif``)."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..model import DOCS_BASE_URI, Finding, Report, RuleInfo
from ._common import by_place, dumps, rule_for

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_NAME = "migration-guard"
INFORMATION_URI = DOCS_BASE_URI.split("/blob/", 1)[0]
# Our own line-independent identity: rule, path and the whitespace-folded statement.
FINGERPRINT_KEY = "migrationGuard/v1"

# Deliberately no ``primaryLocationLineHash``. GitHub defines it as a hash of the
# line's content computed by its own algorithm, and ``upload-sarif`` computes it from
# the checked-out file whenever it is absent. Putting our statement hash under that
# name would make code scanning match alerts by a different scheme than the one it
# documents (and collide when one file repeats the same statement), and it would stop
# ``upload-sarif`` from filling in the real value. Uploading through the raw API
# without that field is the documented cause of duplicate alerts: use upload-sarif.


def render_sarif(report: Report) -> str:
    return dumps(sarif_log(report)) + "\n"


def sarif_log(report: Report) -> dict[str, Any]:
    findings = by_place(report.findings)
    rules = _referenced_rules(report, findings)
    index = {info.code: i for i, info in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(info) for info in rules],
                    }
                },
                "results": [_result(f, index[f.code]) for f in findings],
            }
        ],
    }


def _referenced_rules(report: Report, findings: list[Finding]) -> list[RuleInfo]:
    seen: dict[str, RuleInfo] = {}
    for finding in findings:
        if finding.code not in seen:
            seen[finding.code] = rule_for(report, finding)
    return [seen[code] for code in sorted(seen)]


def _rule(info: RuleInfo) -> dict[str, Any]:
    summary = info.summary or info.name
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": f"{info.code} {info.name}: {summary}"},
        "help": {
            "text": f"{summary}. What goes wrong in production and the safe alternative: {info.help_uri}",
            "markdown": f"{summary}.\n\n[What goes wrong in production and the safe alternative]({info.help_uri})",
        },
        "helpUri": info.help_uri,
        "defaultConfiguration": {"level": info.severity.value},
        "properties": {"tags": [info.category], "optIn": info.opt_in},
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    line = max(1, finding.line)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": finding.severity.value,
        "message": {"text": finding.message or finding.rule},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(finding.path)},
                    "region": {
                        "startLine": line,
                        "endLine": max(line, finding.end_line),
                        "startColumn": max(1, finding.column),
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"phase": finding.phase.value, "statement": finding.statement},
    }
    if finding.bypassed:
        suppression: dict[str, Any] = {"kind": "inSource"}
        if finding.bypass_reason:
            suppression["justification"] = finding.bypass_reason
        result["suppressions"] = [suppression]
    return result


_DRIVE = re.compile(r"^[A-Za-z]:/")


def artifact_uri(path: str) -> str:
    """A URI reference for ``path``: relative stays relative, absolute becomes ``file://``.

    Paths are repo-relative in the action, which is what code scanning needs to
    place an alert; an absolute path (a local CLI run) is still a valid absolute URI
    rather than a relative reference that points nowhere. Every character that is
    not unreserved is percent-encoded, which also keeps a ``:`` in the first segment
    from reading as a URI scheme.
    """
    posix = path.replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    if _DRIVE.match(posix):
        return "file:///" + posix[:2] + _quote(posix[2:])
    if posix.startswith("/"):
        return "file://" + _quote(posix)
    return _quote(posix)


def _quote(text: str) -> str:
    try:
        # Undecodable bytes of a file name come back as surrogates; encode them back
        # to the original bytes so the URI names the real file.
        return quote(text, safe="/", errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(text, safe="/", errors="replace")
