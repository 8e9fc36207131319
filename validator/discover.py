"""Which files are Alembic revisions, found the way Alembic finds them, and which environment each belongs to.

One walk of the tree collects every sign of an Alembic environment: an ``*.ini`` with a
``script_location``, ``[tool.alembic]`` in a ``pyproject.toml``, a ``versions/`` folder beside an
``env.py`` (the fingerprint of an environment whatever configured it, Flask-Migrate's included), and,
when none of those exists, the conventional ``alembic/versions/``. Nothing is imported: a ``package:path`` location is looked
up as that package's folder in the tree. Finding nothing is never a pass: the caller turns an empty
``Discovery`` into an error that says where it looked.
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

from .config import Settings
from .model import Environment


class DiscoveryError(RuntimeError):
    """A git ref, path or Alembic configuration that cannot be resolved: a usage error (exit code 2)."""


# Folders that hold other people's code, build output or caches: never an environment of this project.
_SKIPPED_DIRS = frozenset({
    "node_modules", "site-packages", "dist-packages", "__pycache__", "venv", "virtualenv",
    "build", "dist", "htmlcov", "__pypackages__",
})
_MAX_CONFIG_BYTES = 1 << 20


# -- the walk --------------------------------------------------------------------------------------

@dataclass
class _Tree:
    """What one walk of the tree saw: configuration files, ``env.py`` folders and package folders."""

    inis: list[str] = field(default_factory=list)
    pyprojects: list[str] = field(default_factory=list)
    env_dirs: list[str] = field(default_factory=list)  # folders holding env.py and versions/
    conventional: list[str] = field(default_factory=list)  # alembic/versions folders without an env.py
    dirs_by_name: dict[str, list[str]] = field(default_factory=dict)


def _skipped(name: str, path: str) -> bool:
    if name.startswith(".") or name in _SKIPPED_DIRS or name.endswith(".egg-info"):
        return True
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))  # a virtualenv, whatever its name


def _walk(root: str, exclude: Sequence[str]) -> _Tree:
    tree = _Tree()
    strip = len(root.rstrip(os.sep)) + 1
    for directory, subdirectories, names in os.walk(root):
        rel = directory[strip:].replace(os.sep, "/") if len(directory) >= strip else ""
        subdirectories[:] = sorted(d for d in subdirectories if not _skipped(d, os.path.join(directory, d)))
        if exclude:  # a glob such as "tests/**" excludes whole folders: no need to enter them
            subdirectories[:] = [d for d in subdirectories if not _excluded(f"{rel}/{d}/" if rel else f"{d}/", exclude)]
        for d in subdirectories:
            tree.dirs_by_name.setdefault(d, []).append(f"{rel}/{d}" if rel else d)
        for name in names:
            if name.endswith(".ini"):
                tree.inis.append(f"{rel}/{name}" if rel else name)
            elif name == "pyproject.toml":
                tree.pyprojects.append(f"{rel}/{name}" if rel else name)
        if "versions" in subdirectories:
            if "env.py" in names:
                tree.env_dirs.append(rel)
            elif os.path.basename(directory) == "alembic":
                tree.conventional.append(f"{rel}/versions" if rel else "versions")
    return tree


# -- Alembic's configuration ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Configured:
    """One environment as a configuration file names it: its script folder and version locations."""

    config: str
    script: str | None  # root-relative; None when the locations alone are known
    locations: tuple[str, ...]


def _ini_environments(root: Path, ini: str, tree: _Tree) -> tuple[list[_Configured], list[str]]:
    """Every section of ``ini`` with a ``script_location``, resolved; and the problems met."""
    import configparser  # only when the tree holds an ini; start-up time counts

    path = root / ini
    here = str(path.parent)
    parser = configparser.ConfigParser(defaults={"here": here})
    try:
        if path.stat().st_size > _MAX_CONFIG_BYTES:
            return [], []
        parser.read_string(path.read_text(encoding="utf-8"), source=ini)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        if "alembic" in PurePosixPath(ini).name:
            return [], [f"{ini}: cannot be read as an Alembic configuration ({_first_line(exc)})"]
        return [], []  # some other tool's ini
    found, problems = [], []
    for section in parser.sections():
        if not parser.has_option(section, "script_location"):
            continue
        try:
            values = {key: parser.get(section, key) for key in
                      ("script_location", "version_locations", "version_path_separator", "path_separator")
                      if parser.has_option(section, key)}
        except configparser.Error as exc:
            problems.append(f"{ini} [{section}]: {_first_line(exc)}")
            continue
        if not values["script_location"].strip():
            continue  # Flask-Migrate leaves it empty and passes the folder in code: the env.py fingerprint finds it
        locations = _split_locations(values.get("version_locations", ""),
                                     values.get("path_separator") or values.get("version_path_separator"))
        configured, trouble = _resolve(root, ini, here, values["script_location"], locations, tree)
        problems += trouble
        if configured:
            found.append(configured)
    return found, problems


def _pyproject_environment(root: Path, pyproject: str, tree: _Tree) -> tuple[list[_Configured], list[str]]:
    """``[tool.alembic]`` (Alembic 1.16 and later), where ``%(here)s`` is the file's folder."""
    path = root / pyproject
    try:
        if path.stat().st_size > _MAX_CONFIG_BYTES:
            return [], []
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return [], []
    if "tool.alembic" not in text and "[tool]" not in text:
        return [], []  # the common case: no need to parse
    from .config import read_toml

    try:
        table = read_toml(text).get("tool", {}).get("alembic")
    except ValueError as exc:
        return [], [f"{pyproject}: not valid TOML ({_first_line(exc)})"]
    if not isinstance(table, dict) or not table.get("script_location"):
        return [], []
    here = str(path.parent)
    script = str(table["script_location"]).replace("%(here)s", here)
    locations = table.get("version_locations") or []
    locations = [str(v).replace("%(here)s", here) for v in (locations if isinstance(locations, list) else [locations])]
    configured, problems = _resolve(root, pyproject, here, script, locations, tree)
    return ([configured] if configured else []), problems


