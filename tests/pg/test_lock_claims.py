"""The lock facts in the MG2xx/MG3xx docs, measured on a real PostgreSQL.

Each claim runs a rule's failing example (and the passing variant the docs recommend) on
populated tables, in a transaction of one session, and reads from a second session what
that transaction holds in ``pg_locks`` (or what error PostgreSQL raises, or whether the
table file was rewritten). The same SQL goes through the linter too, so the rule fires
on exactly the statement whose lock was measured and stays quiet on the safer one.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import psycopg
import pytest

from migration_guard.config import Settings, from_table
from migration_guard.engine import lint_sources

ROWS = 2000

SETUP = f"""
CREATE TABLE parent (id bigint PRIMARY KEY, name text);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, {ROWS}) g;
CREATE TABLE child (
    id bigint PRIMARY KEY, parent_id bigint, amount int, email text, label varchar(10), note text
);
INSERT INTO child SELECT g, g, g % 100, 'u' || g || '@example.com', 'l' || (g % 10), NULL
FROM generate_series(1, {ROWS}) g;
CREATE INDEX ix_child_amount ON child (amount);
CREATE VIEW v_child AS SELECT id, parent_id FROM child;
CREATE MATERIALIZED VIEW mv_child AS SELECT parent_id % 10 AS bucket, count(*) AS n FROM child GROUP BY 1;
ANALYZE;
"""

STRENGTH = [
    "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
    "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock",
]


@pytest.fixture(scope="module")
def lock_db(pg_server):
    name = pg_server.create_database("mglocks")
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def db(lock_db):
    """The module's database with fresh, populated tables."""
    with psycopg.connect(lock_db, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS child, kid, parent CASCADE")
        conn.execute(SETUP)
    return lock_db


def connect(url: str, autocommit: bool = False) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=autocommit)


def held(observer: psycopg.Connection, pid: int, relations: tuple[str, ...]) -> dict[str, str]:
    """The strongest granted lock ``pid`` holds on each named relation."""
    rows = observer.execute(
        "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = %s AND l.granted AND l.locktype = 'relation' AND c.relname = ANY(%s)",
        (pid, list(relations)),
    ).fetchall()
    strongest: dict[str, str] = {}
    for relname, mode in rows:
        if relname not in strongest or STRENGTH.index(mode) > STRENGTH.index(strongest[relname]):
            strongest[relname] = mode
    return strongest


def locks_of(url: str, sql: str, relations: tuple[str, ...], before: str = "") -> dict[str, str]:
    """Run ``sql`` inside a transaction and return the locks it holds just before commit; roll back."""
    with connect(url) as session, connect(url, autocommit=True) as observer:
        if before:
            session.execute(before)
            session.commit()
        session.execute(sql)
        try:
            return held(observer, session.info.backend_pid, relations)
        finally:
            session.rollback()


def filenode(conn: psycopg.Connection, relation: str) -> int:
    return conn.execute("SELECT pg_relation_filenode(%s)", (relation,)).fetchone()[0]


def rewrites(url: str, sql: str, relation: str = "child") -> bool:
    """Whether ``sql`` gives the relation a new data file: PostgreSQL rewrote the table."""
    with connect(url) as session:
        old = filenode(session, relation)
        session.execute(sql)
        new = filenode(session, relation)
        session.rollback()
    return old != new


@contextmanager
def blocked_by_writer(url: str):
    """A session holding ROW EXCLUSIVE on ``child`` (an open UPDATE), as a busy application does."""
    writer = connect(url)
    writer.execute("UPDATE child SET note = 'busy' WHERE id = 1")
    try:
        yield writer
    finally:
        writer.rollback()
        writer.close()


def in_background(session, sql: str) -> tuple[threading.Thread, list[BaseException]]:
    """Run ``sql`` on ``session`` in a started thread; its errors are kept for the main thread to report."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            session.execute(sql)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def waits_for_lock(observer, pid: int, seconds: float = 20) -> bool:
    """Whether the backend ``pid`` comes to wait for a lock within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = observer.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
        if row and row[0] == "Lock":
            return True
        time.sleep(0.02)
    return False


def locks_while_waiting(url: str, sql: str, relations: tuple[str, ...]) -> dict[str, str]:
    """Locks of a statement that cannot run in a transaction (CONCURRENTLY), read while it waits.

    A concurrent index build or drop takes its table lock first, then waits for the
    transactions already writing the table; that wait is where its locks are read.
    """
    result: dict[str, str] = {}
    with blocked_by_writer(url) as writer, connect(url, autocommit=True) as session, \
            connect(url, autocommit=True) as observer:
        pid = session.info.backend_pid
        thread, errors = in_background(session, sql)
        if waits_for_lock(observer, pid):
            result = held(observer, pid, relations)
            # while it waits, another session can still write the table
            observer.execute("SET lock_timeout = '2s'")
            observer.execute("INSERT INTO child (id, amount) VALUES (%s, 1)", (ROWS + 1,))
            observer.execute("DELETE FROM child WHERE id = %s", (ROWS + 1,))
        writer.rollback()
        thread.join(30)
    assert not errors, errors
    assert result, f"{sql!r} never waited for the open writer"
    return result


