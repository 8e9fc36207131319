"""The ``migration-guard`` command: wiring between flags, settings, the engine and renderers."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 with one clear line
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    from .config import DOWNGRADE, FAIL_ON

    parser = _Parser(prog="migration-guard", description="Lint Alembic revisions for destructive DDL.")
    parser.add_argument("--version", action="version", version=f"migration-guard {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    lint = commands.add_parser("lint", help="check revision files statically (nothing is executed)")
    lint.add_argument("paths", nargs="*", metavar="PATH",
                      help="revision files or directories (default: discover from alembic.ini)")
    lint.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    lint.add_argument("--config", metavar="FILE", help="pyproject.toml or .migration-guard.toml")
    lint.add_argument("--fail-on", choices=FAIL_ON, default=None)
    lint.add_argument("--downgrade", choices=DOWNGRADE, default=None)
    lint.add_argument("--base", metavar="GIT_REF", help="only revisions added or modified since the merge base")
    lint.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")

    rules = commands.add_parser("rules", help="list the rules and their default severity")
    rules.add_argument("--format", choices=("text", "markdown"), default="text")

    verify = commands.add_parser("verify", help="apply the migrations to a real PostgreSQL and check they build")
    from .verify.cli import add_arguments

    add_arguments(verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "lint":
        return _lint(args)
    if args.command == "rules":
        return _rules(args)
    if args.command == "verify":
        from .verify.cli import run

        return run(args)
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _fail(message: str) -> int:
    """One error, each line led by our own name: a message quotes paths and values from the repository,
    and a CI log runs any line that starts with ``::``."""
    from .render import visible

    first, *rest = visible(message, keep_newlines=True).split("\n")
    print(f"migration-guard: error: {first}", *(f"migration-guard: {line}" for line in rest), sep="\n",
          file=sys.stderr)
    return EXIT_USAGE


def _lint(args: argparse.Namespace) -> int:
    import gc

    from . import config, discover, engine
    from .render import render

    # Parse trees are large and acyclic: a young-generation collection every few hundred
    # allocations rescans them for nothing. Freezing what is loaded also keeps forked
    # workers from touching (and copying) the parent's pages.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)

    root = Path.cwd()
    try:
        settings = config.load(args.config, root, fail_on=args.fail_on, downgrade=args.downgrade)
        if args.paths:
            missing = [p for p in args.paths if not Path(p).exists()]
            if missing:
                return _fail(f"no such file or directory: {missing[0]}")
            paths = discover.expand(args.paths, settings)
            environments = _environments_of(args.paths, paths, discover.find(root, settings))
        else:
            found = discover.find(root, settings)
            paths = discover.revision_files(found, settings)
            environments = _environments_of((), paths, found) if settings.include else found.environments
        added: list[str] = []
        if args.base:
            paths = discover.changed_since(args.base, root, paths)
            added = discover.changed_since(args.base, root, paths, added_only=True)
    except (config.ConfigError, discover.DiscoveryError) as exc:
        return _fail(str(exc))
    project = [f for env in environments for f in env.files]
    report = engine.lint_paths(paths, settings, project, environments=environments, new_revisions=added)
    color = args.format == "text" and not args.output and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = render(args.format, report, color=color, bypass_token=settings.bypass_token)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            return _fail(f"cannot write {args.output}: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)
    return EXIT_FINDINGS if report.fails(settings.fail_on) else EXIT_OK


def _environments_of(arguments: Sequence[str], paths: Sequence[str], found) -> tuple:
    """The environment of every linted path, each path in one.

    A path inside a discovered environment belongs to it (the graph rules then read all of its
    revisions); any other belongs to the directory argument that holds it, or to its own folder,
    whose ``*.py`` files stand in as its siblings. Paths are compared as strings made absolute:
    thousands of files must not cost a system call each.
    """
    from .model import Environment

    root = os.path.join(os.path.abspath(found.root), "")
    folders = [(os.path.abspath(a) + os.sep, a) for a in arguments if os.path.isdir(a)]
    chosen: dict[object, tuple[Environment | None, str, list[str]]] = {}  # key -> (discovered, shown path, files)
    for path in paths:
        absolute = os.path.abspath(path)
        inside = found.environments and absolute.startswith(root)
        env = found.environment_of(absolute[len(root):].replace(os.sep, "/")) if inside else None
        if env is not None:
            chosen.setdefault(env, (env, env.path, list(env.files)))
            continue
        folder = next((a for prefix, a in folders if absolute.startswith(prefix)), None)
        if folder is not None:
            chosen.setdefault(folder, (None, folder.rstrip("/") or ".", []))[2].append(path)
        else:
            directory = os.path.dirname(path)
            chosen.setdefault(directory, (None, directory or ".", _python_files_in(directory)))
    return tuple(env or Environment(path=shown, files=tuple(dict.fromkeys(files)), locations=(shown,),
                                    found_by="named on the command line")
                 for env, shown, files in chosen.values())


def _python_files_in(directory: str) -> list[str]:
    try:
        names = sorted(e.name for e in os.scandir(directory or ".") if e.name.endswith(".py") and e.is_file())
    except OSError:
        return []
    return [f"{directory}/{n}" if directory else n for n in names if n != "__init__.py"]


def _rules(args: argparse.Namespace) -> int:
    from .rules import all_rules, meta_rules

    infos = [r.info for r in all_rules()] + list(meta_rules())
    infos.sort(key=lambda i: i.code)
    if args.format == "markdown":
        print("| code | name | default | summary |\n|---|---|---|---|")
        for info in infos:
            default = "off (opt-in)" if info.opt_in else info.severity.value
            print(f"| {info.code} | [{info.name}](docs/rules/{info.name}.md) | {default} | {info.summary} |")
    else:
        for info in infos:
            default = "opt-in" if info.opt_in else info.severity.value
            print(f"{info.code}  {info.name:<34} {default:<8} {info.summary}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
