"""OpenAPI 3.0 output: OGC API - Features asks for OAS 3.0, FastAPI writes 3.1.

The differences that matter here are how a nullable value is written (3.1: ``anyOf`` with
``{"type": "null"}``; 3.0: ``nullable: true``) and ``examples`` arrays in schemas.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi


def _downgrade(node: Any) -> Any:
    if isinstance(node, list):
        return [_downgrade(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _downgrade(value) for key, value in node.items()}
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            node.pop(key)
            if len(rest) == 1:
                node.update(rest[0])
            else:
                node[key] = rest
            node["nullable"] = True
    if node.get("type") == "null":
        node.pop("type")
        node["nullable"] = True
    if isinstance(node.get("examples"), list) and "example" not in node and "in" not in node:
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    node.pop("const", None) if "enum" in node else None
    if "const" in node:
        node["enum"] = [node.pop("const")]
    return node


def openapi_30(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document in version 3.0.3."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    converted: dict[str, Any] = _downgrade(schema)
    converted["openapi"] = "3.0.3"
    return converted
