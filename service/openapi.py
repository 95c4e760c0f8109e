"""OpenAPI 3.0 output: OGC API - Features asks for OAS 3.0, FastAPI writes 3.1.

The differences that matter here are how a nullable value is written (3.1: ``anyOf`` with
``{"type": "null"}``; 3.0: ``nullable: true``) and ``examples`` arrays in schemas.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_NULL_OPTION = {"nullable": True}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _document_problems(schema: dict[str, Any]) -> None:
    """Describe errors as they are sent: problem+json with any 4xx, never FastAPI's 422.

    The exception handlers turn request validation errors into 400, and domain errors into
    401/403/404/413/415; the generated document promised 422 ``HTTPValidationError`` instead.
    """
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    schemas = schema["components"]["schemas"]
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    problem_content = {"application/problem+json": {"schema": _PROBLEM_REF}}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, response in responses.items():
                if str(status).startswith("4"):
                    response["content"] = problem_content
            responses["4XX"] = {"description": "client error", "content": problem_content}


def _downgrade(node: Any) -> Any:
    if isinstance(node, list):
        return [_downgrade(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _downgrade(value) for key, value in node.items()}
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        # Children were converted first, so the null option already reads {"nullable": true}.
        if isinstance(options, list) and _NULL_OPTION in options:
            rest = [o for o in options if o != _NULL_OPTION]
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
    _document_problems(schema)
    converted: dict[str, Any] = _downgrade(schema)
    converted["openapi"] = "3.0.3"
    return converted
