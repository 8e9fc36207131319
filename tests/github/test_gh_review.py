import pytest

from fake_server import HUMAN, OTHER_BOT
from findings import finding
from migration_guard.github import review
from migration_guard.github.client import connect
from migration_guard.github.diff import commentable_lines
from migration_guard.github.writes import WriteDenied
from migration_guard.model import Severity

HEAD, BASE = "a" * 40, "b" * 40
PATH = "alembic/versions/a1_drop.py"
PATCH = "@@ -0,0 +1,200 @@\n" + "".join(f"+line {i}\n" for i in range(1, 201))


def setup(fake, patch=PATCH):
    fake.add_pull(7, HEAD, BASE, [{"filename": PATH, "status": "added", "patch": patch, "sha": "c" * 40}])
    gh = connect("t0ken", fake.base_url)
    repo = gh.get_repo(fake.repo)
    return repo, repo.get_pull(7)


def post(repo, pull, findings, patch=PATCH):
    return review.post(
        repo, pull, HEAD, findings, {PATH: commentable_lines(patch)},
        lambda f, marker: f"{f.code} {f.message}\n{marker}",
        lambda marker, n, more: f"{marker}\n{n} new, {more} more",
    )


def drops(n, start=1):
    return [finding(line=start + i, statement=f'op.drop_table("t{i}")', message=f"drop t{i}") for i in range(n)]


def test_one_comment_review_with_fingerprints_on_lines_in_the_diff(fake):
    repo, pull = setup(fake)
    findings = drops(2) + [finding(line=299, statement="outside")]
    result = post(repo, pull, findings)
    assert result.posted == 2
    [create] = fake.calls("POST", r"/pulls/7/reviews$")
    assert create.body["event"] == "COMMENT"
    assert create.body["commit_id"] == HEAD
    assert create.body["body"].startswith(f"<!-- migration-guard:review sha={HEAD} run=")
    assert [(c["path"], c["line"], c["side"]) for c in create.body["comments"]] == [(PATH, 1, "RIGHT"), (PATH, 2, "RIGHT")]
    assert create.body["comments"][0]["body"] == f"MG101 drop t0\n<!-- migration-guard:fp={findings[0].fingerprint} -->"
    assert result.inline == {(PATH, findings[0].fingerprint), (PATH, findings[1].fingerprint)}


def test_rerun_and_moved_lines_post_nothing_twice(fake):
    repo, pull = setup(fake)
    post(repo, pull, drops(3))
    fake.requests.clear()
    moved = drops(3, start=20)  # same statements, other lines
    result = post(repo, pull, moved)
    assert result.posted == 0
    assert [repr(r) for r in fake.requests] == ["GET /repos/acme/shop/pulls/7/comments"]
    assert result.inline == {(PATH, f.fingerprint) for f in moved}


def test_at_most_30_new_comments_per_run_errors_first(fake):
    repo, pull = setup(fake)
    warnings = [finding(line=1, code="MG906", severity=Severity.WARNING,
                        statement="w", message="warn")]
    result = post(repo, pull, warnings + drops(40, start=2))
    assert result.posted == 30
    comments = fake.calls("POST", "reviews$")[0].body["comments"]
    assert len(comments) == 30 and all(c["body"].startswith("MG101") for c in comments)
    assert fake.calls("POST", "reviews$")[0].body["body"].endswith("30 new, 11 more")
    second = post(repo, pull, warnings + drops(40, start=2))
    assert second.posted == 11
    assert len(fake.review_comments) == 41


def test_existing_comments_are_read_across_pages(fake):
    repo, pull = setup(fake)
    findings = drops(150)
    for f in findings:
        fake.add_review_comment(7, PATH, f.line, f"old\n<!-- migration-guard:fp={f.fingerprint} -->")
    fake.add_review_comment(7, PATH, 1, "<!-- migration-guard:fp=0000000000000000 -->", user={"login": "x", "type": "User"})
    result = post(repo, pull, findings)
    assert result.posted == 0
    pages = [r.query.get("page", "1") for r in fake.calls("GET", "pulls/7/comments$")]
    assert pages == ["1", "2"]


def test_nothing_in_the_diff_makes_no_request(fake):
    repo, pull = setup(fake)
    assert post(repo, pull, [finding(line=201)]).posted == 0
    assert post(repo, pull, [finding(line=3, bypassed=True, reason="ok")]).posted == 0
    assert fake.requests == []