def _split_locations(value: str, separator: str | None) -> list[str]:
    """``version_locations`` split as Alembic splits it, by ``path_separator`` or the legacy rule."""
    value = value.strip()
    if not value:
        return []
    if separator is None:  # legacy: spaces or commas
        parts = re.split(r", *|(?: +)", value)
    else:
        sep = {"space": " ", "newline": "\n", "os": os.pathsep, ";": ";", ":": ":"}.get(separator.strip(), os.pathsep)
        parts = value.split(sep) if sep != " " else value.split()
    return [p.strip() for p in parts if p.strip()]


def _resolve(root: Path, config: str, here: str, script_location: str, version_locations: Sequence[str],
             tree: _Tree) -> tuple[_Configured | None, list[str]]:
    script = _location(root, here, script_location.strip(), tree)
    if script is None:
        return None, [f"{config}: script_location {script_location.strip()!r} does not name a folder in this tree"]
    locations, problems = [], []
    for raw in version_locations:
        location = _location(root, here, raw, tree)
        if location is None:
            problems.append(f"{config}: version location {raw!r} does not name a folder in this tree")
        else:
            locations.append(location)
    default = f"{script}/versions" if script else "versions"
    if not locations or (root / default).is_dir():
        locations.insert(0, default)  # Alembic's own default, when the file lists none
    return _Configured(config, script, tuple(dict.fromkeys(locations))), problems


