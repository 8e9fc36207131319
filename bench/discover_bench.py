"""How long discovery takes on a large repository, next to a bare listing of the same tree.

Builds a tree of ``--files`` files (default 20,000) shaped like a monorepo: application
packages, a node_modules folder and a virtualenv that must be skipped, three Alembic
environments (an ini below the root, a Flask-Migrate folder, a package resource), then
times ``migration_guard.discover.find`` and, as the baseline in the same run, ``os.walk`` listing
every file. Prints every run and the medians; exits 0.

    .venv/bin/python bench/discover_bench.py [--files 20000] [--runs 7] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from migration_guard.config import Settings  # noqa: E402
from migration_guard.discover import find  # noqa: E402

ENV_PY = "from alembic import context\n"


def build(root: Path, files: int) -> int:
    made = 0

    def write(path: str, text: str = "") -> None:
        nonlocal made
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        made += 1

    write("server/alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    write("server/migrations/env.py", ENV_PY)
    write("migrations/alembic.ini", "[alembic]\n[loggers]\nkeys = root\n")
    write("migrations/env.py", ENV_PY)
    write("alembic.ini", "[alembic]\nscript_location = shop.db:revisions\n")
    write("src/shop/db/__init__.py")
    write("src/shop/db/revisions/env.py", ENV_PY)
    revisions = files // 20
    for i in range(revisions):
        env = ("server/migrations", "migrations", "src/shop/db/revisions")[i % 3]
        write(f"{env}/versions/{i:05d}_step.py", f"revision = '{i}'\n")
    remaining = files - made
    skipped = remaining // 4  # a quarter in folders discovery must not enter
    for i in range(skipped // 2):
        write(f"node_modules/pkg{i // 100}/lib/f{i}.js")
    write("venv/pyvenv.cfg", "home = /usr/bin\n")
    for i in range(skipped - skipped // 2):
        write(f"venv/lib/python3.11/site-packages/p{i // 100}/m{i}.py")
    i = 0
    while made < files:
        write(f"app/pkg{i // 400}/mod{(i // 40) % 10}/f{i}.py")
        i += 1
    return made


def timed(func, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="build the tree here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(args.keep or scratch)
        made = build(root, args.files)
        found = find(root, Settings())
        walk = timed(lambda: sum(len(names) for _, _, names in os.walk(root)), args.runs)
        discover = timed(lambda: find(root, Settings()), args.runs)
    print(f"tree: {made} files; found {len(found.environments)} environments, {len(found.files)} revision files")
    for env in found.environments:
        print(f"  {env.path}: {len(env.files)} files ({env.found_by})")
    print(f"os.walk listing every file (baseline): median {statistics.median(walk) * 1000:.1f} ms  "
          f"runs {', '.join(f'{t * 1000:.1f}' for t in walk)}")
    print(f"discover.find:                         median {statistics.median(discover) * 1000:.1f} ms  "
          f"runs {', '.join(f'{t * 1000:.1f}' for t in discover)}")
    print(f"ratio discover / baseline: {statistics.median(discover) / statistics.median(walk):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