def test_review_rejected_with_422_moves_findings_to_the_summary(fake):
    # the server's diff differs from ours: GitHub rejects the whole review
    repo, pull = setup(fake, patch="@@ -0,0 +1,1 @@\n+x\n")
    result = post(repo, pull, drops(2, start=5))
    assert result.posted == 0 and result.inline == set()
    assert "HTTP 422" in result.notes[0] and "line must be part of the diff" in result.notes[0]
    assert len(fake.calls("POST", "reviews$")) == 1
    assert fake.reviews == []


@pytest.mark.parametrize("kind", ["lost", "performed_then"])
def test_a_lost_answer_is_listed_before_any_retry(fake, kind):
    repo, pull = setup(fake)
    fake.fault("POST", r"/reviews$", kind, status=502)
    result = post(repo, pull, drops(2))
    assert result.posted == 2
    assert len(fake.reviews) == 1 and len(fake.review_comments) == 2
    assert [repr(r).split(" ")[0] + " " + r.path.rsplit("/", 1)[-1] for r in fake.requests] == [
        "GET comments", "POST reviews", "GET reviews",
    ]


def test_a_502_that_created_nothing_is_retried_once(fake):
    repo, pull = setup(fake)
    fake.fault("POST", r"/reviews$", "status", status=502)
    assert post(repo, pull, drops(1)).posted == 1
    assert len(fake.calls("POST", "reviews$")) == 2
    assert len(fake.reviews) == 1


def test_rate_limits_wait_and_retry_without_duplicates(fake):
    repo, pull = setup(fake)
    fake.fault("POST", r"/reviews$", "status", status=429, headers={"Retry-After": "1"})
    fake.fault("GET", r"/comments$", "status", status=403, headers={"Retry-After": "1"},
               message="You have exceeded a secondary rate limit")
    assert post(repo, pull, drops(1)).posted == 1
    assert len(fake.reviews) == 1
    assert len(fake.calls("GET", "comments$")) == 2 and len(fake.calls("POST", "reviews$")) == 2


def test_fork_token_is_denied(fake):
    repo, pull = setup(fake)
    fake.fork = True
    with pytest.raises(WriteDenied, match="403"):
        post(repo, pull, drops(1))
    assert len(fake.calls("POST")) == 1


def test_a_timed_out_post_is_listed_before_any_retry(fake, monkeypatch):
    monkeypatch.setenv("MG_GITHUB_TIMEOUT", "1")
    repo, pull = setup(fake)
    fake.fault("POST", r"/reviews$", "slow", delay=1.5)  # performed, but the answer comes too late
    assert post(repo, pull, drops(1)).posted == 1
    assert len(fake.reviews) == 1
    assert [r.method for r in fake.requests] == ["GET", "POST", "GET"]


@pytest.mark.parametrize("author", [HUMAN, OTHER_BOT], ids=["person", "another-bot"])
def test_a_real_fingerprint_in_someone_elses_comment_does_not_stop_ours(fake, author):
    repo, pull = setup(fake)
    [f] = drops(1)
    # e.g. a reply quoting our comment, or another bot mirroring it: the marker comes along
    fake.add_review_comment(7, PATH, f.line, f"> drop t0\n> <!-- migration-guard:fp={f.fingerprint} -->\nWhy?",
                            user=author, review_body="")
    result = post(repo, pull, [f])
    assert result.posted == 1
    [create] = fake.calls("POST", r"/pulls/7/reviews$")
    assert [c["line"] for c in create.body["comments"]] == [f.line]
    assert result.inline == {(PATH, f.fingerprint)}


def test_comments_of_another_token_count_as_ours_inside_our_own_review(fake):
    """With a GitHub App's token the action writes as that app's bot: its review carries our marker."""
    repo, pull = setup(fake)
    app = {"login": "mg-app[bot]", "id": 99, "type": "Bot"}
    [f] = drops(1)
    fake.add_review_comment(7, PATH, f.line, f"x\n<!-- migration-guard:fp={f.fingerprint} -->", user=app,
                            review_body=f"<!-- migration-guard:review sha={HEAD} run=0123456789ab -->\n1 new")
    fake.requests.clear()
    result = post(repo, pull, [f])
    assert result.posted == 0 and result.inline == {(PATH, f.fingerprint)}
    assert [repr(r) for r in fake.requests] == ["GET /repos/acme/shop/pulls/7/comments",
                                                "GET /repos/acme/shop/pulls/7/reviews"]
    # the same comment in a review without our marker is not ours
    fake.reviews[0]["body"] = "looks fine"
    assert post(repo, pull, [f]).posted == 1
