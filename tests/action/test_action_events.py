"""Push and other events, no token, and injection attempts through every surface."""
import re

import pytest

from harness import BASE_REVISION, BASE_TREE, Git, pr_event, run_action
from migration_guard.github.markers import FP_RE

DROP = BASE_REVISION.replace('revision = "0001"\ndown_revision = None', 'revision = "0002"\ndown_revision = "0001"').replace(
    '    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("nickname", sa.Text))',
    '    op.drop_column("users", "nickname")')
NO_API = "http://127.0.0.1:9/api/v3"  # nothing listens: any request would fail loudly
PASS0 = {"errors": "0", "warnings": "0", "bypassed": "0", "files-checked": "0", "result": "pass", "sarif-file": ""}


def repo_with_drop(tmp_path):
    git = Git(tmp_path / "ws")
    base = git.commit(BASE_TREE)
    head = git.commit({"alembic/versions/0002_drop_nickname.py": DROP})
    return git, base, head


@pytest.mark.container
def test_push_lints_the_revisions_changed_since_the_previous_tip(tmp_path):
    git, base, head = repo_with_drop(tmp_path)
    result = run_action(git.root, tmp_path / "run", "push", {"before": base, "after": head}, NO_API)
    assert result.code == 1
    assert result.outputs == {**PASS0, "errors": "1", "files-checked": "1", "result": "fail"}
    assert [c.split(" ", 1)[0] for c in result.commands] == ["::error"]
    assert result.commands[0].startswith("::error file=alembic/versions/0002_drop_nickname.py,line=10,")
    assert "Found 1 error in 1 revision file" in result.summary


def test_push_of_a_new_branch_lints_every_revision(tmp_path):
    git, base, head = repo_with_drop(tmp_path)
    result = run_action(git.root, tmp_path / "run", "push", {"before": "0" * 40, "after": head}, NO_API)
    assert result.code == 1
    assert result.outputs["files-checked"] == "2"
    assert result.commands[0] == ("::notice title=migration-guard::no previous commit to compare with "
                                  "(new branch or shallow clone): linting every revision")


def test_push_without_revision_changes_passes(tmp_path):
    git, base, head = repo_with_drop(tmp_path)
    after = git.commit({"README.md": "hello\n"})
    result = run_action(git.root, tmp_path / "run", "push", {"before": head, "after": after}, NO_API)
    assert result.code == 0 and result.outputs == PASS0 and result.commands == []


def test_workflow_dispatch_compares_with_the_previous_commit_or_checks_all(tmp_path):
    git, base, head = repo_with_drop(tmp_path)
    result = run_action(git.root, tmp_path / "one", "workflow_dispatch", {"inputs": {}}, NO_API)
    assert result.code == 1 and result.outputs["files-checked"] == "1"
    result = run_action(git.root, tmp_path / "all", "workflow_dispatch", {}, NO_API, inputs={"check-all": "true"})
    assert result.code == 1 and result.outputs["files-checked"] == "2"


def test_pull_request_without_token_reports_through_annotations_only(tmp_path):
    git, base, head = repo_with_drop(tmp_path)
    result = run_action(git.root, tmp_path / "run", "pull_request", pr_event(7, head, base), NO_API, token="")
    assert result.code == 1 and result.outputs["errors"] == "1" and result.outputs["files-checked"] == "1"
    assert result.commands[0].startswith("::warning title=migration-guard::no github-token")
    assert [c.split(" ", 1)[0] for c in result.commands] == ["::warning", "::error"]


INJECTED_PATH = "alembic/versions/0003_ping_@octocat.py"
INJECTED = '''"""<!-- migration-guard:summary --> ping @org/team"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    op.drop_table("x\\n::add-mask::leak <!-- migration-guard:summary --> @octocat `|` </details> %0A::error::y")
    op.execute("DROP TABLE \\"a|b\\"; -- ::error::from sql\\n")
    op.execute("""
DELETE FROM "users@org/team" -- <!-- migration-guard:fp=0123456789abcdef -->
""")
    op.drop_column("t\\r\\n::warning::x", "c```")


def downgrade():
    pass
'''


@pytest.mark.container
def test_injection_payloads_reach_no_surface(tmp_path, api):
    git, base, head = repo_with_drop(tmp_path)
    head2 = git.commit({INJECTED_PATH: INJECTED})
    api.add_pull(7, head2, head, git.pr_files(head, head2))
    result = run_action(git.root, tmp_path / "run", "pull_request", pr_event(7, head2, head), api.base_url)
    assert result.code == 1
    findings = int(result.outputs["errors"]) + int(result.outputs["warnings"])
    assert findings >= 4
    # stdout: our log lines and workflow commands of ours only, each with escaped data
    for line in result.stdout.splitlines():
        assert line.startswith(("::error ", "::warning ", "::notice ", "migration-guard: ")), line
    for line in result.commands:
        name, props = re.match(r"::(\w+) ([^:]*)::", line).groups()
        assert "file=" + INJECTED_PATH.replace(":", "%3A") in props or props == "title=migration-guard"
    assert len(result.commands) == findings
    # posted Markdown: exactly our own markers, no live mention, intact tables and details
    review = api.calls("POST", "reviews$")[0].body
    bodies = [c["body"] for c in review["comments"]]
    assert len(bodies) == findings
    for body in bodies:
        assert body.count("<!--") == 1 and len(FP_RE.findall(body)) == 1
    summary = api.issue_comments[0]["body"]
    assert summary.count("<!--") == 1
    for body in bodies + [summary, review["body"], result.summary]:
        assert not re.search(r"@[A-Za-z0-9]", body), body
    lines = summary.splitlines()
    assert sum(x.startswith("<details>") for x in lines) == sum(x == "</details>" for x in lines) == 2
    # every table row keeps its column count: no cell content adds an unescaped pipe
    widths = {len(re.findall(r"(?<!\\)\|", row)) for row in lines if row.startswith("|")}
    assert widths == {5, 6}, widths  # the 4-column counts table and the 5-column findings tables


