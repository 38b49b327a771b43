"""The generated decoders (``vocode_async._fastgen``): readable, switchable, and only for the
attrs shapes they build right.

Snapshots: the generated source of a few models is kept in ``tests/snapshots/``, so a change
to the generator shows in review as a change to those files. After a deliberate change,
rewrite them with ``VOCODE_UPDATE_SNAPSHOTS=1 pytest tests/test_fastgen.py -k snapshot``
and read the diff before committing it.
"""

from __future__ import annotations

import inspect
import os
import traceback
from pathlib import Path
from typing import Any

import attrs
import cattrs
import orjson
import pytest

from vocode_async import ResponseDecodeError
from vocode_async._converter import Decoder, make_converter
from vocode_async._fastgen import source_of
from vocode_async.models._base import Model, Page
from vocode_async.models.agents import NormalizedAgent
from vocode_async.models.calls import NormalizedCall

SNAPSHOTS = Path(__file__).parent / "snapshots"


def generated(converter: cattrs.Converter, tp: Any) -> str | None:
    """The generated source behind ``converter``'s hook for ``tp`` (None: cattrs' own)."""
    return source_of(converter.get_structure_hook(tp))


def both(body: dict[str, Any], cls: type[Any]) -> tuple[Any, Any]:
    """``body`` decoded by the SDK's decoder, and by a plain cattrs converter."""
    ours = Decoder().decode(orjson.dumps(body), cls, status=200, content_type="application/json")
    theirs = cattrs.Converter(forbid_extra_keys=False).structure(body, cls)
    return ours, theirs


# -- attrs shapes the generated code would get wrong: each falls back to cattrs -----------


@attrs.frozen(cache_hash=True)
class HashCached(Model):
    id: str
    label: str = "none"


@attrs.frozen
class NotInInit(Model):
    id: str
    origin: str = attrs.field(default="sdk", init=False)


@attrs.frozen
class Aliased(Model):
    id: str
    sender: str = attrs.field(default="", alias="from_number")


PRE_INITS: list[str] = []


@attrs.frozen
class PreInit(Model):
    id: str

    def __attrs_pre_init__(self) -> None:
        PRE_INITS.append("pre")


def test_a_cache_hash_class_decodes_to_a_hashable_model() -> None:
    ours, theirs = both({"id": "a", "label": "b"}, HashCached)
    assert ours == theirs
    assert hash(ours) == hash(theirs), (
        "the fast path built a cache_hash=True class without its hash cache: did attrs "
        "rename the attribute named by _HASH_CACHE in vocode_async/_fastgen.py?"
    )
    assert generated(make_converter(), HashCached) is None


def test_an_init_false_field_keeps_its_default_whatever_the_json_says() -> None:
    ours, theirs = both({"id": "a", "origin": "json"}, NotInInit)
    assert ours == theirs and ours.origin == "sdk"
    assert generated(make_converter(), NotInInit) is None


def test_an_aliased_field_is_left_to_cattrs() -> None:
    # cattrs reads a field under its name unless told to use aliases; whatever it does, the
    # generated code must not guess differently.
    ours, theirs = both({"id": "a", "sender": "+15550000001"}, Aliased)
    assert ours == theirs
    assert generated(make_converter(), Aliased) is None


def test_a_pre_init_hook_runs_as_it_does_through_cattrs() -> None:
    PRE_INITS.clear()
    ours, theirs = both({"id": "a"}, PreInit)
    assert ours == theirs
    assert PRE_INITS == ["pre", "pre"]  # once for each decoder


def test_an_untyped_field_is_left_to_cattrs() -> None:
    untyped = attrs.make_class("Untyped", ["id"], frozen=True)
    ours, theirs = both({"id": [1, "x"]}, untyped)
    assert ours == theirs
    assert generated(make_converter(), untyped) is None


def test_the_shapes_it_builds_are_still_generated() -> None:
    assert generated(make_converter(), NormalizedCall) is not None
    assert generated(make_converter(), Page[NormalizedCall]) is not None


