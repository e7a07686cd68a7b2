"""PURE: the workspace editor's form, both ways: an edition's data as form fields, the posted
fields back as edition data, the add/remove/move buttons, and the YAML text a save stores.

A field's name is the path a problem names (`national[1].body.sv`, `regional.hyks[0].title.fi`,
`events[2].start`: `content.field_name`), so every problem of the import's validation and of the
check lands next to the field it concerns without a mapping table. The form holds strings only;
`edition_data` drops the optional parts left empty (a link, a place, an image) and turns the
check boxes into `online: true` and a region list. The stored text is produced here, in one
fixed layout, so saving the same content twice gives the same text; comments of an imported file
do not survive a save from the form (the import/export keeps them).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from mailer.core.models import Region

__all__ = [
    "LISTS",
    "apply_action",
    "blank_event",
    "blank_section",
    "edition_data",
    "edition_text",
    "form_view",
    "parse_form",
    "path_id",
]

LANGUAGES = ("fi", "sv")
REGIONS = tuple(r.value for r in Region)
# Every list of items the form edits, by its path (`regional.<region>` per region).
LISTS = ("national", "themes", *(f"regional.{r}" for r in REGIONS), "events")
_TOP_TEXTS = ("subject", "preheader", "intro", "closing")
_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d{1,4})\]")
_ACTION = re.compile(r"^(add|remove|up|down):([a-z.]+)(?:\[(\d{1,4})\])?$")


def _pair(value: Any = None) -> dict[str, str]:
    value = value if isinstance(value, dict) else {}
    return {lang: _string(value.get(lang)) for lang in LANGUAGES}


def _string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)


def blank_section() -> dict[str, Any]:
    return _section({})


def blank_event() -> dict[str, Any]:
    return _event({})


def _section(value: Any) -> dict[str, Any]:
    value = value if isinstance(value, dict) else {}
    link = value.get("link") if isinstance(value.get("link"), dict) else {}
    image = value.get("image") if isinstance(value.get("image"), dict) else {}
    return {
        "title": _pair(value.get("title")),
        "body": _pair(value.get("body")),
        "link": {"url": _string(link.get("url")), "label": _pair(link.get("label"))},
        "image": {
            "src": _string(image.get("src")),
            "alt": _pair(image.get("alt")),
            "width": _string(image.get("width")),
        },
    }


def _event(value: Any) -> dict[str, Any]:
    value = value if isinstance(value, dict) else {}
    regions = value.get("regions")
    listed = [str(r) for r in regions] if isinstance(regions, list) else []
    return {
        "title": _pair(value.get("title")),
        "start": _string(value.get("start")),
        "end": _string(value.get("end")),
        "place": _pair(value.get("place")),
        "online": value.get("online") is True or value.get("online") in ("true", "on"),
        "registration": _string(value.get("registration")),
        "description": _pair(value.get("description")),
        "regions": [r for r in REGIONS if r in listed],
    }


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def form_view(data: Any, month: str) -> dict[str, Any]:
    """Any edition data (valid or not) in the form's full shape: every field present."""
    data = data if isinstance(data, dict) else {}
    regional = data.get("regional") if isinstance(data.get("regional"), dict) else {}
    view: dict[str, Any] = {"month": month}
    for key in _TOP_TEXTS:
        view[key] = _pair(data.get(key))
    view["national"] = [_section(s) for s in _items(data.get("national"))]
    view["themes"] = [_section(s) for s in _items(data.get("themes"))]
    view["regional"] = {r: [_section(s) for s in _items(regional.get(r))] for r in REGIONS}
    view["events"] = [_event(e) for e in _items(data.get("events"))]
    return view


def _path(name: str) -> list[str | int] | None:
    parts: list[str | int] = []
    position = 0
    for match in _TOKEN.finditer(name):
        gap = name[position : match.start()]
        if gap not in ("", ".") or (gap == "" and position and match.group(1)):
            return None
        word, index = match.groups()
        parts.append(word if word is not None else int(index))
        position = match.end()
    return parts if parts and position == len(name) else None


def _put(tree: dict[str, Any], path: list[str | int], value: str) -> None:
    node: Any = tree
    for key in path[:-1]:
        # an int index is kept as a dict key here; `_lists` orders them into lists after
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            return
    node[path[-1]] = value


def _lists(value: Any) -> Any:
    """Dicts keyed by indices become lists, in index order (gaps closed)."""
    if not isinstance(value, dict):
        return value
    if value and all(isinstance(k, int) for k in value):
        return [_lists(value[k]) for k in sorted(value)]
    return {k: _lists(v) for k, v in value.items() if isinstance(k, str)}


