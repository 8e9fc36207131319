"""The catalog by PostgreSQL identity, and what a revision removed or replaced.

A name is not an identity: a table dropped and created again under the same name in one revision lost
its rows, and so did a column dropped and added back. Tables, columns and sequences are therefore
compared by OID and attribute number. Constraints, indexes, views, functions and types hold no data:
PostgreSQL itself rebuilds some of them under new OIDs (``ALTER COLUMN ... TYPE`` re-creates the
indexes and constraints on the column), so one that comes back under the same name with the same
definition is not reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

# Kinds whose contents are data (or other objects): a new identity is a loss even when the name and
# definition return.
IDENTITY_KINDS = frozenset({"table", "column", "sequence", "schema"})
KINDS = ("table", "column", "constraint", "index", "view", "materialized_view", "sequence", "type", "schema",
         "function", "extension")

_USER = """n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%'"""


def _not_from_extension(catalog: str, oid: str) -> str:
    # Objects owned by an extension come and go with it; the extension is listed on its own.
    return (f"NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{catalog}'::regclass "
            f"AND e.objid = {oid} AND e.deptype = 'e')")


# One round trip. Columns: kind, key, schema, table, name, parents (keys), definition, storage.
# Multirange types and the constructors of ranges are left out: PostgreSQL creates and drops them
# with their range type (an internal dependency).
# Keys: c:<pg_class oid>, a:<relid>:<attnum>, o:<constraint oid>, t:<type oid>, p:<proc oid>,
# n:<namespace oid>, e:<extension oid>. ``parents`` are the objects whose removal takes this one along.
_SNAPSHOT_SQL = f"""
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' WHEN 'S' THEN 'sequence'
       ELSE 'table' END,
       'c:' || c.oid, n.nspname,
       CASE WHEN c.relkind = 'S' THEN owner.relname ELSE c.relname END, c.relname,
       ARRAY['n:' || n.oid]
         || coalesce((SELECT array_agg('c:' || h.inhparent) FROM pg_inherits h WHERE h.inhrelid = c.oid), '{{}}')
         || coalesce((SELECT array_agg(DISTINCT CASE WHEN d.refobjsubid > 0
                                       THEN 'a:' || d.refobjid || ':' || d.refobjsubid ELSE 'c:' || d.refobjid END)
                      FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                      WHERE r.ev_class = c.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid),
                     '{{}}')
         || CASE WHEN owned.refobjid IS NULL THEN '{{}}'::text[]
                 ELSE ARRAY['c:' || owned.refobjid, 'a:' || owned.refobjid || ':' || owned.refobjsubid] END,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
       c.relfilenode::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend owned ON c.relkind = 'S' AND owned.classid = 'pg_class'::regclass AND owned.objid = c.oid
     AND owned.refclassid = 'pg_class'::regclass AND owned.deptype IN ('a', 'i')
LEFT JOIN pg_class owner ON owner.oid = owned.refobjid
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') AND {_USER} AND {_not_from_extension('pg_class', 'c.oid')}
UNION ALL
SELECT 'column', 'a:' || a.attrelid || ':' || a.attnum, n.nspname, c.relname, a.attname,
       ARRAY['c:' || c.oid, 't:' || a.atttypid] || CASE WHEN t.typelem <> 0 THEN ARRAY['t:' || t.typelem]
                                                   ELSE '{{}}'::text[] END,
       format_type(a.atttypid, a.atttypmod), c.relfilenode::text
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND {_USER}
  AND {_not_from_extension('pg_class', 'c.oid')}
UNION ALL
SELECT 'constraint', 'o:' || co.oid, n.nspname, c.relname, co.conname,
       ARRAY['n:' || n.oid]
         || CASE WHEN co.conrelid <> 0 THEN ARRAY['c:' || co.conrelid] ELSE '{{}}'::text[] END
         || CASE WHEN co.confrelid <> 0 THEN ARRAY['c:' || co.confrelid] ELSE '{{}}'::text[] END
         || CASE WHEN co.contypid <> 0 THEN ARRAY['t:' || co.contypid] ELSE '{{}}'::text[] END
         || coalesce((SELECT array_agg('a:' || co.conrelid || ':' || k) FROM unnest(co.conkey) k), '{{}}')
         || coalesce((SELECT array_agg('a:' || co.confrelid || ':' || k) FROM unnest(co.confkey) k), '{{}}'),
       pg_get_constraintdef(co.oid), co.contype::text
FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
LEFT JOIN pg_class c ON c.oid = co.conrelid
WHERE co.contype <> 'n' AND {_USER}
UNION ALL
SELECT 'index', 'c:' || i.indexrelid, n.nspname, c.relname, ic.relname,
       ARRAY['c:' || i.indrelid]
         || coalesce((SELECT array_agg('a:' || i.indrelid || ':' || k) FROM unnest(i.indkey::int2[]) k
                      WHERE k > 0), '{{}}')
         || coalesce((SELECT array_agg('o:' || d.refobjid) FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
                        AND d.refclassid = 'pg_constraint'::regclass), '{{}}'),
       pg_get_indexdef(i.indexrelid), NULL
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE c.relkind IN ('r', 'p', 'f', 'm') AND {_USER} AND {_not_from_extension('pg_class', 'c.oid')}
UNION ALL
SELECT 'type', 't:' || t.oid, n.nspname, NULL, t.typname,
       ARRAY['n:' || n.oid] || CASE WHEN t.typbasetype <> 0 THEN ARRAY['t:' || t.typbasetype]
                                ELSE '{{}}'::text[] END,
       CASE WHEN t.typtype = 'e' THEN (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)::text
                                       FROM pg_enum e WHERE e.enumtypid = t.oid)
            WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
       t.typtype::text
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class rel ON rel.oid = t.typrelid
WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND rel.relkind = 'c')) AND {_USER}
  AND {_not_from_extension('pg_type', 't.oid')}
UNION ALL
SELECT 'function', 'p:' || p.oid, n.nspname, NULL,
       p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       ARRAY['n:' || n.oid], NULL, NULL
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE {_USER} AND {_not_from_extension('pg_proc', 'p.oid')}
  AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_proc'::regclass AND i.objid = p.oid
                  AND i.deptype = 'i')
UNION ALL
SELECT 'schema', 'n:' || n.oid, n.nspname, NULL, n.nspname, '{{}}'::text[], NULL, NULL
FROM pg_namespace n WHERE {_USER} AND {_not_from_extension('pg_namespace', 'n.oid')}
UNION ALL
SELECT 'extension', 'e:' || e.oid, n.nspname, NULL, e.extname, '{{}}'::text[], e.extversion, NULL
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'
"""


