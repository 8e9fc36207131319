"""Command-line surface of ``migration-guard verify`` (wired into validator.cli by the lead)."""

from __future__ import annotations

import argparse
import os
import sys

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


def run(args: argparse.Namespace) -> int:
    from validator.verify.report import RENDERERS
    from validator.verify.runner import verify
    from validator.verify.urls import UsageError, parse_database_url

    try:
        url = parse_database_url(args.database_url or os.environ.get("DATABASE_URL"))
        expect = [name.strip() for name in (args.expect_matviews or "").split(",") if name.strip()]
        if args.format not in RENDERERS:
            raise UsageError(f"unknown format {args.format!r}")
        report = verify(url, args.alembic_ini, expect)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="migration-guard verify",
        description="Prove an Alembic project builds on an empty PostgreSQL: upgrade to head, check and "
                    "REFRESH CONCURRENTLY every materialized view, downgrade to base, upgrade again.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