def writes_blocked(url: str, sql: str, probe: str = "INSERT INTO child (id, amount) VALUES (99999, 1)") -> bool:
    """Whether another session's write waits while ``sql``'s transaction is open."""
    with connect(url) as session, connect(url, autocommit=True) as other:
        session.execute(sql)
        other.execute("SET lock_timeout = '300ms'")
        try:
            other.execute(probe)
        except psycopg.errors.LockNotAvailable:
            return True
        finally:
            session.rollback()
        other.execute("DELETE FROM child WHERE id = 99999")
        return False


# The revisions below set a lock_timeout first, as MG211's page recommends: each test is about one rule's claim,
# and MG211 (measured on its own below) would otherwise join every set of codes.
TIMEOUT = "    op.execute(\"SET LOCAL lock_timeout = '5s'\")\n"


def codes(sql: str, settings: Settings | None = None) -> set[str]:
    """The MG2xx/MG3xx codes the linter reports for ``op.execute(sql)`` in an upgrade."""
    source = f'from alembic import op\ndef upgrade():\n{TIMEOUT}    op.execute("""{sql}""")\n'
    report = lint_sources([("alembic/versions/0001_x.py", source.encode())], settings or Settings())
    return {f.code for f in report.findings if f.code[2] in "23"}


def codes_in_autocommit(sql: str) -> set[str]:
    source = ('from alembic import op\ndef upgrade():\n    with op.get_context().autocommit_block():\n'
              f'        op.execute("SET lock_timeout = \'5s\'")\n        op.execute("""{sql}""")\n')
    report = lint_sources([("alembic/versions/0001_x.py", source.encode())], Settings())
    return {f.code for f in report.findings if f.code[2] in "23"}


# -- MG201 ---------------------------------------------------------------------------------------------------

def test_mg201_create_index_takes_share_lock_and_blocks_writes(db):
    sql = "CREATE INDEX ix_child_email ON child (email)"
    assert codes(sql) == {"MG201"}
    assert locks_of(db, sql, ("child",)) == {"child": "ShareLock"}
    assert writes_blocked(db, sql)


def test_mg201_concurrently_takes_share_update_exclusive_and_lets_writes_through(db):
    sql = "CREATE INDEX CONCURRENTLY ix_child_email ON child (email)"
    assert codes_in_autocommit(sql) == set()
    assert locks_while_waiting(db, sql, ("child",)) == {"child": "ShareUpdateExclusiveLock"}


# -- MG202 ---------------------------------------------------------------------------------------------------

def test_mg202_drop_index_takes_access_exclusive_on_the_table(db):
    sql = "DROP INDEX ix_child_amount"
    assert codes(sql) == {"MG202"}
    assert locks_of(db, sql, ("child", "ix_child_amount")) == {
        "child": "AccessExclusiveLock", "ix_child_amount": "AccessExclusiveLock"}
    assert writes_blocked(db, sql, probe="SELECT count(*) FROM child")  # even reads wait


def test_mg202_drop_index_concurrently_takes_share_update_exclusive(db):
    sql = "DROP INDEX CONCURRENTLY ix_child_amount"
    assert codes_in_autocommit(sql) == set()
    assert locks_while_waiting(db, sql, ("child",)) == {"child": "ShareUpdateExclusiveLock"}


# -- MG203 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sql,message", [
    ("CREATE INDEX CONCURRENTLY ix_child_email ON child (email)",
     "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"),
    ("DROP INDEX CONCURRENTLY ix_child_amount", "DROP INDEX CONCURRENTLY cannot run inside a transaction block"),
])
def test_mg203_concurrently_inside_a_transaction_is_rejected(db, sql, message):
    assert codes(sql) == {"MG203"}
    with connect(db) as session:  # psycopg opens a transaction, as Alembic does for a revision
        with pytest.raises(psycopg.errors.ActiveSqlTransaction, match=message):
            session.execute(sql)
        session.rollback()
    assert codes_in_autocommit(sql) == set()
    with connect(db, autocommit=True) as session:  # what autocommit_block() does
        session.execute(sql)


def test_mg203_commit_idiom_fails_with_psycopg3(db):
    """``op.execute("COMMIT")`` before the build: psycopg 3 opens a new transaction, so it is still reported."""
    sql = "CREATE INDEX CONCURRENTLY ix_child_email ON child (email)"
    source = f'from alembic import op\ndef upgrade():\n    op.execute("COMMIT")\n    op.execute("{sql}")\n'
    report = lint_sources([("alembic/versions/0001_x.py", source.encode())], Settings())
    assert [f.code for f in report.findings if f.code.startswith("MG2")] == ["MG203"]
    with connect(db) as session:
        session.execute("SELECT 1")
        session.execute("COMMIT")
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            session.execute(sql)
        session.rollback()


