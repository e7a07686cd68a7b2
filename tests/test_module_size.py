"""Every module of the package stays short enough to read in one sitting (the project's rule:
under 400 lines); a module that outgrows it is split by what its parts do."""

from __future__ import annotations

from pathlib import Path

import pytest

import mailer

PACKAGE = Path(mailer.__file__).resolve().parent
MAX_LINES = 400


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_every_module_of_the_package_is_under_the_limit() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50  # the walk found the package, not an empty folder
    too_long = {
        str(p.relative_to(PACKAGE.parent)): n for p in modules if (n := line_count(p)) > MAX_LINES
    }
    assert too_long == {}, f"modules over {MAX_LINES} lines: {too_long}"


@pytest.mark.parametrize(("lines", "over"), [(MAX_LINES, False), (MAX_LINES + 1, True)])
def test_the_count_is_of_lines_in_the_file(tmp_path: Path, lines: int, over: bool) -> None:
    module = tmp_path / "long.py"
    module.write_text("x = 1\n" * lines, encoding="utf-8")
    assert (line_count(module) > MAX_LINES) is over
