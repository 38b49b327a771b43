"""The converter: strict primitives, open enums, times, tagged unions, field paths."""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import spec
from vocode_async import ResponseDecodeError
from vocode_async._converter import _COMMON_FORM, Decoder, _parse_rfc3339, _structure_datetime
from vocode_async.models import (
    Call,
    CallStatus,
    CreateCallRequest,
    NormalizedCall,
    Page,
    TwilioTelephonyMetadata,
    UnknownTelephonyMetadata,
)
from vocode_async.testing import Store

DECODER = Decoder()
ITEM: dict[str, Any] = {
    "id": "c1",
    "user_id": "u1",
    "to_number": "+1",
    "from_number": "+2",
    "agent": "a1",
    "telephony_provider": "twilio",
    "agent_phone_number": "+3",
}


def decode(data: Any, into: Any = NormalizedCall) -> Any:
    return DECODER.decode(orjson.dumps(data), into, status=200, content_type="application/json")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("recording_available", "false"),
        ("to_number", {}),
        ("hipaa_compliant", 1),
        ("do_not_call_result", "true"),
        ("to_number", 5),
        ("start_time", True),
        ("context", {"k": 1}),
    ],
)
def test_wrong_types_are_errors(field: str, value: Any) -> None:
    with pytest.raises(ResponseDecodeError) as info:
        decode({**ITEM, field: value})
    assert info.value.field_path is not None and info.value.field_path.startswith(field)


def test_no_float_to_int_truncation() -> None:
    page = {
        "items": [],
        "page": 1.9,
        "size": 10,
        "has_more": False,
        "total": 0,
        "total_is_estimated": False,
    }
    with pytest.raises(ResponseDecodeError, match="page"):
        decode(page, Page[NormalizedCall])


def test_unknown_enum_values_and_fields_are_kept_or_ignored() -> None:
    call = decode({**ITEM, "status": "on_hold", "stage": "queued", "brand_new_field": [1, 2]})
    assert call.status == "on_hold" and not isinstance(call.status, CallStatus)
    assert call.stage == "queued"
    assert DECODER.unstructure(call)["status"] == "on_hold"
    known = decode({**ITEM, "status": "ended"})
    assert known.status is CallStatus.ENDED


@pytest.mark.parametrize(
    "value",
    [
        1700000000,
        1700000000.0,
        "2023-11-14T22:13:20Z",
        "2023-11-14T22:13:20+00:00",
        "2023-11-14T23:13:20+01:00",
        "2023-11-14T22:13:20",
    ],
)
def test_times_epoch_or_iso_become_aware_utc(value: Any) -> None:
    call = decode({**ITEM, "start_time": value})
    assert call.start_time == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert call.start_time.utcoffset().total_seconds() == 0


def _iso_forms() -> list[str]:
    """Date-times around the API's own form: the dates, times, fractions and offsets the
    quick ``fromisoformat`` path takes, and neighbours it must leave to the full parse."""
    dates = ["2024-02-29", "2023-02-29", "2024-13-01", "0001-01-01", "9999-12-31"]
    times = ["T00:00:00", "T23:59:59", "T24:00:00", "T12:60:00", "T23:59:60", " 10:30:00"]
    fractions = ["", ".698696", ".123", ".5", ".12", ".1234567", ".123456789", ".0000000001", "."]
    zones = ["", "Z", "z", "+00:00", "-05:00", "+14:00", "-23:59", "+0530", "-00:00", "+24:00"]
    loose = ["2024-01-01T10:30", "2024-01-01T10", "20240101T103000", "2024-01-01T10:30:00,5"]
    loose += ["2024-W01-1", "2024-01-01T10:30:00ZZ", "2024-01-01T10:30:00+05", "2024-01-01"]
    grid = [d + t + f + z for d in dates for t in times for f in fractions for z in zones]
    return grid + loose  # the loose ones: what fromisoformat takes and RFC 3339 does not