# -- MG204 ---------------------------------------------------------------------------------------------------

FK = "ALTER TABLE child ADD CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)"


def test_mg204_foreign_key_takes_share_row_exclusive_on_both_tables(db):
    assert codes(FK) == {"MG204"}
    assert locks_of(db, FK, ("child", "parent")) == {"child": "ShareRowExclusiveLock",
                                                      "parent": "ShareRowExclusiveLock"}
    assert writes_blocked(db, FK, probe="INSERT INTO parent VALUES (99999, 'x')")


def test_mg204_add_column_with_foreign_key_locks_the_table_exclusively(db):
    sql = "ALTER TABLE child ADD COLUMN owner_id bigint REFERENCES parent (id)"
    assert codes(sql) == {"MG204"}
    assert locks_of(db, sql, ("child", "parent")) == {"child": "AccessExclusiveLock",
                                                       "parent": "ShareRowExclusiveLock"}


def test_mg204_not_valid_then_validate_takes_weaker_locks(db):
    sql = FK + " NOT VALID"
    assert codes(sql) == set()
    assert locks_of(db, sql, ("child", "parent")) == {"child": "ShareRowExclusiveLock",
                                                       "parent": "ShareRowExclusiveLock"}
    validate = "ALTER TABLE child VALIDATE CONSTRAINT fk_child_parent"
    assert codes(validate) == set()
    assert locks_of(db, validate, ("child", "parent"), before=sql) == {"child": "ShareUpdateExclusiveLock",
                                                                        "parent": "RowShareLock"}
    assert not writes_blocked(db, validate)
    assert not writes_blocked(db, validate, probe="INSERT INTO parent VALUES (99999, 'x')")


# -- MG205 ---------------------------------------------------------------------------------------------------

CHECK = "ALTER TABLE child ADD CONSTRAINT ck_child_amount CHECK (amount >= 0)"


def test_mg205_check_takes_access_exclusive(db):
    assert codes(CHECK) == {"MG205"}
    assert locks_of(db, CHECK, ("child",)) == {"child": "AccessExclusiveLock"}
    assert writes_blocked(db, CHECK, probe="SELECT count(*) FROM child")


def test_mg205_not_valid_then_validate_takes_share_update_exclusive(db):
    assert codes(CHECK + " NOT VALID") == set()
    validate = "ALTER TABLE child VALIDATE CONSTRAINT ck_child_amount"
    assert locks_of(db, validate, ("child",), before=CHECK + " NOT VALID") == {"child": "ShareUpdateExclusiveLock"}
    assert not writes_blocked(db, validate)


# -- MG206 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "ALTER TABLE child ADD CONSTRAINT uq_child_email UNIQUE (email)",
    "ALTER TABLE parent DROP CONSTRAINT parent_pkey, ADD CONSTRAINT parent_pkey PRIMARY KEY (id)",
    "ALTER TABLE child ADD COLUMN handle text UNIQUE",
])
def test_mg206_unique_constraint_builds_its_index_under_access_exclusive(db, sql):
    table = "parent" if "parent" in sql else "child"
    assert "MG206" in codes(sql)
    assert locks_of(db, sql, (table,)) == {table: "AccessExclusiveLock"}


def test_mg206_concurrent_unique_index_then_using_index(db):
    build = "CREATE UNIQUE INDEX CONCURRENTLY uq_child_email ON child (email)"
    assert codes_in_autocommit(build) == set()
    assert locks_while_waiting(db, build, ("child",)) == {"child": "ShareUpdateExclusiveLock"}
    attach = "ALTER TABLE child ADD CONSTRAINT uq_child_email UNIQUE USING INDEX uq_child_email"
    assert codes(attach) == set()
    with connect(db) as session:
        index = session.execute("SELECT 'uq_child_email'::regclass::oid").fetchone()[0]
        session.execute(attach)  # still ACCESS EXCLUSIVE, but it builds nothing: the index is reused
        used = session.execute("SELECT conindid FROM pg_constraint WHERE conname = 'uq_child_email'").fetchone()[0]
        session.rollback()
    assert used == index


# -- MG207 ---------------------------------------------------------------------------------------------------

def _debug_messages(session: psycopg.Connection) -> list[str]:
    messages: list[str] = []
    session.add_notice_handler(lambda diag: messages.append(diag.message_primary or ""))
    session.execute("SET client_min_messages = debug1")
    return messages


