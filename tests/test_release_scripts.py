"""The release's helper scripts: notes from CHANGELOG.md, the container check under CI, the
Docker runner of the release workflow (with a stand-in docker that records its arguments)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = """# Changelog

## [Unreleased]

## [1.2.0] - 2026-12-01

### Added
- The thing.

## [1.1.0] - 2026-11-01

### Fixed
- Another thing.

[Unreleased]: https://example.invalid/compare/v1.2.0...HEAD
[1.2.0]: https://example.invalid/releases/tag/v1.2.0
"""


def notes(tmp_path, version, pyproject_version=None, changelog=CHANGELOG):
    (tmp_path / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(f'[project]\nversion = "{pyproject_version or version}"\n', encoding="utf-8")
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "release-notes.py"), version], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_release_notes_are_the_versions_section(tmp_path):
    assert notes(tmp_path, "1.2.0").stdout == "### Added\n- The thing.\n"
    assert notes(tmp_path, "1.1.0").stdout == "### Fixed\n- Another thing.\n"  # link references left out


def test_release_notes_refuse_a_missing_entry_or_another_package_version(tmp_path):
    missing = notes(tmp_path, "1.3.0")
    assert missing.returncode == 1 and "CHANGELOG.md has no entry for [1.3.0]" in missing.stderr
    empty = notes(tmp_path, "9.9.9", changelog="# Changelog\n\n## [9.9.9] - 2026-12-01\n\n## [1.0.0]\n- x\n")
    assert empty.returncode == 1
    other = notes(tmp_path, "1.2.0", pyproject_version="1.1.0")
    assert other.returncode == 1 and "pyproject.toml says version 1.1.0, the tag says 1.2.0" in other.stderr


def test_the_repositorys_own_changelog_has_the_current_version():
    result = subprocess.run([sys.executable, "scripts/release-notes.py", "0.1.0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "### Added" in result.stdout


def container_check(tmp_path, ci: str | None):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "hadolint").write_text("#!/bin/sh\nexit 0\n")  # step 1 passes; step 2 has no tool
    (bin_dir / "hadolint").chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "MG_CONTAINER_TOOL": str(tmp_path / "no-such-tool")}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(["bash", str(ROOT / "scripts" / "container-check.sh")], env=env,
                          capture_output=True, text=True, timeout=60)


def test_container_check_fails_in_ci_when_it_cannot_run(tmp_path):
    result = container_check(tmp_path, "true")
    assert result.returncode == 1
    assert "FAILED: the image build" in result.stderr and "CI=true" in result.stderr
    assert "SKIPPED" not in result.stdout


def test_container_check_skips_out_loud_on_a_developer_machine(tmp_path):
    result = container_check(tmp_path, None)
    assert result.returncode == 0
    assert "container-check: the image build" in result.stdout and "SKIPPED" in result.stdout


def test_docker_runner_runs_the_image_as_the_actions_runner_does(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "docker-args"
    (bin_dir / "docker").write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > {record}\n')
    (bin_dir / "docker").chmod(0o755)
    workspace, files = tmp_path / "ws", tmp_path / "files"
    workspace.mkdir(), files.mkdir()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "INPUT_FAIL-ON": "error", "GITHUB_OUTPUT": str(files / "out"),
           "GITHUB_STEP_SUMMARY": str(files / "summary"), "GITHUB_WORKSPACE": str(workspace), "CI": "true",
           "SECRET_NOT_PASSED": "x"}
    subprocess.run(["bash", str(ROOT / "scripts" / "docker-action-run.sh"), "run", "--runner-owned", "--tag",
                    "mg:test"], cwd=workspace, env=env, check=True, timeout=60)
    args = record.read_text().splitlines()
    assert args[:2] == ["run", "--rm"] and args[-1] == "mg:test"
    pairs = set(zip(args, args[1:]))
    assert ("--volume", f"{workspace}:/github/workspace") in pairs
    assert ("--volume", f"{files}:{files}") in pairs  # GITHUB_OUTPUT and GITHUB_STEP_SUMMARY share one mount
    assert ("--env", "INPUT_FAIL-ON=error") in pairs and ("--env", "CI=true") in pairs
    assert ("--workdir", "/github/workspace") in pairs and ("--network", "host") in pairs
    # the workspace path inside the container wins over the host's
    assert args.index("GITHUB_WORKSPACE=/github/workspace") > args.index(f"GITHUB_WORKSPACE={workspace}")
    assert not any("SECRET_NOT_PASSED" in a for a in args)
