"""The verify sequence: upgrade, inspect, refresh, downgrade, check what is left, upgrade again."""

from __future__ import annotations

import time
from typing import Callable

from . import catalog
from .alembic_runner import AlembicProject, RunResult, describe_error
from .audit import Audit
from .destruction import destruction_step
from .report import FAILED, PASSED, SKIPPED, Report, Step
from .urls import DatabaseUrl, UsageError


def connect(url: DatabaseUrl):
    import psycopg

    try:
        return psycopg.connect(url.libpq, autocommit=True, connect_timeout=10)
    except Exception as exc:  # OperationalError, ProgrammingError for malformed conninfo, ...
        raise UsageError(f"cannot connect to {url.masked}: {url.scrub(' '.join(str(exc).split()))}") from None


def _timed(step: Step, body: Callable[[Step], None], url: DatabaseUrl) -> Step:
    started = time.perf_counter()
    try:
        body(step)
    except Exception as exc:
        message, sqlstate, _ = describe_error(exc, url)
        step.status, step.detail = FAILED, f"{message}" + (f" [{sqlstate}]" if sqlstate else "")
    step.seconds = time.perf_counter() - started
    return step


def _migration_detail(result: RunResult, verb: str, target: str) -> str:
    if result.failure is None:
        return f"{verb} {len(result.applied)} revision(s) to {target}"
    f = result.failure
    code = f" [{f.sqlstate}]" if f.sqlstate else ""
    return f"revision {f.revision} failed{code}: {f.message}"


def _migration_step(name: str, run: Callable[[], RunResult], verb: str, target: str, url: DatabaseUrl) -> Step:
    def body(step: Step) -> None:
        result = run()
        step.status = PASSED if result.ok else FAILED
        step.detail = _migration_detail(result, verb, target)
        step.data = {"revisions": result.applied, "error": result.failure.as_dict() if result.failure else None}

    return _timed(Step(name), body, url)


def _match(expected: str, views: list[catalog.MatView]) -> bool:
    if "." in expected:
        return any(v.qualified == expected for v in views)
    return any(v.name == expected for v in views)


def verify(url: DatabaseUrl, alembic_ini: str, expect_matviews: list[str], settings=None, *,
           with_data: bool = False, fail_uncovered: frozenset[str] = frozenset()) -> Report:
    """``settings`` are the project's lint settings, for the findings destroyed objects are matched to."""
    from ..config import Settings

    project = AlembicProject(alembic_ini, url)
    conn = connect(url)
    try:
        return _verify(conn, project, url, alembic_ini, expect_matviews, settings or Settings(), with_data,
                       fail_uncovered)
    finally:
        conn.close()