def _location(root: Path, here: str, raw: str, tree: _Tree) -> str | None:
    """A root-relative folder for a location as Alembic reads it, or None when the tree has no such folder.

    ``%(here)s`` is the configuration file's folder; a relative path is relative to the folder
    Alembic runs in (the configuration file's, by convention, else the root); ``pkg.sub:path``
    or ``pkg:a:b`` is a package resource, found as that package's folder in the tree.
    """
    raw = raw.replace("%(here)s", here)
    if not os.path.isabs(raw) and ":" in raw:
        tokens = raw.split(":")
        package, rest = tokens[0].strip().split("."), [t.strip() for t in tokens[1:] if t.strip()]
        for base in _package_folders(root, here, package, tree):
            candidate = Path(base, *rest)
            if candidate.is_dir():
                return _relative(root, candidate)
        return None
    candidates = [Path(raw)] if os.path.isabs(raw) else [Path(here, raw), root / raw]
    for candidate in candidates:
        if candidate.is_dir():
            return _relative(root, candidate)
    return None


def _package_folders(root: Path, here: str, package: list[str], tree: _Tree) -> Iterable[Path]:
    for base in (Path(here), Path(here) / "src", root, root / "src"):
        yield base.joinpath(*package)
    suffix = "/".join(package)
    for folder in tree.dirs_by_name.get(package[-1], ()):
        if folder == suffix or folder.endswith("/" + suffix):
            yield root / folder


def _relative(root: Path, path: Path) -> str | None:
    try:
        rel = Path(os.path.normpath(path.resolve())).relative_to(root.resolve()).as_posix()
    except ValueError:
        return None  # outside the tree: nothing of this repository to lint there
    return "" if rel == "." else rel


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# -- the environments -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Discovery:
    root: Path
    environments: tuple[Environment, ...]
    problems: tuple[str, ...] = ()  # configuration files that name nothing: fatal when nothing was asked for

    @property
    def files(self) -> list[str]:
        return [f for env in self.environments for f in env.files]

    def globs(self) -> tuple[str, ...]:
        return tuple(f"{loc}/**/*.py" if loc else "**/*.py" for env in self.environments for loc in env.locations)

    def environment_of(self, path: str) -> Environment | None:
        """The environment whose version locations hold this root-relative path (the deepest location wins)."""
        best, depth = None, -1
        for env in self.environments:
            for loc in env.locations:
                if (loc == "" or path.startswith(loc + "/")) and len(loc) > depth:
                    best, depth = env, len(loc)
        return best

    def skipped(self) -> tuple[str, ...]:
        """Globs of the folders holding another database's history: not revisions of this project's database."""
        return tuple(f"{env.path}/**" for env in self.environments if not env.locations)

    def nothing_found(self) -> str:
        """The message for a tree with no revision: where it looked and how to point at revisions."""
        listed = "".join(f"\n  {e.path or '.'}: 0 revision files ({e.found_by})" for e in self.environments)
        return (
            f"no Alembic revisions found under {self.root}{listed or ''}\n"
            "  looked for: *.ini files with a script_location, [tool.alembic] in pyproject.toml, versions/ "
            "folders beside an env.py, alembic/versions/ folders (virtualenvs, node_modules, build and hidden "
            "folders skipped)\n"
            "  point at the revisions with a path argument (migration-guard lint path/to/versions), the "
            "'include' globs of [tool.migration-guard], or the action's 'paths' input"
        )


def find(root: Path, settings: Settings) -> Discovery:
    """Every Alembic environment under ``root`` with its revision files, each file in one environment."""
    tree = _walk(str(root), settings.exclude)
    configured: list[_Configured] = []
    problems: list[str] = []
    for ini in tree.inis:
        if not _excluded(ini, settings.exclude):
            found, trouble = _ini_environments(root, ini, tree)
            configured += found
            problems += trouble
    for pyproject in tree.pyprojects:
        if not _excluded(pyproject, settings.exclude):
            found, trouble = _pyproject_environment(root, pyproject, tree)
            configured += found
            problems += trouble
    return Discovery(root, _environments(root, tree, configured, settings), tuple(problems))


