"""The action on pull_request events, run as the runner runs it, against the fake API."""
import os
import re

import pytest

from fake_server import HUMAN, OTHER_BOT
from harness import ALEMBIC_INI, BASE_REVISION, BASE_TREE, ENV_PY, REPO, Git, pr_event, run_action
from migration_guard.github.markers import FP_RE, SUMMARY_MARKER

DROP_PATH = "alembic/versions/0002_drop_legacy.py"
DROP = '''"""drop legacy"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.drop_table("legacy_sessions")
    op.drop_column("users", "nickname")
    op.execute("TRUNCATE audit_log")  # CI:DESTRUCTIVE_OK audit rows archived in OPS-12


def downgrade():
    op.add_column("users", sa.Column("nickname", sa.Text))
    op.create_table("legacy_sessions", sa.Column("id", sa.Integer))
'''

DROP_BODY = ('    op.drop_table("legacy_sessions")\n    op.drop_column("users", "nickname")\n'
             '    op.execute("TRUNCATE audit_log")  # CI:DESTRUCTIVE_OK audit rows archived in OPS-12\n')


def with_upgrade(body: str) -> str:
    """DROP's revision with another ``upgrade()`` body."""
    return DROP.replace(DROP_BODY, body)


FAILING = {"errors": "2", "warnings": "0", "bypassed": "1", "files-checked": "1", "result": "fail", "sarif-file": ""}
FILES, REVIEW_COMMENTS = "GET pulls/7/files", "GET pulls/7/comments"
POST_REVIEW, ISSUE_COMMENTS = "POST pulls/7/reviews", "GET issues/7/comments"


def calls(api):
    return [f"{r.method} {r.path.removeprefix(f'/repos/{REPO}/')}" for r in api.requests]


@pytest.fixture
def pr(tmp_path, api):
    git = Git(tmp_path / "ws")
    base = git.commit(BASE_TREE, "base")
    head = git.commit({DROP_PATH: DROP}, "drop legacy")
    api.add_pull(7, head, base, git.pr_files(base, head))
    return git, base, head


def run(git, tmp_path, api, head, base, name="run", event="pull_request", **kw):
    event_payload = pr_event(7, head, base, head_repo=kw.pop("head_repo", REPO))
    return run_action(git.root, tmp_path / name, event, event_payload, api.base_url, **kw)


@pytest.mark.container
def test_first_run_reviews_the_lines_and_creates_the_summary(pr, tmp_path, api):
    git, base, head = pr
    result = run(git, tmp_path, api, head, base)
    assert result.code == 1
    assert result.outputs == FAILING
    assert calls(api) == [FILES, REVIEW_COMMENTS, POST_REVIEW, ISSUE_COMMENTS, "POST issues/7/comments"]
    review = api.calls("POST", "reviews$")[0].body
    assert review["event"] == "COMMENT" and review["commit_id"] == head
    assert [(c["path"], c["line"], c["side"]) for c in review["comments"]] == [(DROP_PATH, 10, "RIGHT"), (DROP_PATH, 11, "RIGHT")]
    assert review["comments"][0]["body"].startswith("**MG101 drop\\-table** (error): drops table legacy\\_sessions")
    assert [len(FP_RE.findall(c["body"])) for c in review["comments"]] == [1, 1]
    [comment] = api.issue_comments
    assert comment["body"].startswith(SUMMARY_MARKER + "\n## ❌ migration-guard")
    assert f"Found 2 errors in 1 revision file at `{head[:7]}`." in comment["body"]
    assert "| audit rows archived in OPS\\-12 | `TRUNCATE audit_log` |" in comment["body"]
    assert "How to bypass" in comment["body"]
    assert [c.split(" ", 1)[0] for c in result.commands] == ["::error", "::error", "::notice"]
    assert result.commands[0].startswith(f"::error file={DROP_PATH},line=10,")
    assert "## ❌ migration-guard" in result.summary and "TRUNCATE audit\\_log" not in result.summary
    assert "`TRUNCATE audit_log`" in result.summary


@pytest.mark.container
def test_rerun_on_the_same_head_posts_nothing_new(pr, tmp_path, api):
    git, base, head = pr
    run(git, tmp_path, api, head, base, "first")
    api.requests.clear()
    result = run(git, tmp_path, api, head, base, "again")
    assert result.code == 1 and result.outputs == FAILING
    assert calls(api) == [FILES, REVIEW_COMMENTS, ISSUE_COMMENTS]  # same body: not even an edit
    assert len(api.review_comments) == 2 and len(api.reviews) == 1 and len(api.issue_comments) == 1


