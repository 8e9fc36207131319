from migration_guard.github.diff import commentable_lines, placement

PATCH = """@@ -1,3 +1,4 @@
 import sqlalchemy as sa
-old = 1
+new = 1
+more = 2
 end = 3
@@ -20,2 +21,3 @@ def upgrade():
     op.add_column("t", sa.Column("c"))
+    op.drop_table("users")
\\ No newline at end of file"""


def test_right_side_lines_with_hunk_index():
    assert commentable_lines(PATCH) == {1: 0, 2: 0, 3: 0, 4: 0, 21: 1, 22: 1}


def test_missing_or_empty_patch_makes_nothing_commentable():
    assert commentable_lines(None) == {}
    assert commentable_lines("") == {}


def test_new_file_hunk_starting_at_one():
    assert commentable_lines("@@ -0,0 +1,2 @@\n+a\n+b\n") == {1: 0, 2: 0}


def test_single_line_hunk_header_without_counts():
    assert commentable_lines("@@ -3 +3 @@\n-x\n+y") == {3: 0}


def test_placement_range_in_one_hunk_single_line_or_none():
    lines = commentable_lines(PATCH)
    assert placement(lines, 2, 4) == {"start_line": 2, "start_side": "RIGHT", "line": 4, "side": "RIGHT"}
    assert placement(lines, 22, 22) == {"line": 22, "side": "RIGHT"}
    # a range across two hunks is not allowed: the first line carries it
    assert placement(lines, 4, 21) == {"line": 4, "side": "RIGHT"}
    assert placement(lines, 10, 21) == {"line": 21, "side": "RIGHT"}
    assert placement(lines, 10, 12) is None
