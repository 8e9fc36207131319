import pytest

from fake_server import HUMAN, OTHER_BOT
from findings import finding, report
from migration_guard.github import summary
from migration_guard.github.client import connect
from migration_guard.github.markers import COMMENT_LIMIT, SUMMARY_MARKER
from migration_guard.github.writes import WriteDenied
from migration_guard.model import Severity
from migration_guard.render import markdown as md

HEAD = "a" * 40


@pytest.fixture
def issue(fake):
    fake.add_pull(7, HEAD, "b" * 40, [])
    return connect("t0ken", fake.base_url).get_repo(fake.repo).get_issue(7)


def test_create_then_edit_then_leave_alone(fake, issue):
    assert summary.upsert(issue, "first") == "created"
    assert summary.upsert(issue, "second") == "updated"
    assert summary.upsert(issue, "second") == "unchanged"
    assert [c["body"] for c in fake.issue_comments] == [f"{SUMMARY_MARKER}\nsecond"]
    assert [r.method for r in fake.requests] == ["GET", "POST", "GET", "PATCH", "GET"]


def test_only_bot_comments_with_the_marker_count_and_duplicates_are_deleted(fake, issue):
    fake.add_issue_comment(7, f"{SUMMARY_MARKER}\nforged by a person", user=HUMAN)
    fake.add_issue_comment(7, "another bot's comment")
    first = fake.add_issue_comment(7, f"{SUMMARY_MARKER}\nold")
    fake.add_issue_comment(7, f"{SUMMARY_MARKER}\nduplicate from a race")
    assert summary.upsert(issue, "new") == "updated"
    bodies = [c["body"] for c in fake.issue_comments]
    assert bodies == [f"{SUMMARY_MARKER}\nforged by a person", "another bot's comment", f"{SUMMARY_MARKER}\nnew"]
    assert fake.issue_comments[2]["id"] == first["id"]


def test_another_bots_comments_are_never_taken_for_ours_or_deleted(fake, issue):
    fake.add_issue_comment(7, f"> {SUMMARY_MARKER}\n> quoted by another bot", user=OTHER_BOT)
    their = fake.add_issue_comment(7, f"{SUMMARY_MARKER}\na bot that copies whole comments", user=OTHER_BOT)
    ours = fake.add_issue_comment(7, f"{SUMMARY_MARKER}\nold")
    assert summary.upsert(issue, "new") == "updated"
    assert [c["id"] for c in fake.issue_comments] == [fake.issue_comments[0]["id"], their["id"], ours["id"]]
    assert ours["body"] == f"{SUMMARY_MARKER}\nnew" and their["body"].endswith("copies whole comments")
    assert [r.method for r in fake.requests] == ["GET", "PATCH"]  # no DELETE of another account's comment


def test_ours_is_found_beyond_the_first_page(fake, issue):
    for i in range(130):
        fake.add_issue_comment(7, f"chatter {i}", user=HUMAN)
    fake.add_issue_comment(7, f"{SUMMARY_MARKER}\nold")
    assert summary.upsert(issue, "new") == "updated"
    assert len(fake.calls("POST")) == 0


def test_a_clean_first_run_stays_silent(fake, issue):
    assert summary.upsert(issue, "all clear", create=False) == "skipped"
    assert fake.issue_comments == []


@pytest.mark.parametrize("kind", ["lost", "performed_then"])
def test_a_lost_create_is_not_posted_twice(fake, issue, kind):
    fake.fault("POST", r"/issues/7/comments$", kind, status=502)
    assert summary.upsert(issue, "body") == "created"
    assert len(fake.issue_comments) == 1
    assert [r.method for r in fake.requests] == ["GET", "POST", "GET"]


def test_fork_token_is_denied(fake, issue):
    fake.fork = True
    with pytest.raises(WriteDenied):
        summary.upsert(issue, "body")


def test_body_never_exceeds_the_limit(fake, issue):
    assert summary.upsert(issue, "x" * 70_000) == "created"
    assert len(fake.issue_comments[0]["body"]) <= COMMENT_LIMIT


def test_rendered_summary_of_a_huge_report_fits_and_points_to_the_job_summary():
    findings = [finding(path=f"alembic/versions/r{i:04}.py", line=i % 50 + 1, statement="DROP TABLE " + "x" * 150)
                for i in range(3000)]
    ctx = md.Context(head_sha=HEAD, run_url="https://github.com/acme/shop/actions/runs/1")
    body = md.pr_summary(report(*findings), ctx, "error", 30, marker=SUMMARY_MARKER, limit=COMMENT_LIMIT)
    assert len(body) <= COMMENT_LIMIT
    assert body.startswith(SUMMARY_MARKER)
    assert "more in the [job summary](https://github.com/acme/shop/actions/runs/1)" in body
    job = md.job_summary(report(*findings), ctx, "error", 1_040_000)
    assert job.count("r0000.py") >= 1 and len(job.encode()) <= 1_040_000


def test_summary_lists_errors_warnings_bypassed_with_reasons_and_how_to_bypass():
    r = report(
        finding(line=3),
        finding(line=9, code="MG906", rule="unused-bypass", severity=Severity.WARNING, statement="", message="unused"),
        finding(line=12, statement="TRUNCATE audit", code="MG105", rule="truncate", bypassed=True,
                reason="audit rows moved to cold storage @ops"),
    )
    ctx = md.Context(head_sha=HEAD, inline={(r.findings[0].path, r.findings[0].fingerprint)})
    body = md.pr_summary(r, ctx, "error", 30, marker=SUMMARY_MARKER, limit=COMMENT_LIMIT)
    assert "### Errors" in body and "### Warnings" in body and "### Bypassed" in body
    assert "audit rows moved to cold storage @\u200bops" in body
    assert "1 of these could not be placed as inline review comments" in body
    assert "# CI:DESTRUCTIVE_OK" in body
    assert "Found 1 error, 1 warning in 1 revision file at `aaaaaaa`." in body


def test_all_clear_when_nothing_is_left():
    body = md.pr_summary(report(files=["alembic/versions/a.py"]), md.Context(head_sha=HEAD), "error", 30,
                         marker=SUMMARY_MARKER, limit=COMMENT_LIMIT)
    assert "All clear: no destructive operation in 1 revision file at `aaaaaaa`." in body
    assert "### Errors" not in body


def test_429_without_retry_after_waits_then_lists_then_retries_once(fake, issue):
    fake.fault("POST", r"/issues/7/comments$", "status", status=429, message="too many")
    assert summary.upsert(issue, "body") == "created"
    assert [r.method for r in fake.requests] == ["GET", "POST", "GET", "POST"]
    assert len(fake.issue_comments) == 1


def test_a_post_that_keeps_failing_raises_after_one_retry(fake, issue):
    fake.fault("POST", r"/issues/7/comments$", "status", status=503, times=5)
    with pytest.raises(Exception) as caught:
        summary.upsert(issue, "body")
    assert getattr(caught.value, "status", None) == 503
    assert [r.method for r in fake.requests] == ["GET", "POST", "GET", "POST"]
