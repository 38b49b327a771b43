"""The fake against the spec, operation by operation, with generated requests.

Positive cases: bodies drawn from each request schema (hypothesis-jsonschema), ids drawn
from the fake's own objects so that most reach a 200. Every 200 must validate against the
operation's response schema (list items' epoch times are the one documented drift, see
``tests/spec.py``); a 400 may only say a reference was not found.
Negative cases: a valid body with one thing broken at any depth (a field removed, a value
replaced by one of the wrong kind), kept only if JSON Schema says it is now invalid: the fake
must answer 422 and change nothing. No case may ever see a 500.
"""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from tests import spec
from tests.conftest import API_KEY
from vocode_async.testing import FakeVocodeServer

EXAMPLES = 30
NO_BODY = object()
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure shows as drawn
    suppress_health_check=list(HealthCheck),
)
BODY_OPS = [op for op in spec.operations() if op[3].get("requestBody")]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeVocodeServer]:
    server = FakeVocodeServer(api_key=API_KEY, calls=20, seed=9)
    with server.in_thread():
        yield server


def send(
    fake: FakeVocodeServer, method: str, path: str, query: dict[str, str], body: Any
) -> tuple[int, Any]:
    url = fake.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
    data = None if body is NO_BODY else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {API_KEY}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            status, raw, kind = resp.status, resp.read(), resp.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        status, raw, kind = exc.code, exc.read(), exc.headers.get_content_type()
    return status, json.loads(raw) if kind == "application/json" else raw


def known_ids(fake: FakeVocodeServer) -> list[str]:
    store = fake.store
    ids = [o["id"] for objects in store.objects.values() for o in objects.values()]
    return ids + [c["id"] for c in store.calls[:3]]


def with_known_ids(schema: Any, ids: list[str]) -> Any:
    """``schema`` with every uuid string drawn from ``ids`` (references then mostly resolve)."""
    if isinstance(schema, dict):
        if schema.get("type") == "string" and schema.get("format") == "uuid":
            return {"enum": ids}
        return {k: with_known_ids(v, ids) for k, v in schema.items()}
    if isinstance(schema, list):
        return [with_known_ids(v, ids) for v in schema]
    return schema


def query_for(fake: FakeVocodeServer, path: str, op: dict[str, Any]) -> dict[str, str]:
    """Values for the operation's required query parameters: an object of its group."""
    group = path.split("/")[2]
    store = fake.store
    pool = (
        [c["id"] for c in store.calls] if group == "calls" else list(store.objects.get(group, ()))
    )
    if group == "account_connections" and "steering_pool" in path:
        pool = [k for k, v in store.objects[group].items() if v["type"].endswith("twilio")]
    names = [p["name"] for p in op.get("parameters", []) if p.get("required")]
    return {name: pool[-1] for name in names}


def bodies(schema: Any) -> st.SearchStrategy[Any]:
    """Values valid by ``schema`` (inlined): unions, objects and arrays built here, every
    leaf by hypothesis-jsonschema (which, given the whole schema, re-canonicalises nested
    unions on every draw: seconds per example on this spec)."""
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        return st.one_of([bodies(branch) for branch in branches])
    if len(schema.get("allOf", ())) == 1:
        return bodies(schema["allOf"][0])
    if schema.get("type") == "array":
        return st.lists(bodies(schema.get("items", {})), max_size=2)
    extra = schema.get("additionalProperties")
    if schema.get("type") == "object" and "properties" in schema:
        props, required = schema["properties"], set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: bodies(props.get(k, {"type": "string"})) for k in sorted(required)},
            optional={k: bodies(v) for k, v in props.items() if k not in required},
        )
    if schema.get("type") == "object" and isinstance(extra, dict):
        return st.dictionaries(st.text(max_size=4), bodies(extra), max_size=2)
    if schema.get("type") == "integer":  # the API stores int64: larger ones are a 422
        return st.integers(-(2**63), 2**63 - 1)
    return from_schema(schema)


def check_answer(op: dict[str, Any], status: int, answer: Any) -> None:
    if status == 422:  # the one refusal the spec cannot say: an update may not change a kind
        assert [e["msg"][:15] for e in answer["detail"]] == ["type must stay "], answer
        return
    assert status in (200, 400), (status, answer)
    if status == 400:
        allowed = ("not found", "not of type", "already exists")
        assert any(reason in answer["detail"] for reason in allowed), answer
        return
    schema = spec.response_schema(op)
    if schema is not None:
        jsonschema.validate(answer, schema, format_checker=FORMATS)


