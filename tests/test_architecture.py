"""The import rules of ARCHITECTURE.md, checked by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mailer
import mailer.core.errors
import mailer.core.models

PACKAGE = Path(mailer.__file__).parent
PURE_CORE = {
    "mailer.core.roster.rows",
    "mailer.core.edition.render",
    "mailer.core.delivery.plan",
    "mailer.core.bounces.policy",
}
PURE_CORE |= {
    "mailer.core.edition.dates",
    "mailer.core.edition.markup",
    "mailer.core.edition.catalogue",
    "mailer.core.yaml_lines",
}
PURE_CORE |= {"mailer.core.edition.content", "mailer.core.edition.letter"}
PURE_CORE |= {"mailer.core.roster.read", "mailer.core.roster.merge", "mailer.core.roster.values"}
PURE_CORE |= {
    "mailer.core.schedule.spec",
    "mailer.core.schedule.times",
    "mailer.providers.sendgrid.events",
}
# The core may use our vocabulary and the shipped reference data, nothing with side effects.
CORE_MAY_IMPORT = {"mailer.core.models", "mailer.core.errors", "mailer.core.regions"}
CORE_FORBIDDEN_LIBS = {
    "os", "socket", "sqlalchemy", "httpx", "requests", "sendgrid", "python_http_client",
    "subprocess", "urllib.request", "time", "shutil", "uvicorn", "fastapi", "apscheduler",
}  # fmt: skip
ENTRY_POINTS = (
    "mailer.cli",
    "mailer.web",
    "mailer.scheduler.service",
    "mailer.demo.run",
    "mailer.__main__",
)


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {
    _module_name(p): _imports(p)
    for p in sorted(PACKAGE.rglob("*.py"))
    if "migrations" not in p.parts
}


def _ours(imports: set[str]) -> set[str]:
    return {name for name in imports if name == "mailer" or name.startswith("mailer.")}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("module", ["mailer.core.models", "mailer.core.errors"])
def test_vocabulary_modules_import_nothing_of_ours(module: str) -> None:
    assert _ours(MODULES[module]) == set()


@pytest.mark.parametrize("module", sorted(m for m in PURE_CORE if m in MODULES))
def test_pure_core_imports_only_vocabulary_and_no_io_libraries(module: str) -> None:
    imports = MODULES[module]
    # core modules may import each other (roster -> roster_read), nothing else of ours
    allowed = CORE_MAY_IMPORT | PURE_CORE
    ours = {n for n in _ours(imports) if not any(_within(n, a) for a in allowed)}
    assert ours == set(), f"{module} imports {ours}"
    io_libs = {n for n in imports if any(_within(n, lib) for lib in CORE_FORBIDDEN_LIBS)}
    assert io_libs == set(), f"{module} imports {io_libs}"


@pytest.mark.parametrize(
    "module",
    sorted(m for m in MODULES if _within(m, "mailer.store") or _within(m, "mailer.providers")),
)
def test_adapters_never_import_the_pipeline_or_entry_points(module: str) -> None:
    bad = {
        n
        for n in _ours(MODULES[module])
        if any(_within(n, p) for p in ("mailer.pipeline", *ENTRY_POINTS))
    }
    assert bad == set(), f"{module} imports {bad}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_nothing_outside_an_entry_point_imports_an_entry_point(module: str) -> None:
    if any(_within(module, entry) for entry in ENTRY_POINTS):
        return
    for entry in ENTRY_POINTS:
        bad = {n for n in _ours(MODULES[module]) if _within(n, entry)}
        assert bad == set(), f"{module} imports entry point {bad}"


def test_public_names_of_the_vocabulary_are_pinned() -> None:
    assert sorted(mailer.core.models.__all__) == [
        "CompiledVariant", "Contact", "ContactStatus", "DeliveryEvent", "DeliveryState",
        "EventType", "Language", "OrgType", "OutgoingMessage", "Recipient", "Region", "Role",
        "SendOutcome", "Variant",
    ]  # fmt: skip
    for name in mailer.core.models.__all__ + mailer.core.errors.__all__:
        assert hasattr(mailer.core.models, name) or hasattr(mailer.core.errors, name)


def test_every_error_derives_from_the_one_base() -> None:
    for name in mailer.core.errors.__all__:
        assert issubclass(getattr(mailer.core.errors, name), mailer.core.errors.MailerError)
