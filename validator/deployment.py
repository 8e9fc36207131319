"""The ``Deployment`` of each linted revision: what its env.py sets and which tables its change creates.

Both are read statically: env.py's text (never imported) and the parsed upgrade of the
revisions the change adds.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Iterable, Sequence

from .config import Settings
from .downgrade import DowngradePolicy
from .model import Deployment, Environment, OpKind, Phase, schema_key
from .parse import parse_source
from .parse.env_py import sets_lock_timeout

Placed = tuple[str, Deployment]  # (absolute folder, with a trailing separator; its revisions' deployment)


def created_tables(revisions: Iterable[tuple[str, bytes | OSError]], settings: Settings) -> frozenset[tuple[str, str]]:
    """(schema or "", name), lower-cased, of every table and materialized view the upgrades of ``revisions`` create."""
    tables = set()
    for path, data in revisions:
        for op in parse_source(path, data, settings.bypass_token, downgrade=DowngradePolicy.IGNORE,
                               dialect=settings.dialect).operations:
            name = op.table if op.kind is OpKind.CREATE_TABLE else op.target if op.materialized else None
            if op.kind in (OpKind.CREATE_TABLE, OpKind.CREATE_VIEW) and op.phase is Phase.UPGRADE and name:
                tables.add((schema_key(op.schema), name.lower()))
    return frozenset(tables)


def env_py_of(environment: Environment) -> str:
    """The env.py in the environment's script folder; unknown, the parent of its main versions folder."""
    if environment.script is not None:
        return os.path.join(environment.script, "env.py") if environment.script else "env.py"
    return os.path.join(os.path.dirname(environment.path.rstrip("/")), "env.py")


def placed(environments: Sequence[Environment], root: str, new_tables: frozenset[tuple[str, str]]) -> list[Placed]:
    """Each environment's deployment, by the folders of its revisions; longest folder first."""
    result = []
    for env in environments:
        env_py = env_py_of(env)
        try:
            source: bytes | None = (Path(root) / env_py).read_bytes()
        except OSError:
            source = None
        deployment = Deployment(env_py if source is not None else None,
                                source is not None and sets_lock_timeout(source), new_tables,
                                tuple(os.path.join(root, f) for f in env.files))
        for location in env.locations or (env.path,):
            result.append((os.path.join(os.path.abspath(os.path.join(root, location)), ""), deployment))
    return sorted(result, key=lambda item: len(item[0]), reverse=True)


def deployment_of(path: str, root: str, deployments: Sequence[Placed], new_tables: frozenset) -> Deployment:
    folder = _folder(root, os.path.dirname(path))
    return next((d for prefix, d in deployments if folder.startswith(prefix)), Deployment(new_tables=new_tables))


@functools.lru_cache(maxsize=1024)
def _folder(root: str, directory: str) -> str:
    """A folder made absolute, with a trailing separator: revisions share a few folders, so each is made once."""
    return os.path.join(os.path.abspath(os.path.join(root, directory)), "")
