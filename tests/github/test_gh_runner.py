"""Inputs, event payloads, workflow commands and outputs: the runner's side of the contract."""
import json
import subprocess
import uuid

import pytest

from migration_guard.github import commands, event, inputs, sources

SHA_A, SHA_B = "a" * 40, "b" * 40


def test_inputs_keep_hyphens_and_validate(monkeypatch):
    monkeypatch.setenv("INPUT_GITHUB-TOKEN", " tok ")
    monkeypatch.setenv("INPUT_PATHS", "db/versions/*.py\nother/*.py, third/*.py\n")
    monkeypatch.setenv("INPUT_FAIL-ON", "warning")
    monkeypatch.setenv("INPUT_CHECK-ALL", "TRUE")
    monkeypatch.setenv("INPUT_REVIEW", "")
    got = inputs.read()
    assert got.token == "tok"
    assert got.paths == ("db/versions/*.py", "other/*.py", "third/*.py")
    assert (got.fail_on, got.check_all, got.review, got.comment, got.downgrade) == ("warning", True, True, True, None)
    assert "tok" not in repr(got)


@pytest.mark.parametrize("name, value, message", [
    ("FAIL-ON", "errors", "input fail-on: expected one of error, warning, never, got 'errors'"),
    ("COMMENT", "yes", "input comment: expected true or false, got 'yes'"),
    ("PULL-REQUEST", "7; rm -rf /", "input pull-request: expected a pull request number, got '7; rm -rf /'"),
])
def test_invalid_inputs(monkeypatch, name, value, message):
    monkeypatch.setenv(f"INPUT_{name}", value)
    with pytest.raises(inputs.InputError) as caught:
        inputs.read()
    assert str(caught.value) == message


def write(tmp_path, payload):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return str(path)


def pr_payload(head_repo="acme/shop"):
    return {"pull_request": {"number": 7, "changed_files": 3, "head": {"sha": SHA_A, "repo": {"full_name": head_repo}},
                             "base": {"sha": SHA_B}}, "repository": {"full_name": "acme/shop"}}


def test_pull_request_event_and_forks(tmp_path):
    ev = event.load("pull_request", write(tmp_path, pr_payload()), "ignored/repo")
    assert (ev.pr_number, ev.head_sha, ev.base_sha, ev.changed_files, ev.repository) == (7, SHA_A, SHA_B, 3, "acme/shop")
    assert not ev.is_fork and not ev.read_only
    fork = event.load("pull_request", write(tmp_path, pr_payload("mallory/shop")), "")
    assert fork.is_fork and fork.read_only
    # a deleted fork has no head repository; pull_request_target gets a write token anyway
    deleted = pr_payload()
    deleted["pull_request"]["head"]["repo"] = None
    target = event.load("pull_request_target", write(tmp_path, deleted), "")
    assert target.is_fork and not target.read_only


@pytest.mark.parametrize("payload, message", [
    ({}, "pull_request event without pull_request.number"),
    ({"pull_request": {"number": 7, "head": {"sha": "HEAD"}}}, "pull_request event without a valid pull_request.head.sha"),
    ([1, 2], "the event payload is not a JSON object"),
])
def test_bad_pull_request_payloads(tmp_path, payload, message):
    with pytest.raises(event.EventError) as caught:
        event.load("pull_request", write(tmp_path, payload), "acme/shop")
    assert str(caught.value) == message


def test_push_and_workflow_run_events(tmp_path):
    push = event.load("push", write(tmp_path, {"before": SHA_B, "after": SHA_A}), "acme/shop")
    assert (push.before, push.after, push.is_pull_request) == (SHA_B, SHA_A, False)
    run = {"workflow_run": {"head_sha": SHA_A, "head_repository": {"full_name": "mallory/shop"},
                            "pull_requests": [{"number": 3, "head": {"sha": SHA_B}}, {"number": 9, "head": {"sha": SHA_A}}]}}
    ev = event.load("workflow_run", write(tmp_path, run), "acme/shop")
    assert (ev.pr_number, ev.head_sha, ev.verify_head, ev.read_only) == (9, SHA_A, True, False)
    run["workflow_run"]["pull_requests"] = []
    assert event.load("workflow_run", write(tmp_path, run), "acme/shop", 12).pr_number == 12
    assert not event.load("workflow_run", write(tmp_path, run), "acme/shop").is_pull_request


