#!/usr/bin/env python3
"""Set up and run: the two Quickstart commands (see README).

    python3 dev.py demo   # venv + install, then the main job on SQLite + the file outbox
    python3 dev.py test   # venv + install with dev tools, then ruff, mypy and pytest

Needs only Python 3.11+ (standard library) to start; everything else is installed into ./.venv.
Extra arguments after `test` go to pytest, after `demo` to `mailer demo`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def setup(extras: str) -> None:
    if not (BIN / "python").exists():
        print(f"+ creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    pyproject = ROOT / "pyproject.toml"
    if stamp.exists() and stamp.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", target)
    stamp.touch()


def main(argv: list[str]) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036  (dev.py may be started by an older python3)
        sys.exit("vipu-mailer needs Python 3.11 or newer")
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    if command == "demo":
        setup("")
        run(BIN / "mailer", "demo", *rest)
    elif command == "test":
        setup("dev")
        run(BIN / "ruff", "check", "mailer", "tests", "bench", "dev.py")
        run(BIN / "ruff", "format", "--check", "mailer", "tests", "bench", "dev.py")
        run(BIN / "mypy", "mailer")
        run(BIN / "python", "-m", "pytest", *rest)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
