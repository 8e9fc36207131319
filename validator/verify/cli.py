"""Command-line surface of ``migration-guard verify`` (wired into validator.cli by the lead)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", metavar="URL", default=None,
                        help="an EMPTY, throwaway PostgreSQL database (default: $DATABASE_URL); "
                             "postgresql:// and postgresql+psycopg:// are accepted")
    parser.add_argument("--alembic-ini", metavar="PATH", default="alembic.ini",
                        help="the project's Alembic config (default: ./alembic.ini)")
    parser.add_argument("--expect-matviews", metavar="A,B,...", default="",
                        help="comma-separated materialized views that must exist at head (optionally schema.name)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="report format on stdout (default: text)")
    parser.add_argument("--config", metavar="FILE", default=None,
                        help="lint settings the destroyed objects are matched against (default: as lint finds them)")
    parser.add_argument("--with-data", action="store_true",
                        help="fill every new table with a few rows and fail on rows no finding covers deleting")
    parser.add_argument("--fail-uncovered", metavar="KINDS", default="",
                        help="also fail when these listed-only kinds are destroyed unseen: "
                             "index,view,materialized_view,function")


def run(args: argparse.Namespace) -> int:
    from .report import RENDERERS
    from .runner import verify
    from .urls import UsageError, parse_database_url

    try:
        url = parse_database_url(args.database_url or os.environ.get("DATABASE_URL"))
        expect = [name.strip() for name in (args.expect_matviews or "").split(",") if name.strip()]
        if args.format not in RENDERERS:
            raise UsageError(f"unknown format {args.format!r}")
        settings = _settings(getattr(args, "config", None))
        strict = _kinds(getattr(args, "fail_uncovered", "") or "")
        report = verify(url, args.alembic_ini, expect, settings, with_data=bool(getattr(args, "with_data", False)),
                        fail_uncovered=strict)
    except UsageError as exc:
        print(f"migration-guard verify: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as exc:
        print(f"migration-guard verify: error: {exc.name or exc} is not installed; "
              "install migration-guard[verify]", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(RENDERERS[args.format](report))
    sys.stdout.flush()
    return EXIT_OK if report.ok else EXIT_FAILED


def _settings(path: str | None):
    from .. import config
    from .urls import UsageError

    try:
        return config.load(path, Path.cwd())
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None


def _kinds(text: str) -> frozenset[str]:
    from .destruction import LISTED_KINDS
    from .urls import UsageError

    kinds = frozenset(k.strip() for k in text.split(",") if k.strip())
    unknown = sorted(kinds - LISTED_KINDS)
    if unknown:
        raise UsageError(f"--fail-uncovered: unknown kind {unknown[0]!r}; expected some of "
                         f"{', '.join(sorted(LISTED_KINDS))}")
    return kinds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="migration-guard verify",
        description="Prove an Alembic project builds on an empty PostgreSQL: upgrade to head revision by "
                    "revision, check that the static findings cover everything each revision destroyed, check "
                    "and REFRESH CONCURRENTLY every materialized view, downgrade to base, upgrade again.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
