"""How fast is `migration-guard lint` next to the record's grep validator, and do they agree?

Generates realistic Alembic revisions (bench/generate_revisions.py), then times:
  (a) the baseline: the record's validate-migration.sh reproduced as it was (one
      `grep -v | grep -iE` pipeline per pattern per file), run by the record's CI
      loop over every file;
  (b) `migration-guard lint --format json <dir>`: one process over all files;
  (c) start-up: `migration-guard lint` on one small file, and `python -c pass`.
It also counts which files each tool flags, against the verdict the generator
knows each file deserves. The counts are informative; only speed has targets.

    .venv/bin/python bench/lint_bench.py [--files 2000] [--baseline-files N] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_revisions import write_tree  # noqa: E402

REPO = Path(__file__).resolve().parent.parent

TARGET_SPEEDUP = 10.0
TARGET_WALL_2000 = 2.0
TARGET_STARTUP_MS = 300.0

# The record's scripts/validate-migration.sh (Track 2, Phase VAL-2), rebuilt from its
# documented contract: patterns, bypass filter, messages, exit codes. It is the
# measurement baseline, written to the temp dir only, never shipped.
BASELINE_SCRIPT = r"""#!/bin/bash
MIGRATION_FILE=$1

if [ -z "$1" ]; then
    echo "ERROR: No migration file provided"
    echo "Usage: $0 <migration_file>"
    exit 1
fi

if [ ! -f "$MIGRATION_FILE" ]; then
    echo "ERROR: Migration file not found: $MIGRATION_FILE"
    exit 1
fi

echo "--- [CI Safety Validator] Analyzing: $MIGRATION_FILE ---"

DESTRUCTIVE_PATTERNS=(
    "DROP TABLE"
    "DROP COLUMN"
    "DROP DATABASE"
    "DROP SCHEMA"
    "TRUNCATE"
    "DELETE FROM.*WHERE.*1.*=.*1"
    "ALTER TABLE.*DROP CONSTRAINT"
    "op.drop_table"
    "op.drop_column"
)

FOUND_PATTERNS=()
for pattern in "${DESTRUCTIVE_PATTERNS[@]}"; do
    if grep -v "# CI:DESTRUCTIVE_OK" "$MIGRATION_FILE" | grep -iE "$pattern" > /dev/null; then
        echo "⛔️ DANGER: Destructive pattern found: '$pattern'"
        FOUND_PATTERNS+=("$pattern")
    fi
done