def test_mg207_set_not_null_scans_under_access_exclusive(db):
    sql = "ALTER TABLE child ALTER COLUMN email SET NOT NULL"
    assert codes(sql) == {"MG207"}
    assert locks_of(db, sql, ("child",)) == {"child": "AccessExclusiveLock"}
    with connect(db) as session:
        messages = _debug_messages(session)
        session.execute(sql)
        session.rollback()
    assert not any("sufficient to prove" in m for m in messages), messages  # no proof: every row is read


def test_mg207_validated_check_lets_set_not_null_skip_the_scan(db):
    add = "ALTER TABLE child ADD CONSTRAINT ck_email_nn CHECK (email IS NOT NULL) NOT VALID"
    validate = "ALTER TABLE child VALIDATE CONSTRAINT ck_email_nn"
    assert codes(add) == set()
    assert locks_of(db, validate, ("child",), before=add) == {"child": "ShareUpdateExclusiveLock"}
    with connect(db, autocommit=True) as session:
        session.execute(validate)
    with connect(db) as session:
        messages = _debug_messages(session)
        session.execute("ALTER TABLE child ALTER COLUMN email SET NOT NULL")
        session.rollback()
    assert any("sufficient to prove that it does not contain nulls" in m for m in messages), messages


# -- MG208 ---------------------------------------------------------------------------------------------------

def test_mg208_required_column_fails_on_a_populated_table(db):
    sql = "ALTER TABLE child ADD COLUMN status text NOT NULL"
    assert codes(sql) == {"MG208"}
    with connect(db) as session:
        with pytest.raises(psycopg.errors.NotNullViolation, match='column "status" of relation "child" contains null'):
            session.execute(sql)
        session.rollback()


def test_mg208_constant_server_default_works_without_rewrite(db):
    sql = "ALTER TABLE child ADD COLUMN status text NOT NULL DEFAULT 'pending'"
    assert codes(sql) == set()
    assert not rewrites(db, sql)


# -- MG209 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "ALTER TABLE child ADD COLUMN public_id uuid DEFAULT gen_random_uuid()",
    "ALTER TABLE child ADD COLUMN r float8 DEFAULT random()",
    "ALTER TABLE child ADD COLUMN seq bigserial",
    "ALTER TABLE child ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE child ADD COLUMN doubled int GENERATED ALWAYS AS (amount * 2) STORED",
])
def test_mg209_volatile_default_rewrites_the_table_under_access_exclusive(db, sql):
    assert codes(sql) == {"MG209"}
    assert rewrites(db, sql)
    assert locks_of(db, sql, ("child",)) == {"child": "AccessExclusiveLock"}


@pytest.mark.parametrize("sql", [
    "ALTER TABLE child ADD COLUMN n int DEFAULT 0",
    "ALTER TABLE child ADD COLUMN seen_at timestamptz DEFAULT now()",
    "ALTER TABLE child ADD COLUMN public_id uuid",
])
def test_mg209_constant_or_stable_default_does_not_rewrite(db, sql):
    assert codes(sql) == set()
    assert not rewrites(db, sql)


def test_mg209_setting_a_volatile_default_on_an_existing_column_does_not_rewrite(db):
    sql = "ALTER TABLE child ALTER COLUMN note SET DEFAULT gen_random_uuid()::text"
    assert codes(sql) == set()
    assert not rewrites(db, sql)


# -- MG210 ---------------------------------------------------------------------------------------------------

def test_mg210_type_change_rewrites_under_access_exclusive(db):
    sql = "ALTER TABLE child ALTER COLUMN amount TYPE bigint"
    assert codes(sql) == {"MG210"}
    assert rewrites(db, sql)
    assert locks_of(db, sql, ("child",)) == {"child": "AccessExclusiveLock"}


def test_mg210_binary_compatible_change_locks_but_does_not_rewrite(db):
    sql = "ALTER TABLE child ALTER COLUMN label TYPE text"
    assert codes(sql) == {"MG210"}  # the linter cannot know the old type: the docs say to bypass with a reason
    assert not rewrites(db, sql)
    assert locks_of(db, sql, ("child",)) == {"child": "AccessExclusiveLock"}


# -- MG3xx lock side ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("sql,code", [
    ("ALTER TABLE child RENAME TO kid", "MG301"),
    ("ALTER TABLE child RENAME COLUMN note TO remark", "MG302"),
])
def test_mg301_mg302_renames_take_access_exclusive(db, sql, code):
    assert codes(sql) == {code}
    # the observer reads the committed catalog, where the table is still called child
    assert locks_of(db, sql, ("child", "kid")) == {"child": "AccessExclusiveLock"}


def test_mg303_drop_view_takes_access_exclusive_on_the_view(db):
    sql = "DROP MATERIALIZED VIEW mv_child"
    assert codes(sql) == {"MG303"}
    assert locks_of(db, sql, ("mv_child",)) == {"mv_child": "AccessExclusiveLock"}