@pytest.mark.container
def test_a_push_that_moves_lines_edits_the_summary_and_reposts_nothing(pr, tmp_path, api):
    git, base, head = pr
    run(git, tmp_path, api, head, base, "first")
    moved = DROP.replace("import sqlalchemy as sa\n", "import sqlalchemy as sa\n\n# moved down by three lines\n\n")
    head2 = git.commit({DROP_PATH: moved}, "move")
    api.push(7, head2, git.pr_files(base, head2))
    api.requests.clear()
    result = run(git, tmp_path, api, head2, base, "moved")
    assert result.code == 1 and result.outputs == FAILING
    assert calls(api) == [FILES, REVIEW_COMMENTS, ISSUE_COMMENTS, f"PATCH issues/comments/{api.issue_comments[0]['id']}"]
    assert len(api.review_comments) == 2
    assert f"at `{head2[:7]}`" in api.issue_comments[0]["body"]
    assert "0002_drop_legacy.py#L13" in api.issue_comments[0]["body"]


def test_a_later_push_that_fixes_everything_says_all_clear(pr, tmp_path, api):
    git, base, head = pr
    run(git, tmp_path, api, head, base, "first")
    fixed = DROP.replace('    op.drop_table("legacy_sessions")\n    op.drop_column("users", "nickname")\n',
                         '    op.add_column("users", sa.Column("email", sa.Text))\n')
    head2 = git.commit({DROP_PATH: fixed}, "fix")
    api.push(7, head2, git.pr_files(base, head2))
    api.requests.clear()
    result = run(git, tmp_path, api, head2, base, "fixed")
    assert result.code == 0
    assert result.outputs == {**FAILING, "errors": "0", "result": "pass"}
    assert calls(api) == [FILES, ISSUE_COMMENTS, f"PATCH issues/comments/{api.issue_comments[0]['id']}"]
    body = api.issue_comments[0]["body"]
    assert f"## ✅ migration-guard\n\nAll clear: no destructive operation in 1 revision file at `{head2[:7]}`" in body
    assert "### Errors" not in body and "### Bypassed" in body


@pytest.mark.container
def test_fork_pull_request_degrades_without_writes_and_keeps_the_verdict(pr, tmp_path, api):
    git, base, head = pr
    api.fork = True
    result = run(git, tmp_path, api, head, base, head_repo="mallory/shop")
    assert result.code == 1 and result.outputs == FAILING
    assert calls(api) == [FILES]
    assert result.commands[-1].startswith("::warning title=migration-guard::this pull request comes from a fork")
    assert "this pull request comes from a fork" in result.summary


def test_unexpected_403_on_a_write_degrades_with_a_warning(pr, tmp_path, api):
    git, base, head = pr
    api.fork = True  # e.g. a Dependabot PR: same repository, read-only token
    result = run(git, tmp_path, api, head, base)
    assert result.code == 1 and result.outputs == FAILING
    assert calls(api) == [FILES, REVIEW_COMMENTS, POST_REVIEW]  # no summary attempt after a denial
    assert any("no permission to review" in c and "Resource not accessible by integration" in c for c in result.commands)


@pytest.mark.container
def test_flaky_api_never_double_posts_and_never_changes_the_verdict(pr, tmp_path, api):
    git, base, head = pr
    api.fault("GET", r"/pulls/7/files$", "status", status=502)
    api.fault("POST", r"/pulls/7/reviews$", "lost")
    api.fault("POST", r"/issues/7/comments$", "performed_then", status=502)
    result = run(git, tmp_path, api, head, base)
    assert result.code == 1 and result.outputs == FAILING
    assert len(api.reviews) == 1 and len(api.review_comments) == 2 and len(api.issue_comments) == 1
    assert calls(api) == [FILES, FILES, REVIEW_COMMENTS, POST_REVIEW, "GET pulls/7/reviews", ISSUE_COMMENTS,
                          "POST issues/7/comments", ISSUE_COMMENTS]


def test_api_down_keeps_the_verdict(pr, tmp_path, api):
    git, base, head = pr
    api.fault("GET", r"/pulls/7/files$", "status", status=503, times=50)
    api.fault("GET", r"/issues/7/comments$", "status", status=503, times=50)
    api.fault("POST", r"", "status", status=503, times=50)
    result = run(git, tmp_path, api, head, base)
    assert result.code == 1 and result.outputs == FAILING  # git diff base..head took over
    assert "cannot list the pull request's files" in result.stdout
    assert api.reviews == [] and api.issue_comments == []


