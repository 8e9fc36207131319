"""Which files are Alembic revisions: globs from settings, ``alembic.ini``, or the default."""
from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

from validator.config import DEFAULT_INCLUDE, Settings


class DiscoveryError(RuntimeError):
    """A git ref or path that cannot be resolved: a usage error (exit code 2)."""


def _script_location(ini: Path) -> str | None:
    import configparser  # only when there is an alembic.ini; start-up time counts

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    location = parser.get("alembic", "script_location", fallback=None)
    if not location:
        return None
    location = location.replace("%(here)s", ".").strip()
    if ":" in location and not location.startswith(("/", ".")):
        return None  # a package resource such as "myapp:migrations" cannot be globbed
    return location


def revision_globs(root: Path, settings: Settings) -> tuple[str, ...]:
    """Globs (relative to ``root``) that name revision files."""
    if settings.include:
        return settings.include
    ini = root / "alembic.ini"
    if ini.is_file():
        location = _script_location(ini)
        if location:
            base = PurePosixPath(Path(location).as_posix())
            parts = [p for p in base.parts if p not in (".",)]
            return (str(PurePosixPath(*parts, "versions", "**", "*.py")) if parts else "versions/**/*.py",)
    return DEFAULT_INCLUDE


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """``**`` matches any number of directories (including none); ``*`` stays within one."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            c = pattern[i]
            out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _excluded(path: str, exclude: Iterable[str]) -> bool:
    return any(_glob_regex(g).match(path) or fnmatch.fnmatch(path, g) for g in exclude)


def matches(path: str, globs: Iterable[str], exclude: Iterable[str] = ()) -> bool:
    """Whether a repository-relative POSIX path is a revision file under these globs."""
    path = path.lstrip("./") if path.startswith("./") else path
    if not path.endswith(".py") or PurePosixPath(path).name == "__init__.py":
        return False
    if _excluded(path, exclude):
        return False
    return any(_glob_regex(g).match(path) for g in globs)


def find_revisions(root: Path, settings: Settings, globs: Sequence[str] | None = None) -> list[str]:
    """Repository-relative paths of every revision file under ``root``."""
    globs = tuple(globs) if globs else revision_globs(root, settings)
    found = set()
    for pattern in globs:
        for path in root.glob(pattern):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and matches(rel, globs, settings.exclude) and "/." not in f"/{rel}":
                found.add(rel)
    return sorted(found)


def expand(paths: Sequence[str], settings: Settings) -> list[str]:
    """Files as given, directories searched recursively for ``*.py`` (the user named them)."""
    result: list[str] = []
    for raw in paths:
        if os.path.isdir(raw):
            result += [p for p in _python_files(Path(raw).as_posix()) if not _excluded(p, settings.exclude)]
        else:
            result.append(raw)
    return list(dict.fromkeys(result))


def _python_files(root: str) -> list[str]:
    """``*.py`` files under ``root`` but ``__init__.py``, in the order of sorted ``Path`` objects."""
    found, seen = [], set()
    strip = 2 if root == "." else 0  # "./versions" -> "versions", as Path(".") / "versions" prints
    for directory, subdirectories, names in os.walk(root, followlinks=True):
        real = os.path.realpath(directory)
        if real in seen:  # a symbolic link back up the tree
            subdirectories.clear()
            continue
        seen.add(real)
        base = directory[strip:]
        found += [f"{base}/{n}" if base else n for n in names if n.endswith(".py") and n != "__init__.py"]
    return sorted(found, key=lambda p: p.split("/"))


def changed_since(base_ref: str, root: Path, candidates: Sequence[str]) -> list[str]:
    """The candidates added or modified since the merge base of ``base_ref`` and HEAD."""
    import subprocess  # only --base needs it; start-up time counts

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
        except FileNotFoundError:
            raise DiscoveryError("--base needs git, which is not installed") from None
        except subprocess.CalledProcessError as exc:
            raise DiscoveryError(f"git {' '.join(args)}: {exc.stderr.strip() or exc}") from None
        return done.stdout

    top = Path(git("rev-parse", "--show-toplevel").strip())
    base = git("merge-base", base_ref, "HEAD").strip()
    changed = git("diff", "--name-only", "--diff-filter=AMR", "-z", base, "--").split("\0")
    untracked = git("ls-files", "--others", "--exclude-standard", "-z").split("\0")
    # diff prints paths from the top of the work tree, ls-files from the current directory
    changed_abs = {(top / p).resolve() for p in changed if p} | {(root / p).resolve() for p in untracked if p}
    return [c for c in candidates if Path(c).resolve() in changed_abs]
