"""The strict decoder, attacked from outside: the fast path and cattrs' detailed converter
must accept and reject exactly the same bodies, and both must follow the typed promise.

Valid bodies come from the fake server over real HTTP (every response model reachable from
an operation, discovered from the resources' endpoints); hypothesis then mutates one field
or nested field at a time. An independent oracle written here from the type hints (not the
converter's code) says whether the mutated body must be accepted; an accepted result is
checked class by class and value by value against the JSON it came from.

Promise breaks found are kept as ``xfail(strict=True)`` tests with the smallest body. One is
left, by choice: frozen is shallow, so a mapping field holds the decoded dict (typed as a
read-only ``Mapping``; copying or wrapping every one would cost each listed call).
"""

from __future__ import annotations

import copy
import enum
import functools
import importlib
import inspect
import json
import pickle
import pkgutil
import re
import types
import typing
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import orjson
import pytest
from aiohttp import web
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import vocode_async as va
import vocode_async.resources as resources_pkg
from vocode_async._converter import decoder
from vocode_async._endpoint import Endpoint
from vocode_async._types import UNSET, Unset
from vocode_async.models._base import DefaultVariant, Model, Page, UnknownVariant
from vocode_async.models.agents import NormalizedAgent
from vocode_async.models.calls import Call, NormalizedCall
from vocode_async.models.prompts import Prompt
from vocode_async.resources._base import Resource
from vocode_async.testing import FakeVocodeServer

from .conftest import running

_NoneType = type(None)
KEY = "sk-decode-review-5b1d0c7e"  # long: a one-letter key would be masked inside paths
Path = tuple[str | int, ...]

# -- discovery: every response type an operation decodes into ---------------------------


def _resource_classes() -> Iterator[type[Resource]]:
    for info in pkgutil.iter_modules(resources_pkg.__path__):
        module = importlib.import_module(f"{resources_pkg.__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Resource)
                and value.__module__ == module.__name__
            ):
                yield value


def _endpoints(cls: type[Resource]) -> dict[str, Endpoint[Any]]:
    return {name: e for name in dir(cls) if isinstance(e := getattr(cls, name), Endpoint)}


def response_types() -> set[Any]:
    """Every ``Endpoint.response`` of every resource (None: no body)."""
    return {
        e.response
        for cls in _resource_classes()
        for e in _endpoints(cls).values()
        if e.response is not None
    }


# The fake keys numbers by their number, not their id (as the API does).
_KEY_OF_PARAM = {"id": "id", "phone_number": "number"}


