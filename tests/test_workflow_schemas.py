"""action.yml and every workflow against SchemaStore's schemas (vendored: no network), with
check-jsonschema; and the workflow rules the project keeps that no schema expresses."""
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML  # check-jsonschema's own YAML reader

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "tests" / "schemas"
WORKFLOWS = sorted([*ROOT.glob(".github/workflows/*.yml"), *ROOT.glob("examples/workflows/*.yml")])
# GitHub's own actions on their Node 24 majors; anything else pinned by commit
NODE24_MAJORS = {"actions/checkout": 5, "actions/setup-python": 6, "actions/upload-artifact": 6,
                 "actions/download-artifact": 7, "actions/attest-build-provenance": 3, "github/codeql-action": 4}


def check(schema: str, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(SCHEMAS / schema), *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )


def test_action_yml_and_every_workflow_match_the_schemas():
    assert len(WORKFLOWS) >= 5  # ci, mv-proof, release, and the two examples
    action = check("github-actions.json", ROOT / "action.yml")
    assert action.returncode == 0, action.stdout + action.stderr
    workflows = check("github-workflows.json", *WORKFLOWS)
    assert workflows.returncode == 0, workflows.stdout + workflows.stderr


def test_the_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\npermissions:\n  contents: readwrite\njobs:\n  x:\n    steps: []\n", encoding="utf-8")
    result = check("github-workflows.json", broken)
    assert result.returncode == 1
    assert "broken.yml" in result.stdout


def steps(workflow: dict):
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, job, step


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_workflow_rules(path):
    workflow = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert workflow.get("permissions") == {}, "grant permissions per job"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {name} lists its permissions"
    for name, job, step in steps(workflow):
        uses = step.get("uses", "")
        if not uses or uses.startswith(("./", "org/migration-guard@")):
            continue
        action, _, ref = uses.partition("@")
        owner_action = "/".join(action.split("/")[:2])
        if owner_action in NODE24_MAJORS:
            assert ref == f"v{NODE24_MAJORS[owner_action]}", f"{uses}: use the Node 24 major"
        else:
            assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), f"{uses}: pin by commit SHA"
        if action == "actions/checkout":
            pushes = any("git push" in other.get("run", "") for other in job["steps"])
            assert step.get("with", {}).get("persist-credentials") is (None if pushes else False), \
                f"{path.name}/{name}: persist-credentials: false unless the job pushes"
