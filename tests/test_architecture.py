"""The import rules of docs/architecture.md, derived from where a module lives (no hand-kept list:
a new module is checked by its path alone).

Layers, from the bottom:
- `mailer.core.*`: PURE. Imports only other core modules, no library with side effects
  (database, network, processes, clock, environment); `core.models` and `core.errors` import
  nothing of ours.
- `mailer.config`: settings from the environment.
- adapters `mailer.providers.*`, `mailer.store.*`: the core and config, never each other.
- `mailer.pipeline.*`: joins core and adapters and owns the transactions.
- entry points `mailer.cli`, `mailer.web`, `mailer.scheduler`, `mailer.demo`, `mailer.__main__`:
  call the pipeline; never the store or SQL themselves. Only the CLI starts the others.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import mailer
import mailer.core.errors
import mailer.core.models

PACKAGE = Path(mailer.__file__).parent

CORE = "mailer.core"
VOCABULARY = ("mailer.core.models", "mailer.core.errors")
ADAPTERS = ("mailer.providers", "mailer.store")
PIPELINE = "mailer.pipeline"
ENTRY_POINTS = ("mailer.cli", "mailer.web", "mailer.scheduler", "mailer.demo", "mailer.__main__")
# Libraries whose use means I/O, time or the environment: none of them in the pure core.
IMPURE_LIBS = (
    "os", "socket", "sqlalchemy", "httpx", "requests", "sendgrid", "python_http_client",
    "subprocess", "urllib.request", "time", "shutil", "uvicorn", "fastapi", "starlette",
    "apscheduler", "pydantic_settings", "tempfile", "logging", "random", "secrets",
)  # fmt: skip
# Calls that read the clock or the outside world, caught even through an allowed import.
IMPURE_CALLS = {"now", "utcnow", "today", "open", "getenv", "urandom"}
SQL_LIBS = ("sqlalchemy",)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _within_any(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(_within(name, p) for p in prefixes)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _calls(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                names.add(func.attr)
            elif isinstance(func, ast.Name):
                names.add(func.id)
    return names


def _sources() -> Iterator[tuple[str, ast.AST]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:  # Alembic scripts: generated shape, run by Alembic only
            continue
        yield _module_name(path), ast.parse(path.read_text(encoding="utf-8"))


TREES = dict(_sources())
MODULES = {name: _imports(tree) for name, tree in TREES.items()}


def _ours(imports: set[str]) -> set[str]:
    return {name for name in imports if _within(name, "mailer")}


def violations(
    module: str, imports: set[str], calls: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """Every broken rule for one module, as readable sentences (empty when it is fine)."""
    ours = _ours(imports)
    found: list[str] = []
    if _within_any(module, VOCABULARY) and ours:
        found.append(f"{module} is vocabulary and imports {sorted(ours)}")
    if _within(module, CORE):
        outside = sorted(n for n in ours if not _within(n, CORE))
        if outside:
            found.append(f"{module} is pure core and imports {outside}")
        impure = sorted(n for n in imports if _within_any(n, IMPURE_LIBS))
        if impure:
            found.append(f"{module} is pure core and imports {impure}")
        clock = sorted(calls & IMPURE_CALLS)
        if clock:
            found.append(f"{module} is pure core and calls {clock}")
    if _within_any(module, ADAPTERS):
        adapter = next(a for a in ADAPTERS if _within(module, a))
        higher = sorted(
            n
            for n in ours
            if _within_any(n, (PIPELINE, *ENTRY_POINTS))
            or (_within_any(n, ADAPTERS) and not _within(n, adapter))
        )
        if higher:
            found.append(f"{module} is an adapter and imports {higher}")
    if _within(module, PIPELINE):
        higher = sorted(n for n in ours if _within_any(n, ENTRY_POINTS))
        if higher:
            found.append(f"{module} is pipeline and imports entry points {higher}")
    if _within_any(module, ENTRY_POINTS):
        found.extend(_entry_point_violations(module, imports))
    return found


def _entry_point_violations(module: str, imports: set[str]) -> list[str]:
    found: list[str] = []
    store_or_sql = sorted(
        n for n in imports if _within(n, "mailer.store") or _within_any(n, SQL_LIBS)
    )
    if store_or_sql:
        found.append(f"{module} is an entry point and reaches into storage: {store_or_sql}")
    own = next(e for e in ENTRY_POINTS if _within(module, e))
    # The CLI is the outermost layer: it may start the web service (the app, nothing else of the
    # web), the scheduler and the demo; `python -m mailer` starts the CLI. Nothing else imports
    # another entry point (the demo drives the web app in-process on purpose: its events go
    # through the real webhook handler).
    allowed = {
        "mailer.__main__": (own, "mailer.cli"),
        "mailer.cli": (own, "mailer.web.app", "mailer.scheduler", "mailer.demo"),
        "mailer.demo": (own, "mailer.web.app"),
    }.get(own, (own,))
    others = sorted(
        n for n in _ours(imports) if _within_any(n, ENTRY_POINTS) and not _within_any(n, allowed)
    )
    if others:
        found.append(f"{module} is an entry point and imports another one: {others}")
    return found


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_keeps_the_import_rules_of_its_layer(module: str) -> None:
    assert violations(module, MODULES[module], _calls(TREES[module])) == []


def test_every_module_belongs_to_a_layer() -> None:
    """A module outside the known layers would escape every rule above."""
    known = (CORE, "mailer.config", "mailer.data", *ADAPTERS, PIPELINE, *ENTRY_POINTS)
    stray = sorted(m for m in MODULES if m != "mailer" and not _within_any(m, known))
    assert stray == []


def test_the_pure_core_has_modules_to_check() -> None:
    # guards the path rule itself: if the core moved, every purity check would pass vacuously
    assert sum(1 for m in MODULES if _within(m, CORE)) >= 20


@pytest.mark.parametrize(
    ("module", "imports", "calls"),
    [
        # the leaks a review found before these rules were derived from paths
        ("mailer.web.unsubscribe", {"sqlalchemy", "mailer.store.contacts"}, set()),
        ("mailer.web.admin", {"mailer.store.reports"}, set()),
        ("mailer.cli.reports", {"mailer.web.pages"}, set()),
        ("mailer.demo.run", {"mailer.store.ledger"}, set()),
        ("mailer.core.reports.csv_export", {"mailer.pipeline.reports"}, set()),
        ("mailer.core.models", {"mailer.core.errors"}, set()),
        ("mailer.core.edition.dates", {"datetime"}, {"now"}),
        ("mailer.core.roster.read", {"os"}, set()),
        ("mailer.store.ledger", {"mailer.pipeline.context"}, set()),
        ("mailer.providers.outbox", {"mailer.store.base"}, set()),
        ("mailer.pipeline.send.deliver", {"mailer.cli.common"}, set()),
        ("mailer.web.app", {"mailer.cli"}, set()),
    ],
)
def test_the_rules_catch_a_leak(module: str, imports: set[str], calls: set[str]) -> None:
    assert violations(module, imports, calls) != []


def test_public_names_of_the_vocabulary_are_pinned() -> None:
    assert sorted(mailer.core.models.__all__) == [
        "BatchState", "CompiledVariant", "ContactStatus", "DeliveryEvent", "DeliveryState",
        "EventType", "Language", "OrgType", "OutgoingMessage", "Recipient", "Region", "Role",
        "ScheduleRunOutcome", "SendOutcome", "Variant",
    ]  # fmt: skip
    missing = [
        name
        for name in mailer.core.models.__all__ + mailer.core.errors.__all__
        if not (hasattr(mailer.core.models, name) or hasattr(mailer.core.errors, name))
    ]
    assert missing == []


def test_every_error_derives_from_the_one_base() -> None:
    strays = [
        name
        for name in mailer.core.errors.__all__
        if not issubclass(getattr(mailer.core.errors, name), mailer.core.errors.MailerError)
    ]
    assert strays == []
