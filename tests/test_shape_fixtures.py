"""Revisions written to disk in every line ending and encoding: exact (code, line, bypassed, severity) out.

``tests/fixtures/shapes/*.toml`` hold the cases. Each runs once per line ending
(``\\n``, ``\\r\\n``, ``\\r``) unless it names its own, so no shape depends on how lines end.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from migration_guard.config import from_table
from migration_guard.engine import lint_paths

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


def _cases():
    for path in sorted(FIXTURES.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in data["case"]:
            for ending in case.get("endings", list(ENDINGS)):
                yield pytest.param(set(data["codes"]), case, ending, id=f"{path.stem}-{case['name']}-{ending}")


def revision_bytes(case: dict, ending: str) -> bytes:
    """The case's source with its line endings, encoding and byte-order mark as a file would hold them."""
    text = case["source"].replace("\n", ENDINGS[ending])
    data = text.encode(case.get("encoding", "utf-8"))
    return (b"\xef\xbb\xbf" if case.get("bom") else b"") + data


@pytest.mark.parametrize("codes,case,ending", list(_cases()))
def test_shape(codes: set[str], case: dict, ending: str, tmp_path: Path) -> None:
    path = tmp_path / "versions" / "0001_case.py"
    path.parent.mkdir()
    path.write_bytes(revision_bytes(case, ending))
    report = lint_paths([str(path)], from_table(case.get("settings", {})), jobs=1)
    got = [[f.code, f.line, f.bypassed, f.severity.value] for f in report.findings if f.code in codes]
    assert got == case["expect"], "\n".join(f"{f.code}:{f.line} {f.message}" for f in report.findings)
    for words in case.get("says", []):  # what a finding must tell the reader
        assert any(words in f.message for f in report.findings), (words, [f.message for f in report.findings])


def test_every_case_has_an_expectation_that_can_fail() -> None:
    cases = [case for path in FIXTURES.glob("*.toml") for case in tomllib.loads(path.read_text())["case"]]
    assert len(cases) > 20
    assert all(case["expect"] for case in cases), "a case expecting nothing proves nothing about where findings go"
