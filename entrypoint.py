#!/usr/bin/env python3
"""The container's entry point: run the migration-guard action (validator.github.action).

Works from an installed package or from a checkout (``python entrypoint.py``).
"""
import gc
import os
import sys

# A short batch process: its imports (PyGithub, pglast) allocate hundreds of thousands of
# objects, and the cyclic collector spends a third of a second walking them for nothing.
# Parse trees hold no reference cycles, so memory stays the same without it.
gc.disable()


def _run() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(1, here)  # after the installed packages: an installed validator wins
    try:
        from validator.github.action import main

        return main()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback on the job page, but a clear error
        detail = f"{type(exc).__name__}: {exc}".replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::error title=migration-guard::internal error ({detail[:500]})", flush=True)
        if os.environ.get("RUNNER_DEBUG") == "1":
            import traceback

            traceback.print_exc()
        return 2


if __name__ == "__main__":
    code = _run()
    sys.stdout.flush()
    sys.stderr.flush()
    # Every file was written and closed inside _run; tearing down the interpreter's module
    # graph would only add a few hundred milliseconds to each job.
    os._exit(code)