# -- readable: linecache, tracebacks, getsource --------------------------------------------


def test_a_traceback_through_generated_code_shows_its_line() -> None:
    converter = make_converter()
    with pytest.raises(TypeError) as info:
        converter.structure({"id": 5}, HashCachedFree)
    text = "".join(traceback.format_exception(info.value))
    assert 'File "<vocode_async structure tests.test_fastgen.HashCachedFree>"' in text
    assert "if type(v0) is not str: raise TypeError('expected str')" in text


@attrs.frozen
class HashCachedFree(Model):  # a plain class: generated
    id: str


def test_inspect_getsource_reads_the_generated_function() -> None:
    hook = make_converter().get_structure_hook(NormalizedCall)
    source = inspect.getsource(hook)
    assert source.startswith("def structure(o, _):")
    assert "obj.to_number = v2" in source


def _same_name(fields: dict[str, Any]) -> type[Any]:
    cls = attrs.make_class("Twin", fields, frozen=True)
    cls.__module__ = __name__
    return cls


def test_two_classes_of_one_name_get_their_own_source() -> None:
    first = _same_name({"a": attrs.field(type=str)})
    second = _same_name({"b": attrs.field(type=int)})
    converter = make_converter()
    one = converter.get_structure_hook(first)
    two = converter.get_structure_hook(second)
    assert one.__code__.co_filename != two.__code__.co_filename
    assert "o['a']" in inspect.getsource(one) and "o['b']" in inspect.getsource(two)
    # Built again (another converter), the same source keeps its one filename.
    again = make_converter().get_structure_hook(first)
    assert again.__code__.co_filename == one.__code__.co_filename


# -- the switch ----------------------------------------------------------------------------


def test_fast_false_and_the_environment_turn_generation_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert generated(make_converter(fast=False), NormalizedCall) is None
    monkeypatch.setenv("VOCODE_FAST_DECODE", "0")
    assert generated(make_converter(), NormalizedCall) is None
    assert generated(make_converter(fast=True), NormalizedCall) is not None
    monkeypatch.setenv("VOCODE_FAST_DECODE", "1")
    assert generated(make_converter(), NormalizedCall) is not None


def test_with_generation_off_the_decoder_decodes_and_names_fields_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = {"id": "a"}
    monkeypatch.setenv("VOCODE_FAST_DECODE", "off")
    plain = Decoder()
    monkeypatch.delenv("VOCODE_FAST_DECODE")
    fast = Decoder()
    assert generated(plain.fast, HashCachedFree) is None
    for decoder in (plain, fast):
        assert decoder.decode(orjson.dumps(body), HashCachedFree, status=200, content_type=None)
        with pytest.raises(ResponseDecodeError, match="at id: expected a string"):
            decoder.decode(b'{"id": 1}', HashCachedFree, status=200, content_type=None)


# -- snapshots -----------------------------------------------------------------------------

SNAPSHOTTED = {
    "NormalizedCall": NormalizedCall,
    "NormalizedAgent": NormalizedAgent,
    "Page-NormalizedCall": Page[NormalizedCall],
}


@pytest.mark.parametrize("name", sorted(SNAPSHOTTED))
def test_snapshot_of_the_generated_source(name: str) -> None:
    source = generated(make_converter(), SNAPSHOTTED[name])
    assert source is not None
    path = SNAPSHOTS / f"{name}.py"
    if os.environ.get("VOCODE_UPDATE_SNAPSHOTS") == "1":
        path.write_text(source)
    assert path.is_file(), f"no snapshot {path}: run with VOCODE_UPDATE_SNAPSHOTS=1"
    assert source == path.read_text(), (
        f"the generated decoder of {name} changed: if that is meant, run "
        "VOCODE_UPDATE_SNAPSHOTS=1 pytest tests/test_fastgen.py -k snapshot and review the diff"
    )
