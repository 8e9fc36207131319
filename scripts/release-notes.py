#!/usr/bin/env python3
"""Print the CHANGELOG.md section of one version, for the GitHub release's notes.

    python scripts/release-notes.py 1.2.0 [--changelog CHANGELOG.md] [--pyproject pyproject.toml]

Exits 1 with a message when the section is missing or empty, or when pyproject.toml states
another version: a release whose notes or package version would be wrong does not start.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\]", re.M)


def section(changelog: str, version: str) -> str | None:
    """The body under ``## [version]`` up to the next ``## `` heading or the link references."""
    headings = list(HEADING.finditer(changelog))
    for i, heading in enumerate(headings):
        if heading.group("version") == version:
            end = headings[i + 1].start() if i + 1 < len(headings) else len(changelog)
            body = changelog[heading.end():end].partition("\n")[2]  # below the heading line
            body = re.split(r"^\[[^\]]+\]: ", body, maxsplit=1, flags=re.M)[0]  # link references at the end
            return body.strip()
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="X.Y.Z, without the leading v")
    parser.add_argument("--changelog", default="CHANGELOG.md")
    parser.add_argument("--pyproject", default="pyproject.toml")
    args = parser.parse_args(argv)
    stated = tomllib.loads(Path(args.pyproject).read_text(encoding="utf-8"))["project"]["version"]
    if stated != args.version:
        print(f"release-notes: {args.pyproject} says version {stated}, the tag says {args.version}", file=sys.stderr)
        return 1
    notes = section(Path(args.changelog).read_text(encoding="utf-8"), args.version)
    if not notes:
        print(f"release-notes: {args.changelog} has no entry for [{args.version}]", file=sys.stderr)
        return 1
    print(notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