@pytest.mark.container
def test_pull_request_without_revision_changes_exits_fast(tmp_path, api):
    git = Git(tmp_path / "ws")
    base = git.commit({"alembic.ini": ALEMBIC_INI, "alembic/versions/0001_create_users.py": BASE_REVISION})
    head = git.commit({"README.md": "docs only\n", "app/models.py": "x = 1\n"})
    api.add_pull(7, head, base, git.pr_files(base, head))
    result = run(git, tmp_path, api, head, base)
    assert result.code == 0
    assert result.outputs == {"errors": "0", "warnings": "0", "bypassed": "0", "files-checked": "0",
                              "result": "pass", "sarif-file": ""}
    assert calls(api) == [FILES, ISSUE_COMMENTS]
    assert api.issue_comments == [] and result.commands == []
    assert "No Alembic revision file is added or changed" in result.summary


def test_missing_patch_sends_findings_to_the_summary_only(pr, tmp_path, api):
    git, base, head = pr
    api.pulls[7]["files"][0]["patch"] = None  # as for a very large diff
    result = run(git, tmp_path, api, head, base)
    assert result.code == 1 and result.outputs == FAILING
    assert calls(api) == [FILES, ISSUE_COMMENTS, "POST issues/7/comments"]
    assert "2 of these could not be placed as inline review comments" in api.issue_comments[0]["body"]


@pytest.mark.container
def test_pull_request_target_reads_the_head_through_the_api(pr, tmp_path, api):
    git, base, head = pr
    git.checkout(base)  # pull_request_target checks out the base branch
    api.contents[(head, DROP_PATH)] = DROP.encode()
    result = run(git, tmp_path, api, head, base, event="pull_request_target", head_repo="mallory/shop")
    assert result.code == 1 and result.outputs == FAILING
    assert calls(api)[:2] == [FILES, f"GET contents/{DROP_PATH}"]
    assert api.calls("GET", "contents/")[0].query == {"ref": head}
    assert len(api.review_comments) == 2  # a fork under pull_request_target has a write token


def test_sarif_file_and_fail_on_never(pr, tmp_path, api):
    git, base, head = pr
    result = run(git, tmp_path, api, head, base, inputs={"sarif-file": "out/mg.sarif", "fail-on": "never",
                                                          "review": "false", "comment": "false"})
    assert result.code == 0
    assert result.outputs == {**FAILING, "result": "pass", "sarif-file": "out/mg.sarif"}
    assert '"version": "2.1.0"' in (git.root / "out/mg.sarif").read_text()
    assert calls(api) == [FILES]


@pytest.mark.parametrize("name, value", [("fail-on", "sometimes"), ("review", "yes please"), ("downgrade", "maybe")])
def test_invalid_input_is_a_usage_error(pr, tmp_path, api, name, value):
    git, base, head = pr
    result = run(git, tmp_path, api, head, base, inputs={name: value})
    assert result.code == 2
    assert result.commands == [f"::error title=migration-guard::input {name}: expected " + result.commands[0].split(": expected ", 1)[1]]
    assert value in result.commands[0]
    assert api.requests == []


def test_missing_config_file_is_a_usage_error(pr, tmp_path, api):
    git, base, head = pr
    result = run(git, tmp_path, api, head, base, inputs={"config": "nope.toml"})
    assert result.code == 2
    assert re.fullmatch(r"::error title=migration-guard::config file not found: .*nope\.toml", result.commands[0])


def workflow_run_event(head, pull_requests=()):
    return {"workflow_run": {"id": 99, "head_sha": head, "head_repository": {"full_name": "mallory/shop"},
                             "pull_requests": list(pull_requests)}, "repository": {"full_name": REPO}}


def test_workflow_run_comments_on_the_fork_pr_whose_head_was_checked(pr, tmp_path, api):
    git, base, head = pr
    git.checkout(base)  # the second workflow runs on the default branch
    api.contents[(head, DROP_PATH)] = DROP.encode()
    result = run_action(git.root, tmp_path / "run", "workflow_run", workflow_run_event(head), api.base_url,
                        inputs={"pull-request": "7", "fail-on": "never"})
    assert result.code == 0
    assert result.outputs == {**FAILING, "result": "pass"}
    assert calls(api) == ["GET pulls/7", FILES, f"GET contents/{DROP_PATH}", REVIEW_COMMENTS, POST_REVIEW,
                          ISSUE_COMMENTS, "POST issues/7/comments"]
    assert len(api.review_comments) == 2 and len(api.issue_comments) == 1


