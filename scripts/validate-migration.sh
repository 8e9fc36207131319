#!/usr/bin/env bash
# CI safety validator for one Alembic revision file.
#
# Drop-in replacement for the original grep-based scripts/validate-migration.sh:
# same usage, same exit codes (0 pass, 1 destructive or usage error), the same
# kind of messages. The analysis itself is migration-guard's, so docstrings,
# comments, downgrade() and WHERE-qualified DELETEs no longer trip it, and a
# bypass must be a real Python comment carrying a reason.
#
# Usage: ./scripts/validate-migration.sh <migration_file>
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
    # The old script silently ignored extra arguments, so a glob passed here
    # validated only its first file; refuse instead of passing the rest unchecked.
    if [[ $# -gt 1 ]]; then
        echo "ERROR: Expected exactly one migration file, got $#" >&2
    else
        echo "ERROR: No migration file provided" >&2
    fi
    echo "Usage: $0 <migration_file>" >&2
    exit 1
fi

MIGRATION_FILE=$1
if [[ ! -f "$MIGRATION_FILE" ]]; then
    echo "ERROR: Migration file not found: $MIGRATION_FILE" >&2
    exit 1
fi

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname -- "$script_dir")

# An installed migration-guard wins; otherwise run the package from this
# checkout, with the checkout's own venv when it has one (the system python
# usually lacks pglast).
engine_python=""
if command -v migration-guard >/dev/null 2>&1; then
    engine=(migration-guard)
else
    if [[ -x "$repo_root/.venv/bin/python" ]]; then
        engine_python="$repo_root/.venv/bin/python"
    elif command -v python3 >/dev/null 2>&1; then
        engine_python=python3
    else
        echo "ERROR: neither migration-guard nor python3 found on PATH" >&2
        exit 1
    fi
    export PYTHONPATH="$repo_root${PYTHONPATH:+:$PYTHONPATH}"
    engine=("$engine_python" -m validator)
fi

# The formatter needs only the standard library, so any python 3 will do.
if command -v python3 >/dev/null 2>&1; then
    formatter_python=python3
elif [[ -n "$engine_python" ]]; then
    formatter_python=$engine_python
else
    formatter_python=""
fi

# A newline in a file name must not start a fresh log line (a `::` workflow command).
display_name=${MIGRATION_FILE//$'\n'/ }
display_name=${display_name//$'\r'/ }
printf -- '--- [CI Safety Validator] Analyzing: %s ---\n' "$display_name"

json_file=$(mktemp)
err_file=$(mktemp)
trap 'rm -f -- "$json_file" "$err_file"' EXIT

rc=0
"${engine[@]}" lint --format json --fail-on error -- "$MIGRATION_FILE" >"$json_file" 2>"$err_file" || rc=$?

case "$rc" in
    0 | 1) ;;
    2)
        # The record's contract has no exit code 2: a configuration error fails the check.
        echo "ERROR: migration-guard configuration or usage error:" >&2
        cat -- "$err_file" >&2
        echo "⛔️ VALIDATION FAILED: the validator could not run." >&2
        exit 1
        ;;
    *)
        echo "ERROR: migration-guard failed with exit code $rc:" >&2
        cat -- "$err_file" >&2
        echo "⛔️ VALIDATION FAILED: the validator could not run." >&2
        exit 1
        ;;
esac
if [[ -s "$err_file" ]]; then
    cat -- "$err_file" >&2
fi

if [[ -z "$formatter_python" ]]; then
    # No interpreter to pretty-print with: the raw report still tells the story.
    cat -- "$json_file"
    if [[ "$rc" -eq 0 ]]; then
        echo "✅ VALIDATION PASSED: No destructive patterns found."
    else
        echo "⛔️ VALIDATION FAILED: This migration contains destructive operations."
    fi
    echo "---"
    exit "$rc"
fi

status=0
"$formatter_python" - "$json_file" "$rc" <<'PY' || status=$?
import json
import sys

report_path, engine_rc = sys.argv[1], int(sys.argv[2])
try:
    with open(report_path, encoding="utf-8") as fh:
        findings = json.load(fh)["findings"]
    findings = [f for f in findings if isinstance(f, dict)]
except (OSError, ValueError, KeyError, TypeError) as exc:
    print(f"ERROR: migration-guard printed no readable JSON report: {exc}", file=sys.stderr)
    print("⛔️ VALIDATION FAILED: the validator could not run.")
    sys.exit(1)


def clean(value, limit=160):
    """One printable line: repository text must not forge log lines or escapes."""
    text = " ".join(str(value or "").split())
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The engine's sentences run longer than a statement excerpt (MG211 names the table and the env.py it read):
# cut them later, so the reason is not the part that is lost.
MESSAGE_LIMIT = 240


def origin(f):
    return f"{clean(f.get('code'))} {clean(f.get('rule'))}, line {f.get('line')}"


def destructive(f):
    return str(f.get("code", "")).startswith("MG1")


active = [f for f in findings if not f.get("bypassed")]
errors = [f for f in active if f.get("severity") == "error"]
warnings = [f for f in active if f.get("severity") != "error"]
bypassed = [f for f in findings if f.get("bypassed")]

for f in errors:
    if destructive(f):
        print(f"⛔️ DANGER: Destructive pattern found: '{clean(f.get('statement'))}' ({origin(f)})")
    else:
        shown = f": '{clean(f.get('statement'))}'" if f.get("statement") else ""
        print(f"⛔️ DANGER: {clean(f.get('message'), MESSAGE_LIMIT)}{shown} ({origin(f)})")
for f in warnings:
    print(f"⚠️  WARNING: {clean(f.get('message'), MESSAGE_LIMIT)} ({origin(f)})")



def acknowledged():
    """The audit trail: what a bypass waved through, and why."""
    if bypassed:
        print(f"Acknowledged with CI:DESTRUCTIVE_OK ({len(bypassed)}):")
        for f in bypassed:
            print(f"  - '{clean(f.get('statement'))}' ({origin(f)}): {clean(f.get('bypass_reason'))}")


if engine_rc == 0:
    print("✅ VALIDATION PASSED: No destructive patterns found.")
    acknowledged()
    print("---")
    sys.exit(0)

if any(destructive(f) for f in errors) or not errors:
    print("⛔️ VALIDATION FAILED: This migration contains destructive operations.")
else:
    print("⛔️ VALIDATION FAILED: This migration could not be validated safely.")
print()
print("Detected patterns:")
lines_by_rule = {}
for f in errors:
    lines_by_rule.setdefault(f"{clean(f.get('code'))} {clean(f.get('rule'))}", []).append(str(f.get("line")))
for rule, lines in lines_by_rule.items():
    label = "line" if len(lines) == 1 else "lines"
    print(f"  - {rule} ({label} {', '.join(lines)})")
if bypassed:
    print()
    acknowledged()
print()
print("This CI check prevents accidental data loss from automated deployments.")
print()
print("If this destructive operation is intentional:")
print("  1. Document the reason in an ADR (Architecture Decision Record)")
print("  2. Add a '# CI:DESTRUCTIVE_OK <reason>' comment to the destructive line;")
print("     the reason is required: a bare token bypasses nothing")
print("  3. Include the ADR reference in the reason")
print()
print("Example:")
print("  op.drop_table('deprecated_table')  # CI:DESTRUCTIVE_OK See ADR-015 for deprecation timeline")
print("---")
sys.exit(1)
PY
exit "$status"