def test_quick_and_full_time_parses_agree() -> None:
    """Each string decodes to the same instant (in UTC), or fails with the same error, on
    the quick path and through the RFC 3339 parse it short-cuts."""

    def outcome(parse: Callable[[], datetime]) -> tuple[Any, ...]:
        try:
            when = parse()
        except Exception as exc:
            return (type(exc), str(exc))
        return (when, when.tzinfo)

    quick = 0
    for text in _iso_forms():
        got = outcome(functools.partial(_structure_datetime, text, datetime))
        want = outcome(lambda t=text: _parse_rfc3339(t).astimezone(timezone.utc))
        assert got == want, text
        quick += _COMMON_FORM.fullmatch(text.removesuffix("Z")) is not None
    assert quick > 50  # the quick path was taken, and left


def test_tagged_union_with_fallback() -> None:
    twilio = decode(
        {**ITEM, "telephony_metadata": {"type": "telephony_metadata_twilio", "call_sid": "CA1"}}
    )
    assert twilio.telephony_metadata == TwilioTelephonyMetadata(call_sid="CA1")
    raw = {"type": "telephony_metadata_signalwire", "secret_sid": "s"}
    other = decode({**ITEM, "telephony_metadata": raw})
    assert isinstance(other.telephony_metadata, UnknownTelephonyMetadata)
    assert other.telephony_metadata.type == "telephony_metadata_signalwire"
    assert DECODER.unstructure(other)["telephony_metadata"] == raw  # round-trips unchanged
    assert "secret_sid" not in repr(other)


def test_missing_field_path_in_a_page() -> None:
    items = [dict(ITEM, id=str(n)) for n in range(5)]
    del items[3]["to_number"]
    page = {
        "items": items,
        "page": 1,
        "size": 5,
        "has_more": False,
        "total": 5,
        "total_is_estimated": False,
    }
    with pytest.raises(ResponseDecodeError) as info:
        decode(page, Page[NormalizedCall])
    assert info.value.field_path == "items[3].to_number"


def test_the_old_name_path_of_the_field_path_warns_and_gives_the_same_value() -> None:
    """``ResponseDecodeError.path`` (a URL path on the other errors) is a deprecated alias."""
    items = [dict(ITEM, id=str(n)) for n in range(5)]
    del items[3]["to_number"]
    page = {"items": items, "page": 1, "size": 5, "has_more": False}
    with pytest.raises(ResponseDecodeError) as info:
        decode(page, Page[NormalizedCall])
    with pytest.warns(DeprecationWarning, match="field_path"):
        old = info.value.path
    assert old == info.value.field_path == "items[3].to_number"
    with pytest.warns(DeprecationWarning, match="field_path"):
        info.value.path = "elsewhere"
    assert info.value.field_path == "elsewhere"


def test_invalid_json_excerpt_is_sanitized() -> None:
    with pytest.raises(ResponseDecodeError) as info:
        DECODER.decode(
            b"<html>\x00\x1b[31m oops", NormalizedCall, status=200, content_type="text/html"
        )
    assert "\x00" not in info.value.excerpt and "\x1b" not in info.value.excerpt
    assert info.value.content_type == "text/html"


def test_request_body_omits_unset_but_sends_none() -> None:
    body = CreateCallRequest(from_number="+1", to_number="+2", agent="a", context=None)  # type: ignore[arg-type]
    assert DECODER.unstructure(body) == {
        "from_number": "+1",
        "to_number": "+2",
        "agent": "a",
        "context": None,
    }


def test_full_call_from_the_fake_decodes() -> None:
    store = Store(calls=20, seed=3)
    for raw in store.calls:
        call = decode(store.full(raw), Call)
        assert call.agent.id == raw["agent"]
        assert call.start_time is not None and call.start_time.tzinfo is not None