def test_mg305_update_all_locks_every_row(db):
    sql = "UPDATE child SET note = 'x'"
    assert codes(sql) == {"MG305"}
    with connect(db) as session, connect(db, autocommit=True) as other:
        session.execute(sql)
        free = other.execute("SELECT count(*) FROM (SELECT id FROM child FOR UPDATE SKIP LOCKED) s").fetchone()[0]
        session.rollback()
    assert free == 0
    filtered = "UPDATE child SET note = 'x' WHERE id <= 10"
    assert codes(filtered) == set()
    with connect(db) as session, connect(db, autocommit=True) as other:
        session.execute(filtered)
        free = other.execute("SELECT count(*) FROM (SELECT id FROM child FOR UPDATE SKIP LOCKED) s").fetchone()[0]
        session.rollback()
    assert free == ROWS - 10


# -- MG210 classification: every claim of validator/rules/_type_change.py, by relfilenode ------------------------

TYPED = f"""
DROP TABLE IF EXISTS typed;
CREATE TABLE typed (id int PRIMARY KEY, v varchar(20), t text, n numeric(10,2), i int, ts timestamp);
INSERT INTO typed SELECT g, 'v' || g, 't' || g, g / 7.0, g, now() FROM generate_series(1, {ROWS}) g;
CREATE INDEX ix_typed_v ON typed (v);
"""


def alter_column_codes(column: str, old: str, new: str) -> set[str]:
    source = ("from alembic import op\nimport sqlalchemy as sa\ndef upgrade():\n"
              f'    op.alter_column("typed", "{column}", type_={new}, existing_type={old})\n')
    report = lint_sources([("alembic/versions/0001_x.py", source.encode())], Settings())
    return {f.code for f in report.findings}


@pytest.mark.parametrize("column,old,new,sql_type,rewritten", [
    ("v", "sa.String(20)", "sa.String(40)", "varchar(40)", False),
    ("v", "sa.String(20)", "sa.Text()", "text", False),
    ("v", "sa.String(20)", "sa.String()", "varchar", False),
    ("v", "sa.String(20)", "sa.String(10)", "varchar(10)", True),
    ("t", "sa.Text()", "sa.String()", "varchar", False),
    ("t", "sa.Text()", "sa.String(100)", "varchar(100)", True),
    ("n", "sa.Numeric(10, 2)", "sa.Numeric(12, 2)", "numeric(12,2)", False),
    ("n", "sa.Numeric(10, 2)", "sa.Numeric()", "numeric", False),
    ("n", "sa.Numeric(10, 2)", "sa.Numeric(12, 4)", "numeric(12,4)", True),
    ("i", "sa.Integer()", "sa.BigInteger()", "bigint", True),
    ("i", "sa.Integer()", "sa.Integer()", "integer", False),
])
def test_mg210_classification_matches_relfilenode(db, column, old, new, sql_type, rewritten):
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(TYPED)
    sql = f"ALTER TABLE typed ALTER COLUMN {column} TYPE {sql_type}"
    assert rewrites(db, sql, "typed") is rewritten
    assert ("MG210" in alter_column_codes(column, old, new)) is rewritten


@pytest.mark.parametrize("timezone,rewritten", [("UTC", False), ("Europe/Paris", True)])
def test_mg210_timestamp_to_timestamptz_depends_on_the_session_time_zone(db, timezone, rewritten):
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(TYPED)
    sql = f"SET LOCAL TimeZone = '{timezone}'; ALTER TABLE typed ALTER COLUMN ts TYPE timestamptz"
    assert rewrites(db, sql, "typed") is rewritten
    assert "MG210" in alter_column_codes("ts", "sa.DateTime()", "sa.DateTime(timezone=True)")  # unknown: reported


# -- MG212 to MG217 -----------------------------------------------------------------------------------------

def behind_reader(url: str, sql: str, relation: str, while_waiting: str = "") -> tuple[dict[str, str], str | None]:
    """The locks a statement that cannot run in a transaction (VACUUM, ... CONCURRENTLY) holds and asks for.

    A reader holds ACCESS SHARE on ``relation`` in an open transaction, so the statement
    waits: for a conflicting lock (its request in ``pg_locks`` names the mode) or for the
    reader's transaction to end (then it holds what it took so far). Both are read while
    it waits, and ``while_waiting`` runs in a third session (with a 2 s lock_timeout) then;
    returns (granted modes on ``relation``, the mode it waits for or None).
    """
    with connect(url) as reader, connect(url, autocommit=True) as session, \
            connect(url, autocommit=True) as observer:
        reader.execute(f"SELECT 1 FROM {relation} LIMIT 1")
        pid = session.info.backend_pid
        thread, errors = in_background(session, sql)
        waiting = waits_for_lock(observer, pid)
        granted = held(observer, pid, (relation,))
        row = observer.execute(
            "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND NOT l.granted AND c.relname = %s", (pid, relation)).fetchone()
        if waiting and while_waiting:
            observer.execute("SET lock_timeout = '2s'")
            observer.execute(while_waiting)
        reader.rollback()
        thread.join(30)
    assert not errors, errors
    assert waiting, f"{sql!r} never waited for the open reader"
    return granted, row[0] if row else None