def test_workflow_run_posts_nothing_when_the_pr_moved_on(pr, tmp_path, api):
    git, base, head = pr
    result = run_action(git.root, tmp_path / "run", "workflow_run", workflow_run_event("e" * 40), api.base_url,
                        inputs={"pull-request": "7"})
    assert result.code == 0
    assert calls(api) == ["GET pulls/7"]
    assert result.commands == ["::warning title=migration-guard::pull request #7 is not at eeeeeee: nothing is posted"]
    assert result.outputs == {}


def test_workflow_run_without_a_pull_request_does_nothing(pr, tmp_path, api):
    git, base, head = pr
    result = run_action(git.root, tmp_path / "run", "workflow_run", workflow_run_event(head), api.base_url)
    assert result.code == 0 and api.requests == []
    assert "set the pull-request input" in result.commands[0]


@pytest.mark.container
def test_clean_one_revision_pull_request_start_to_verdict(tmp_path, api):
    """The run a team waits for most: one clean revision; timed from the process's start."""
    git = Git(tmp_path / "ws")
    base = git.commit(BASE_TREE, "base")
    clean = with_upgrade('    op.add_column("users", sa.Column("email", sa.Text))\n')
    head = git.commit({DROP_PATH: clean}, "add email")
    api.add_pull(7, head, base, git.pr_files(base, head))
    result = run(git, tmp_path, api, head, base, extra_env={"RUNNER_DEBUG": "1"})
    assert result.code == 0
    assert result.outputs == {**FAILING, "errors": "0", "bypassed": "0", "result": "pass"}
    assert calls(api) == [FILES, ISSUE_COMMENTS]  # clean first run: nothing to post
    elapsed = result.seconds_to_verdict
    assert elapsed is not None and 0 < elapsed <= result.seconds + 0.02  # /proc counts in 10 ms ticks
    timings = os.environ.get("MG_TIMINGS")
    if timings:  # scripts/container-check.sh prints them
        with open(timings, "a", encoding="utf-8") as out:
            out.write(f"clean one-revision pull request: {elapsed:.2f} s from the process's start to the verdict, "
                      f"{result.seconds:.2f} s with the container's set-up\n")


@pytest.mark.parametrize("author", [HUMAN, OTHER_BOT], ids=["person", "another-bot"])
def test_our_fingerprints_in_someone_elses_comments_do_not_stop_our_review(pr, tmp_path, api, author):
    git, base, head = pr
    run(git, tmp_path, api, head, base, "first")
    posted = [(c["path"], c["line"], c["body"]) for c in api.review_comments]
    # a pull request where only someone else carries our real fingerprints: a quoting reply, a mirroring bot
    api.review_comments.clear(), api.reviews.clear(), api.issue_comments.clear()
    for path, line, body in posted:
        api.add_review_comment(7, path, line, "> " + body.replace("\n", "\n> ") + "\n\nIs this safe?",
                               user=author, review_body="")
    api.requests.clear()
    result = run(git, tmp_path, api, head, base, "second")
    assert result.code == 1 and result.outputs == FAILING
    assert calls(api) == [FILES, REVIEW_COMMENTS, "GET pulls/7/reviews", POST_REVIEW, ISSUE_COMMENTS,
                          "POST issues/7/comments"]
    review = api.calls("POST", "reviews$")[0].body
    assert [(c["path"], c["line"], c["body"]) for c in review["comments"]] == posted
    assert "2 of these could not be placed" not in api.issue_comments[0]["body"]


HOSTILE_REASON = "ok ::error::pwned %0A::warning::x <!-- migration-guard:summary --> cc @octocat @org/team | a | b `x"
HOSTILE = DROP.replace("# CI:DESTRUCTIVE_OK audit rows archived in OPS-12", "# CI:DESTRUCTIVE_OK " + HOSTILE_REASON)


