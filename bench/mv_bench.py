"""Benchmark: dashboard queries on the materialized views against the same answers from the base tables.

    python bench/mv_bench.py --rows 1000000 --rows 10000000 [--json bench/results.json]

For each size: a fresh database at head (the reference project in examples/attribution), ``--rows``
attribution_allocations and half as many revenue_ledger rows generated set-based in PostgreSQL
(examples/attribution/seed.py, loaded by two connections in parallel), ANALYZE, then:

- REFRESH MATERIALIZED VIEW CONCURRENTLY of both dashboard views: the first fill, and a steady-state
  refresh after 0.1 % more rows arrive (what an hourly refresh costs);
- each dashboard query of examples/attribution/dashboard.py for one tenant over the last 30 days:
  through the tenant view as ``attribution_app`` (the production path) and directly on the
  materialized view as the owner, interleaved run by run so machine noise hits both alike; the
  production path once more as PostgreSQL's own execution time (EXPLAIN ANALYZE, TIMING OFF: no
  network, no Python decoding); and from the base tables (fewer runs: it is slow by design);
- the answers of the views are checked equal to the base-table answers before anything is timed.

Latencies are client-side wall time of execute + fetch (psycopg prepares the statement after five
runs, as an application would). Uses DATABASE_URL when set, otherwise starts a throwaway PostgreSQL
tuned for bulk loading (no fsync, large buffers). Foreign-key triggers are skipped while loading
(session_replication_role = replica) when the role may do so; the generated data satisfies them.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from tests.support.attribution import EXAMPLE, dashboard, seed  # noqa: E402
from tests.support.postgres import postgres_server  # noqa: E402

SERVER_SETTINGS = {
    "shared_buffers": "4GB", "work_mem": "256MB", "maintenance_work_mem": "1GB", "max_wal_size": "20GB",
    "checkpoint_timeout": "30min", "wal_level": "minimal", "max_wal_senders": "0",
    "max_parallel_workers_per_gather": "2", "effective_cache_size": "16GB", "random_page_cost": "1.1",
}
VIEWS = ("mv_channel_performance", "mv_daily_revenue_summary")


def direct(sql: str, tenant_view: str, matview: str) -> str:
    """The same query on the materialized view itself, with the tenant as an explicit parameter."""
    return sql.replace(f"FROM {tenant_view}\nWHERE ", f"FROM {matview}\nWHERE tenant_id = %(tenant)s AND ")


QUERIES = {
    "channel_performance": (dashboard.CHANNEL_PERFORMANCE, dashboard.CHANNEL_PERFORMANCE_FROM_BASE,
                            "tenant_channel_performance", "mv_channel_performance"),
    "channel_summary": (dashboard.CHANNEL_SUMMARY, dashboard.CHANNEL_SUMMARY_FROM_BASE,
                        "tenant_channel_performance", "mv_channel_performance"),
    "daily_revenue": (dashboard.DAILY_REVENUE, dashboard.DAILY_REVENUE_FROM_BASE,
                      "tenant_daily_revenue_summary", "mv_daily_revenue_summary"),
}


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))  # nearest rank
    return ordered[min(rank, len(ordered)) - 1]


def timed(conn, sql: str, params: dict, n: int) -> tuple[list[float], list]:
    samples, rows = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        rows = conn.execute(sql, params).fetchall()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples, rows


def interleaved(runs: list[tuple], n: int) -> list[tuple[list[float], list]]:
    """Time several (conn, sql, params) round-robin, so machine noise hits each of them alike."""
    out = [([], []) for _ in runs]
    for _ in range(n):
        for (conn, sql, params), (samples, _rows) in zip(runs, out):
            t0 = time.perf_counter()
            rows = conn.execute(sql, params).fetchall()
            samples.append((time.perf_counter() - t0) * 1000)
            _rows[:] = rows
    return out


def server_times(conn, sql: str, params: dict, n: int) -> list[float]:
    """PostgreSQL's own execution time (no network, no Python decoding); TIMING OFF keeps overhead low."""
    samples = []
    for _ in range(n):
        plan = conn.execute("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) " + sql, params).fetchall()
        line = next(r[0] for r in plan if r[0].startswith("Execution Time:"))
        samples.append(float(line.split(":")[1].split()[0]))
    return samples