def test_mg212_reindex_blocks_writes_and_locks_the_index_exclusively(db):
    sql = "REINDEX INDEX ix_child_amount"
    assert codes(sql) == {"MG212"}
    assert locks_of(db, sql, ("child", "ix_child_amount")) == {
        "child": "ShareLock", "ix_child_amount": "AccessExclusiveLock"}
    assert writes_blocked(db, sql)


def test_mg212_reindex_concurrently_takes_share_update_exclusive(db):
    sql = "REINDEX INDEX CONCURRENTLY ix_child_amount"
    assert codes(sql) == {"MG203"}  # refused inside the revision's transaction
    with connect(db) as session:
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            session.execute(sql)
        session.rollback()
    assert codes_in_autocommit(sql) == set()
    assert locks_while_waiting(db, sql, ("child",)) == {"child": "ShareUpdateExclusiveLock"}


PARTITIONED = """
DROP TABLE IF EXISTS events;
CREATE TABLE events (at date NOT NULL, n int) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT date '2023-01-01' + g % 700, g FROM generate_series(1, 2000) g;
"""


def test_mg213_detach_partition_locks_the_partitioned_table_exclusively(db):
    with connect(db, autocommit=True) as conn:
        conn.execute(PARTITIONED)
    sql = "ALTER TABLE events DETACH PARTITION events_2023"
    assert codes(sql) == {"MG213"}
    assert locks_of(db, sql, ("events", "events_2023")) == {
        "events": "AccessExclusiveLock", "events_2023": "AccessExclusiveLock"}


def test_mg213_detach_concurrently_lets_reads_through_outside_a_transaction(db):
    with connect(db, autocommit=True) as conn:
        conn.execute(PARTITIONED)
    sql = "ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY"
    assert codes(sql) == {"MG203"}
    with connect(db) as session:
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            session.execute(sql)
        session.rollback()
    assert codes_in_autocommit(sql) == set()
    # while it waits for a reader of the partitioned table to finish, others still read and write it
    probe = "SELECT count(*) FROM events; INSERT INTO events VALUES ('2024-06-01', 1)"
    assert behind_reader(db, sql, "events", while_waiting=probe)[1] is None


EXCLUDE = "ALTER TABLE child ADD CONSTRAINT ex_child_email EXCLUDE USING btree (email WITH =)"


def test_mg214_exclusion_constraint_takes_access_exclusive_and_has_no_not_valid(db):
    assert codes(EXCLUDE) == {"MG214"}
    assert locks_of(db, EXCLUDE, ("child",)) == {"child": "AccessExclusiveLock"}
    with connect(db) as session:
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="cannot be marked NOT VALID"):
            session.execute(EXCLUDE + " NOT VALID")
        session.rollback()


def test_mg215_cluster_rewrites_under_access_exclusive(db):
    sql = "CLUSTER child USING child_pkey"
    assert codes(sql) == {"MG215"}
    assert rewrites(db, sql)
    assert locks_of(db, sql, ("child",)) == {"child": "AccessExclusiveLock"}


def test_mg215_vacuum_full_rewrites_under_access_exclusive(db):
    sql = "VACUUM FULL child"
    assert codes_in_autocommit(sql) == {"MG215"}
    assert codes_in_autocommit("VACUUM child") == set()
    with connect(db) as session:
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            session.execute(sql)
        session.rollback()
    with connect(db, autocommit=True) as session:
        old = filenode(session, "child")
        session.execute(sql)
        assert filenode(session, "child") != old
    assert behind_reader(db, sql, "child") == ({}, "AccessExclusiveLock")
    with connect(db) as reader, connect(db, autocommit=True) as session:  # a plain VACUUM does not wait for readers
        reader.execute("SELECT 1 FROM child LIMIT 1")
        session.execute("SET lock_timeout = '2s'")
        session.execute("VACUUM child")
        reader.rollback()


def test_mg216_refresh_blocks_readers_of_the_view(db):
    sql = "REFRESH MATERIALIZED VIEW mv_child"
    assert codes(sql) == {"MG216"}
    assert locks_of(db, sql, ("mv_child",)) == {"mv_child": "AccessExclusiveLock"}
    assert writes_blocked(db, sql, probe="SELECT count(*) FROM mv_child")


