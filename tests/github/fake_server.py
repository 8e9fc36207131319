"""A fake GitHub REST API on loopback, for the real PyGithub client and the real action.

It keeps what GitHub keeps for one repository (pull requests, their files, review
comments, reviews, issue comments, file contents), paginates with ``Link`` headers,
rejects a review whose comment is outside the diff with 422 as GitHub does, and plays
scripted faults: fork mode (403 on every write), 5xx, 429 and secondary rate limits with
``Retry-After``, and lost answers (the write is performed, then the connection drops or
a 502 comes back). Every request is recorded for assertions.

The base URL looks like GitHub Enterprise's (``http://127.0.0.1:PORT/api/v3``): that is
what ``GITHUB_API_URL`` holds there, and PyGithub uses it as ``base_url`` unchanged.
"""
from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

PREFIX = "/api/v3"
BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
HUMAN = {"login": "octocat", "id": 1, "type": "User"}
OTHER_BOT = {"login": "review-helper[bot]", "id": 77, "type": "Bot"}  # another app on the same repository
WRITES = ("POST", "PATCH", "PUT", "DELETE")


@dataclass
class Fault:
    method: str
    pattern: str  # regex searched in the path (after /api/v3)
    kind: str  # "status" (not performed), "lost" (performed, connection dropped),
    # "performed_then" (performed, then `status`), "slow" (performed, answered after `delay` seconds)
    status: int = 502
    headers: dict = field(default_factory=dict)
    message: str = "Server Error"
    skip: int = 0  # let this many matching requests through first
    times: int = 1
    delay: float = 0.0
    seen: int = 0


@dataclass
class Request:
    method: str
    path: str
    query: dict
    body: object

    def __repr__(self) -> str:
        return f"{self.method} {self.path}"


def right_side_hunks(patch: str | None) -> dict[int, int]:
    """GitHub's own idea of the diff: RIGHT-side line -> hunk (independent of the code under test)."""
    result, hunk, line = {}, -1, 0
    for raw in (patch or "").splitlines():
        if raw.startswith("@@"):
            hunk += 1
            line = int(re.search(r"\+(\d+)", raw).group(1))
        elif hunk >= 0 and raw[:1] in ("+", " "):
            result[line] = hunk
            line += 1
    return result


class FakeGitHub:
    def __init__(self, repo: str = "acme/shop"):
        self.repo = repo
        self.pulls: dict[int, dict] = {}
        self.review_comments: list[dict] = []
        self.reviews: list[dict] = []
        self.issue_comments: list[dict] = []
        self.contents: dict[tuple[str, str], bytes] = {}
        self.compares: dict[tuple[str, str], list[dict]] = {}  # (base, head) -> files, as GET /compare lists them
        self.fork = False  # every write answers 403 like a read-only token
        self.keep_body_on_422 = False
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self._id = 1000
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    # -- seeding and inspection ---------------------------------------------------------

    def add_pull(self, number: int, head_sha: str, base_sha: str, files: list[dict]) -> None:
        self.pulls[number] = {"head": head_sha, "base": base_sha, "files": files}

    def push(self, number: int, head_sha: str, files: list[dict]) -> None:
        """A new head: earlier review comments become outdated (no line), as on GitHub."""
        self.pulls[number].update(head=head_sha, files=files)
        for comment in self.review_comments:
            if comment["commit_id"] != head_sha:
                comment["line"] = comment["position"] = None

    def fault(self, method: str, pattern: str, kind: str = "status", **kw) -> Fault:
        f = Fault(method, pattern, kind, **kw)
        self.faults.append(f)
        return f

    def calls(self, method: str | None = None, pattern: str = "") -> list[Request]:
        return [r for r in self.requests if (method is None or r.method == method) and re.search(pattern, r.path)]

    def add_issue_comment(self, number: int, body: str, user: dict = BOT) -> dict:
        with self.lock:
            return self._new_issue_comment(number, body, user)

    def add_review_comment(self, number: int, path: str, line: int | None, body: str, user: dict = BOT,
                           review_body: str | None = None) -> dict:
        """A comment as someone left it; with ``review_body``, inside a review of theirs holding that body."""
        with self.lock:
            review_id = None
            if review_body is not None:
                review_id = self._next()
                self.reviews.append({
                    "id": review_id, "number": number, "body": review_body, "state": "COMMENTED",
                    "commit_id": self.pulls[number]["head"], "user": dict(user),
                    "pull_request_url": self._url(f"/pulls/{number}"),
                    "url": self._url(f"/pulls/{number}/reviews/{review_id}"),
                })
            spec = {"path": path, "line": line, "body": body}
            return self._new_review_comment(number, review_id, self.pulls[number]["head"], spec, user)

    # -- object builders ----------------------------------------------------------------

    def _next(self) -> int:
        self._id += 1
        return self._id

    def _url(self, path: str) -> str:
        return f"{self.base_url}/repos/{self.repo}{path}"

    def _new_issue_comment(self, number: int, body: str, user: dict) -> dict:
        cid = self._next()
        comment = {
            "id": cid, "body": body, "user": dict(user), "number": number,
            "url": self._url(f"/issues/comments/{cid}"), "issue_url": self._url(f"/issues/{number}"),
            "html_url": f"http://github.invalid/{self.repo}/pull/{number}#issuecomment-{cid}",
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        }
        self.issue_comments.append(comment)
        return comment

    def _new_review_comment(self, number, review_id, commit, spec, user) -> dict:
        cid = self._next()
        comment = {
            "id": cid, "pull_request_review_id": review_id, "number": number, "path": spec["path"],
            "line": spec.get("line"), "original_line": spec.get("line"), "start_line": spec.get("start_line"),
            "side": spec.get("side", "RIGHT"), "position": spec.get("line"), "body": spec["body"],
            "user": dict(user), "commit_id": commit, "url": self._url(f"/pulls/comments/{cid}"),
            "pull_request_url": self._url(f"/pulls/{number}"), "created_at": "2026-01-01T00:00:00Z",
        }
        self.review_comments.append(comment)
        return comment

    def _check_review_comment(self, pull: dict, spec: dict) -> str | None:
        files = {f["filename"]: f for f in pull["files"]}
        if not isinstance(spec, dict) or not spec.get("body") or spec.get("path") not in files:
            return "Path could not be resolved"
        lines = right_side_hunks(files[spec["path"]].get("patch"))
        line, start = spec.get("line"), spec.get("start_line")
        if spec.get("side", "RIGHT") != "RIGHT" or line not in lines:
            return "Pull request review thread line must be part of the diff"
        if start is not None and (start >= line or lines.get(start) != lines[line]):
            return "Pull request review thread start line must be part of the same hunk as the line"
        return None


