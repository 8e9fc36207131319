"""Benchmark the action end to end on a 50-revision pull request against the fake GitHub API.

    python bench/action_bench.py [--revisions 50] [--runs 3] [--pacing 1]

Each scenario builds a real git repository (base: an Alembic project; head: N new
revisions), serves the pull request from tests/github/fake_server.py and runs
``entrypoint.py`` as the runner would. It prints the median wall time, the same minus a
``python -c pass`` start, the CPU time of the action's process, and every API request by
method and endpoint. ``--pacing``
scales PyGithub's pauses between requests (1 = production: 0.25 s between requests and
1 s between writes; 0 = none).
"""
from __future__ import annotations

import argparse
import collections
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "action"))

import harness  # noqa: E402

CLEAN = '''"""add {name}"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = "{down}"


def upgrade():
    op.create_table(
        "{name}",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("tenant_id", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.Numeric(14, 2)),
    )
    op.add_column("users", sa.Column("{name}_count", sa.Integer, nullable=True))


def downgrade():
    op.drop_column("users", "{name}_count")
    op.drop_table("{name}")
'''
DESTRUCTIVE = CLEAN.replace(
    '    op.add_column("users", sa.Column("{name}_count", sa.Integer, nullable=True))\n',
    '    op.add_column("users", sa.Column("{name}_count", sa.Integer, nullable=True))\n'
    '    op.drop_column("users", "legacy_{name}")\n    op.execute("DELETE FROM audit_log")\n',
)


def build(root: Path, count: int, destructive_every: int) -> tuple[harness.Git, str, str]:
    git = harness.Git(root)
    base = git.commit({"alembic.ini": harness.ALEMBIC_INI,
                       "alembic/versions/0001_create_users.py": harness.BASE_REVISION})
    files, down = {}, "0001"
    for i in range(count):
        rev = f"{i + 2:04d}"
        template = DESTRUCTIVE if destructive_every and i % destructive_every == 0 else CLEAN
        files[f"alembic/versions/{rev}_add_t{rev}.py"] = template.format(name=f"t{rev}", rev=rev, down=down)
        down = rev
    return git, base, git.commit(files, f"{count} revisions")


def endpoint(request) -> str:
    return f"{request.method} {re.sub(r'^/repos/[^/]+/[^/]+', '', request.path)}"


def scenario(label: str, args, destructive_every: int, baseline: float, rerun: bool = False) -> None:
    times, cpu, requests, result = [], [], collections.Counter(), None
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            git, base, head = build(tmp / "ws", args.revisions, destructive_every)
            api = harness.FakeGitHub()
            api.start()
            try:
                api.add_pull(7, head, base, git.pr_files(base, head))

                def once(name: str):
                    return harness.run_action(git.root, tmp / name, "pull_request", harness.pr_event(7, head, base),
                                              api.base_url, extra_env={"MG_GITHUB_TIME_SCALE": args.pacing})

                if rerun:
                    once("first")
                    api.requests.clear()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                result = once("measured")
                times.append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                requests = collections.Counter(endpoint(r) for r in api.requests)
            finally:
                api.stop()
    wall = statistics.median(times)
    print(f"\n## {label}: {args.revisions} revisions, median of {args.runs} runs, pacing x{args.pacing}")
    print(f"exit code {result.code}; outputs {result.outputs}")
    print(f"wall time {wall:.3f} s; minus interpreter start ({baseline:.3f} s): {wall - baseline:.3f} s; "
          f"CPU time of the action process {statistics.median(cpu):.3f} s (less sensitive to a busy machine)")
    print(f"API requests: {sum(requests.values())}")
    for key, n in sorted(requests.items()):
        print(f"  {n:3d}  {key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--revisions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pacing", default="1")
    args = parser.parse_args()
    starts = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        starts.append(time.perf_counter() - t)
    baseline = statistics.median(starts)
    scenario("clean revisions", args, 0, baseline)
    scenario("with findings (every 5th revision destructive)", args, 5, baseline)
    scenario("re-run on the same head (findings already reviewed)", args, 5, baseline, rerun=True)


if __name__ == "__main__":
    main()
