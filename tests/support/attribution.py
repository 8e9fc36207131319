"""Shared helpers for tests and benchmarks of the reference project in examples/attribution.

``dashboard`` and ``seed`` are that project's modules, loaded by path under unique names so they can
never be confused with another ``dashboard``/``seed`` module on sys.path.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "attribution"
ALEMBIC_INI = EXAMPLE / "alembic.ini"
HEAD = "202511151510"
MATVIEWS = ("mv_channel_performance", "mv_daily_revenue_summary", "mv_realtime_revenue", "mv_reconciliation_status")


def _load(name: str):
    module_name = f"attribution_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


dashboard = _load("dashboard")
seed = _load("seed")


def alembic(url: str, *args: str) -> None:
    """Run an Alembic command (``"upgrade", "head"``) on the reference project in this process."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_INI))
    cfg.attributes["configure_logger"] = False
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        getattr(command, args[0])(cfg, *args[1:])
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL")
        else:
            os.environ["DATABASE_URL"] = saved


def connect(url: str, **kwargs):
    """An autocommit psycopg connection."""
    import psycopg

    return psycopg.connect(url, autocommit=True, **kwargs)
