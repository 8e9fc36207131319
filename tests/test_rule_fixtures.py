"""One TOML file per rule: real revision sources in, exact (code, line, bypassed, severity) out."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from migration_guard.config import Settings, from_table
from migration_guard.engine import lint_sources

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
META = {"MG901", "MG902", "MG903", "MG904"}


def _cases():
    for path in sorted(FIXTURES.glob("MG*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        codes = set(data.get("codes", [data["rule"]])) | META
        for case in data["case"]:
            yield pytest.param(data["rule"], codes, case, id=f"{path.stem.split('_')[0]}_{case['name']}")


def lint(source: str, settings: Settings | None = None, path: str = "alembic/versions/0001_case.py"):
    return lint_sources([(path, source.encode("utf-8"))], settings or Settings())


@pytest.mark.parametrize("rule,codes,case", list(_cases()))
def test_rule_case(rule: str, codes: set[str], case: dict) -> None:
    settings = from_table(case.get("settings", {}))
    report = lint(case["source"], settings)
    got = [[f.code, f.line, f.bypassed, f.severity.value] for f in report.findings if f.code in codes]
    assert got == case["expect"], "\n".join(f"{f.code}:{f.line} {f.message}" for f in report.findings)


def test_every_fixture_file_passes_and_fails() -> None:
    files = sorted(FIXTURES.glob("MG*.toml"))
    assert files
    for path in files:
        cases = tomllib.loads(path.read_text(encoding="utf-8"))["case"]
        assert any(c["expect"] == [] for c in cases), f"{path.name} has no passing case"
        assert any(c["expect"] for c in cases), f"{path.name} has no failing case"
        for case in cases:
            for expected in case["expect"]:
                assert len(expected) == 4 and expected[3] in ("error", "warning"), \
                    f"{path.name} {case['name']}: expect [code, line, bypassed, severity], not {expected}"
