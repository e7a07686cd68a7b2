"""The SendGrid boundary: only mailer/providers/sendgrid/ may import the `sendgrid` SDK or its
HTTP client (python_http_client). Everything else speaks our types: Provider, DeliveryEvent,
ProviderError."""

from __future__ import annotations

import ast
from pathlib import Path

import mailer

PACKAGE = Path(mailer.__file__).parent
SENDGRID_PACKAGE = PACKAGE / "providers" / "sendgrid"
SDK = ("sendgrid", "python_http_client")


def _sdk_imports(source: str) -> list[str]:
    """The SDK modules `source` imports, at any depth (function-level imports included)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [n for n in names if n.split(".")[0] in SDK]
    return found


def test_only_the_sendgrid_package_imports_the_sdk() -> None:
    leaks = {
        str(path.relative_to(PACKAGE.parent)): imports
        for path in sorted(PACKAGE.rglob("*.py"))
        if not path.is_relative_to(SENDGRID_PACKAGE)
        and (imports := _sdk_imports(path.read_text(encoding="utf-8")))
    }
    assert leaks == {}


def test_the_sendgrid_package_is_where_the_sdk_is_used() -> None:
    # the walk above must be able to see an import: the package itself has them
    inside = [
        name
        for path in SENDGRID_PACKAGE.rglob("*.py")
        for name in _sdk_imports(path.read_text(encoding="utf-8"))
    ]
    assert "sendgrid" in inside and "python_http_client.exceptions" in inside


def test_the_walk_catches_every_import_form() -> None:
    source = """
import sendgrid
import os, python_http_client.client as phc
from sendgrid.helpers.mail import Mail
def late():
    from python_http_client import exceptions
from mailer.providers.sendgrid import send  # ours, not the SDK
from . import sendgrid as relative  # a relative import is ours too
"""
    assert _sdk_imports(source) == [
        "sendgrid",
        "python_http_client.client",
        "sendgrid.helpers.mail",
        "python_http_client",
    ]