def plan_summary(conn, sql: str, params: dict) -> dict:
    """Relations and indexes the plan touches, to show at scale what tests/pg/test_explain.py asserts."""
    doc = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0]
    nodes, stack = [], [doc[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return {"relations": sorted({n["Relation Name"] for n in nodes if "Relation Name" in n}),
            "indexes": sorted({n["Index Name"] for n in nodes if "Index Name" in n}),
            "scans": sorted({n["Node Type"] for n in nodes if "Relation Name" in n})}


def stats(samples: list[float]) -> dict:
    return {"n": len(samples), "p50_ms": percentile(samples, 50), "p95_ms": percentile(samples, 95),
            "p99_ms": percentile(samples, 99), "mean_ms": statistics.fmean(samples)}


def migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(EXAMPLE / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    os.environ["DATABASE_URL"] = url
    command.upgrade(cfg, "head")


def load(url: str, rows: int, tenants: int, workers: int = 2) -> None:
    def chunk(sql: str) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            try:
                conn.execute("SET session_replication_role = replica")
            except psycopg.Error:
                pass  # not a superuser: the foreign keys are checked row by row, slower but fine
            conn.execute(sql)

    jobs = []
    for total, make in ((rows, lambda n, first: seed.allocations_sql(n, tenants, 30, 120, first=first)),
                        (rows // 2, lambda n, first: seed.ledger_sql(n, tenants, 120, first=first))):
        # Chunks start at multiples of 3 + 1 so an event's allocations never straddle two chunks.
        size = -(-total // workers // 3) * 3
        for first in range(1, total + 1, size):
            jobs.append(make(min(size, total - first + 1), first))
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(chunk, jobs))


def run_size(server, rows: int, tenants: int, iterations: int, base_iterations: int) -> dict:
    name = server.create_database(prefix="mvbench")
    url = server.url(name)
    result: dict = {"rows_allocations": rows, "rows_ledger": rows // 2, "tenants": tenants,
                    "load_average_start": os.getloadavg()}
    try:
        migrate(url)
        with psycopg.connect(url, autocommit=True) as owner:
            tenant_ids = seed.seed_reference_data(owner, tenants=tenants, channels=30)
            t0 = time.perf_counter()
            load(url, rows, tenants)
            result["load_seconds"] = time.perf_counter() - t0
            owner.execute("VACUUM ANALYZE attribution_allocations")
            owner.execute("VACUUM ANALYZE revenue_ledger")
            result["refresh_concurrently_first_fill_s"] = {}
            for view in VIEWS:
                t0 = time.perf_counter()
                owner.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
                result["refresh_concurrently_first_fill_s"][view] = time.perf_counter() - t0
            extra = max(3, rows // 1000 // 3 * 3)
            owner.execute(seed.allocations_sql(extra, tenants, 30, 120, first=rows + 1))
            owner.execute(seed.ledger_sql(extra // 2, tenants, 120, first=rows // 2 + 1))
            result["refresh_concurrently_steady_s"] = {}
            for view in VIEWS:
                t0 = time.perf_counter()
                owner.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
                result["refresh_concurrently_steady_s"][view] = time.perf_counter() - t0
                owner.execute(f"VACUUM ANALYZE {view}")
            result["view_rows"] = {v: owner.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in VIEWS}
            result["sizes"] = {t: owner.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", (t,)).fetchone()[0]
                               for t in ("attribution_allocations", "revenue_ledger", *VIEWS)}

            today = owner.execute("SELECT (now() AT TIME ZONE 'UTC')::date").fetchone()[0]
            window_start = today - dt.timedelta(days=90)
            tenant = tenant_ids[0]
            params = {"start": today - dt.timedelta(days=29), "end": today, "channel": None,
                      "tenant": tenant, "window_start": window_start}
            with psycopg.connect(url, autocommit=True) as app:
                app.execute("SET ROLE attribution_app")
                dashboard.use_tenant(app, tenant)
                result["queries"] = {}
                for qname, (view_sql, base_sql, tenant_view, matview) in QUERIES.items():
                    direct_sql = direct(view_sql, tenant_view, matview)
                    (via_view, served), (on_mv, direct_rows) = interleaved(
                        [(app, view_sql, params), (owner, direct_sql, params)], iterations)
                    server_ms = server_times(app, view_sql, params, max(20, iterations // 3))
                    base, truth = timed(owner, base_sql, params, base_iterations)
                    if not (served == truth == direct_rows) or not served:
                        raise SystemExit(f"{qname}: the views and the base tables disagree")
                    entry = {"rows_returned": len(served), "plan": plan_summary(app, view_sql, params), "tenant_view": stats(via_view),
                             "tenant_view_server": stats(server_ms),
                             "matview_direct": stats(on_mv), "base_tables": stats(base)}
                    entry["speedup_p50"] = entry["base_tables"]["p50_ms"] / entry["tenant_view"]["p50_ms"]
                    entry["speedup_p95"] = entry["base_tables"]["p95_ms"] / entry["tenant_view"]["p95_ms"]
                    result["queries"][qname] = entry
    finally:
        server.drop_database(name)
    # Other work on the machine inflates client-side tails; the load average tells how much there was.
    result["load_average_end"] = os.getloadavg()
    return result


def report(result: dict) -> str:
    lines = [f"\n== {result['rows_allocations']:,} allocations, {result['rows_ledger']:,} ledger rows, "
             f"{result['tenants']} tenants (load {result['load_seconds']:.1f} s; sizes {result['sizes']}; "
             f"machine load average {result['load_average_start'][0]:.1f} -> {result['load_average_end'][0]:.1f})",
             "REFRESH CONCURRENTLY first fill: " + ", ".join(
                 f"{v} {s:.2f} s" for v, s in result["refresh_concurrently_first_fill_s"].items()),
             "REFRESH CONCURRENTLY after +0.1% rows: " + ", ".join(
                 f"{v} {s:.2f} s" for v, s in result["refresh_concurrently_steady_s"].items()),
             f"{'query':<22}{'path':<20}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}"]
    for qname, entry in result["queries"].items():
        for path in ("tenant_view", "tenant_view_server", "matview_direct", "base_tables"):
            s = entry[path]
            lines.append(f"{qname:<22}{path:<20}{s['n']:>5}{s['p50_ms']:>10.3f}{s['p95_ms']:>10.3f}{s['p99_ms']:>10.3f}")
        lines.append(f"{'':<22}{'base/view p50':<20}{'':>5}{entry['speedup_p50']:>10.0f}x   "
                     f"({entry['rows_returned']} rows; plan: {entry['plan']['scans']} on {entry['plan']['relations']} "
                     f"using {entry['plan']['indexes']})")
    return "\n".join(lines)


def markdown(results: list[dict]) -> str:
    """The results as the Markdown tables of docs/dashboard.md."""
    out = ["| allocations | query | rows | client p50 / p95 / p99 ms | server p50 / p95 / p99 ms "
           "| base tables p50 / p95 ms | base / view p50 |",
           "|---:|---|---:|---|---|---|---:|"]
    for r in results:
        for qname, e in r["queries"].items():
            c, sv, b = e["tenant_view"], e["tenant_view_server"], e["base_tables"]
            out.append(f"| {r['rows_allocations']:,} | {qname} | {e['rows_returned']} "
                       f"| {c['p50_ms']:.2f} / {c['p95_ms']:.2f} / {c['p99_ms']:.2f} "
                       f"| {sv['p50_ms']:.2f} / {sv['p95_ms']:.2f} / {sv['p99_ms']:.2f} "
                       f"| {b['p50_ms']:.0f} / {b['p95_ms']:.0f} | {e['speedup_p50']:.0f}x |")
    out += ["", "| allocations | load | REFRESH CONCURRENTLY first fill | after +0.1 % rows | view rows | machine load average |",
            "|---:|---:|---|---|---|---|"]
    for r in results:
        first = ", ".join(f"{v} {t:.1f} s" for v, t in r["refresh_concurrently_first_fill_s"].items())
        steady = ", ".join(f"{v} {t:.1f} s" for v, t in r["refresh_concurrently_steady_s"].items())
        rows = ", ".join(f"{n:,}" for n in r["view_rows"].values())
        load = f"{r['load_average_start'][0]:.1f} → {r['load_average_end'][0]:.1f}" if "load_average_end" in r else "n/a"
        out.append(f"| {r['rows_allocations']:,} | {r['load_seconds']:.0f} s | {first} | {steady} | {rows} | {load} |")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="allocation rows (repeatable)")
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=300, help="runs of each view query")
    parser.add_argument("--base-iterations", type=int, default=7, help="runs of each base-table query")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--markdown-from", metavar="JSON", help="only print the Markdown tables of a saved run")
    args = parser.parse_args()
    if args.markdown_from:
        sys.stdout.write(markdown(json.loads(Path(args.markdown_from).read_text())))
        return 0
    sizes = args.rows or [1_000_000]
    results = []
    with postgres_server(settings=SERVER_SETTINGS) as server:
        with psycopg.connect(server.base_url) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        print(f"PostgreSQL {version}, {os.cpu_count()} CPUs", flush=True)
        for rows in sizes:
            result = run_size(server, rows, args.tenants, args.iterations, args.base_iterations)
            result["server_version"] = version
            results.append(result)
            print(report(result), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    print("\n" + markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
