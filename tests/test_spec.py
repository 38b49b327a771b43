"""The SDK against the public spec: every operation has a method, every schema a model.

Needs ../shared/vocode-openapi.json (or $VOCODE_OPENAPI_SPEC); skips with a reason if absent.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from tests import spec
from vocode_async import AsyncVocode, models
from vocode_async._converter import Decoder
from vocode_async._endpoint import Endpoint
from vocode_async.resources._base import Resource

DECODER = Decoder()
# Methods whose name is not the operationId's verb.
RENAMED = {"get_recording": "recording"}
PAGINATION = {"size", "sort_column", "sort_desc"}  # `page` is the pager's: `start_page=`
NOT_MODELS = {"Undefined", "HTTPValidationError", "ValidationError"}  # errors live in _errors


def resource_of(path: str) -> type[Resource]:
    """The resource class serving ``/v1/<group>/...``."""
    group = path.split("/")[2]
    cls: type[Resource] = typing.get_type_hints(AsyncVocode)[group]
    return cls


def method_of(op_id: str, path: str) -> Any:
    cls = resource_of(path)
    name = RENAMED.get(op_id, op_id if hasattr(cls, op_id) else op_id.split("_")[0])
    return getattr(cls, name)


def endpoints() -> dict[tuple[str, str], Endpoint[Any]]:
    """Every Endpoint any resource declares, by (method, path)."""
    found = {}
    for cls in set(typing.get_type_hints(AsyncVocode).values()):
        for klass in cls.__mro__:
            for value in vars(klass).values():
                if isinstance(value, Endpoint):
                    found[(value.method, value.path)] = value
    return found


OPERATIONS = spec.operations()
OP_IDS = [op_id for op_id, *_ in OPERATIONS]


def test_every_operation_has_an_endpoint_and_a_method() -> None:
    spec.load()
    declared = endpoints()
    assert len(OPERATIONS) == 42
    for op_id, method, path, _ in OPERATIONS:
        assert (method, path) in declared, op_id
        assert callable(method_of(op_id, path)), op_id
    assert set(declared) == {(m, p) for _, m, p, _ in OPERATIONS}


def _model_fields(cls: Any) -> set[str]:
    return {f.name for f in attrs.fields(cls)}


def _union_members(hint: Any) -> list[Any]:
    return [m for m in typing.get_args(hint) if attrs.has(m)]


@pytest.mark.parametrize("op_id", OP_IDS)
def test_method_parameters_cover_the_spec(op_id: str) -> None:
    _, _, path, op = next(o for o in OPERATIONS if o[0] == op_id)
    func = method_of(op_id, path)
    params = inspect.signature(func).parameters
    hints = typing.get_type_hints(func)
    for param in op.get("parameters", []):
        name = param["name"]
        if name == "page":
            assert "start_page" in params, op_id
        else:
            assert name in params, (op_id, name)
    body = op.get("requestBody")
    if body is None:
        return
    ref = body["content"]["application/json"]["schema"]
    ref = ref["allOf"][0] if "allOf" in ref else ref
    schema = spec.schemas()[ref["$ref"].rsplit("/", 1)[1]]
    if "oneOf" in schema:  # a tagged union: one positional params object
        (positional,) = [
            p for p in params.values() if p.kind is p.POSITIONAL_ONLY and p.name != "self"
        ][-1:]
        members = {m.__name__: m for m in _union_members(hints[positional.name])}
        for variant in schema["oneOf"]:
            name = variant["$ref"].rsplit("/", 1)[1]
            assert name in members, (op_id, name)
            assert _model_fields(members[name]) == set(spec.schemas()[name]["properties"])
        return
    for field, prop in schema["properties"].items():
        if len(prop.get("enum", ())) == 1:
            continue  # a constant tag (``type``): the body model fills it in
        assert field in params, (op_id, field)
        required = params[field].default is inspect.Parameter.empty
        assert required == (field in schema.get("required", [])), (op_id, field)


def test_every_schema_has_a_model_with_its_fields() -> None:
    for name, schema in spec.schemas(newer=False).items():
        if "properties" not in schema or name in NOT_MODELS or name.endswith("Page"):
            continue
        cls = getattr(models, name, None)
        assert cls is not None, f"no model for schema {name}"
        assert _model_fields(cls) == set(schema["properties"]), name
        ours = {f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING} - {"type"}
        assert ours == set(schema.get("required", [])) - {"type"}, name


def _decode_cases() -> list[tuple[str, Any]]:
    declared = endpoints()
    cases = []
    for op_id, method, path, op in OPERATIONS:
        endpoint = declared[(method, path)]
        if endpoint.response is not None and spec.response_schema(op) is not None:
            cases.append((op_id, endpoint.response))
    return cases


@pytest.mark.parametrize(("op_id", "model"), _decode_cases(), ids=lambda v: str(v)[:30])
def test_schema_valid_responses_decode(op_id: str, model: Any) -> None:
    """Any JSON the spec allows (plus the newer numeric times) decodes without error."""
    _, _, _, op = next(o for o in OPERATIONS if o[0] == op_id)
    strategy = from_schema(spec.response_schema(op, max_items=2))

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        value = data.draw(strategy)
        DECODER.structure(value, model, status=200, content_type="application/json", body=b"")

    check()