@dataclass(frozen=True)
class CatalogObject:
    kind: str
    key: str  # PostgreSQL's identity, see _SNAPSHOT_SQL
    schema: str | None
    table: str | None
    name: str
    parents: tuple[str, ...] = ()
    definition: str | None = None
    storage: str | None = None  # a column's table file node; for constraints and types, their sub-kind

    @property
    def label(self) -> str:
        if self.kind == "schema":
            return f"schema {self.name}"
        if self.kind == "column":
            return f"column {self.schema}.{self.table}.{self.name}"
        return f"{self.kind.replace('_', ' ')} {self.schema}.{self.name}"


@dataclass
class Destroyed:
    """An object a revision removed (``dropped``), replaced (``re-created``) or rewrote in place."""

    revision: str
    object: CatalogObject
    change: str  # "dropped" | "re-created" | "rewritten"
    detail: str = ""
    covered_by: dict | None = None
    went_with: str | None = None  # the label of the destroyed object that took this one along
    parent: "Destroyed | None" = field(default=None, repr=False)

    def as_dict(self) -> dict:
        o = self.object
        return {"revision": self.revision, "kind": o.kind, "schema": o.schema,
                "table": None if o.kind == "schema" else o.table, "name": o.name, "change": self.change,
                "detail": self.detail, "went_with": self.went_with, "covered_by": self.covered_by}


