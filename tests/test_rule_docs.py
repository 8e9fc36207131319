"""Every rule is documented and tested: an up-to-date docs page, a fixture that passes and fails.

Also checks the pre-commit hook definition that runs ``migration-guard lint`` on changed revisions.
"""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from migration_guard.rules import all_rules, meta_rules

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "rules"
FIXTURES = ROOT / "tests" / "fixtures" / "rules"
META = {"MG901", "MG902", "MG903", "MG904"}
LOCK_MODES = ("ACCESS EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE lock", "ROW SHARE")
REGENERATE = "run: python scripts/gen_rule_docs.py"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_rule_docs", ROOT / "scripts" / "gen_rule_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()
EXPECTED = GEN.pages()
CODES = [r.info.code for r in all_rules()]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_docs_page_is_up_to_date(name):
    page = DOCS / name
    assert page.is_file(), f"docs/rules/{name} is missing; {REGENERATE}"
    assert page.read_text(encoding="utf-8") == EXPECTED[name], f"docs/rules/{name} is out of date; {REGENERATE}"


def test_no_stale_generated_pages():
    assert GEN.stale(EXPECTED) == [], REGENERATE


def test_every_rule_and_meta_finding_has_a_page_at_its_help_uri():
    for info in [r.info for r in all_rules()] + list(meta_rules()):
        name = info.help_uri.rsplit("/", 1)[1]
        assert name == f"{info.name}.md"
        assert name in EXPECTED and (DOCS / name).is_file(), info.code
        assert f"[{info.name}]({name})" in EXPECTED["README.md"], info.code


def _fixture_cases() -> list[tuple[str, set[str], dict]]:
    """(file rule, asserted codes, case) for every case, single-file and project fixtures."""
    found = []
    for path in sorted(FIXTURES.glob("MG*.toml")) + sorted((FIXTURES / "project").glob("MG*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        codes = set(data.get("codes", [])) | {data["rule"]} | META
        found.extend((data["rule"], codes, case) for case in data["case"])
    return found


CASES = _fixture_cases()


@pytest.mark.parametrize("code", CODES)
def test_every_rule_has_a_passing_and_a_failing_fixture(code):
    relevant = [case for rule, codes, case in CASES if rule == code or code in codes]
    failing = [c for c in relevant if any(e[0] == code for e in c["expect"])]
    passing = [c for c in relevant if not any(e[0] == code for e in c["expect"])]
    assert failing, f"{code}: no fixture case where it fires (tests/fixtures/rules/{code}_*.toml)"
    assert passing, f"{code}: no fixture case where it stays quiet (tests/fixtures/rules/{code}_*.toml)"


@pytest.mark.parametrize("rule", [r for r in all_rules() if r.info.code >= "MG200" and r.info.category != "meta"],
                         ids=lambda r: r.info.code)
def test_docstring_has_the_sections(rule):
    assert "**What goes wrong**" in rule.doc and "**Safer alternative**" in rule.doc, rule.info.code
    assert "```python" in rule.doc or "```bash" in rule.doc or "    op." in rule.doc, \
        f"{rule.info.code}: the safer alternative needs an Alembic example"
    if rule.info.category == "lock" and rule.info.code not in ("MG203", "MG217"):  # these two name the error instead
        what = rule.doc.split("**Safer alternative**")[0]
        assert any(mode in what for mode in LOCK_MODES), f"{rule.info.code}: name the lock taken"


def test_operation_rules_have_a_bypassed_case():
    for rule in all_rules():
        if rule.scope != "operation" or rule.info.category == "meta" or rule.info.code < "MG200":
            continue
        assert any(rule.info.code == r and any(e[0] == rule.info.code and e[2] for e in c["expect"])
                   for r, _, c in CASES), f"{rule.info.code}: no bypassed fixture case"


# -- pre-commit ---------------------------------------------------------------------------------------------

def _hooks() -> list[dict[str, str]]:
    """The hook list of .pre-commit-hooks.yaml (flat ``key: value`` items; no YAML library needed)."""
    hooks: list[dict[str, str]] = []
    for line in (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = re.match(r"^(-\s+|\s+)(\w+):\s*(.*)$", line)
        assert item, f"unexpected line in .pre-commit-hooks.yaml: {line!r}"
        if item.group(1).startswith("-"):
            hooks.append({})
        value = item.group(3).strip()
        hooks[-1][item.group(2)] = value[1:-1] if value[:1] in "'\"" and value[-1:] == value[:1] else value
    return hooks


def test_pre_commit_hook_runs_lint_on_revision_files():
    (hook,) = _hooks()
    assert hook["id"] == "migration-guard"
    assert hook["entry"] == "migration-guard lint"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] == "true"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "migration-guard" in pyproject["project"]["scripts"]
    files = re.compile(hook["files"])
    for path in ("alembic/versions/0001_init.py", "services/api/alembic/versions/2024_01_add.py",
                 "alembic/versions/sub/dir/x.py", "migrations/versions/1a2b3c_add.py", "versions/x.py"):
        assert files.search(path), path
    for path in ("alembic/env.py", "app/subversions/x.py", "alembic/versions/README", "app/models.py"):
        assert not files.search(path), path
