"""The settings as the admins' settings page shows them (`/settings`): every variable, its
value, and where the value came from. A secret's value never leaves `Settings`: only whether it
is set. Reads the environment's variable names (never their values) to tell a value that came
from the environment from one that came from mailer.toml."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import NamedTuple

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from mailer.config import ENV_PREFIX, POLICY_PREFIX, Settings

__all__ = ["SettingRow", "SettingSource", "setting_rows"]


class SettingSource(StrEnum):
    ENVIRONMENT = "environment"
    FILE = "file"  # mailer.toml
    DEFAULT = "default"


class SettingRow(NamedTuple):
    """One setting as the admins' settings page shows it: a secret's value is never here."""

    variable: str
    value: str | None  # None for a secret (see `secret_set`)
    secret_set: bool | None  # None: not a secret
    source: SettingSource


def _shown(name: str, value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if value is None:
        return ""
    text = str(value)
    if name == "database_url":  # a password in the URL stays in the environment
        text = re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", text)
    return text


def _rows(model: BaseSettings, prefix: str, environ: Mapping[str, str]) -> list[SettingRow]:
    rows = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseSettings):
            continue
        variable = prefix + name.upper()
        if variable in environ:
            source = SettingSource.ENVIRONMENT
        elif name in model.model_fields_set:
            source = SettingSource.FILE
        else:
            source = SettingSource.DEFAULT
        if isinstance(value, SecretStr) or name.endswith(("_key", "_secret", "_password")):
            rows.append(SettingRow(variable, None, bool(value), source))
        else:
            rows.append(SettingRow(variable, _shown(name, value), None, source))
    return rows


def setting_rows(settings: Settings) -> list[SettingRow]:
    """Every setting with where its value came from, in the order the README lists them."""
    environ = {k.upper(): v for k, v in os.environ.items()}
    return [
        *_rows(settings, ENV_PREFIX, environ),
        *_rows(settings.policy, POLICY_PREFIX, environ),
    ]