def test_secrets_never_in_repr() -> None:
    call = decode(
        {
            **ITEM,
            "agent": {
                "id": "a",
                "user_id": "u",
                "prompt": {"id": "p", "user_id": "u"},
                "actions": [],
                "voice": {
                    "id": "v",
                    "user_id": "u",
                    "type": "voice_eleven_labs",
                    "voice_id": "x",
                    "api_key": "XI-SECRET",
                },
                "openai_account_connection": {
                    "id": "o",
                    "user_id": "u",
                    "type": "account_connection_openai",
                    "credentials": {"openai_api_key": "sk-OPENAI-SECRET"},
                },
            },
            "telephony_account_connection": {
                "id": "t",
                "user_id": "u",
                "type": "account_connection_twilio",
                "credentials": {"twilio_account_sid": "AC1", "twilio_auth_token": "TWILIO-SECRET"},
            },
        },
        Call,
    )
    text = repr(call)
    for secret in ("XI-SECRET", "sk-OPENAI-SECRET", "TWILIO-SECRET"):
        assert secret not in text
    assert call.telephony_account_connection.credentials.twilio_auth_token == "TWILIO-SECRET"


def test_models_cover_the_spec_call_schemas() -> None:
    schemas = spec.schemas(newer=False)
    for name, cls in (("Call", Call), ("NormalizedCall", NormalizedCall)):
        spec_fields = set(schemas[name]["properties"])
        ours = {a.name for a in cls.__attrs_attrs__}
        assert spec_fields == ours, (name, spec_fields ^ ours)
        required = {a.name for a in cls.__attrs_attrs__ if a.default is attrs.NOTHING}
        assert required == set(schemas[name]["required"]), name


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=5,
)
FIELDS = sorted({a.name for a in attrs.fields(NormalizedCall)} | {"type", "call_sid"})


@settings(max_examples=400, deadline=None)
@given(field=st.sampled_from(FIELDS), value=JSON_VALUES | st.just(KeyError), nested=st.booleans())
def test_fast_and_detailed_converters_agree(field: str, value: Any, nested: bool) -> None:
    """The fast path must reject exactly what cattrs' detailed converter rejects."""
    item: dict[str, Any] = {
        **ITEM,
        "telephony_metadata": {"type": "telephony_metadata_twilio"},
        "context": {"k": "v"},
        "start_time": 1,
    }
    target = item["telephony_metadata"] if nested else item
    if value is KeyError:
        target.pop(field, None)
    else:
        target[field] = value
    outcomes = []
    for conv in (DECODER.fast, DECODER.detailed):
        try:
            outcomes.append(("ok", conv.structure(item, NormalizedCall)))
        except Exception:  # any failure counts as a rejection
            outcomes.append(("error", None))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize(
    "items", ["abc", "", {"id": "c1"}, {}, None, 3, [ITEM, "x"], [ITEM, ITEM], []]
)
def test_fast_and_detailed_agree_on_a_page_of_items(items: Any) -> None:
    """A listing's items go through their own fast path (a list, item by item)."""
    data = {"items": items, "page": 1, "size": 10, "has_more": False, "total": 2}
    data["total_is_estimated"] = False
    outcomes = []
    for conv in (DECODER.fast, DECODER.detailed):
        try:
            outcomes.append(("ok", conv.structure(data, Page[NormalizedCall])))
        except Exception:
            outcomes.append(("error", None))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == ("ok" if items in ([ITEM, ITEM], []) else "error")


@pytest.mark.parametrize("value", ["abc", "", {"a": "b"}, {}, 3, None])
def test_an_array_field_takes_only_an_array(value: Any) -> None:
    """cattrs would take a string as its characters and an object as its keys."""
    from vocode_async.models import PromptTemplate

    body = {"id": "p1", "user_id": "u1", "required_context_keys": value}
    with pytest.raises(ResponseDecodeError) as info:
        decode(body, PromptTemplate)
    assert info.value.field_path == "required_context_keys"
    assert "expected an array" in str(info.value) or value is None
    ok = decode({**body, "required_context_keys": ["a", "b"]}, PromptTemplate)
    assert ok.required_context_keys == ("a", "b")