def test_a_hostile_bypass_reason_reaches_every_surface_inert(tmp_path, api):
    git = Git(tmp_path / "ws")
    base = git.commit(BASE_TREE, "base")
    head = git.commit({DROP_PATH: HOSTILE}, "drop legacy")
    api.add_pull(7, head, base, git.pr_files(base, head))
    result = run(git, tmp_path, api, head, base)
    assert result.code == 1 and result.outputs == FAILING  # the bypass still counts, with its reason
    # annotations: only our commands, one per finding; the reason's text is data, its % escaped
    assert [c.split(" ", 1)[0] for c in result.commands] == ["::error", "::error", "::notice"]
    for line in result.stdout.splitlines():
        assert line.startswith(("::error ", "::notice ", "migration-guard: ")), line
    notice = result.commands[2]
    assert notice.startswith(f"::notice file={DROP_PATH},line=12,")
    message = notice.split("::", 2)[2]
    shown = message.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")  # as the runner unescapes it
    assert f"Bypassed: {HOSTILE_REASON}\n" in shown  # the reason's own %0A stays text, not a new line
    # the review: two inline comments, each with exactly our one marker; the reason is not in them
    review = api.calls("POST", "reviews$")[0].body
    assert len(review["comments"]) == 2
    for body in [c["body"] for c in review["comments"]] + [review["body"]]:
        assert body.count("<!--") == 1 and "pwned" not in body
    # the summary comment and the job summary: the reason is shown, inert
    summary = api.issue_comments[0]["body"]
    assert summary.startswith(SUMMARY_MARKER) and summary.count("<!--") == 1
    for markdown in (summary, result.summary):
        assert "pwned" in markdown
        assert not re.search(r"@[A-Za-z0-9]", markdown), markdown
        assert "migration-guard:summary -->" not in markdown.replace(SUMMARY_MARKER, "", 1)
        lines = markdown.splitlines()
        [at] = [i for i, line in enumerate(lines) if "pwned" in line]
        header = at
        while lines[header - 1].startswith("|"):
            header -= 1
        cells = [len(re.findall(r"(?<!\\)\|", lines[i])) for i in (header, at)]
        assert lines[at].startswith("|") and cells[0] == cells[1], lines[at]  # the table keeps its columns
    # a later run finds the one summary comment by its marker and edits nothing twice
    api.requests.clear()
    again = run(git, tmp_path, api, head, base, "again")
    assert again.code == 1 and calls(api) == [FILES, REVIEW_COMMENTS, ISSUE_COMMENTS]
    assert len(api.issue_comments) == 1 and len(api.reviews) == 1


def test_a_table_the_pull_request_adds_is_new_for_the_lock_rules(tmp_path, api):
    """Two added revisions: one creates a table, the next builds its index and foreign key: no lock warning."""
    git = Git(tmp_path / "ws")
    base = git.commit(BASE_TREE, "base")
    create = with_upgrade('    op.create_table("refunds", sa.Column("id", sa.Integer), sa.Column("user_id", sa.Integer))\n')
    index = create.replace('revision = "0002"\ndown_revision = "0001"', 'revision = "0003"\ndown_revision = "0002"')
    index = index.replace(
        '    op.create_table("refunds", sa.Column("id", sa.Integer), sa.Column("user_id", sa.Integer))\n',
        '    op.create_index("ix_refunds_user_id", "refunds", ["user_id"])\n'
        '    op.create_foreign_key("fk_refunds_user", "refunds", "users", ["user_id"], ["id"])\n')
    head = git.commit({"alembic/versions/0002_refunds.py": create, "alembic/versions/0003_refunds_index.py": index},
                      "refunds")
    api.add_pull(7, head, base, git.pr_files(base, head))
    result = run(git, tmp_path, api, head, base)
    assert result.code == 0
    assert result.outputs == {**FAILING, "errors": "0", "bypassed": "0", "files-checked": "2", "result": "pass"}

    # the same index on a table the pull request did not add is a lock warning
    later = git.commit({"alembic/versions/0003_refunds_index.py": index.replace('"refunds"', '"users"')}, "users")
    api.add_pull(7, later, base, git.pr_files(base, later))
    result = run(git, tmp_path, api, later, base, "second")
    assert result.outputs["warnings"] == "2"


def test_an_env_py_without_lock_timeout_warns_on_the_first_lock_and_keeps_the_verdict(tmp_path, api):
    """MG211 is on by default: a warning on the revision's first ACCESS EXCLUSIVE, never a failure."""
    git = Git(tmp_path / "ws")
    base = git.commit({"alembic.ini": ALEMBIC_INI, "alembic/env.py": ENV_PY.replace(
        '        connection.execute(text("SET lock_timeout = \'5s\'"))\n', "").replace(
        "        connection.commit()  # else Alembic takes the SET's transaction for the caller's and never commits\n", ""),
        "alembic/versions/0001_create_users.py": BASE_REVISION}, "base")
    clean = with_upgrade('    op.add_column("users", sa.Column("email", sa.Text))\n')
    head = git.commit({DROP_PATH: clean}, "add email")
    api.add_pull(7, head, base, git.pr_files(base, head))
    result = run(git, tmp_path, api, head, base)
    assert result.code == 0
    assert result.outputs == {**FAILING, "errors": "0", "warnings": "1", "bypassed": "0", "result": "pass"}
    [command] = result.commands
    assert command.startswith(f"::warning file={DROP_PATH},line=10,")
    assert "title=MG211 missing-lock-timeout::takes ACCESS EXCLUSIVE on users with no lock_timeout set in " \
           "the revision or in alembic/env.py" in command
    assert "MG211" in result.summary