def _environments(root: Path, tree: _Tree, configured: list[_Configured], settings: Settings) -> tuple[Environment, ...]:
    # keyed by script folder, so an environment named by its ini and found by its env.py is one
    by_script: dict[str, tuple[str | None, list[str]]] = {}
    for c in configured:
        key = c.script if c.script is not None else c.locations[0]
        config, locations = by_script.setdefault(key, (c.config, []))
        locations += c.locations
    for env_dir in tree.env_dirs:
        location = f"{env_dir}/versions" if env_dir else "versions"
        if env_dir in by_script:
            by_script[env_dir][1].append(location)
        else:
            by_script[env_dir] = (_ini_beside(root, env_dir), [location])
    conventional = set()
    if not by_script:  # nothing configured it and no env.py beside it: the conventional folder, as a last resort
        for location in tree.conventional:
            by_script[location.rsplit("/", 1)[0] if "/" in location else ""] = (None, [location])
            conventional.add(location)
    taken: set[str] = set()
    result = []
    for script, (config, locations) in sorted(by_script.items(), key=lambda v: v[1][1][0]):
        found_by = (f"configured by {config}" if config else "found by its env.py"
                    if locations[0] not in conventional else "found by the alembic/versions convention")
        shared, own, other = _split_by_database(root, list(dict.fromkeys(locations)), settings.dialect)
        groups = [(shared, found_by)] + [([folder], f"{found_by}; the {settings.dialect} history") for folder in own]
        for group, origin in groups:
            apart = tuple(f"{folder}/" for folder in own + other)
            files = [f for loc in group for f in _revision_files(root, loc) if f not in taken
                     and not _excluded(f, settings.exclude) and (group is not shared or not f.startswith(apart))]
            if group is shared and not files and (own or other):
                continue  # every revision lives in a database's folder
            taken.update(files)
            result.append(Environment(path=group[0], config=config, files=tuple(files), locations=tuple(group),
                                      found_by=origin, script=script))
        for folder in other:  # said out loud: these revisions never run on the configured database
            result.append(Environment(path=folder, config=config, script=script, found_by=f"{found_by}; another "
                                      f"database's history, not linted for dialect {settings.dialect}"))
    return tuple(result)


# Folder names under a version location that hold one database's history (env.py picks one per connection).
_DATABASE_FOLDERS = {"postgresql": "postgresql", "postgres": "postgresql", "pg": "postgresql", "sqlite": "sqlite",
                     "sqlite3": "sqlite", "mysql": "mysql", "mariadb": "mariadb", "mssql": "mssql",
                     "sqlserver": "mssql", "oracle": "oracle"}


def _split_by_database(root: Path, locations: list[str], dialect: str) -> tuple[list[str], list[str], list[str]]:
    """The locations, the subfolders holding the configured database's history, and other databases' subfolders.

    Projects that support several databases keep one revision history per database in folders named after
    it (``versions/postgresql``, ``versions/sqlite``): each is a graph of its own, and a history that never
    runs on the configured database is no finding for it.
    """
    own, other = [], []
    for location in locations:
        try:
            names = sorted(e.name for e in os.scandir(root / location if location else root) if e.is_dir())
        except OSError:
            continue
        for name in names:
            database = _DATABASE_FOLDERS.get(name.lower())
            if database is not None:
                folder = f"{location}/{name}" if location else name
                (own if database == dialect else other).append(folder)
    return locations, own, other


def _ini_beside(root: Path, env_dir: str) -> str | None:
    """Flask-Migrate keeps an ``alembic.ini`` without ``script_location`` beside ``env.py``: it configured this one."""
    ini = f"{env_dir}/alembic.ini" if env_dir else "alembic.ini"
    return ini if (root / ini).is_file() else None


def _revision_files(root: Path, location: str) -> list[str]:
    folder = root / location if location else root
    if not folder.is_dir():
        return []
    prefix = f"{location}/" if location else ""
    return [prefix + p for p in _python_files(str(folder))]


