"""A table drop lists the parts of the table the same revision drops, and only those."""
from __future__ import annotations

from migration_guard.config import Settings, from_table
from migration_guard.engine import lint_sources

SOURCE = '''from alembic import op
def upgrade():
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_index("ix_legacy_created_at", table_name="legacy")
    op.drop_constraint("fk_legacy_user", "legacy", type_="foreignkey")
    op.drop_column("legacy", "note")
    op.drop_table("legacy")
'''


def test_the_table_drop_lists_its_parts_in_file_order_with_their_codes():
    report = lint_sources([("alembic/versions/0001_drop_legacy.py", SOURCE.encode())], Settings())
    assert [(f.code, f.line) for f in report.findings] == [("MG101", 7)]
    assert report.findings[0].message == (
        "drops table legacy and every row in it, with its index ix_legacy_created_at (MG202), "
        "constraint fk_legacy_user (MG107), column note (MG102)")


def test_a_rule_turned_off_folds_nothing_in():
    settings = from_table({"disable": ["MG202"]})
    report = lint_sources([("alembic/versions/0001_drop_legacy.py", SOURCE.encode())], settings)
    assert "ix_legacy_created_at" not in report.findings[0].message


def test_the_lock_timeout_warning_on_a_part_folds_in_too():
    source = SOURCE.replace("    op.execute(\"SET LOCAL lock_timeout = '5s'\")\n", "")
    report = lint_sources([("alembic/versions/0001_drop_legacy.py", source.encode())], Settings())
    assert [(f.code, f.line) for f in report.findings] == [("MG101", 6)]
    assert report.findings[0].message == (
        "drops table legacy and every row in it, with its index ix_legacy_created_at (MG202, MG211), "
        "constraint fk_legacy_user (MG107), column note (MG102)")