def test_workflow_command_escaping(capsys):
    commands.command("warning", "100% done\r\n::error::x", file="a:b,c.py", line=3, title=None)
    assert capsys.readouterr().out == "::warning file=a%3Ab%2Cc.py,line=3::100%25 done%0D%0A::error::x\n"
    commands.log("x\n::add-mask::y")
    assert capsys.readouterr().out == "migration-guard: x%0A::add-mask::y\n"


def test_outputs_use_a_fresh_delimiter_per_value(tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    commands.set_outputs({"errors": "2", "note": "line1\nghadelimiter_x\nline3"})
    lines = out.read_text().split("\n")
    assert lines[0].startswith("errors<<ghadelimiter_") and lines[1] == "2" and lines[2] == lines[0].split("<<")[1]
    assert lines[3].startswith("note<<ghadelimiter_") and lines[3] != lines[0]
    assert lines[4:7] == ["line1", "ghadelimiter_x", "line3"] and lines[7] == lines[3].split("<<")[1]
    uuid.UUID(lines[0].split("ghadelimiter_")[1])


def test_job_summary_is_capped_below_one_mebibyte(tmp_path, monkeypatch):
    path = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    assert commands.append_job_summary("é" * 700_000)
    assert len(path.read_bytes()) < 1_048_576


def test_blob_sha_matches_git(tmp_path):
    data = b"from alembic import op\n"
    (tmp_path / "f.py").write_bytes(data)
    expected = subprocess.run(["git", "hash-object", str(tmp_path / "f.py")], capture_output=True, text=True).stdout.strip()
    assert sources.blob_sha(data) == expected


def test_read_head_prefers_a_matching_workspace_copy(tmp_path):
    (tmp_path / "a.py").write_bytes(b"same")
    fetched = []
    changed = sources.ChangedFile("a.py", "modified", None, sources.blob_sha(b"same"))
    assert sources.read_head(tmp_path, changed, fetched.append) == (b"same", "workspace")
    other = sources.ChangedFile("a.py", "modified", None, sources.blob_sha(b"head"))
    assert sources.read_head(tmp_path, other, lambda p: b"head") == (b"head", "api")
    missing = sources.ChangedFile("gone.py", "added", None, "0" * 40)
    data, origin = sources.read_head(tmp_path, missing, lambda p: 1 / 0)
    assert isinstance(data, OSError) and origin == "unreadable"
    assert fetched == []


def test_paths_cannot_escape_the_workspace(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "secret").write_text("x")
    (tmp_path / "ws" / "link.py").symlink_to(tmp_path / "secret")
    assert isinstance(sources.read_workspace(tmp_path / "ws", "../secret"), OSError)
    assert isinstance(sources.read_workspace(tmp_path / "ws", "link.py"), OSError)


def test_git_changed_follows_renames_and_skips_deletions(tmp_path):
    def git(*args):
        return subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    git("config", "user.email", "a@b")
    git("config", "user.name", "a")
    for name in ("old.py", "gone.py", "same.py"):
        (tmp_path / name).write_text(f"# {name}\n" * 20)
    git("add", ".")
    git("commit", "-qm", "base")
    base = git("rev-parse", "HEAD")
    git("mv", "old.py", "new name.py")
    git("rm", "-q", "gone.py")
    (tmp_path / "added.py").write_text("x\n")
    git("add", ".")
    git("commit", "-qm", "head")
    assert sorted(sources.git_changed(tmp_path, base, "HEAD")) == ["added.py", "new name.py"]
    assert sources.git_changed(tmp_path, "0" * 40, "HEAD") is None
    assert sources.git_changed(tmp_path, "c" * 40, "HEAD") is None