def _fetch(url: str, path: str, query: Mapping[str, str]) -> Any:
    request = urllib.request.Request(
        f"{url}{path}?{urllib.parse.urlencode(query)}",
        headers={"Authorization": "Bearer test-key"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


@functools.cache
def samples() -> tuple[tuple[Any, Any], ...]:
    """(response type, valid body) pairs: the fake's own answers over HTTP on 127.0.0.1."""
    found: list[tuple[Any, Any]] = []
    with FakeVocodeServer(calls=12, seed=3).in_thread() as fake:
        for cls in _resource_classes():
            gets = [e for e in _endpoints(cls).values() if e.method == "GET" and e.response]
            lists = [e for e in gets if e.path.endswith("/list")]
            ones = [e for e in gets if not e.path.endswith("/list")]
            items: list[Any] = []
            for e in lists:
                page = _fetch(fake.url, e.path, {"size": "12"})
                found.append((e.response, page))
                items += page["items"]
            for e in ones:
                getter = cls.get  # type: ignore[attr-defined]
                params = [p for p in inspect.signature(getter).parameters if p != "self"]
                if not params:
                    found.append((e.response, _fetch(fake.url, e.path, {})))
                for item in items:
                    (param,) = params
                    body = _fetch(fake.url, e.path, {param: item[_KEY_OF_PARAM[param]]})
                    found.append((e.response, body))
    return tuple(found)


def test_every_response_type_has_a_valid_sample_that_both_decoders_take() -> None:
    have = {hint for hint, _ in samples()}
    assert response_types() <= have, response_types() - have
    for hint, body in samples():
        assert conforms(hint, body), (hint, body)
        fast, detailed = (
            decoder().fast.structure(body, hint),
            decoder().detailed.structure(body, hint),
        )
        assert fast == detailed
        check_model(hint, body, fast)


# -- the oracle: what the documented types accept, written from the hints ------------------


def _strip(hint: Any) -> tuple[list[Any], bool, bool]:
    """Union members other than None/Unset; whether None, Unset are allowed."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
    else:
        args = (hint,)
    plain = [a for a in args if a is not _NoneType and a is not Unset]
    return plain, _NoneType in args, Unset in args


@functools.cache
def field_hints(cls: Any) -> tuple[tuple[str, Any, bool], ...]:
    """(name, hint, required) of an attrs class, ``Page[X]`` resolved."""
    origin = typing.get_origin(cls)
    if origin is Page:
        (item,) = typing.get_args(cls)
        hints = typing.get_type_hints(Page)
        hints["items"] = tuple[item, ...]  # type: ignore[valid-type]
        base = Page
    else:
        hints, base = typing.get_type_hints(cls), cls
    return tuple((f.name, hints[f.name], f.default is attrs.NOTHING) for f in attrs.fields(base))


def _is_attrs(tp: Any) -> bool:
    return typing.get_origin(tp) is Page or (isinstance(tp, type) and attrs.has(tp))


def _tag(cls: Any) -> Any:
    hint = dict((n, h) for n, h, _ in field_hints(cls)).get("type")
    return typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Literal else None


def resolve(members: list[Any], value: Any) -> Any:
    """The attrs class a JSON object decodes as among ``members``, or None (refused)."""
    models = [
        m
        for m in members
        if _is_attrs(m) and not (isinstance(m, type) and issubclass(m, UnknownVariant))
    ]
    if not models:
        return None
    if len(models) == 1 and not any(
        isinstance(m, type) and issubclass(m, UnknownVariant) for m in members
    ):
        return models[0]
    tag = value.get("type")
    for m in models:
        if type(tag) is str and _tag(m) == tag:
            return m
    fallback = [m for m in members if isinstance(m, type) and issubclass(m, UnknownVariant)]
    if fallback and type(tag) is str:
        return fallback[0]
    default = [m for m in models if issubclass(m, DefaultVariant)]
    if default and "type" not in value:
        return default[0]
    return None


_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:[Zz]|([+-])(\d\d):?(\d\d))?)?",
    re.ASCII,
)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _time_ok(value: Any) -> bool:
    """Epoch seconds or RFC 3339 text (a bare date, no offset: UTC) naming a UTC instant
    a ``datetime`` can hold."""
    if type(value) in (int, float):
        try:
            return _EPOCH + timedelta(seconds=value) is not None
        except OverflowError:
            return False
    match = _RFC3339.fullmatch(value) if type(value) is str else None
    if match is None:
        return False
    y, mo, d, h, mi, sec, sign, oh, om = (match.group(i) for i in range(1, 10))
    try:
        stamp = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), tzinfo=timezone.utc)
        offset = timedelta(hours=int(oh or 0), minutes=int(om or 0))
        stamp -= -offset if sign == "-" else offset
        stamp += timedelta(seconds=int(sec or 0))
    except (ValueError, OverflowError):
        return False
    return int(sec or 0) <= 60


def conforms(hint: Any, value: Any) -> bool:
    """Whether JSON ``value`` is a valid ``hint`` under the documented strict rules."""
    plain, nullable, unset = _strip(hint)
    if Any in plain:
        return True
    if value is None:
        return nullable
    if unset and type(value) is dict and not value:
        return True  # the spec's "Undefined": not set
    enums = [m for m in plain if isinstance(m, type) and issubclass(m, enum.Enum)]
    if enums:  # open enum: any string
        return type(value) is str
    if str in plain and type(value) is str:
        return True
    if type(value) is dict:
        cls = resolve(plain, value)
        if cls is not None:
            return _object_ok(cls, value)
    return any(_member_ok(m, value) for m in plain)


def _object_ok(cls: Any, value: dict[str, Any]) -> bool:
    if isinstance(cls, type) and issubclass(cls, UnknownVariant):
        return True
    for name, hint, required in field_hints(cls):
        if name in value:
            if not conforms(hint, value[name]):
                return False
        elif required:
            return False
    return True


def _member_ok(tp: Any, value: Any) -> bool:
    if tp is Any:
        return True
    if tp in (str, int, bool):
        return type(value) is tp
    if tp is float:
        return type(value) in (int, float)
    if tp is datetime:
        return _time_ok(value)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return any(type(value) is type(a) and value == a for a in args)
    if origin in (dict, Mapping):
        return type(value) is dict and all(
            type(k) is str and conforms(args[1], v) for k, v in value.items()
        )
    if origin is tuple:
        return type(value) is list and all(conforms(args[0], v) for v in value)
    return False


# -- checking an accepted result against the JSON it came from ------------------------------


def check_model(hint: Any, value: Any, obj: Any) -> None:
    """``obj`` is exactly what ``value`` means as ``hint``: classes, values, extras."""
    plain, _, unset = _strip(hint)
    if value is None:
        assert obj is None
        return
    if unset and type(value) is dict and not value:
        assert obj is UNSET
        return
    enums = [m for m in plain if isinstance(m, type) and issubclass(m, enum.Enum)]
    if enums:
        known = {m.value: m for m in enums[0]}
        assert obj is known[value] if value in known else type(obj) is str and obj == value
        return
    if type(value) is str and str in plain:
        assert type(obj) is str and obj == value
        return
    cls = resolve(plain, value) if type(value) is dict else None
    if cls is not None:
        _check_object(cls, value, obj)
        return
    (tp,) = [m for m in plain if _member_ok(m, value)][:1]
    _check_member(tp, value, obj)


def _check_object(cls: Any, value: dict[str, Any], obj: Any) -> None:
    assert type(obj) is (typing.get_origin(cls) or cls), (type(obj), cls)
    if isinstance(obj, UnknownVariant):
        assert obj.type == value["type"] and dict(obj.raw) == value
        return
    names = set()
    for name, hint, _ in field_hints(cls):
        names.add(name)
        if name in value:
            check_model(hint, value[name], getattr(obj, name))
    extra = {k: v for k, v in value.items() if k not in names}
    assert dict(obj.extra_fields) == extra, (cls, extra)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        obj.__setattr__(next(iter(names), "_extra"), None)


def _check_member(tp: Any, value: Any, obj: Any) -> None:
    if tp is datetime:
        assert type(obj) is datetime and obj.tzinfo is timezone.utc
        if type(value) is not str:
            assert abs(obj.timestamp() - value) < 1e-3 * max(1.0, abs(value) / 1e9)
        return
    if tp is float:
        assert type(obj) is float and obj == value
        return
    if tp in (str, int, bool) or tp is Any:
        assert type(obj) is type(value) and obj == value
        return
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        assert type(obj) is type(value) and obj == value
    elif origin in (dict, Mapping):
        assert isinstance(obj, Mapping) and dict(obj) == value
    elif origin is tuple:
        assert type(obj) is tuple and len(obj) == len(value)
        for v, o in zip(value, obj, strict=True):
            check_model(args[0], v, o)
    else:  # pragma: no cover - a hint this oracle does not know
        raise AssertionError(f"unchecked hint {tp}")


def _walk(obj: Any) -> Iterator[tuple[Any, Any]]:
    """(attrs field or None, value) of ``obj`` and of everything inside it."""
    yield None, obj
    if isinstance(obj, tuple):
        for x in obj:
            yield from _walk(x)
    elif attrs.has(type(obj)):
        for f in attrs.fields(type(obj)):
            value = getattr(obj, f.name)
            yield f, value
            yield from _walk(value)


def _plain_json(data: Any) -> bool:
    if isinstance(data, dict):
        return all(type(k) is str and _plain_json(v) for k, v in data.items())
    if isinstance(data, list):
        return all(_plain_json(v) for v in data)
    return data is None or type(data) in (str, int, float, bool)


def check_instance(hint: Any, body: Any, obj: Any) -> None:
    """The whole promise for one accepted body."""
    check_model(hint, body, obj)
    for twin in (pickle.loads(pickle.dumps(obj)), copy.copy(obj), copy.deepcopy(obj)):
        _same(twin, obj)  # extra_fields too
        assert hash(twin) == hash(obj)
    built = attrs.evolve(obj)  # the constructor, with the same fields
    assert built == obj and type(built) is type(obj) and hash(built) == hash(obj)
    data = obj.to_dict(reveal_secrets=True)
    assert _plain_json(data)  # no enum member, tuple or model left in
    _same(decoder().fast.structure(data, hint), obj)
    _same(decoder().fast.structure(orjson.loads(obj.to_json(reveal_secrets=True)), hint), obj)


def _same(again: Any, obj: Any) -> None:
    assert again == obj and type(again) is type(obj)
    for (_, x), (_, y) in zip(_walk(again), _walk(obj), strict=True):
        assert type(x) is type(y)
        if isinstance(x, Model):
            assert dict(x.extra_fields) == dict(y.extra_fields)


# -- mutations ------------------------------------------------------------------------------

JUNK: list[Any] = [
    None, True, False, 0, 1, -1, 1.5, 2**53, "", "x", "1", "true", "null", "ended",
    "2024-01-01T00:00:00Z", "1700000000", [], ["x"], [1], [{}], {}, {"a": "b"}, {"a": 1},
    {"type": "zzz"}, {"type": 1}, {"type": None}, 1.0, -0.0, 1e300, -(2**63), "1.5", "EN",
    "Ended", " ended", "POST ",
]  # fmt: skip
# Times the oracle judges itself (RFC 3339 and the documented leniencies, or not).
TIME_TEXTS = [
    "2024-01-01T00:00:00.123456789Z", "2024-01-01t00:00:00z", "2024-01-01 00:00:00+0530",
    "2024-01-01", "2024-01-01T00:00:00", "2024-12-31T23:59:60Z", "2024-02-30T00:00:00Z",
    "2024-01-01T24:00:00Z", "20240101T000000Z", "2024-W01-1", "2024-01-01T00:00:00+05",
    "2024-01-01T00:00Z", "\uff12024-01-01T00:00:00Z", "2024-01-01T00:00:00.Z",
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-05:00", "1e9",
]  # fmt: skip


def _offset_text(stamp: datetime, style: int) -> str:
    text = stamp.isoformat()
    return text.replace("+00:00", "Z") if style else text


@functools.cache
def valid(hint: Any) -> st.SearchStrategy[Any]:
    """JSON values ``hint`` must accept (to fill absent fields and vary present ones)."""
    plain, nullable, unset = _strip(hint)
    options = [valid_member(m) for m in plain]
    if nullable:
        options.append(st.none())
    if unset:
        options.append(st.just({}))
    return st.one_of(options)


@functools.cache
def valid_member(tp: Any) -> st.SearchStrategy[Any]:
    simple: dict[Any, st.SearchStrategy[Any]] = {
        Any: st.sampled_from(JUNK),
        str: st.text(max_size=6),
        int: st.integers(-(2**63), 2**63 - 1),
        bool: st.booleans(),
        float: st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**53), 2**53),
        datetime: st.integers(0, 4 * 10**9)
        | st.floats(0, 4e9)
        | st.sampled_from([t for t in [*TIME_TEXTS, -1, -(10**10), 2.5e11, 1e-7] if _time_ok(t)])
        | st.builds(
            _offset_text,
            st.datetimes(
                min_value=datetime(1971, 1, 1),
                max_value=datetime(9990, 1, 1),
                timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-5))]),
            ),
            st.integers(0, 1),
        ),
    }
    if tp in simple:
        return simple[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from([m.value for m in tp]) | st.text(max_size=4)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin in (dict, Mapping):
        return st.dictionaries(st.text(max_size=3), valid(args[1]), max_size=2)
    if origin is tuple:
        return st.lists(valid(args[0]), max_size=2)
    if isinstance(tp, type) and issubclass(tp, UnknownVariant):
        return st.fixed_dictionaries({"type": st.sampled_from(["zzz_new_kind", ""])})
    if _is_attrs(tp):
        # A variant's tag is always sent: without it, it would be another (or no) variant.
        needed = {n for n, h, req in field_hints(tp) if req or n == "type"}
        required = {n: valid(h) for n, h, _ in field_hints(tp) if n in needed}
        optional = {n: valid(h) for n, h, _ in field_hints(tp) if n not in needed}
        return st.fixed_dictionaries(required, optional=optional)
    raise AssertionError(f"no strategy for {tp}")


@st.composite
def generated(draw: st.DrawFn) -> tuple[Any, Any]:
    hint = draw(st.sampled_from(sorted(response_types(), key=repr)))
    body = draw(valid(hint))
    assert conforms(hint, body), body  # the generator and the oracle agree
    return hint, body


@attrs.frozen
class Spot:
    """A place in a body: a key of an object (present or not) or an item of an array."""

    path: Path
    label: str  # the path as the SDK names it: ``items[0].agent.actions[1]``, ``context['k']``
    hint: Any
    present: bool
    in_object: bool  # a key of a model (can be deleted) rather than an item or a mapping value


def _join(label: str, name: str) -> str:
    return f"{label}.{name}" if label else name


def spots(hint: Any, value: Any, path: Path = (), label: str = "") -> Iterator[Spot]:
    """Every place of ``value`` (valid as ``hint``) a mutation can hit, with its hint."""
    plain, _, _ = _strip(hint)
    if type(value) is dict:
        cls = resolve(plain, value)
        if cls is not None:
            if isinstance(cls, type) and issubclass(cls, UnknownVariant):
                return
            for name, field_hint, _ in field_hints(cls):
                at, where = (*path, name), _join(label, name)
                yield Spot(at, where, field_hint, name in value, True)
                if name in value:
                    yield from spots(field_hint, value[name], at, where)
            return
        maps = [m for m in plain if typing.get_origin(m) in (dict, Mapping)]
        for key in value if maps else ():
            yield Spot((*path, key), f"{label}[{key!r}]", typing.get_args(maps[0])[1], True, False)
    elif type(value) is list:
        (tup,) = [m for m in plain if typing.get_origin(m) is tuple]
        (item_hint, _) = typing.get_args(tup)
        for index, item in enumerate(value):
            at, where = (*path, index), f"{label}[{index}]"
            yield Spot(at, where, item_hint, True, False)
            yield from spots(item_hint, item, at, where)


def objects(hint: Any, value: Any) -> Iterator[tuple[Path, str]]:
    """(path, label) of every model object in ``value`` (where an unknown key can go)."""
    if type(value) is dict and resolve(_strip(hint)[0], value) is not None:
        yield (), ""
    for spot in spots(hint, value):
        inner = _at(value, spot.path) if spot.present else None
        if type(inner) is dict and resolve(_strip(spot.hint)[0], inner) is not None:
            yield spot.path, spot.label


def _at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


@attrs.frozen
class Mutation:
    """One change to a valid body: ``set`` a place, ``delete`` a key, add an ``extra`` key."""

    kind: str
    path: Path
    label: str
    hint: Any  # what the place is typed (None for an unknown key)
    value: Any = None

    def apply(self, body: Any) -> Any:
        if not self.path:  # the whole body
            return self.value
        out = copy.deepcopy(body)
        *parent, last = self.path
        holder = _at(out, tuple(parent))
        if self.kind == "delete":
            del holder[last]
        else:
            holder[last] = self.value
        return out

    def __repr__(self) -> str:
        return f"{self.kind} {self.label or '$'} {self.value!r}"


def _extra(body: Any, where: Path, label: str, key: str, value: Any) -> Mutation:
    return Mutation("extra", (*where, key), _join(label, key), None, value)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Any, Any, Mutation]:
    """(hint, valid body, one mutation of it): the fake's answers, or bodies generated from
    the hints (which reach the variants the fake never sends: Twilio metadata, phrase
    triggers, external actions...)."""
    hint, body = draw(st.sampled_from(samples()) | generated())
    kind = draw(st.sampled_from(["set", "set", "set", "delete", "extra", "root"]))
    places = [s for s in spots(hint, body) if kind == "set" or (s.present and s.in_object)]
    if kind == "root" or (kind != "extra" and not places):  # an unknown variant has none
        return hint, body, Mutation("set", (), "", hint, draw(st.sampled_from(JUNK)))
    if kind == "extra":
        where, label = draw(st.sampled_from(list(objects(hint, body))))
        taken = _at(body, where)
        key = draw(st.sampled_from(["zz_new", "x-y", "Type", ""]).filter(lambda k: k not in taken))
        return hint, body, _extra(body, where, label, key, draw(st.sampled_from(JUNK)))
    spot = draw(st.sampled_from(places))
    if kind == "delete":
        return hint, body, Mutation("delete", spot.path, spot.label, spot.hint)
    value = draw(st.sampled_from(JUNK + TIME_TEXTS) | valid(spot.hint))
    return hint, body, Mutation("set", spot.path, spot.label, spot.hint, value)


def verdict(converter: Any, hint: Any, body: Any) -> tuple[bool, Any]:
    try:
        return True, converter.structure(body, hint)
    except Exception as exc:  # cattrs raises groups of many kinds
        return False, exc


SETTINGS = settings(
    max_examples=3000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(mutated())
def test_fast_and_detailed_agree_and_keep_the_promise(case: tuple[Any, Any, Mutation]) -> None:
    hint, body, mutation = case
    bad = mutation.apply(body)
    fast_ok, fast = verdict(decoder().fast, hint, bad)
    detailed_ok, detailed = verdict(decoder().detailed, hint, bad)
    event(f"{mutation.kind}: {'accepted' if fast_ok else 'refused'}")
    assert fast_ok == detailed_ok, (mutation, fast, detailed)
    assert fast_ok == conforms(hint, bad), (mutation, fast)
    if fast_ok:
        assert fast == detailed
        check_instance(hint, bad, fast)


@pytest.mark.parametrize("text", TIME_TEXTS)
@pytest.mark.parametrize("hint", [Call, Page[NormalizedCall]])
def test_every_time_form_is_judged_alike_by_both_and_by_the_oracle(hint: Any, text: str) -> None:
    body = next(b for h, b in samples() if h == hint)
    for spot in spots(hint, body):
        if datetime in _strip(spot.hint)[0]:
            bad = Mutation("set", spot.path, spot.label, spot.hint, text).apply(body)
            fast_ok, fast = verdict(decoder().fast, hint, bad)
            assert fast_ok == verdict(decoder().detailed, hint, bad)[0] == conforms(hint, bad)
            if fast_ok:
                check_instance(hint, bad, fast)


# -- smallest bodies: arrays only as arrays; the known breaks (xfail) ------------------------

_PAGE = {"page": 1, "size": 1, "has_more": False, "total": 0, "total_is_estimated": False}
_PROMPT = {"id": "p", "user_id": "u"}
_WEBHOOK = {"id": "w", "user_id": "u", "url": "https://h", "method": "POST"}
_NUMBER = {"id": "n", "user_id": "u", "number": "+1", "inbound_agent": "a"}


def refused_by_both(hint: Any, body: Any) -> bool:
    return (
        not verdict(decoder().fast, hint, body)[0]
        and not verdict(decoder().detailed, hint, body)[0]
    )


def test_a_string_is_not_a_list_of_strings() -> None:
    from vocode_async.models.webhooks import Webhook

    assert refused_by_both(Webhook, {**_WEBHOOK, "subscriptions": "ab"})


def test_an_object_is_not_a_list_of_strings() -> None:
    from vocode_async.models.webhooks import Webhook

    assert refused_by_both(Webhook, {**_WEBHOOK, "subscriptions": {"event_phone_call_ended": 1}})


@pytest.mark.parametrize("value", [{}, ""])
def test_fast_and_detailed_agree_on_a_non_list_of_models(value: Any) -> None:
    fast_ok, _ = verdict(decoder().fast, Prompt, {**_PROMPT, "collect_fields": value})
    detailed_ok, _ = verdict(decoder().detailed, Prompt, {**_PROMPT, "collect_fields": value})
    assert fast_ok == detailed_ok


def test_a_model_with_a_mapping_field_is_hashable() -> None:
    from vocode_async.models.numbers import NormalizedPhoneNumber

    number = decoder().fast.structure({**_NUMBER, "example_context": {}}, NormalizedPhoneNumber)
    hash(number)


@pytest.mark.xfail(strict=True, reason="frozen is shallow: a mapping field is the decoded dict")
def test_a_mapping_field_of_a_frozen_model_cannot_be_changed() -> None:
    from vocode_async.models.numbers import NormalizedPhoneNumber

    number = decoder().fast.structure({**_NUMBER, "example_context": {}}, NormalizedPhoneNumber)
    with pytest.raises(TypeError):
        number.example_context["k"] = "v"  # type: ignore[index]


def test_unknown_keys_survive_a_pickle_round_trip() -> None:
    prompt = decoder().fast.structure({**_PROMPT, "new": 1}, Prompt)
    assert dict(prompt.extra_fields) == {"new": 1}
    assert dict(pickle.loads(pickle.dumps(prompt)).extra_fields) == {"new": 1}


def test_a_page_keeps_unknown_keys() -> None:
    page = decoder().fast.structure({**_PAGE, "items": [], "cursor": "c"}, Page[Prompt])
    assert dict(page.extra_fields) == {"cursor": "c"}


def test_to_dict_is_plain_json_that_decodes_back() -> None:
    from vocode_async.models.usage import Usage

    usage = decoder().fast.structure(
        {"user_id": "u", "plan_type": "plan_free", "monthly_usage_minutes": 1}, Usage
    )
    assert type(usage.to_dict()["plan_type"]) is str
    assert decoder().fast.structure(usage.to_dict(), Usage) == usage


def test_unset_survives_a_to_dict_round_trip() -> None:
    from vocode_async.models.voices import RimeVoice

    body = {"id": "v", "user_id": "u", "type": "voice_rime", "speaker": "s", "model_id": {}}
    voice = decoder().fast.structure(body, RimeVoice)
    assert voice.model_id is UNSET
    assert decoder().fast.structure(voice.to_dict(reveal_secrets=True), RimeVoice) == voice


# -- through real HTTP: a hostile server serving mutated bodies ---------------------------------


def serving(answers: dict[str, Any]) -> AbstractAsyncContextManager[str]:
    """A server on 127.0.0.1 answering GET ``path`` with ``answers[path]`` (mutable)."""

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(answers[request.path])

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handler)
    return running(app)


def path_ok(error_path: str | None, mutation: Mutation) -> bool:
    """The error names the mutated place, or a place inside the value put there; a changed
    ``type`` tag makes its object another variant (or none): the object or inside it."""
    if error_path is None:
        return False
    names = [mutation.label]
    if mutation.path[-1] == "type":
        names.append(mutation.label.rpartition(".")[0])
    return any(
        error_path == name or error_path.startswith((name + ".", name + "[")) for name in names
    )


def http_cases(hint: Any, body: Any) -> Iterator[Mutation]:
    """Each place of ``body`` hit by each kind of mutation, in a fixed order."""
    for spot in spots(hint, body):
        values: tuple[Any, ...] = (None, {}, 7, "x", [], True, 1.5, {"type": "zzz"})
        for value in values:
            yield Mutation("set", spot.path, spot.label, spot.hint, value)
        if spot.present and spot.in_object:
            yield Mutation("delete", spot.path, spot.label, spot.hint)
    for where, label in objects(hint, body):
        yield _extra(body, where, label, "zz_new", {"a": [1]})


_SECRET_KEY = re.compile(r"(?i)api_?key|credential|token|secret|passw")


def secrets_in(data: Any, secret: bool = False) -> Iterator[str]:
    """The string values under secret-looking keys (the fake seeds voices, vector databases
    and account connections with them)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from secrets_in(value, secret or bool(_SECRET_KEY.search(key)))
    elif isinstance(data, list):
        for value in data:
            yield from secrets_in(value, secret)
    elif secret and isinstance(data, str) and data:
        yield data


async def _answer(client: va.AsyncVocode, route: str) -> Any:
    if route == "get":
        return await client.calls.get("c")
    group = client.calls if route == "calls" else client.agents
    return [item async for item in group.list(size=100, prefetch=0)]


_ROUTES = {
    "get": ("/v1/calls", Call),
    "calls": ("/v1/calls/list", NormalizedCall),
    "agents": ("/v1/agents/list", NormalizedAgent),
}


def _body_for(route: str) -> tuple[Any, Any]:
    _, item = _ROUTES[route]
    if route == "get":
        return item, next(b for h, b in samples() if h is Call)
    page = next(b for h, b in samples() if h == Page[item])  # type: ignore[valid-type]
    # A consistent last page: 3 items, and an exact total that says 3 (the pager refuses a
    # last page a whole page short of its total before anything is decoded).
    return item, {**page, "items": page["items"][:3], "has_more": False, "total": 3}


@pytest.mark.parametrize("route", ["get", "calls", "agents"])
async def test_mutated_bodies_through_http_fail_at_the_field_or_decode_exactly(route: str) -> None:
    item_hint, body = _body_for(route)
    hint = item_hint if route == "get" else Page[item_hint]  # type: ignore[valid-type]
    path = _ROUTES[route][0]
    answers: dict[str, Any] = {}
    problems: list[str] = []
    checked = 0
    hidden = [KEY, *secrets_in(body)]
    async with serving(answers) as url, va.AsyncVocode(api_key=KEY, base_url=url) as client:
        for mutation in http_cases(hint, body):
            bad = mutation.apply(body)
            answers[path] = bad
            checked += 1
            expected = conforms(hint, bad)
            try:
                got = await _answer(client, route)
            except va.PaginationError:
                # The pager's own echo check (page number, counts): not the decoder's.
                if not (expected and mutation.path[0] != "items"):
                    problems.append(f"{mutation}: pagination error")
                continue
            except va.ResponseDecodeError as error:
                told = f"{error} {error!r} {error.excerpt} {error.field_path}"
                problems += [f"{mutation}: a secret in the error" for x in hidden if x in told]
                if expected:
                    problems.append(f"{mutation}: refused a valid body: {error}")
                elif not path_ok(error.field_path, mutation):
                    problems.append(f"{mutation}: path {error.field_path!r}")
                continue
            if not expected:
                problems.append(f"{mutation}: accepted {got!r}")
                continue
            problems += [f"{mutation}: a secret in a repr" for x in hidden if x in repr(got)]
            if route == "get":
                check_instance(hint, bad, got)
            else:
                for item_body, item in zip(bad["items"], got, strict=True):
                    check_instance(item_hint, item_body, item)
    print(f"{route}: {checked} mutations through HTTP, {len(hidden)} secrets watched")
    assert checked > 100
    assert not problems, "\n".join(problems[:20])


async def test_a_page_whose_items_is_an_object_names_items() -> None:
    answers = {"/v1/calls/list": {**_PAGE, "items": {}}}
    async with serving(answers) as url, va.AsyncVocode(api_key=KEY, base_url=url) as client:
        with pytest.raises(va.ResponseDecodeError) as caught:
            [c async for c in client.calls.list(prefetch=0)]
    assert caught.value.field_path == "items"


async def test_an_agent_listing_with_actions_as_a_string_is_refused() -> None:
    agent = {"id": "a", "user_id": "u", "prompt": "p", "voice": "v", "actions": "abc"}
    answers = {"/v1/agents/list": {**_PAGE, "total": 1, "items": [agent]}}
    async with serving(answers) as url, va.AsyncVocode(api_key=KEY, base_url=url) as client:
        with pytest.raises(va.ResponseDecodeError) as caught:
            [a async for a in client.agents.list(prefetch=0)]
    assert caught.value.field_path == "items[0].actions"
