"""End-to-end harness: a real git repository, an event payload, the fake GitHub API, and
``entrypoint.py`` run as the runner runs a container action (env only, cwd = workspace).

Set ``MG_E2E_CONTAINER=1`` to run the built image instead, through
``shared/tools/container-action run --runner-owned`` (workspace owned by another uid).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "github"))

from fake_server import FakeGitHub  # noqa: E402,F401 - re-exported for the tests

TOKEN = "ghs_e2eS3cretT0kenValue0123456789"
REPO = "acme/shop"
CONTAINER = os.environ.get("MG_E2E_CONTAINER") == "1"
CONTAINER_TOOL = os.environ.get("MG_CONTAINER_TOOL") or str(ROOT.parent / "shared" / "tools" / "container-action")
IMAGE_TAG = os.environ.get("MG_IMAGE_TAG") or "migration-guard:dev"

ALEMBIC_INI = "[alembic]\nscript_location = alembic\n"
# An env.py as the MG211 page recommends: a lock_timeout for every revision. The scenarios are about the
# action, not about lock waits; the ones that want MG211 use an env.py without it.
ENV_PY = '''from alembic import context
from sqlalchemy import engine_from_config, pool, text

config = context.config


def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.",
                                     poolclass=pool.NullPool)
    with connectable.connect() as connection:
        connection.execute(text("SET lock_timeout = '5s'"))
        connection.commit()  # else Alembic takes the SET's transaction for the caller's and never commits
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
'''
BASE_REVISION = '''"""create users"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("nickname", sa.Text))


def downgrade():
    op.drop_table("users")
'''


# The repository every pull request scenario starts from: one environment, one revision, a timeout in env.py.
BASE_TREE = {"alembic.ini": ALEMBIC_INI, "alembic/env.py": ENV_PY, "alembic/versions/0001_create_users.py": BASE_REVISION}

class Git:
    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self("init", "-q", "-b", "main")
        self("config", "user.email", "dev@example.com")
        self("config", "user.name", "dev")

    def __call__(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True, text=True).stdout

    def commit(self, files: dict[str, str | None], message: str = "change") -> str:
        for path, content in files.items():
            target = self.root / path
            if content is None:
                self("rm", "-q", path)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            self("add", path)
        self("commit", "-q", "--allow-empty", "-m", message)
        return self("rev-parse", "HEAD").strip()

    def checkout(self, sha: str) -> None:
        self("checkout", "-q", sha)

    def pr_files(self, base: str, head: str) -> list[dict]:
        """The ``GET /pulls/{n}/files`` entries GitHub would serve, with real hunks from git."""
        statuses = {"A": "added", "M": "modified", "D": "removed", "R": "renamed"}
        out = self("diff", "--name-status", "-z", "-M", base, head).split("\0")
        files, i = [], 0
        while i < len(out) and out[i]:
            code = out[i][0]
            if code == "R":
                old, path, i = out[i + 1], out[i + 2], i + 3
            else:
                old, path, i = None, out[i + 1], i + 2
            entry = {"filename": path, "status": statuses[code]}
            if old:
                entry["previous_filename"] = old
            diff = self("diff", "-M", base, head, "--", *([old] if old else []), path)
            entry["patch"] = diff[diff.index("@@"):].rstrip("\n") if "@@" in diff else None
            entry["sha"] = self("rev-parse", f"{head}:{path}").strip() if code != "D" else "0" * 40
            files.append(entry)
        return files


def pr_event(number: int, head: str, base: str, head_repo: str = REPO) -> dict:
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number, "changed_files": 1,
            "head": {"sha": head, "ref": "feature", "repo": {"full_name": head_repo}},
            "base": {"sha": base, "ref": "main", "repo": {"full_name": REPO}},
        },
        "repository": {"full_name": REPO},
    }


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    seconds: float = 0.0  # wall time of the run, container set-up included

    @property
    def seconds_to_verdict(self) -> float | None:
        """From the process's start to its exit, as the entry point logs it with RUNNER_DEBUG=1."""
        m = re.search(r"^::debug::migration-guard: exit code \d+, ([0-9.]+) s after the process started$",
                      self.stdout, re.M)
        return float(m.group(1)) if m else None

    @property
    def commands(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::")]


def parse_outputs(text: str) -> dict[str, str]:
    outputs, lines, i = {}, text.split("\n"), 0
    while i < len(lines):
        m = re.fullmatch(r"([\w-]+)<<(ghadelimiter_[0-9a-f-]+)", lines[i])
        if not m:
            i += 1
            continue
        name, delimiter, value, i = m.group(1), m.group(2), [], i + 1
        while lines[i] != delimiter:
            value.append(lines[i])
            i += 1
        outputs[name] = "\n".join(value)
        i += 1
    return outputs


def run_action(workspace: Path, tmp: Path, event_name: str, event: dict | None, api_url: str,
               inputs: dict[str, str] | None = None, token: str = TOKEN, extra_env: dict | None = None) -> Result:
    tmp.mkdir(parents=True, exist_ok=True)
    files = tmp / "files"
    files.mkdir(exist_ok=True)
    event_path, output, summary = tmp / "event.json", files / "output.txt", files / "summary.md"
    event_path.write_text(json.dumps(event or {}), encoding="utf-8")
    for f in (output, summary):
        f.write_text("", encoding="utf-8")
    # the runner passes every declared input, defaults included, as INPUT_<NAME> with hyphens kept
    declared = {"github-token": token, "paths": "", "config": "", "fail-on": "", "review": "true",
                "comment": "true", "check-all": "false", "sarif-file": "", "downgrade": "", "pull-request": ""}
    declared.update(inputs or {})
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "LANG": "C.UTF-8",
        "MG_GITHUB_TIME_SCALE": "0.01",
        "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path), "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_API_URL": api_url, "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": REPO,
        "GITHUB_WORKSPACE": str(workspace), "GITHUB_RUN_ID": "4242", "GITHUB_SHA": "f" * 40,
        **{f"INPUT_{k.upper()}": v for k, v in declared.items()},
        **(extra_env or {}),
    }
    if CONTAINER:
        cmd = ["bash", CONTAINER_TOOL, "run", "--runner-owned", "--tag", IMAGE_TAG]
        if os.environ.get("CONTAINER_ACTION_HOME"):  # where the tool keeps the image it built
            env["CONTAINER_ACTION_HOME"] = os.environ["CONTAINER_ACTION_HOME"]
    else:
        cmd = [sys.executable, str(ROOT / "entrypoint.py")]
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=workspace, env=env, capture_output=True, text=True, timeout=300)
    result = Result(done.returncode, done.stdout, done.stderr, parse_outputs(output.read_text(encoding="utf-8")),
                    summary.read_text(encoding="utf-8"), time.perf_counter() - started)
    # the token never reaches the log, whatever happened
    assert TOKEN not in done.stdout and TOKEN not in done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return result
