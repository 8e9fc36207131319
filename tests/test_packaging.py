"""The package installs as ``migration_guard`` from the ``validator/`` folder: every subpackage and template ships."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import migration_guard

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_folder_is_listed_in_the_build():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"migration_guard": "validator"}
    folders = sorted(".".join(("migration_guard",) + p.parent.relative_to(ROOT / "validator").parts)
                     for p in (ROOT / "validator").rglob("__init__.py"))
    assert sorted(setuptools["packages"]) == folders


def test_installed_under_its_import_name():
    installed = Path(migration_guard.__file__).resolve().parent
    shipped = {p.relative_to(installed).as_posix() for p in installed.rglob("*") if p.suffix in (".py", ".j2")}
    source = {p.relative_to(ROOT / "validator").as_posix() for p in (ROOT / "validator").rglob("*")
              if p.suffix in (".py", ".j2")}
    assert shipped == source  # editable or built: every module and template is there under the new name
    done = subprocess.run([sys.executable, "-m", "migration_guard", "--version"], capture_output=True, text=True,
                          cwd=ROOT / "examples")
    assert done.returncode == 0 and done.stdout == f"migration-guard {migration_guard.__version__}\n"


def test_no_module_imports_the_source_folder_name():
    stale = [str(p.relative_to(ROOT)) for p in (ROOT / "validator").rglob("*.py")
             if "from validator" in p.read_text(encoding="utf-8") or "import validator" in p.read_text(encoding="utf-8")]
    assert stale == []  # package-relative imports work under either name
