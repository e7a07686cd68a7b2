"""PURE: the UI strings of the letter, one YAML catalogue per language (templates/i18n/*.yaml).

Templates never hold words: they look strings up here, so a Swedish letter cannot contain a
Finnish label by accident. Both catalogues must have exactly the same keys and no empty string
(`catalogue_problems`), which the edition check enforces before anything is rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Any

import yaml

from mailer.core.models import Language, Role

__all__ = ["Catalogue", "catalogue_problems", "flat_keys", "parse_catalogue", "role_labels"]

Catalogue = dict[str, Any]  # nested mapping of str -> str | Catalogue


def parse_catalogue(text: str, file: str) -> Catalogue:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ValueError(f"{file}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"{file}: a catalogue is a YAML mapping of keys to strings")
    return data


def flat_keys(catalogue: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"footer": {"why": "..."}}` -> `{"footer.why": "..."}`."""
    flat: dict[str, Any] = {}
    for key, value in catalogue.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flat_keys(value, name + "."))
        else:
            flat[name] = value
    return flat


def catalogue_problems(catalogues: Mapping[Language, Mapping[str, Any]]) -> list[str]:
    """Every key present in one language and not the other, and every non-string or empty value."""
    problems: list[str] = []
    flats = {language: flat_keys(cat) for language, cat in catalogues.items()}
    every = set().union(*(flat.keys() for flat in flats.values())) if flats else set()
    for language in Language:
        flat = flats.get(language)
        if flat is None:
            problems.append(f"{language.value}: the catalogue is missing")
            continue
        for key in sorted(every - flat.keys()):
            problems.append(f"{language.value}: {key}: missing (present in another language)")
        for key, value in sorted(flat.items()):
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{language.value}: {key}: must be a non-empty string")
    problems.extend(_placeholder_problems(flats))
    for language in Language:
        roles = catalogues.get(language, {}).get("roles", {})
        for role in Role:
            if not isinstance(roles, Mapping) or role.value not in roles:
                problems.append(f"{language.value}: roles.{role.value}: missing")
    return problems


def _placeholders(value: str) -> set[str]:
    try:
        return {name for _, name, _, _ in Formatter().parse(value) if name is not None}
    except ValueError:
        return {"(unbalanced braces)"}


def _placeholder_problems(flats: Mapping[Language, Mapping[str, Any]]) -> list[str]:
    """A `{placeholder}` must be the same in every language: the template fills the same names."""
    problems: list[str] = []
    fi, sv = flats.get(Language.FI, {}), flats.get(Language.SV, {})
    for key in sorted(fi.keys() & sv.keys()):
        if not (isinstance(fi[key], str) and isinstance(sv[key], str)):
            continue
        ours, theirs = _placeholders(fi[key]), _placeholders(sv[key])
        if ours != theirs:
            problems.append(
                f"sv: {key}: placeholders {sorted(theirs)} differ from fi {sorted(ours)}"
            )
    return problems


def role_labels(catalogue: Mapping[str, Any]) -> dict[str, str]:
    """Role value -> its label in the catalogue's language (CompiledVariant.role_labels)."""
    roles = catalogue.get("roles", {})
    return {role.value: str(roles[role.value]) for role in Role if role.value in roles}
