"""Matching what a revision destroyed to the findings lint made on it (no database needed)."""
from __future__ import annotations

from pathlib import Path

from migration_guard.config import Settings, from_table
from migration_guard.engine import lint_paths
from migration_guard.model import Finding, ObjectRef, Phase, Severity
from migration_guard.verify.coverage import cover, findings_by_revision, on_object
from migration_guard.verify.objects import CatalogObject, Destroyed, _attribute

REVISION = '''from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down!r}


def upgrade():
{body}


def downgrade():
    op.drop_column("orders", "kept")
'''


def write(tmp_path: Path, rev: str, body: str, down: str | None = None) -> str:
    path = tmp_path / f"{rev}.py"
    path.write_text(REVISION.format(rev=rev, down=down, body="\n".join("    " + line for line in body.splitlines())))
    return str(path)


def obj(kind: str, name: str, table: str | None = None, schema: str | None = "public", key: str = "",
        parents: tuple[str, ...] = ()) -> CatalogObject:
    return CatalogObject(kind, key or f"{kind}:{name}", schema, table, name, parents)


def finding(ref: ObjectRef | None, code: str = "MG102", line: int = 9, bypassed: bool = False) -> Finding:
    return Finding(code=code, rule="r", severity=Severity.ERROR, path="v.py", line=line, end_line=line, column=5,
                   phase=Phase.UPGRADE, message="m", statement="s", bypassed=bypassed,
                   bypass_reason="why" if bypassed else None, object=ref)


def test_each_destroyed_object_is_matched_to_the_finding_on_it(tmp_path):
    paths = {
        "v1": write(tmp_path, "v1", 'op.drop_column("orders", "note")  # CI:DESTRUCTIVE_OK moved to notes\n'
                                    'op.drop_constraint("orders_total_check", "orders")\n'
                                    'op.execute("DROP TABLE billing.invoices")'),
        "v2": write(tmp_path, "v2", 'op.drop_index("ix_orders_placed", table_name="orders")', down="v1"),
    }
    found = findings_by_revision(paths, Settings(downgrade="error"))
    # The downgrade's drop_column is a finding of the file, but not of what the upgrade destroyed.
    # MG211 (no lock_timeout, on the first statement) speaks for no object: it is not among them.
    assert [(f.code, f.line, f.bypassed) for f in found["v1"]] == [("MG102", 9, True), ("MG107", 10, False),
                                                                   ("MG101", 11, False)]
    entries = [
        Destroyed("v1", obj("column", "note", "orders"), "dropped"),
        Destroyed("v1", obj("constraint", "orders_total_check", "orders"), "dropped"),
        Destroyed("v1", obj("table", "invoices", "invoices", schema="billing"), "dropped"),
        Destroyed("v1", obj("table", "invoices", "invoices", schema="public"), "dropped"),  # another schema: not that one
        Destroyed("v1", obj("index", "ix_orders_placed", "orders"), "dropped"),  # dropped in v2, not v1
        Destroyed("v2", obj("index", "ix_orders_placed", "orders"), "dropped"),
        Destroyed("v2", obj("column", "note", "orders"), "dropped"),  # v2 has no finding on it
    ]
    cover(entries, found)
    got = [(e.revision, e.object.kind, e.object.schema, e.object.name,
            e.covered_by and (e.covered_by["code"], e.covered_by["line"], e.covered_by["bypassed"],
                              e.covered_by["reason"])) for e in entries]
    assert got == [
        ("v1", "column", "public", "note", ("MG102", 9, True, "moved to notes")),
        ("v1", "constraint", "public", "orders_total_check", ("MG107", 10, False, None)),
        ("v1", "table", "billing", "invoices", ("MG101", 11, False, None)),
        ("v1", "table", "public", "invoices", None),
        ("v1", "index", "public", "ix_orders_placed", None),
        ("v2", "index", "public", "ix_orders_placed", ("MG202", 9, False, None)),
        ("v2", "column", "public", "note", None),
    ]
    assert entries[0].covered_by["path"] == paths["v1"]


def test_a_lock_timeout_warning_on_a_drop_does_not_cover_it(tmp_path):
    paths = {"v1": write(tmp_path, "v1", 'op.drop_column("orders", "note")')}
    settings = from_table({"disable": ["drop-column"]})
    assert [f.code for f in lint_paths([paths["v1"]], settings).findings] == ["MG211"]  # it is reported
    entries = [Destroyed("v1", obj("column", "note", "orders"), "dropped")]
    cover(entries, findings_by_revision(paths, settings))
    assert entries[0].covered_by is None


def test_what_went_along_is_covered_by_what_took_it():
    column = obj("column", "status", "orders", key="a:1:3", parents=("c:1",))
    check = obj("constraint", "orders_status_check", "orders", key="o:9", parents=("n:1", "c:1", "a:1:3"))
    index = obj("index", "orders_status_idx", "orders", key="c:7", parents=("c:1", "a:1:3"))
    enum = obj("type", "mood", key="t:5", parents=("n:1",))
    feeling = obj("column", "feeling", "diary", key="a:2:2", parents=("c:2", "t:5"))
    entries = [Destroyed("r", o, "dropped") for o in (column, check, index, enum, feeling)]
    _attribute(entries)
    cover(entries, {"r": [finding(ObjectRef("column", None, "orders", "status"), bypassed=True)]})
    assert [e.went_with for e in entries] == [None, "column public.orders.status", "column public.orders.status",
                                              None, "type public.mood"]
    assert [e.covered_by and e.covered_by["code"] for e in entries] == ["MG102", "MG102", "MG102", None, None]


def test_names_match_as_postgresql_folds_them():
    orders = obj("table", "orders", "orders")
    assert on_object(finding(ObjectRef("table", None, "orders", "orders")), orders)
    assert on_object(finding(ObjectRef("table", "public", "ORDERS", "ORDERS")), orders)  # unquoted SQL
    assert not on_object(finding(ObjectRef("table", "audit", "orders", "orders")), orders)
    assert not on_object(finding(ObjectRef("view", None, None, "orders")), orders)
    assert not on_object(finding(None), orders)
    note = obj("column", "note", "orders")
    assert on_object(finding(ObjectRef("column", None, "orders", "note")), note)
    assert not on_object(finding(ObjectRef("column", None, "invoices", "note")), note)
    answer = obj("function", "answer(integer, text)")
    assert on_object(finding(ObjectRef("function", None, None, "answer")), answer)
    assert on_object(finding(ObjectRef("function", None, None, "answer(integer, text)")), answer)
    assert not on_object(finding(ObjectRef("function", None, None, "answers")), answer)
    assert on_object(finding(ObjectRef("schema", None, None, "billing")), obj("schema", "billing", schema="billing"))
