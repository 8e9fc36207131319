"""Bad input gets a finding at the right line, never a traceback; nothing is ever executed."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from migration_guard.config import Settings
from migration_guard.engine import lint_paths, lint_sources


def findings(data: bytes):
    report = lint_sources([("r.py", data)], Settings())
    return [(f.code, f.line) for f in report.findings]


def test_syntax_error_is_mg901_at_its_line() -> None:
    assert findings(b"from alembic import op\n\ndef upgrade(:\n    pass\n") == [("MG901", 3)]


def test_latin1_file_with_coding_line_is_read() -> None:
    source = "# -*- coding: latin-1 -*-\nfrom alembic import op\ndef upgrade():\n    op.drop_table('caf\xe9')\n"
    report = lint_sources([("r.py", source.encode("latin-1"))], Settings())
    assert [(f.code, f.line, f.message) for f in report.findings] == [
        ("MG101", 4, "drops table caf\xe9 and every row in it"),
        ("MG211", 4, "takes ACCESS EXCLUSIVE on caf\xe9 with no lock_timeout set in the revision or in env.py "
                     "(none found beside the versions folder): behind one long transaction, every query on it queues")]


def test_undecodable_byte_without_coding_line() -> None:
    assert findings(b"from alembic import op\ndef upgrade():\n    op.drop_table('caf\xe9')\n") == [("MG901", 3)]


def test_undecodable_byte_in_a_comment_is_read_as_importing_reads_it() -> None:
    # Alembic imports revisions (importlib compiles the bytes), which never decodes a comment
    data = b"from alembic import op\n# caf\xe9\ndef upgrade():\n    op.drop_table('t')\n"
    compile(data, "r.py", "exec")  # what importing the revision does: no error
    assert findings(data) == [("MG101", 4), ("MG211", 4)]


def test_unknown_coding_declaration() -> None:
    assert findings(b"# coding: klingon\nx = 1\n") == [("MG901", 1)]


def test_empty_and_whitespace_files_are_clean() -> None:
    assert findings(b"") == []
    assert findings(b"\n\n   \n") == []


def test_binary_file() -> None:
    assert findings(b"\x89PNG\r\n\x1a\n\x00\x00\x00") == [("MG901", 3)]


def test_missing_file_is_a_finding(tmp_path: Path) -> None:
    report = lint_paths([str(tmp_path / "gone.py")], Settings())
    assert [(f.code, f.line) for f in report.findings] == [("MG901", 1)]


def test_ten_megabyte_revision() -> None:
    # the bulk of a huge revision is usually data: a dump kept in a string, rows for bulk_insert
    rows = "".join(f"    ('{i:08d}', 'row {i} DROP TABLE in data is not SQL'),\n" for i in range(190_000))
    source = ("from alembic import op\nROWS = [\n" + rows + "]\n"
              "def upgrade():\n    op.bulk_insert(t, ROWS)\n    op.drop_table('x')\n")
    assert len(source) > 10_000_000
    report = lint_sources([("big.py", source.encode())], Settings())
    assert [(f.code, f.line) for f in report.findings] == [("MG101", 190_006), ("MG211", 190_006)]


def test_many_operations_in_one_revision() -> None:
    body = "".join(f"    op.add_column('t{i}', sa.Column('c', sa.Integer()))\n" for i in range(20_000))
    source = "from alembic import op\nimport sqlalchemy as sa\ndef upgrade():\n" + body + "    op.drop_table('x')\n"
    report = lint_sources([("many.py", source.encode())], Settings())
    assert [(f.code, f.line) for f in report.findings if f.code == "MG101"] == [("MG101", 20_004)]


def test_deeply_nested_expression_does_not_crash() -> None:
    source = "from alembic import op\ndef upgrade():\n    op.execute(" + "(" * 5000 + "'x'" + ")" * 5000 + ")\n"
    codes = {code for code, _ in findings(source.encode())}
    assert codes <= {"MG901", "MG904"} and codes


def test_lint_never_imports_the_revision(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    revision = tmp_path / "alembic" / "versions" / "0001_evil.py"
    revision.parent.mkdir(parents=True)
    revision.write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('imported')\n"
        "from alembic import op\n"
        "def upgrade():\n"
        f"    pathlib.Path({str(marker)!r}).write_text('upgraded')\n"
        "    op.drop_table('t')\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, "-m", "migration_guard", "lint", "--format", "json", str(revision)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert [f["code"] for f in json.loads(done.stdout)["findings"]] == ["MG101", "MG211"]
    assert not marker.exists()