# -- globs and explicit paths ---------------------------------------------------------------------

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
    path = path[2:] if path.startswith("./") else path
    if not path.endswith(".py") or PurePosixPath(path).name == "__init__.py":
        return False
    if _excluded(path, exclude):
        return False
    return any(_glob_regex(g).match(path) for g in globs)


def glob_files(root: Path, globs: Sequence[str], exclude: Sequence[str] = ()) -> list[str]:
    """Root-relative revision files matched by ``globs``; a glob that matches nothing is an error."""
    found: dict[str, None] = {}
    for pattern in globs:
        hits = [p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file()]
        hits = [h for h in hits if matches(h, (pattern,), exclude) and "/." not in f"/{h}"]
        if not hits:
            raise DiscoveryError(f"the glob {pattern!r} matches no revision file under {root}")
        found.update(dict.fromkeys(sorted(hits)))
    return list(found)


def revision_files(discovery: Discovery, settings: Settings) -> list[str]:
    """What ``lint`` with no paths reads: the ``include`` globs, else every environment ``find`` discovered.

    Raises ``DiscoveryError`` when nothing is found or a configuration file names nothing.
    """
    if settings.include:
        return glob_files(discovery.root, settings.include, settings.exclude)
    if discovery.problems:
        raise DiscoveryError("\n".join(discovery.problems) + "\n  (fix the file, or list it in 'exclude' "
                             "of [tool.migration-guard] if it is not an environment of this project)")
    if not discovery.files:
        raise DiscoveryError(discovery.nothing_found())
    return discovery.files


def expand(paths: Sequence[str], settings: Settings) -> list[str]:
    """Files as given, directories searched recursively for ``*.py``; a directory with none is an error."""
    result: list[str] = []
    for raw in paths:
        if os.path.isdir(raw):
            folder = Path(raw).as_posix()
            prefix = "" if folder == "." else f"{folder}/"  # "./versions" -> "versions", as Path(".") / "versions" prints
            files = [p for p in (prefix + f for f in _python_files(folder, named=True))
                     if not _excluded(p, settings.exclude)]
            if not files:
                raise DiscoveryError(f"{raw}: no revision files (*.py) in this directory")
            result += files
        else:
            result.append(raw)
    return list(dict.fromkeys(result))


def _python_files(folder: str, *, named: bool = False) -> list[str]:
    """``*.py`` below ``folder`` but ``__init__.py``, relative to it, subfolders included, in sorted path order.

    A folder the user ``named`` is read whole, links followed (a link back up the tree is read once);
    a discovered version location is read without its hidden and cache folders.
    """
    found, seen = [], set()
    strip = len(folder.rstrip(os.sep)) + 1
    for directory, subdirectories, names in os.walk(folder, followlinks=named):
        if named:
            real = os.path.realpath(directory)
            if real in seen:  # a symbolic link back up the tree
                subdirectories.clear()
                continue
            seen.add(real)
        else:
            subdirectories[:] = [d for d in subdirectories if not d.startswith(".") and d != "__pycache__"]
        rel = directory[strip:].replace(os.sep, "/") if len(directory) >= strip else ""
        found += [f"{rel}/{n}" if rel else n for n in names if n.endswith(".py") and n != "__init__.py"]
    return sorted(found, key=lambda p: p.split("/"))


def changed_since(base_ref: str, root: Path, candidates: Sequence[str], *, added_only: bool = False) -> list[str]:
    """The candidates added or modified (or only added) since the merge base of ``base_ref`` and HEAD.

    Files git does not track yet count as added.
    """
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
    changed = git("diff", "--name-only", "--diff-filter=A" if added_only else "--diff-filter=AMR", "-z", base,
                  "--").split("\0")
    untracked = git("ls-files", "--others", "--exclude-standard", "-z").split("\0")
    # diff prints paths from the top of the work tree, ls-files from the current directory
    changed_abs = {(top / p).resolve() for p in changed if p} | {(root / p).resolve() for p in untracked if p}
    return [c for c in candidates if Path(c).resolve() in changed_abs]