def test_mg216_refresh_concurrently_lets_readers_through(db):
    with connect(db, autocommit=True) as conn:
        conn.execute("CREATE UNIQUE INDEX ux_mv_child_bucket ON mv_child (bucket)")
    sql = "REFRESH MATERIALIZED VIEW CONCURRENTLY mv_child"
    assert codes(sql) == set()
    assert locks_of(db, sql, ("mv_child",)) == {"mv_child": "ExclusiveLock"}
    assert not writes_blocked(db, sql, probe="SELECT count(*) FROM mv_child")


def test_mg217_new_enum_value_used_in_its_transaction_fails(db):
    with connect(db, autocommit=True) as conn:
        conn.execute("DROP TYPE IF EXISTS child_state; CREATE TYPE child_state AS ENUM ('open', 'closed')")
        conn.execute("ALTER TABLE child ADD COLUMN state child_state")
    add = "ALTER TYPE child_state ADD VALUE 'archived'"
    use = "UPDATE child SET state = 'archived' WHERE id = 1"
    source = f'from alembic import op\ndef upgrade():\n    op.execute("{add}")\n    op.execute("{use}")\n'
    report = lint_sources([("alembic/versions/0001_x.py", source.encode())], Settings())
    assert [(f.code, f.line) for f in report.findings] == [("MG217", 4)]
    with connect(db) as session:
        session.execute(add)
        with pytest.raises(psycopg.errors.UnsafeNewEnumValueUsage, match='unsafe use of new value "archived"'):
            session.execute(use)
        session.rollback()
    safe = ('from alembic import op\ndef upgrade():\n    with op.get_context().autocommit_block():\n'
            f'        op.execute("{add}")\n    op.execute("{use}")\n')
    assert lint_sources([("alembic/versions/0001_x.py", safe.encode())], Settings()).findings == ()
    with connect(db, autocommit=True) as session:  # what autocommit_block() does
        session.execute(add)
    with connect(db) as session:
        session.execute(use)
        session.commit()


# -- MG211 ----------------------------------------------------------------------------------------------------