def paths_in(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a node below the root."""
    found = []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, sub in items:
        found.append((*prefix, key))
        found.extend(paths_in(sub, (*prefix, key)))
    return found


def at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def other_kinds(value: Any) -> list[Any]:
    """Values of every JSON kind but ``value``'s (a uuid string also gets a non-uuid)."""
    kinds = [
        (str, "zz-not-valid"),
        (bool, True),
        (int, 7),
        (float, 2.5),
        (list, [1]),
        (dict, {"zz": 1}),
    ]
    out: list[Any] = [None] if value is not None else []
    for kind, example in kinds:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            out.append(example)
    return out


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    out = copy.deepcopy(value)
    at(out, path[:-1])[path[-1]] = new
    return out


def without(value: Any, path: tuple[Any, ...]) -> Any:
    out = copy.deepcopy(value)
    parent = at(out, path[:-1])
    if isinstance(parent, dict):
        del parent[path[-1]]
    return out


@pytest.mark.parametrize(("op_id", "method", "path", "op"), BODY_OPS, ids=[o[0] for o in BODY_OPS])
def test_valid_bodies_are_served_by_the_schema(
    fake: FakeVocodeServer, op_id: str, method: str, path: str, op: dict[str, Any]
) -> None:
    schema = spec.request_schema(op)
    validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
    strategy = bodies(with_known_ids(schema, known_ids(fake)))

    @SETTINGS
    @given(body=strategy)
    def check(body: Any) -> None:
        assert validator.is_valid(body), body
        status, answer = send(fake, method, path, query_for(fake, path, op), body)
        check_answer(op, status, answer)

    check()


@pytest.mark.parametrize(("op_id", "method", "path", "op"), BODY_OPS, ids=[o[0] for o in BODY_OPS])
def test_invalid_bodies_are_a_422_that_changes_nothing(
    fake: FakeVocodeServer, op_id: str, method: str, path: str, op: dict[str, Any]
) -> None:
    schema = spec.request_schema(op)
    validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
    valid = bodies(with_known_ids(schema, known_ids(fake)))

    @SETTINGS
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        body = data.draw(valid)
        paths = paths_in(body)
        if not paths:
            body = data.draw(st.sampled_from(other_kinds(body)))
        else:
            where = data.draw(st.sampled_from(paths))
            if data.draw(st.integers(0, 3)) == 0:
                body = without(body, where)
            else:
                body = replaced(
                    body, where, data.draw(st.sampled_from(other_kinds(at(body, where))))
                )
        assume(not validator.is_valid(body))
        before = json.dumps([fake.store.objects, fake.store.calls], sort_keys=True, default=str)
        status, answer = send(fake, method, path, query_for(fake, path, op), body)
        assert status == 422, (body, answer)
        assert all(set(e) == {"loc", "msg", "type"} for e in answer["detail"]), answer
        after = json.dumps([fake.store.objects, fake.store.calls], sort_keys=True, default=str)
        assert after == before

    check()


def test_the_issue_bodies_are_invalid_by_the_spec() -> None:
    """The hand-made bodies of test_fake_validation.py are invalid by JSON Schema too."""
    from tests.test_fake_validation import INVALID, fill

    ops = {path: op for _, _, path, op in spec.operations()}
    stand_in = FakeVocodeServer(api_key=API_KEY, calls=1)
    for name, path, body, _ in INVALID:
        schema = spec.request_schema(ops[path])
        validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
        assert not validator.is_valid(fill(stand_in, body)), name


@pytest.mark.parametrize(
    ("op_id", "method", "path", "op"),
    [o for o in spec.operations() if not o[3].get("requestBody")],
    ids=lambda v: v if isinstance(v, str) and "/" not in v else "",
)
def test_reads_answer_by_the_schema(
    fake: FakeVocodeServer, op_id: str, method: str, path: str, op: dict[str, Any]
) -> None:
    for query in (query_for(fake, path, op), {"size": "3", "page": "2"}):
        status, answer = send(fake, method, path, query, NO_BODY)
        required = {p["name"] for p in op.get("parameters", []) if p.get("required")}
        if not required <= query.keys():
            assert status == 422, (op_id, answer)
            continue
        if op_id == "get_recording":
            assert status in (200, 404)
            continue
        assert status == 200, (op_id, answer)
        check_answer(op, status, answer)