def _verify(conn, project: AlembicProject, url: DatabaseUrl, ini: str, expect: list[str], settings,
            with_data: bool, fail_uncovered: frozenset[str]) -> Report:
    existing = catalog.user_relations(conn)
    if existing:
        shown = ", ".join(existing[:5]) + (" ..." if len(existing) > 5 else "")
        raise UsageError(
            f"{url.masked} is not empty ({len(existing)} relation(s): {shown}); verify runs the migrations "
            "down to base and must be given a throwaway database"
        )
    baseline = catalog.snapshot(conn)
    report = Report(database=url.masked, alembic_ini=ini)
    try:
        report.heads = project.heads()
    except Exception:
        report.heads = []  # the upgrade step reports why the revisions cannot be loaded
    head = ", ".join(report.heads) or "head"

    audit = Audit(conn, with_data, url.scrub)

    def audited_upgrade() -> RunResult:
        with audit:  # inside the step: a catalog that cannot be read fails it, with PostgreSQL's words
            return project.upgrade_stepwise(audit)

    upgrade = _migration_step("upgrade", audited_upgrade, "applied", head, url)
    report.steps.append(upgrade)
    report.steps.append(_timed(Step("destruction"),
                               lambda step: destruction_step(step, report, audit, project, settings, fail_uncovered),
                               url))
    names = ["expected-matviews", "unique-indexes", "refresh-concurrently", "downgrade", "clean-base", "re-upgrade"]
    if not upgrade.ok:
        report.steps += [Step(n, SKIPPED, detail="skipped: the upgrade failed") for n in names]
        return report

    views: list[catalog.MatView] = []
    records: dict[str, dict] = {}

    def inspect(step: Step) -> None:
        views.extend(catalog.matviews(conn))
        for v in views:
            records[v.qualified] = {
                "name": v.qualified, "populated": v.populated, "unique_index": v.usable_index,
                "unique_indexes": [{"name": ix.name, "usable": ix.usable, "problems": ix.problems,
                                    "definition": ix.definition} for ix in v.unique_indexes],
                "refresh_seconds": None, "refresh_error": None, "ok": True, "problem": v.index_problem(),
            }
            if records[v.qualified]["problem"]:
                records[v.qualified]["ok"] = False
        if not expect:
            step.status, step.detail = SKIPPED, "no --expect-matviews given"
            return
        missing = [e for e in expect if not _match(e, views)]
        step.data = {"expected": expect, "missing": missing}
        if missing:
            step.status = FAILED
            step.detail = f"missing {len(missing)} of {len(expect)}: {', '.join(missing)}"
        else:
            step.status, step.detail = PASSED, f"all {len(expect)} present: {', '.join(expect)}"

    report.steps.append(_timed(Step("expected-matviews"), inspect, url))

    def unique_indexes(step: Step) -> None:
        bad = [f"{v.qualified}: {v.index_problem()}" for v in views if v.index_problem()]
        step.data = {"failing": [v.qualified for v in views if v.index_problem()]}
        if bad:
            step.status, step.detail = FAILED, "; ".join(bad)
        else:
            step.status = PASSED
            step.detail = f"{len(views)} materialized view(s), each with a usable unique index" if views else \
                "no materialized views"

    report.steps.append(_timed(Step("unique-indexes"), unique_indexes, url))

    def refresh(step: Step) -> None:
        from psycopg import sql

        failed = []
        for v in views:
            record = records[v.qualified]
            ident = sql.Identifier(v.schema, v.name)
            started = time.perf_counter()
            try:
                if not v.populated:
                    # CONCURRENTLY needs existing contents to diff against: a view created WITH NO DATA
                    # gets its first fill the ordinary way.
                    conn.execute(sql.SQL("REFRESH MATERIALIZED VIEW {}").format(ident))
                conn.execute(sql.SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY {}").format(ident))
                record["refresh_seconds"] = round(time.perf_counter() - started, 4)
            except Exception as exc:
                message, sqlstate, _ = describe_error(exc, url)
                record["refresh_error"] = message
                record["ok"] = False
                record["problem"] = record["problem"] or f"REFRESH CONCURRENTLY failed: {message}"
                failed.append(f"{v.qualified}: {message}")
        step.data = {"failing": [f.split(":", 1)[0] for f in failed]}
        if failed:
            step.status, step.detail = FAILED, "; ".join(failed)
        else:
            step.status, step.detail = PASSED, f"refreshed {len(views)} materialized view(s) concurrently"

    report.steps.append(_timed(Step("refresh-concurrently"), refresh, url))
    report.matviews = list(records.values())

    downgrade = _migration_step("downgrade", project.downgrade_stepwise, "reverted", "base", url)
    report.steps.append(downgrade)
    if not downgrade.ok:
        report.steps += [Step(n, SKIPPED, detail="skipped: the downgrade failed") for n in ("clean-base", "re-upgrade")]
        return report

    def clean(step: Step) -> None:
        version_tables = catalog.version_tables(conn)
        left = sorted(catalog.snapshot(conn) - baseline)
        left = [(kind, name) for kind, name in left if not (kind == "table" and name in version_tables)]
        step.data = {"leftovers": [{"kind": k, "name": n} for k, n in left]}
        if left:
            step.status = FAILED
            step.detail = "left behind after downgrade to base: " + ", ".join(f"{k} {n}" for k, n in left)
        else:
            step.status = PASSED
            kept = ", ".join(sorted(version_tables)) or "nothing"
            step.detail = f"nothing left but the version table ({kept})"

    report.steps.append(_timed(Step("clean-base"), clean, url))
    report.steps.append(_migration_step("re-upgrade", project.upgrade_stepwise, "applied", head, url))
    return report
