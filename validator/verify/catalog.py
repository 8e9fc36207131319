"""What verify reads from the PostgreSQL catalog (psycopg, imported by the caller)."""

from __future__ import annotations

from dataclasses import dataclass, field

_USER_NAMESPACE = """
    n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%'
"""

# Objects owned by an extension come and go with the extension, which is listed on its own.
_NOT_FROM_EXTENSION = """
    NOT EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = {catalog}::regclass AND d.objid = {oid} AND d.deptype = 'e')
"""

_KINDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "S": "sequence",
          "f": "foreign table", "c": "type"}

_OBJECTS_SQL = f"""
SELECT 'relation', c.relkind::text, n.nspname || '.' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c') AND {_USER_NAMESPACE}
  AND {_NOT_FROM_EXTENSION.format(catalog="'pg_class'", oid="c.oid")}
UNION ALL
SELECT 'type', t.typtype::text, n.nspname || '.' || t.typname
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype IN ('e', 'd', 'r', 'm') AND {_USER_NAMESPACE}
  AND {_NOT_FROM_EXTENSION.format(catalog="'pg_type'", oid="t.oid")}
UNION ALL
SELECT 'function', p.prokind::text, n.nspname || '.' || p.oid::regprocedure::text
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE {_USER_NAMESPACE} AND {_NOT_FROM_EXTENSION.format(catalog="'pg_proc'", oid="p.oid")}
UNION ALL
SELECT 'schema', '', n.nspname FROM pg_namespace n
WHERE {_USER_NAMESPACE} AND n.nspname <> 'public'
  AND {_NOT_FROM_EXTENSION.format(catalog="'pg_namespace'", oid="n.oid")}
UNION ALL
SELECT 'extension', '', e.extname FROM pg_extension e WHERE e.extname <> 'plpgsql'
UNION ALL
SELECT 'event trigger', '', t.evtname FROM pg_event_trigger t
"""

# Alembic's bookkeeping table survives "downgrade base" by design. Its name is configurable
# (version_table=...), so recognise it by shape too: a table whose only column is version_num.
_VERSION_TABLES_SQL = f"""
SELECT n.nspname || '.' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND {_USER_NAMESPACE}
  AND (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) = ARRAY['version_num']
"""

_MATVIEWS_SQL = f"""
SELECT c.oid, n.nspname, c.relname, c.relispopulated
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'm' AND {_USER_NAMESPACE}
ORDER BY n.nspname, c.relname
"""

# The conditions PostgreSQL itself applies before REFRESH ... CONCURRENTLY will use an index
# (is_usable_unique_index in src/backend/commands/matview.c): unique, btree, valid, immediate,
# no predicate, and only plain columns.
_UNIQUE_INDEXES_SQL = """
SELECT ic.relname,
       i.indisvalid, i.indimmediate, am.amname,
       i.indpred IS NOT NULL AS partial,
       (i.indexprs IS NOT NULL OR 0 = ANY (i.indkey::int2[])) AS has_expressions,
       pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE i.indrelid = %s AND i.indisunique
ORDER BY ic.relname
"""


@dataclass
class UniqueIndex:
    name: str
    definition: str
    problems: list[str]

    @property
    def usable(self) -> bool:
        return not self.problems


@dataclass
class MatView:
    schema: str
    name: str
    populated: bool
    unique_indexes: list[UniqueIndex] = field(default_factory=list)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def usable_index(self) -> str | None:
        return next((ix.name for ix in self.unique_indexes if ix.usable), None)

    def index_problem(self) -> str | None:
        if self.usable_index:
            return None
        if not self.unique_indexes:
            return "no unique index"
        reasons = "; ".join(f"{ix.name}: {', '.join(ix.problems)}" for ix in self.unique_indexes)
        return f"no unique index REFRESH CONCURRENTLY can use ({reasons})"


def snapshot(conn) -> set[tuple[str, str]]:
    """Every user-visible object in the database as (kind, name)."""
    rows = conn.execute(_OBJECTS_SQL).fetchall()
    out = set()
    for category, sub, name in rows:
        kind = _KINDS.get(sub, category) if category == "relation" else category
        out.add((kind, name))
    return out


def version_tables(conn) -> set[str]:
    return {row[0] for row in conn.execute(_VERSION_TABLES_SQL).fetchall()}


def user_relations(conn) -> list[str]:
    return sorted(name for kind, name in snapshot(conn)
                  if kind in ("table", "view", "materialized view", "sequence", "foreign table"))


def matviews(conn) -> list[MatView]:
    views = []
    for oid, schema, name, populated in conn.execute(_MATVIEWS_SQL).fetchall():
        view = MatView(schema, name, populated)
        for ixname, valid, immediate, am, partial, exprs, definition in conn.execute(
            _UNIQUE_INDEXES_SQL, (oid,)
        ).fetchall():
            problems = []
            if partial:
                problems.append("partial (has a WHERE clause)")
            if exprs:
                problems.append("indexes an expression")
            if am != "btree":
                problems.append(f"uses {am}, not btree")
            if not valid:
                problems.append("invalid")
            if not immediate:
                problems.append("deferrable")
            view.unique_indexes.append(UniqueIndex(ixname, definition, problems))
        views.append(view)
    return views