if [ ${#FOUND_PATTERNS[@]} -gt 0 ]; then
    echo "⛔️ VALIDATION FAILED: This migration contains destructive operations."
    echo ""
    echo "Detected patterns:"
    for p in "${FOUND_PATTERNS[@]}"; do
        echo "  - $p"
    done
    echo ""
    echo "This CI check prevents accidental data loss from automated deployments."
    echo ""
    echo "If this destructive operation is intentional:"
    echo "  1. Document the reason in an ADR (Architecture Decision Record)"
    echo "  2. Add a '# CI:DESTRUCTIVE_OK' comment to the destructive line"
    echo "  3. Include ADR reference in the comment"
    echo ""
    echo "Example:"
    echo "  op.drop_table('deprecated_table')  # CI:DESTRUCTIVE_OK - See ADR-015 for deprecation timeline"
    exit 1
fi

echo "✅ VALIDATION PASSED: No destructive patterns found."
echo "---"
exit 0
"""

# The record's CI step, minus `bash -e` stopping at the first failure: every file is
# checked so the per-file cost and the verdicts are complete.
BASELINE_LOOP = r"""#!/bin/bash
validator=$1; list=$2; flagged=$3
: > "$flagged"
while IFS= read -r migration; do
    if ! "$validator" "$migration" > /dev/null; then
        printf '%s\n' "$migration" >> "$flagged"
    fi
done < "$list"
"""


# The interpreter that runs the engine: this one, or a fresh venv made with --python.
PYTHON = Path(sys.executable)


def engine_command() -> list[str]:
    beside = PYTHON.parent / "migration-guard"
    if beside.exists():
        return [str(beside)]
    return [str(PYTHON), "-m", "migration_guard"]


def engine_env() -> dict[str, str]:
    env = dict(os.environ)
    if PYTHON == Path(sys.executable):  # the checkout itself, installed or not
        env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def install_into_venv(interpreter: str, work: Path) -> Path:
    """A new venv made by ``interpreter`` with this checkout installed (not editable): its python."""
    venv = work / "venv"
    subprocess.run([interpreter, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(REPO)],
                   check=True)
    return python


def describe(python: Path) -> str:
    """Version and real path of an interpreter: builds differ (PGO/LTO or not) and so does speed."""
    probe = "import os, platform, sys; print(platform.python_version(), os.path.realpath(sys.executable))"
    return subprocess.run([str(python), "-c", probe], capture_output=True, text=True).stdout.strip()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], **kw) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU seconds (user + system, every descendant): on a shared machine
    the CPU figure is the steadier one."""
    cpu = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return time.perf_counter() - start, _children_cpu() - cpu, result


def run_baseline(work: Path, files: list[Path]) -> tuple[float, float, set[str]]:
    script = work / "validate-migration-grep.sh"
    loop = work / "ci-loop.sh"
    script.write_text(BASELINE_SCRIPT, encoding="utf-8")
    loop.write_text(BASELINE_LOOP, encoding="utf-8")
    script.chmod(0o755)
    listing = work / "baseline-files.txt"
    listing.write_text("".join(f"{p}\n" for p in files), encoding="utf-8")
    flagged = work / "baseline-flagged.txt"
    seconds, cpu, result = timed(["bash", str(loop), str(script), str(listing), str(flagged)])
    if result.returncode != 0:
        raise SystemExit(f"baseline loop failed: {result.stderr}")
    return seconds, cpu, {Path(line).name for line in flagged.read_text(encoding="utf-8").splitlines() if line}


def run_engine(directory: Path, files: list[Path], runs: int) -> tuple[list[float], float, set[str], str]:
    """Wall time of each run of `lint --format json <dir>` and the median CPU; falls back
    to a file list if the CLI does not expand directories."""
    cmd = engine_command() + ["lint", "--format", "json", str(directory)]
    how = "<dir>"
    times, cpus = [], []
    report = None
    for _ in range(runs):
        seconds, cpu, result = timed(cmd, env=engine_env())
        report = _report(result)
        if report is None or report["summary"]["files"] != len(files):
            cmd = engine_command() + ["lint", "--format", "json", *map(str, files)]
            how = "<file list>"
            seconds, cpu, result = timed(cmd, env=engine_env())
            report = _report(result)
            if report is None:
                raise SystemExit(f"migration-guard lint failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
        times.append(seconds)
        cpus.append(cpu)
    flagged = {Path(f["path"]).name for f in report["findings"]
               if not f["bypassed"] and f["severity"] == "error"}
    if report["summary"]["files"] != len(files):
        raise SystemExit(f"migration-guard linted {report['summary']['files']} files, expected {len(files)}")
    return times, statistics.median(cpus), flagged, how


def peak_memory_mb(cmd: list[str]) -> float:
    """The largest resident set of any one process of ``cmd`` (the CLI or a worker).

    Measured from a fresh process, whose children are only ``cmd``'s processes: this
    script's own children include pip and the grep loop.
    """
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    result = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, env=engine_env())
    return int(result.stdout.strip() or 0) / 1024


def _report(result: subprocess.CompletedProcess) -> dict | None:
    if result.returncode not in (0, 1):
        return None
    try:
        return json.loads(result.stdout)
    except ValueError:
        return None


def startup(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median wall and CPU milliseconds."""
    samples, cpus = [], []
    for _ in range(runs):
        seconds, cpu, result = timed(cmd, env=env)
        if result.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
        samples.append(seconds)
        cpus.append(cpu)
    return statistics.median(samples) * 1000, statistics.median(cpus) * 1000


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="revision files to generate (default 2000)")
    parser.add_argument("--baseline-files", type=int, default=None,
                        help="run the grep baseline on only the first N files and extrapolate its time")
    parser.add_argument("--engine-runs", type=int, default=5, help="median of this many full engine runs")
    parser.add_argument("--python", default=None,
                        help="run the engine with this interpreter, in a fresh venv holding this checkout")
    parser.add_argument("--startup-runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20251115)
    parser.add_argument("--keep", type=Path, default=None, help="generate into DIR and keep it")
    parser.add_argument("--check", action="store_true", help="exit 1 if a speed target is missed")
    parser.add_argument("--skip-siblings", action="store_true",
                        help="do not time linting one file inside the full versions directory")
    args = parser.parse_args(argv)

    global PYTHON
    work = args.keep or Path(tempfile.mkdtemp(prefix="mg-lint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    versions = work / "alembic" / "versions"
    try:
        if args.python:
            PYTHON = install_into_venv(args.python, work)
        print(f"engine interpreter: {describe(PYTHON)}")
        if versions.exists():
            shutil.rmtree(versions)
        revisions = write_tree(versions, args.files, args.seed)
        files = sorted(versions / r.name for r in revisions)
        truth = {r.name for r in revisions if r.destructive}
        size = sum(p.stat().st_size for p in files)
        print(f"generated {len(files)} revisions, {size / 1e6:.1f} MB, in {versions}")
        print(f"  {len(truth)} with an unacknowledged destructive upgrade(), "
              f"{sum(1 for r in revisions if r.bypassed)} with acknowledged ones")

        sample = files[: args.baseline_files] if args.baseline_files else files
        base_s, base_cpu, base_flagged = run_baseline(work, sample)
        base_per_file = base_s / len(sample)
        base_total = base_per_file * len(files)

        eng_runs, eng_cpu, eng_flagged, how = run_engine(versions, files, args.engine_runs)
        eng_s = statistics.median(eng_runs)
        eng_rss_mb = peak_memory_mb(engine_command() + ["lint", "--format", "json", str(versions)])
        # Start-up is measured on a copy standing alone: linting a file also reads its
        # sibling revisions for the revision-graph rules, a cost measured separately below.
        small = min(files, key=lambda p: p.stat().st_size)
        small_size = small.stat().st_size
        alone = work / "startup" / small.name
        alone.parent.mkdir(exist_ok=True)
        shutil.copyfile(small, alone)
        lint_one = engine_command() + ["lint", "--format", "json", str(alone)]
        start_ms, start_cpu_ms = startup(lint_one, args.startup_runs, env=engine_env())
        python_ms, python_cpu_ms = startup([str(PYTHON), "-c", "pass"], args.startup_runs)
        among_ms = among_cpu_ms = None
        if not args.skip_siblings:
            among_ms, among_cpu_ms = startup(engine_command() + ["lint", "--format", "json", str(small)], 1,
                                             env=engine_env())
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    names = {p.name for p in files}
    sampled = {p.name for p in sample}
    truth_sample = truth & sampled

    def correct(flagged: set[str], universe: set[str], expected: set[str]) -> str:
        right = sum((n in flagged) == (n in expected) for n in universe)
        return f"{right}/{len(universe)}"

    speedup = base_total / eng_s
    extrapolated = len(sample) < len(files)
    rows = [
        ("tool", "files", "wall s", "cpu s", "files/s", "files/cpu-s", "flagged", "right vs truth"),
        ("grep baseline (record)", f"{len(sample)}", f"{base_s:.2f}", f"{base_cpu:.2f}",
         f"{len(sample) / base_s:.0f}", f"{len(sample) / base_cpu:.0f}",
         f"{len(base_flagged)}", correct(base_flagged, sampled, truth_sample)),
        (f"migration-guard lint {how}", f"{len(files)}", f"{eng_s:.2f}", f"{eng_cpu:.2f}",
         f"{len(files) / eng_s:.0f}", f"{len(files) / eng_cpu:.0f}",
         f"{len(eng_flagged)}", correct(eng_flagged, names, truth)),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print()
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) if j == 0 else cell.rjust(w) for j, (cell, w) in enumerate(zip(row, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print()
    if extrapolated:
        print(f"baseline sampled: {len(sample)} of {len(files)} files, {base_per_file * 1000:.1f} ms/file, "
              f"extrapolated to {base_total:.1f} s for all {len(files)}")
    else:
        print(f"baseline: {base_per_file * 1000:.1f} ms/file")
    wall_ok = eng_s * 2000 / len(files) < TARGET_WALL_2000
    cpu_speedup = base_cpu / len(sample) * len(files) / eng_cpu
    print(f"speed-up: {speedup:.1f}x wall, {cpu_speedup:.1f}x cpu  "
          f"(target >= {TARGET_SPEEDUP:.0f}x wall: {verdict(speedup >= TARGET_SPEEDUP)})")
    print(f"engine wall for {len(files)} files: {eng_s:.2f} s ({eng_cpu:.2f} s cpu), median of {args.engine_runs}"
          f" (each: {', '.join(f'{t:.2f}' for t in eng_runs)})"
          f"  (target < {TARGET_WALL_2000:.0f} s per 2,000: {verdict(wall_ok)})")
    print(f"peak memory of one engine process (CLI or worker): {eng_rss_mb:.0f} MB")
    print(f"start-up: lint one {small_size}-byte file {start_ms:.0f} ms ({start_cpu_ms:.0f} ms cpu), "
          f"python -c pass {python_ms:.0f} ms ({python_cpu_ms:.0f} ms cpu),"
          f" median of {args.startup_runs}  (target < {TARGET_STARTUP_MS:.0f} ms: "
          f"{verdict(start_ms < TARGET_STARTUP_MS)})")

    if among_ms is not None:
        # The record's CI loop calls the validator once per file, so this per-call
        # cost is paid once per revision in the directory.
        print(f"one file inside the {len(files)}-file versions dir: {among_ms:.0f} ms ({among_cpu_ms:.0f} ms cpu); "
              f"the record's per-file CI loop would pay it {len(files)} times: "
              f"~{among_ms * len(files) / 1000:.0f} s")
    both = base_flagged & eng_flagged
    print(f"agreement on the {len(sample)} files both ran: both flag {len(both)}, "
          f"grep only {len(base_flagged - eng_flagged)}, engine only {len(eng_flagged & sampled - base_flagged)}, "
          f"neither {len(sampled - base_flagged - eng_flagged)}")
    missed = speedup < TARGET_SPEEDUP or not wall_ok or start_ms >= TARGET_STARTUP_MS
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
