"""What verify's per-revision audit (catalog snapshots, SQL capture with locks, --with-data) costs.

    python bench/verify_audit_bench.py [--runs 5]

Upgrades the reference project (examples/attribution) base to head one revision at a time on fresh
databases, alternating: without the audit, with it, and with it and ``--with-data``. Prints the median
upgrade time per revision of each, the difference, and the audit's own time per revision (snapshots,
counts and fills, as the report's ``audit_seconds`` gives it; the lock reads happen inside the upgrade).
Uses $DATABASE_URL's server, else a throwaway one.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.attribution import ALEMBIC_INI  # noqa: E402
from tests.support.postgres import postgres_server  # noqa: E402
from migration_guard.verify.alembic_runner import AlembicProject  # noqa: E402
from migration_guard.verify.audit import Audit  # noqa: E402
from migration_guard.verify.runner import connect  # noqa: E402
from migration_guard.verify.urls import parse_database_url  # noqa: E402


def one(server, mode: str) -> tuple[float, float, int]:
    """(upgrade seconds, audit seconds, revisions) for one fresh database."""
    name = server.create_database("mgbench")
    try:
        url = parse_database_url(server.url(name))
        project = AlembicProject(str(ALEMBIC_INI), url)
        project.config.attributes["configure_logger"] = False
        conn = connect(url)
        try:
            if mode == "plain":
                started = time.perf_counter()
                result = project.upgrade_stepwise()
                return time.perf_counter() - started, 0.0, len(result.applied)
            with Audit(conn, with_data=mode == "with-data") as audit:
                started = time.perf_counter()
                result = project.upgrade_stepwise(audit)
                elapsed = time.perf_counter() - started
            return elapsed, audit.seconds, len(result.applied)
        finally:
            conn.close()
    finally:
        server.drop_database(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    modes = ("plain", "audit", "with-data")
    times: dict[str, list[tuple[float, float, int]]] = {m: [] for m in modes}
    with postgres_server() as server:
        one(server, "plain")  # warm up imports and the server's caches
        for _ in range(args.runs):
            for mode in modes:
                times[mode].append(one(server, mode))
    revisions = times["plain"][0][2]
    base = statistics.median(t for t, _, _ in times["plain"]) / revisions
    print(f"reference project, {revisions} revisions, median of {args.runs} runs")
    for mode in modes:
        per = statistics.median(t for t, _, _ in times[mode]) / revisions
        audit = statistics.median(a for _, a, _ in times[mode]) / revisions
        print(f"  {mode:<10} {per * 1000:7.1f} ms/revision  (+{(per - base) * 1000:5.1f} ms; "
              f"snapshots/counts/fills {audit * 1000:5.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
