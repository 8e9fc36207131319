#!/usr/bin/env python3
"""The container's entry point: run the migration-guard action (migration_guard.github.action).

Works from an installed package or from a checkout (``python entrypoint.py``).
"""
import gc
import os
import sys
import time

# A short batch process: its imports (PyGithub, pglast) allocate hundreds of thousands of
# objects, and the cyclic collector spends a third of a second walking them for nothing.
# Parse trees hold no reference cycles, so memory stays the same without it.
gc.disable()


def _internal_error(exc: Exception) -> None:
    try:
        from migration_guard.github.commands import error
    except Exception:  # noqa: BLE001 - the package itself is broken: no repository text to escape
        print(f"::error title=migration-guard::internal error ({type(exc).__name__})", flush=True)
        return
    error(f"internal error ({type(exc).__name__}: {exc}"[:500] + ")")


def _package() -> None:
    """Installed, the package is ``migration_guard``; in a checkout it is the ``validator/`` folder."""
    try:
        import migration_guard  # noqa: F401
    except ImportError:
        import importlib.util

        folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "validator")
        spec = importlib.util.spec_from_file_location(
            "migration_guard", os.path.join(folder, "__init__.py"), submodule_search_locations=[folder])
        module = importlib.util.module_from_spec(spec)
        sys.modules["migration_guard"] = module
        spec.loader.exec_module(module)


def _run() -> int:
    try:
        _package()
        from migration_guard.github.action import main

        return main()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback on the job page, but a clear error
        _internal_error(exc)
        if os.environ.get("RUNNER_DEBUG") == "1":
            import traceback

            traceback.print_exc()
        return 2


def _seconds_since_start() -> float | None:
    """Wall time since this process started (Linux): what the job waits for, start-up included."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            ticks = int(stat.read().rsplit(b")", 1)[1].split()[19])  # field 22, starttime
        return time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


if __name__ == "__main__":
    code = _run()
    if os.environ.get("RUNNER_DEBUG") == "1":  # the job's debug log (re-run with debug logging)
        elapsed = _seconds_since_start()
        if elapsed is not None:
            print(f"::debug::migration-guard: exit code {code}, {elapsed:.2f} s after the process started", flush=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # Every file was written and closed inside _run; tearing down the interpreter's module
    # graph would only add a few hundred milliseconds to each job.
    os._exit(code)