def test_mg211_waiting_alter_queues_every_reader_and_lock_timeout_ends_the_wait(db):
    alter = "ALTER TABLE child ADD COLUMN remark text"
    enabled = Settings()  # on by default
    source = f'from alembic import op\ndef upgrade():\n    op.execute("{alter}")\n'
    report = lint_sources([("alembic/versions/0001_x.py", source.encode())], enabled)
    assert [(f.code, f.line) for f in report.findings] == [("MG211", 3)]
    safe = f'from alembic import op\ndef upgrade():\n    op.execute("SET LOCAL lock_timeout = \'200ms\'")\n' \
           f'    op.execute("{alter}")\n'
    assert lint_sources([("alembic/versions/0001_x.py", safe.encode())], enabled).findings == ()

    with connect(db) as long_reader, connect(db) as migration, connect(db, autocommit=True) as app:
        long_reader.execute("SELECT count(*) FROM child")  # a report still running: ACCESS SHARE held
        thread = threading.Thread(target=lambda: migration.execute(alter))
        thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not app.execute(
                "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = %s AND NOT l.granted "
                "AND c.relname = 'child' AND l.mode = 'AccessExclusiveLock'", (migration.info.backend_pid,)).fetchone():
            time.sleep(0.02)
        app.execute("SET lock_timeout = '300ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            app.execute("SELECT id FROM child WHERE id = 1")  # a one-row read now queues behind the ALTER
        long_reader.rollback()
        thread.join(30)
        migration.rollback()

    with connect(db) as long_reader, connect(db) as migration, connect(db, autocommit=True) as app:
        long_reader.execute("SELECT count(*) FROM child")
        migration.execute("SET LOCAL lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable, match="lock timeout"):
            migration.execute(alter)  # gives up instead of queueing the application behind it
        migration.rollback()
        app.execute("SET lock_timeout = '300ms'")
        assert app.execute("SELECT id FROM child WHERE id = 1").fetchone() == (1,)
        long_reader.rollback()


@pytest.mark.parametrize("pattern,kept", [("connect option", True), ("SET, committed", True),
                                           ("SET, uncommitted", False)])
def test_mg211_page_env_py_patterns_run_the_revision_under_the_timeout(db, pattern, kept):
    """What the page says of each env.py pattern, with Alembic on SQLAlchemy 2: the revision runs with the
    timeout in force, and only an uncommitted SET loses it (Alembic takes the SET's transaction for the
    caller's own and leaves it to the connection's close, which rolls it back)."""
    import sqlalchemy as sa
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    url = db.replace("postgresql://", "postgresql+psycopg://", 1)
    options = {"options": "-c lock_timeout=5s"} if pattern == "connect option" else {}
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args=options)
    try:
        with engine.connect() as connection:
            if pattern != "connect option":
                connection.execute(sa.text("SET lock_timeout = '5s'"))
            if pattern == "SET, committed":
                connection.commit()
            context = MigrationContext.configure(connection)
            with context.begin_transaction():
                Operations(context).add_column("child", sa.Column("remark", sa.Text))
                in_force = connection.execute(sa.text("SHOW lock_timeout")).scalar()
    finally:
        engine.dispose()
    assert in_force == "5s"
    with connect(db) as check:
        columns = {row[0] for row in check.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'child'::regclass AND attnum > 0")}
    assert ("remark" in columns) is kept


# -- MG501 to MG504 (design, off by default): what the types do, measured ------------------------------------

DESIGN = from_table({"enable": ["prefer-bigint-primary-key", "prefer-identity", "prefer-timestamptz", "prefer-text"]})


def design_codes(sql: str) -> set[str]:
    source = f'from alembic import op\ndef upgrade():\n    op.execute("""{sql}""")\n'
    report = lint_sources([("alembic/versions/0001_x.py", source.encode())], DESIGN)
    return {f.code for f in report.findings if f.code.startswith("MG5")}


def test_mg501_a_serial_key_runs_out_and_widening_it_rewrites(db):
    create = "CREATE TABLE counters (id serial PRIMARY KEY, n int)"
    assert design_codes(create) == {"MG501", "MG502"}
    assert design_codes("CREATE TABLE counters (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)") == set()
    with connect(db, autocommit=True) as conn:
        conn.execute(create)
        conn.execute("INSERT INTO counters (n) SELECT g FROM generate_series(1, 100) g")
        conn.execute("SELECT setval('counters_id_seq', 2147483647)")
        with pytest.raises(psycopg.errors.SequenceGeneratorLimitExceeded, match="reached maximum value"):
            conn.execute("INSERT INTO counters (n) VALUES (1)")
    widen = "ALTER TABLE counters ALTER COLUMN id TYPE bigint"
    assert rewrites(db, widen, "counters")
    assert locks_of(db, widen, ("counters",)) == {"counters": "AccessExclusiveLock"}


def test_mg502_an_explicit_id_collides_with_a_serial_and_an_identity_refuses_it(db):
    assert design_codes("CREATE TABLE s (id serial PRIMARY KEY)") == {"MG501", "MG502"}
    with connect(db, autocommit=True) as conn:
        conn.execute("CREATE TABLE s (id serial PRIMARY KEY)")
        conn.execute("INSERT INTO s (id) VALUES (1)")  # a data fix that supplies the id
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO s DEFAULT VALUES")  # the sequence still starts at 1
        conn.execute("CREATE TABLE i (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)")
        with pytest.raises(psycopg.errors.GeneratedAlways):
            conn.execute("INSERT INTO i (id) VALUES (1)")


def test_mg503_timestamp_stores_the_sessions_wall_clock(db):
    assert design_codes("CREATE TABLE stamps (naive timestamp, aware timestamptz)") == {"MG503"}
    with connect(db, autocommit=True) as conn:
        conn.execute("CREATE TABLE stamps (zone text, naive timestamp, aware timestamptz)")
        for zone in ("UTC", "Asia/Tokyo"):
            conn.execute(f"SET TimeZone = '{zone}'")
            # one instant, written from two sessions' time zones
            conn.execute("INSERT INTO stamps VALUES (%s, timestamptz '2026-01-01 12:00:00+00', "
                         "timestamptz '2026-01-01 12:00:00+00')", (zone,))
        conn.execute("SET TimeZone = 'UTC'")
        naive = conn.execute("SELECT count(DISTINCT naive), count(DISTINCT aware) FROM stamps").fetchone()
    assert naive == (2, 1)  # two different wall-clock values, one instant


def test_mg504_changing_a_varchar_limit_locks_and_lowering_it_rewrites(db):
    assert design_codes("ALTER TABLE child ADD COLUMN code varchar(8)") == {"MG504"}
    assert design_codes("ALTER TABLE child ADD COLUMN code text") == set()
    raise_limit = "ALTER TABLE child ALTER COLUMN label TYPE varchar(20)"
    assert locks_of(db, raise_limit, ("child",)) == {"child": "AccessExclusiveLock"}
    assert not rewrites(db, raise_limit)
    assert rewrites(db, "ALTER TABLE child ALTER COLUMN label TYPE varchar(5)")
    # text with a check: a new limit is added NOT VALID and validated under SHARE UPDATE EXCLUSIVE, no rewrite
    with connect(db, autocommit=True) as conn:
        conn.execute("ALTER TABLE child ALTER COLUMN note TYPE text")
    add = "ALTER TABLE child ADD CONSTRAINT ck_note_length CHECK (char_length(note) <= 40) NOT VALID"
    validate = "ALTER TABLE child VALIDATE CONSTRAINT ck_note_length"
    assert not rewrites(db, add)
    assert locks_of(db, validate, ("child",), before=add) == {"child": "ShareUpdateExclusiveLock"}