@dataclass
class Snapshot:
    objects: dict[str, CatalogObject] = field(default_factory=dict)

    def by_kind(self, kind: str) -> list[CatalogObject]:
        return [o for o in self.objects.values() if o.kind == kind]


def snapshot(conn) -> Snapshot:
    shot = Snapshot()
    for kind, key, schema, table, name, parents, definition, storage in conn.execute(_SNAPSHOT_SQL).fetchall():
        if kind == "table":
            table = name
        shot.objects[key] = CatalogObject(kind, key, schema, table, name, tuple(parents or ()), definition, storage)
    return shot


def destroyed(revision: str, before: Snapshot, after: Snapshot, ignore: set[str] = frozenset()) -> list[Destroyed]:
    """What ``revision`` removed, replaced or rewrote, by kind (``KINDS`` order) and name.

    ``ignore`` holds keys never reported (Alembic's version table and its columns).
    """
    successors = {(o.kind, o.schema, o.table, o.name): o for o in after.objects.values()}
    out: list[Destroyed] = []
    for key, old in before.objects.items():
        if key in ignore or any(p in ignore for p in old.parents):
            continue
        new = after.objects.get(key)
        if new is not None:
            if _rewritten(old, new):
                out.append(Destroyed(revision, old, "rewritten", f"type {old.definition} -> {new.definition}, "
                                                                 "table rewritten"))
            continue
        same = successors.get((old.kind, old.schema, old.table, old.name))
        if same is None:
            out.append(Destroyed(revision, old, "dropped"))
            continue
        detail = _replacement_loss(old, same)
        if detail is not None:
            out.append(Destroyed(revision, old, "re-created", detail))
    out.sort(key=lambda d: (KINDS.index(d.object.kind), d.object.schema or "", d.object.table or "", d.object.name))
    _attribute(out)
    # The columns of a dropped table are its contents, not separate losses.
    return [d for d in out if not (d.object.kind == "column" and d.parent and d.parent.object.kind == "table")]


def _rewritten(old: CatalogObject, new: CatalogObject) -> bool:
    """A column whose type changed and whose table got a new file: its values were converted."""
    return old.kind == "column" and old.definition != new.definition and old.storage != new.storage


def _replacement_loss(old: CatalogObject, new: CatalogObject) -> str | None:
    """Why replacing ``old`` by a same-named ``new`` lost something, or None when nothing was lost."""
    if old.kind in IDENTITY_KINDS:
        return "a new object under the same name: the old one's contents are gone"
    if old.kind == "type" and old.storage == "e":
        kept = set(_labels(new.definition))
        lost = [label for label in _labels(old.definition) if label not in kept]
        return f"enum values removed: {', '.join(map(repr, lost))}" if lost else None
    if old.definition != new.definition:
        return "a different definition"
    return None


def _labels(definition: str | None) -> list[str]:
    return json.loads(definition) if definition else []


def _attribute(entries: list[Destroyed]) -> None:
    """Mark each entry that went along with another destroyed object (its nearest destroyed parent)."""
    gone = {d.object.key: d for d in entries}
    for entry in entries:
        for parent in entry.object.parents:
            if parent in gone and parent != entry.object.key and gone[parent].change != "rewritten":
                entry.parent = gone[parent]
                entry.went_with = entry.parent.object.label
                break


def root_of(entry: Destroyed) -> Destroyed:
    """The destroyed object whose removal took this one along (itself when none did)."""
    seen = {id(entry)}
    while entry.parent is not None and id(entry.parent) not in seen:
        entry = entry.parent
        seen.add(id(entry))
    return entry
