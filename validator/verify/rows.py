"""``--with-data``: a few synthetic rows in every new table, and row counts around every revision.

Values are derived from each column's type, the literals of the CHECK constraints on it and the
rows of the tables its foreign keys reference; columns with a default, identity or generated
columns are left to PostgreSQL. Each row is tried a few ways, each attempt its own statement on
verify's autocommit connection, so a refused row costs nothing. A table no attempt can fill is
skipped and named, with PostgreSQL's last word on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROWS_PER_TABLE = 3
_ATTEMPTS = 4

_COLUMNS_SQL = """
SELECT a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
       coalesce(base.typname, t.typname), coalesce(base.typcategory, t.typcategory), coalesce(base.oid, t.oid),
       CASE WHEN coalesce(base.typname, t.typname) IN ('varchar', 'bpchar') AND a.atttypmod > 4
            THEN a.atttypmod - 4 END
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type base ON t.typtype = 'd' AND base.oid = t.typbasetype
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_ENUM_SQL = "SELECT enumlabel FROM pg_enum WHERE enumtypid = %s ORDER BY enumsortorder"

_CONSTRAINTS_SQL = """
SELECT co.contype::text, co.conkey, co.confrelid, co.confkey, pg_get_constraintdef(co.oid)
FROM pg_constraint co WHERE co.conrelid = %s AND co.contype IN ('c', 'f')
"""

_STRING_LITERAL = re.compile(r"'((?:[^']|'')*)'")
_NUMBER_LITERAL = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


@dataclass
class Column:
    name: str
    number: int
    type_sql: str
    not_null: bool
    defaulted: bool
    type_name: str
    category: str
    type_oid: int
    length: int | None
    labels: tuple[str, ...] = ()
    literals: tuple[str, ...] = ()
    references: tuple[int, int] | None = None  # (referenced table oid, referenced attnum)


def _value(col: Column, row: int, attempt: int) -> str | None:
    """A text literal PostgreSQL casts to the column's type; row-dependent so UNIQUE holds."""
    n = row + 1
    # Offset by the column's position: two columns drawing from one list (from_state, to_state) differ.
    if col.labels:
        return col.labels[(row + attempt + col.number) % len(col.labels)]
    if col.literals and attempt > 0:
        return col.literals[(row + attempt - 1 + col.number) % len(col.literals)]
    t, cat = col.type_name, col.category
    if t == "bool":
        return "true" if (row + attempt) % 2 == 0 else "false"
    if cat == "N":
        return str(n + attempt * 1000)
    if t == "uuid":
        return f"00000000-0000-4000-8000-{n + attempt * 1000:012d}"
    if t in ("json", "jsonb"):
        return f'{{"row": {n}}}'
    if t == "date" or t.startswith("timestamp"):
        return f"2025-01-{n:02d}"
    if t.startswith("time"):
        return f"12:00:{n:02d}"
    if t == "interval":
        return f"{n} days"
    if t == "bytea":
        return f"\\x{n:02x}"
    if cat == "A":
        return "{}"
    if cat == "I":
        return f"10.0.0.{n}"
    if cat == "V":
        return "1"
    text = f"{col.name}_{n}" if attempt == 0 else f"{n}"
    return text[-col.length:] if col.length else text


def _columns(conn, table_oid: int) -> list[Column]:
    columns = [Column(*row) for row in conn.execute(_COLUMNS_SQL, (table_oid,)).fetchall()]
    by_number = {c.number: c for c in columns}
    for c in columns:
        if c.category == "E":
            c.labels = tuple(r[0] for r in conn.execute(_ENUM_SQL, (c.type_oid,)).fetchall())
    for contype, conkey, confrelid, confkey, definition in conn.execute(_CONSTRAINTS_SQL, (table_oid,)).fetchall():
        for position, number in enumerate(conkey or ()):
            col = by_number.get(number)
            if col is None:
                continue
            if contype == "f":
                col.references = (confrelid, confkey[position])
            else:
                found = _STRING_LITERAL.findall(definition) if col.category == "S" else \
                    _NUMBER_LITERAL.findall(_STRING_LITERAL.sub("", definition))
                col.literals += tuple(v.replace("''", "'") for v in found)
    return columns


def _referenced_values(conn, column: Column) -> list:
    from psycopg import sql

    oid, number = column.references
    name = conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s AND attnum = %s",
                        (oid, number)).fetchone()
    if name is None:
        return []
    query = sql.SQL("SELECT DISTINCT {}::text FROM {} WHERE {} IS NOT NULL LIMIT %s").format(
        sql.Identifier(name[0]), _relation(conn, oid), sql.Identifier(name[0]))
    return [r[0] for r in conn.execute(query, (ROWS_PER_TABLE,)).fetchall()]


def _relation(conn, oid: int):
    from psycopg import sql

    schema, name = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = %s",
        (oid,)).fetchone()
    return sql.Identifier(schema, name)


def fill(conn, table_oid: int, wait_for_references: bool = True) -> tuple[int, str | None]:
    """Insert up to ROWS_PER_TABLE rows into a table; (rows inserted, why none could be when 0).

    While ``wait_for_references``, a table whose foreign key points at an empty table is not filled
    (its referenced table may be filled next); after that, a nullable foreign key gets NULL."""
    from psycopg import sql

    columns = [c for c in _columns(conn, table_oid) if not c.defaulted or c.references]
    foreign: dict[str, list] = {}
    for c in columns:
        if c.references:
            foreign[c.name] = _referenced_values(conn, c)
            if not foreign[c.name] and (c.not_null or wait_for_references):
                return 0, f"column {c.name} references a table with no rows"
    target = _relation(conn, table_oid)
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    casts = sql.SQL(", ").join(sql.SQL("%s::{}").format(sql.SQL(c.type_sql)) for c in columns)
    insert = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(target, names, casts) if columns else \
        sql.SQL("INSERT INTO {} DEFAULT VALUES").format(target)
    inserted, last_error = 0, None
    for row in range(ROWS_PER_TABLE):
        for attempt in range(_ATTEMPTS):
            values = [_foreign_value(foreign[c.name], row) if c.references else _value(c, row, attempt)
                      for c in columns]
            try:
                conn.execute(insert, values)
            except Exception as exc:
                diag = getattr(exc, "diag", None)
                last_error = (diag.message_primary if diag is not None and diag.message_primary else str(exc))
                continue
            inserted += 1
            break
    return inserted, None if inserted else last_error


def _foreign_value(values: list, row: int):
    return values[row % len(values)] if values else None


def counts(conn, tables: dict[int, tuple[str, str]]) -> dict[int, int]:
    """Exact row counts of the given tables (OID -> (schema, name)), in one round trip."""
    from psycopg import sql

    if not tables:
        return {}
    parts = [sql.SQL("SELECT {}::oid, count(*) FROM {}").format(sql.Literal(oid), sql.Identifier(*name))
             for oid, name in tables.items()]
    return {oid: n for oid, n in conn.execute(sql.SQL(" UNION ALL ").join(parts)).fetchall()}
