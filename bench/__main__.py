"""``python -m bench``: every benchmark script of this folder, one after the other.

Runs each ``bench/*.py`` (not the helpers whose names start with ``_``) as its own process
with no arguments, so each uses its defaults and prints its own figures; then lists how
long each took and which failed. Exit status 1 if any failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_"))


def main() -> int:
    results = []
    for script in scripts():
        print(f"== {script.name}", flush=True)
        started = time.monotonic()
        code = subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode
        results.append((script.name, code, time.monotonic() - started))
    print("== summary")
    for name, code, seconds in results:
        print(f"  {name}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {seconds:.0f} s")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
