"""MG210 without existing_type=: the column's old type is read from the revisions before, on disk."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BASE = '''from alembic import op
import sqlalchemy as sa
revision = "0001"
down_revision = None
def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.String(20)),
                    sa.Column("bio", sa.String(length=100)))
    op.execute("CREATE TABLE orders (id int, total numeric(10, 2), code varchar(8))")
def downgrade():
    op.drop_table("orders")
    op.drop_table("users")
'''


def revision(number: int, body: str) -> str:
    return (f'from alembic import op\nimport sqlalchemy as sa\nrevision = "{number:04d}"\n'
            f'down_revision = "{number - 1:04d}"\ndef upgrade():\n{body}def downgrade():\n    pass\n')


def lint(root: Path, revisions: dict[str, str], *args: str) -> list[tuple[int, str]]:
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = alembic\n", encoding="utf-8")
    for name, text in revisions.items():
        (versions / name).write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "migration_guard", "lint", "--format", "json", *args],
                          capture_output=True, text=True, cwd=root)
    assert done.returncode in (0, 1), done.stderr
    return [(f["line"], f["message"]) for f in json.loads(done.stdout)["findings"] if f["code"] == "MG210"]


def test_old_types_come_from_the_revision_that_created_the_table(tmp_path: Path) -> None:
    found = lint(tmp_path, {"0001_base.py": BASE, "0002_types.py": revision(2, (
        '    op.alter_column("users", "name", type_=sa.String(40))\n'       # varchar(20) -> (40): no rewrite
        '    op.alter_column("users", "bio", type_=sa.String(50))\n'        # varchar(100) -> (50): rewrite
        '    op.alter_column("users", "id", type_=sa.BigInteger())\n'       # integer -> bigint: rewrite
        '    op.alter_column("orders", "total", type_=sa.Numeric(14, 2))\n'  # from SQL numeric(10,2): no rewrite
        '    op.alter_column("orders", "code", type_=sa.Text())\n'))})     # from SQL varchar(8): no rewrite
    assert found == [
        (7, "changes users.bio from varchar(100) to varchar(50): a rewrite of the table and its indexes under "
            "ACCESS EXCLUSIVE"),
        (8, "changes users.id from serial to bigint: a rewrite of the table and its indexes under ACCESS EXCLUSIVE"),
    ]


def test_the_latest_change_before_counts_and_an_explicit_path_reads_the_history_too(tmp_path: Path) -> None:
    revisions = {"0001_base.py": BASE,
                 "0002_widen.py": revision(2, '    op.execute("ALTER TABLE users ALTER COLUMN name TYPE varchar(30)")\n'),
                 "0003_more.py": revision(3, '    op.add_column("users", sa.Column("code", sa.String(10)))\n'),
                 "0004_types.py": revision(4, '    op.alter_column("users", "name", type_=sa.String(25))\n'
                                              '    op.alter_column("users", "code", type_=sa.String(12))\n')}
    expected = [(6, "changes users.name from varchar(30) to varchar(25): a rewrite of the table and its indexes "
                    "under ACCESS EXCLUSIVE")]
    assert lint(tmp_path, revisions) == expected
    assert lint(tmp_path, {}, "alembic/versions/0004_types.py") == expected


def test_a_rename_a_missing_revision_or_sql_built_at_run_time_leaves_the_type_unknown(tmp_path: Path) -> None:
    unknown = "the old type is unknown (no existing_type=), so it may rewrite the table"
    renamed = {"0001_base.py": BASE,
               "0002_rename.py": revision(2, '    op.alter_column("users", "name", new_column_name="full_name")\n'
                                             '    op.alter_column("users", "full_name", new_column_name="name")\n'),
               "0003_type.py": revision(3, '    op.alter_column("users", "name", type_=sa.String(40))\n')}
    assert lint(tmp_path / "renamed", renamed) == [(6, f"changes users.name to varchar(40) under ACCESS EXCLUSIVE; {unknown}")]
    orphan = {"0003_type.py": revision(3, '    op.alter_column("users", "name", type_=sa.String(40))\n')}
    assert lint(tmp_path / "orphan", orphan) == [(6, f"changes users.name to varchar(40) under ACCESS EXCLUSIVE; {unknown}")]
    built = {"0001_base.py": BASE,
             "0002_built.py": revision(2, '    import os\n'
                                          '    op.execute(f"ALTER TABLE {os.environ[\'T\']} ALTER COLUMN name TYPE text")\n'),
             "0003_type.py": revision(3, '    op.alter_column("users", "name", type_=sa.String(40))\n')}
    assert lint(tmp_path / "built", built)[1:] == [(6, f"changes users.name to varchar(40) under ACCESS EXCLUSIVE; {unknown}")]


def test_a_column_added_earlier_in_the_same_revision(tmp_path: Path) -> None:
    found = lint(tmp_path, {"0001_base.py": BASE, "0002_code.py": revision(2, (
        '    op.add_column("users", sa.Column("code", sa.String(10)))\n'
        '    op.alter_column("users", "code", type_=sa.Text())\n'
        '    op.alter_column("users", "code", type_=sa.Integer())\n'))})
    assert [line for line, _ in found] == [8]