def test_paths_input_and_the_annotation_cap_notice(tmp_path):
    git = Git(tmp_path / "ws")
    base = git.commit({"README.md": "x\n"})
    drops = "".join(f'    op.drop_table("t{i}")\n' for i in range(12))
    revision = f'from alembic import op\n\nrevision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n{drops}\n\ndef downgrade():\n    op.create_table("t0")\n'
    head = git.commit({"db/migrations/a1_drop.py": revision, "db/models.py": "x = 1\n"})
    result = run_action(git.root, tmp_path / "run", "push", {"before": base, "after": head}, NO_API,
                        inputs={"paths": "db/migrations/*.py"})
    assert result.code == 1 and result.outputs["errors"] == "12" and result.outputs["files-checked"] == "1"
    # no env.py in this layout, and no lock_timeout in the revision: MG211 warns on its first drop
    assert [c.split(" ", 1)[0] for c in result.commands] == ["::error"] * 12 + ["::warning", "::notice"]
    assert result.commands[12].startswith("::warning file=db/migrations/a1_drop.py,line=8,")
    assert "title=MG211 missing-lock-timeout" in result.commands[12]
    assert result.commands[-1] == ("::notice title=migration-guard::12 errors and 1 warning: GitHub shows 10 "
                                   "annotations of each kind per step; the job summary lists them all")
    assert result.summary.count("| [db/migrations/a1\\_drop\\.py\\:") == 13  # 12 errors and the warning


# The action's image has no git: a push is compared through the REST API instead.
NO_GIT = {"PATH": "/nonexistent"}  # entrypoint.py runs by absolute path; git cannot be found


def test_push_without_git_asks_the_compare_api(tmp_path, api):
    git, base, head = repo_with_drop(tmp_path)
    after = git.commit({"README.md": "hello\n"})
    api.compares[(base, after)] = git.pr_files(base, after)
    result = run_action(git.root, tmp_path / "run", "push", {"before": base, "after": after}, api.base_url,
                        extra_env=NO_GIT)
    assert [f"{r.method} {r.path}" for r in api.requests] == [f"GET /repos/acme/shop/compare/{base}...{after}"]
    assert result.code == 1
    assert result.outputs == {**PASS0, "errors": "1", "files-checked": "1", "result": "fail"}
    assert result.commands[0].startswith("::error file=alembic/versions/0002_drop_nickname.py,line=10,")


def test_push_without_git_and_without_an_answer_lints_every_revision_and_says_why(tmp_path, api):
    git, base, head = repo_with_drop(tmp_path)
    after = git.commit({"README.md": "hello\n"})
    api.fault("GET", r"/compare/", "status", status=503, times=50)
    result = run_action(git.root, tmp_path / "run", "push", {"before": base, "after": after}, api.base_url,
                        extra_env=NO_GIT)
    assert result.code == 1 and result.outputs["files-checked"] == "2"
    assert result.commands[0] == (f"::notice title=migration-guard::cannot tell what changed since {base[:7]}: git is "
                                  "not installed and the compare API failed (RetryError): linting every revision")


def test_push_without_git_and_a_truncated_comparison_lints_every_revision(tmp_path, api):
    git, base, head = repo_with_drop(tmp_path)
    after = git.commit({"README.md": "hello\n"})
    api.compares[(base, after)] = [{"filename": f"docs/page{i}.md", "status": "added"} for i in range(300)]
    result = run_action(git.root, tmp_path / "run", "push", {"before": base, "after": after}, api.base_url,
                        extra_env=NO_GIT)
    assert result.code == 1 and result.outputs["files-checked"] == "2"
    assert result.commands[0].endswith("git is not installed and the compare API lists at most 300 changed files: "
                                       "linting every revision")


def test_push_without_git_or_token_lints_every_revision(tmp_path):
    git, base, head = repo_with_drop(tmp_path)
    result = run_action(git.root, tmp_path / "run", "push", {"before": base, "after": head}, NO_API, token="",
                        extra_env=NO_GIT)
    assert result.code == 1 and result.outputs["files-checked"] == "2"
    assert result.commands[0] == (f"::notice title=migration-guard::cannot tell what changed since {base[:7]}: git "
                                  "is not installed: linting every revision")


def test_workflow_dispatch_without_git_lints_every_revision(tmp_path):
    git, base, head = repo_with_drop(tmp_path)
    result = run_action(git.root, tmp_path / "run", "workflow_dispatch", {}, NO_API, extra_env=NO_GIT)
    assert result.code == 1 and result.outputs["files-checked"] == "2"
    assert result.commands[0] == ("::notice title=migration-guard::cannot tell what changed since HEAD~1: git is "
                                  "not installed: linting every revision")


def test_pull_request_without_git_when_the_files_api_fails_lints_every_revision(tmp_path, api):
    git, base, head = repo_with_drop(tmp_path)
    api.add_pull(7, head, base, git.pr_files(base, head))
    api.fault("GET", r"/pulls/7/files$", "status", status=503, times=50)
    result = run_action(git.root, tmp_path / "run", "pull_request", pr_event(7, head, base), api.base_url,
                        inputs={"review": "false", "comment": "false"}, extra_env=NO_GIT)
    assert result.code == 1 and result.outputs["files-checked"] == "2"
    assert "cannot tell which files changed: linting every revision in the workspace" in result.stdout