def test_decoded_models_are_their_own_frozen_class() -> None:
    """The fast path fills a private builder; what it returns is the model class itself."""
    import pickle

    call = decode({**ITEM, "telephony_metadata": {"type": "telephony_metadata_twilio"}})
    meta = call.telephony_metadata
    assert type(call) is NormalizedCall and type(meta) is TwilioTelephonyMetadata
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        call.id = "other"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del call.id  # type: ignore[misc]
    built = NormalizedCall(**{**ITEM, "telephony_metadata": TwilioTelephonyMetadata()})
    assert call == built and hash(call) == hash(built)
    assert pickle.loads(pickle.dumps(call)) == call
    assert attrs.evolve(call, id="c2").id == "c2" and type(attrs.evolve(call)) is NormalizedCall


def test_pickle_and_copy_keep_unknown_fields() -> None:
    import copy
    import pickle

    call = decode({**ITEM, "brand_new": {"x": 1}})
    for twin in (pickle.loads(pickle.dumps(call)), copy.copy(call), copy.deepcopy(call)):
        assert type(twin) is NormalizedCall and twin == call
        assert dict(twin.extra_fields) == {"brand_new": {"x": 1}}
        assert twin.to_dict() == call.to_dict()
    plain = pickle.loads(pickle.dumps(NormalizedCall(**ITEM)))
    assert plain == NormalizedCall(**ITEM) and dict(plain.extra_fields) == {}


def test_a_page_keeps_unknown_keys() -> None:
    body = {"items": [ITEM], "page": 1, "size": 10, "has_more": False, "total": 1}
    page = decode({**body, "total_is_estimated": False, "cursor": "c2"}, Page[NormalizedCall])
    assert type(page) is Page and type(page.items[0]) is NormalizedCall
    assert dict(page.extra_fields) == {"cursor": "c2"}
    assert page.to_dict()["cursor"] == "c2"


def test_models_with_mapping_fields_are_hashable() -> None:
    """A frozen model hashes; its mappings take part in ``==`` but not in the hash."""
    call = decode({**ITEM, "context": {"a": "b"}, "telephony_params": {"k": "v"}})
    same = decode({**ITEM, "context": {"a": "b"}, "telephony_params": {"k": "v"}})
    other = decode({**ITEM, "context": {"a": "c"}})
    assert hash(call) == hash(same) and len({call, same, other}) == 2
    assert call != other
    unknown = decode({**ITEM, "telephony_metadata": {"type": "telephony_metadata_new", "x": {}}})
    assert isinstance(unknown.telephony_metadata, UnknownTelephonyMetadata)
    assert {unknown: 1}[
        decode({**ITEM, "telephony_metadata": {"type": "telephony_metadata_new", "x": {}}})
    ] == 1


ALONE = """
import importlib.util, sys, types
spec = importlib.util.find_spec("vocode_async")  # found, not run: no package __init__
package = types.ModuleType("vocode_async")
package.__path__ = list(spec.submodule_search_locations)
sys.modules["vocode_async"] = package
from vocode_async.models.webhooks import Webhook
assert "vocode_async._converter" not in sys.modules
hook = Webhook(id="w", user_id="u", subscriptions=("event_message",), url="https://x.test",
               method="POST")
print(hook.to_json())
"""


def test_a_model_module_imported_alone_serializes() -> None:
    """Serializing needs the converter, which sits above the models: a model module used
    without the rest of the package (no ``vocode_async`` ``__init__``) still serializes."""
    run = subprocess.run([sys.executable, "-c", ALONE], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert orjson.loads(run.stdout) == {
        "id": "w",
        "user_id": "u",
        "subscriptions": ["event_message"],
        "url": "https://x.test",
        "method": "POST",
    }
