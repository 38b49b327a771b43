"""The OpenAPI spec beside the repo, for tests that check the SDK and the fake against it.

The spec is not part of the repository. Where it is absent (a plain clone), every test that
needs it skips with the one reason :data:`MISSING`; where ``CI`` is set such a test fails
instead, so CI cannot go green without having checked against the spec.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from typing import Any, NoReturn

import pytest

from tests.conftest import spec_path

# Epoch seconds from 1970 to 2100: the seed shows numbers; a time past year 9999 is an error.
NEWER_TIMES = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 4_102_444_800},
        {"type": "string", "format": "date-time"},
    ]
}


MISSING = "OpenAPI spec not found: set VOCODE_OPENAPI_SPEC or put it at ../shared/"


@functools.cache
def _load() -> dict[str, Any] | None:
    path = spec_path()
    return None if path is None else json.loads(path.read_text())


def missing() -> NoReturn:
    """Skip (a whole module when called at import) with :data:`MISSING`; fail in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{MISSING} (CI is set: the spec tests must run)", pytrace=False)
    pytest.skip(MISSING, allow_module_level=True)


def load() -> dict[str, Any]:
    """The parsed spec, or skip the test (the module, at import) as :func:`missing` says."""
    spec = _load()
    if spec is None:
        missing()
    return spec


def operations() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(operationId, method, path, operation) for every operation in the spec."""
    spec = load()
    return [
        (op["operationId"], method.upper(), path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    ]


def schemas(*, newer: bool = True) -> dict[str, Any]:
    """components/schemas; with ``newer``, list items' times as the seed shows (numbers too)."""
    found = copy.deepcopy(load()["components"]["schemas"])
    if newer:
        for field in ("start_time", "end_time"):
            found["NormalizedCall"]["properties"][field] = NEWER_TIMES
    return found


def inline(schema: Any, defs: dict[str, Any], max_items: int | None = None) -> Any:
    """``schema`` with every local ``$ref`` replaced by its target (the spec has no cycles).

    ``max_items`` bounds every array (keeps generated examples small and fast).
    """
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return inline(defs[ref.rsplit("/", 1)[1]], defs, max_items)
        out = {k: inline(v, defs, max_items) for k, v in schema.items() if k != "discriminator"}
        if max_items is not None and out.get("type") == "array":
            out.setdefault("maxItems", max_items)
        return out
    if isinstance(schema, list):
        return [inline(v, defs, max_items) for v in schema]
    return schema


def response_schema(op: dict[str, Any], max_items: int | None = None) -> dict[str, Any] | None:
    """The inlined JSON schema of an operation's 200 answer (None: not JSON, or any JSON)."""
    content = op["responses"]["200"].get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return inline(schema, schemas(), max_items) if schema is not None else None


def request_schema(op: dict[str, Any]) -> dict[str, Any] | None:
    """The inlined JSON schema of an operation's request body, if it has one."""
    body = op.get("requestBody")
    if body is None:
        return None
    return inline(body["content"]["application/json"]["schema"], schemas())