def parse_form(fields: list[tuple[str, str]], month: str) -> dict[str, Any]:
    """The posted fields (name = path) in the form's full shape. Text areas post CRLF; a region
    check box posts `events[i].regions` once per region ticked."""
    tree: dict[str, Any] = {}
    regions: dict[int, list[str]] = {}
    for name, raw in fields:
        value = raw.replace("\r\n", "\n").replace("\r", "\n")
        path = _path(name)
        if path is None:
            continue
        if len(path) == 3 and path[0] == "events" and path[2] == "regions":
            regions.setdefault(int(path[1]), []).append(value)
            continue
        _put(tree, path, value)
    data = _lists(tree)
    for index, listed in regions.items():
        events = data.get("events") if isinstance(data.get("events"), list) else []
        if 0 <= index < len(events) and isinstance(events[index], dict):
            events[index]["regions"] = listed
    return form_view(data, month)


def _list_at(view: dict[str, Any], where: str) -> list[Any] | None:
    if where.startswith("regional."):
        found = view["regional"].get(where.removeprefix("regional."))
    else:
        found = view.get(where)
    return found if isinstance(found, list) and where in LISTS else None


def apply_action(view: dict[str, Any], action: str) -> tuple[dict[str, Any], str | None]:
    """Add, remove or move one item (`add:national`, `remove:events[2]`, `up:themes[1]`);
    returns the form and the id of the field to show next (None: the action was not one)."""
    match = _ACTION.match(action)
    if match is None:
        return view, None
    verb, where, index_text = match.groups()
    items = _list_at(view, where)
    if items is None:
        return view, None
    index = int(index_text) if index_text is not None else None
    if verb == "add":
        items.append(blank_event() if where == "events" else blank_section())
        return view, f"{where}[{len(items) - 1}]"
    if index is None or not 0 <= index < len(items):
        return view, None
    if verb == "remove":
        del items[index]
        return view, where
    target = index - 1 if verb == "up" else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        return view, f"{where}[{target}]"
    return view, f"{where}[{index}]"


# --- form -> edition data -> text ------------------------------------------------------------


def _clean(text: str) -> str:
    """One-line values lose surrounding space; a multi-line text keeps its lines and ends with
    one newline (the letter strips it anyway), so it is stored as a `|` block."""
    text = text.strip()
    return text + "\n" if "\n" in text else text


def _texts(pair: dict[str, str]) -> dict[str, str]:
    return {lang: _clean(pair.get(lang, "")) for lang in LANGUAGES}


def _optional_texts(pair: dict[str, str]) -> dict[str, str] | None:
    texts = _texts(pair)
    return texts if any(texts.values()) else None


def _section_data(section: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"title": _texts(section["title"]), "body": _texts(section["body"])}
    link = section["link"]
    label = _optional_texts(link["label"])
    if link["url"].strip() or label:
        out["link"] = {"url": link["url"].strip(), "label": label or _texts(link["label"])}
    image = section["image"]
    alt = _optional_texts(image["alt"])
    if image["src"].strip() or alt:
        out["image"] = {"src": image["src"].strip(), "alt": alt or _texts(image["alt"])}
        if image["width"].strip():
            width = image["width"].strip()
            out["image"]["width"] = int(width) if width.isdigit() else width
    return out


def _event_data(event: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"title": _texts(event["title"]), "start": event["start"].strip()}
    if event["end"].strip():
        out["end"] = event["end"].strip()
    place = _optional_texts(event["place"])
    if place:
        out["place"] = place
    if event["online"]:
        out["online"] = True
    out["registration"] = event["registration"].strip()
    description = _optional_texts(event["description"])
    if description:
        out["description"] = description
    if event["regions"]:
        out["regions"] = list(event["regions"])
    return out


def edition_data(view: dict[str, Any]) -> dict[str, Any]:
    """The edition as the YAML file holds it, in the file's usual order."""
    data: dict[str, Any] = {"month": view["month"]}
    for key in ("subject", "preheader", "intro"):
        data[key] = _texts(view[key])
    data["national"] = [_section_data(s) for s in view["national"]]
    if view["themes"]:
        data["themes"] = [_section_data(s) for s in view["themes"]]
    regional = {r: [_section_data(s) for s in view["regional"][r]] for r in REGIONS}
    if any(regional.values()):
        data["regional"] = {r: sections for r, sections in regional.items() if sections}
    if view["events"]:
        data["events"] = [_event_data(e) for e in view["events"]]
    data["closing"] = _texts(view["closing"])
    return data


class _Dumper(yaml.SafeDumper):
    """Block style throughout; multi-line texts as `|` blocks and list items indented under
    their key, as a person writes them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def edition_text(data: dict[str, Any]) -> str:
    """The YAML text of edition data: the same data always gives the same text."""
    text = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100_000,  # never fold a long line: a coordinator's export stays greppable
        indent=2,
    )
    return text.rstrip("\n") + "\n"


def path_id(path: str) -> str:
    """An HTML id for a field path (`national[1].body.sv` -> `f-national-1-body-sv`)."""
    return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")