def _page(items: list, query: dict, url: str) -> tuple[list, dict]:
    per_page = max(1, min(100, int(query.get("per_page", 30))))
    page = max(1, int(query.get("page", 1)))
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []

    def link(p: int, rel: str) -> str:
        q = {**query, "per_page": per_page, "page": p}
        return f'<{url}?{urlencode(q)}>; rel="{rel}"'

    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(page - 1, "prev")]
    return chunk, ({"Link": ", ".join(links)} if links else {})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_fake: FakeGitHub

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_PUT(self):
        self._handle("PUT")

    # -- plumbing -----------------------------------------------------------------------

    def _send(self, status: int, payload=None, headers: dict | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handle(self, method: str) -> None:
        fake = self.server_fake
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if not path.startswith(PREFIX + "/"):
            return self._send(404, {"message": "Not Found"})
        path = path[len(PREFIX):]
        with fake.lock:
            fake.requests.append(Request(method, path, query, body))
            fault = self._fault(method, path)
            if fault and fault.kind == "status":
                payload = {"message": fault.message, "documentation_url": "https://docs.github.com/rest"}
                return self._send(fault.status, payload, fault.headers)
            if fake.fork and method in WRITES:
                return self._send(403, {"message": "Resource not accessible by integration"})
            status, payload, headers = self._route(method, path, query, body)
        if fault and fault.kind == "lost":
            return self._drop()
        if fault and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault and fault.kind == "performed_then":
            return self._send(fault.status, {"message": fault.message})
        self._send(status, payload, headers)

    def _fault(self, method: str, path: str) -> Fault | None:
        for f in self.server_fake.faults:
            if f.method == method and re.search(f.pattern, path):
                f.seen += 1
                if f.skip < f.seen <= f.skip + f.times:
                    return f
        return None

    # -- endpoints ----------------------------------------------------------------------

    def _route(self, method, path, query, body):
        fake = self.server_fake
        repo = f"/repos/{fake.repo}"
        if not path.startswith(repo):
            return 404, {"message": "Not Found"}, {}
        rest = path[len(repo):]
        url = fake.base_url + path
        m = re.fullmatch(r"/pulls/(\d+)(/files|/comments|/reviews)?", rest)
        if m:
            number, sub = int(m.group(1)), m.group(2)
            pull = fake.pulls.get(number)
            if pull is None:
                return 404, {"message": "Not Found"}, {}
            if sub is None and method == "GET":
                return 200, self._pull_json(number, pull), {}
            if sub == "/files" and method == "GET":
                return (200, *_page(pull["files"], query, url))
            if sub == "/comments" and method == "GET":
                return (200, *_page([c for c in fake.review_comments if c["number"] == number], query, url))
            if sub == "/reviews" and method == "GET":
                return (200, *_page([r for r in fake.reviews if r["number"] == number], query, url))
            if sub == "/reviews" and method == "POST":
                return self._create_review(number, pull, body or {})
        m = re.fullmatch(r"/issues/(\d+)/comments", rest)
        if m:
            number = int(m.group(1))
            if method == "GET":
                return (200, *_page([c for c in fake.issue_comments if c["number"] == number], query, url))
            if method == "POST":
                text = (body or {}).get("body")
                if not isinstance(text, str) or not text:
                    return 422, {"message": "Validation Failed", "errors": ["body is missing"]}, {}
                if len(text) > 65536:
                    return 422, {"message": "Validation Failed", "errors": ["Body is too long (maximum is 65536 characters)"]}, {}
                return 201, fake._new_issue_comment(number, text, BOT), {}
        m = re.fullmatch(r"/issues/comments/(\d+)", rest)
        if m:
            comment = next((c for c in fake.issue_comments if c["id"] == int(m.group(1))), None)
            if comment is None:
                return 404, {"message": "Not Found"}, {}
            if method == "PATCH":
                text = (body or {}).get("body", "")
                if len(text) > 65536:
                    return 422, {"message": "Validation Failed", "errors": ["Body is too long (maximum is 65536 characters)"]}, {}
                comment["body"] = text
                return 200, comment, {}
            if method == "DELETE":
                fake.issue_comments.remove(comment)
                return 204, None, {}
        m = re.fullmatch(r"/contents/(.+)", rest)
        if m and method == "GET":
            data = fake.contents.get((query.get("ref", ""), m.group(1)))
            if data is None:
                return 404, {"message": "Not Found"}, {}
            return 200, {
                "type": "file", "encoding": "base64", "path": m.group(1), "name": m.group(1).rsplit("/", 1)[-1],
                "content": base64.b64encode(data).decode(), "size": len(data), "sha": "0" * 40, "url": url,
            }, {}
        m = re.fullmatch(r"/compare/([^.]+)\.\.\.([^.]+)", rest)
        if m and method == "GET":
            files = fake.compares.get((m.group(1), m.group(2)))
            if files is None:
                return 404, {"message": "Not Found"}, {}
            # GitHub lists at most 300 files, on the first page only
            return 200, {"url": url, "status": "ahead", "total_commits": 1, "commits": [], "files": files[:300]}, {}
        m = re.fullmatch(r"/commits/([0-9a-f]{40})", rest)
        if m and method == "GET":
            return 200, {"sha": m.group(1), "url": url}, {}
        if rest == "" and method == "GET":
            return 200, {"full_name": fake.repo, "name": fake.repo.split("/")[1], "url": url}, {}
        return 404, {"message": "Not Found"}, {}

    def _pull_json(self, number: int, pull: dict) -> dict:
        fake = self.server_fake
        return {
            "number": number, "url": fake._url(f"/pulls/{number}"), "issue_url": fake._url(f"/issues/{number}"),
            "head": {"sha": pull["head"]}, "base": {"sha": pull["base"]}, "changed_files": len(pull["files"]),
        }

    def _create_review(self, number: int, pull: dict, body: dict):
        fake = self.server_fake
        if body.get("event") not in ("COMMENT", "APPROVE", "REQUEST_CHANGES"):
            return 422, {"message": "Validation Failed", "errors": ["event is required in this test server"]}, {}
        specs = body.get("comments") or []
        problems = [p for p in (fake._check_review_comment(pull, s) for s in specs) if p]
        review_id = fake._next()
        review = {
            "id": review_id, "number": number, "body": body.get("body", ""), "state": "COMMENTED",
            "commit_id": body.get("commit_id") or pull["head"], "user": dict(BOT),
            "pull_request_url": fake._url(f"/pulls/{number}"), "url": fake._url(f"/pulls/{number}/reviews/{review_id}"),
        }
        if problems:
            if fake.keep_body_on_422:
                fake.reviews.append(review)
            return 422, {"message": "Unprocessable Entity", "errors": problems[:1]}, {}
        fake.reviews.append(review)
        for spec in specs:
            fake._new_review_comment(number, review_id, review["commit_id"], spec, BOT)
        return 200, review, {}
