"""Dotted paths into scenario documents: the one way to copy, read and write a nested scenario dict.

A path names a field as the YAML nests it (``rag.reranker.candidates``); an override's path is
``overrides.<catalog key>`` and the catalog key may itself hold dots, so everything after the
prefix is one key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args, get_origin

from pydantic import BaseModel

OVERRIDES = "overrides."


def copy_tree(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: copy_tree(v) for k, v in data.items()}
    if isinstance(data, list):
        return list(data)
    return data


def set_in(data: dict, path: str, value: Any) -> None:
    """Set ``value`` at a dotted path of nested dicts, creating the dicts on the way."""
    if path.startswith(OVERRIDES):
        keys = ["overrides", path[len(OVERRIDES):]]
    else:
        keys = path.split(".")
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = value


def ranges_in_place(data: dict, prefix: str = "") -> dict[str, Any]:
    """Take every ``{dist: ...}`` mapping out of the document; return them by dotted path."""
    found: dict[str, Any] = {}
    for key, value in list(data.items()):
        if not isinstance(key, str) or (not prefix and key == "ranges"):
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict) and "dist" in value:
            found[path] = value
            del data[key]
        elif isinstance(value, dict):
            found.update(ranges_in_place(value, f"{path}."))
    return found


def get_in(data: Any, path: str) -> Any:
    """The value at a dotted path of nested dicts, or None where the path leads nowhere."""
    keys = ["overrides", path[len(OVERRIDES):]] if path.startswith(OVERRIDES) else path.split(".")
    node = data
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation (``Reranker | None`` -> ``Reranker``), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation) if get_origin(annotation) is not None else ():
        found = model_in(arg)
        if found is not None:
            return found
    return None


