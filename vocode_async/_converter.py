"""make_converter(): the one cattrs converter, and decoding of response bodies.

Wire quirks live here, not in the models:

* strict primitives: cattrs' defaults call ``str()``/``int()``/``bool()`` and would turn
  ``"false"`` into True and ``1.9`` into 1; here a wrong JSON type is an error;
* open enums: a field typed ``SomeEnum | str`` takes an unknown value as its string;
* times: epoch seconds (int or float) or RFC 3339 / ISO 8601 strings (every RFC 3339 form
  on every supported Python), always aware UTC datetimes;
* tagged unions: attrs classes told apart by a ``Literal`` ``type`` field, with an
  :class:`UnknownVariant` fallback that keeps the raw mapping;
* "an id or a body" unions: a string is an id, a mapping is decoded as the model;
* request bodies (:class:`RequestBody`) omit every field left ``UNSET``;
* a field typed ``... | Unset`` in a response takes the spec's ``Undefined`` (``{}``) as UNSET.

Two converters come from the factory: a fast one (no detailed validation) decodes every
response, and only when it fails the detailed one runs again to name the field path.
"""

from __future__ import annotations

import codecs
import enum
import functools
import itertools
import os
import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs
import cattrs
import orjson
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn

from ._errors import Redactor, ResponseDecodeError
from ._fastgen import can_inline, make_structure_fn, tag_of
from ._types import UNSET, Unset
from .models._base import (
    ApiEnum,
    DefaultVariant,
    Model,
    Page,
    RequestBody,
    UnknownVariant,
    install_serializer,
)

__all__ = ["Decoder", "decoder", "make_converter", "redact_raw", "secret_values"]

T = TypeVar("T")
_NoneType = type(None)
_EXCERPT_CHARS = 160


def _strict(kind: type, name: str) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        if type(value) is kind:
            return value
        raise TypeError(f"expected {name}, got {type(value).__name__}")

    return hook


def _is_array(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is ...


def _array_hook(converter: cattrs.Converter, tp: Any) -> Callable[[Any, Any], Any]:
    """``tuple[X, ...]`` from a JSON array only: cattrs would take any iterable (a string
    as its characters, an object as its keys). The fast converter maps the item hook from C
    (a listing's items); the detailed one names the index of every bad item."""
    item = typing.get_args(tp)[0]
    each = itertools.repeat(item)
    detailed = converter.detailed_validation
    hooks: list[Callable[[Any, Any], Any]] = []  # looked up on first use: X may come later

    def hook(value: Any, _: Any) -> tuple[Any, ...]:
        if type(value) is not list:
            kind = "an object" if isinstance(value, dict) else _JSON_KINDS.get(type(value), "null")
            raise TypeError(f"expected an array, got {kind}")
        if not hooks:
            hooks.append(converter.get_structure_hook(item))
        if not detailed:
            return tuple(map(hooks[0], value, each))
        out, errors = [], []
        for index, element in enumerate(value):
            try:
                out.append(hooks[0](element, item))
            except Exception as exc:  # cattrs' own shape, so transform_error names the index
                note = IterableValidationNote(f"Structuring {tp} @ index {index}", index, item)
                notes: list[Any] = [*getattr(exc, "__notes__", []), note]
                exc.__dict__["__notes__"] = notes  # typeshed for 3.10 lacks __notes__
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {tp!r}", errors, tp)
        return tuple(out)

    return hook


def _structure_float(value: Any, _: Any) -> float:
    if type(value) is float or type(value) is int:
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


# RFC 3339 date-time (any number of fraction digits, ``Z``/``z`` or a numeric offset, ``T``,
# ``t`` or a space; no offset means UTC; a bare date is its midnight), parsed here the same
# on every Python: ``datetime.fromisoformat`` on 3.10 takes only 3 or 6 fraction digits and
# no ``Z``, and on 3.11+ takes forms RFC 3339 does not.
_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d\d):?(\d\d))?)?",
    re.ASCII,
)


def _parse_rfc3339(text: str) -> datetime:
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError("expected an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(g or 0) for g in match.group(1, 2, 3, 4, 5, 6))
    fraction, zulu, sign = match.group(7, 8, 9)
    micro = int((fraction or "")[:6].ljust(6, "0"))
    zone = timezone.utc if zulu or sign is None else _offset(sign, *match.group(10, 11))
    leap = second == 60  # a leap second: the instant after :59
    stamp = datetime(year, month, day, hour, minute, second - leap, micro, tzinfo=zone)
    return stamp + timedelta(seconds=1) if leap else stamp


def _offset(sign: str, hours: str, minutes: str) -> timezone:
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


# The forms the API and its proxies write (``2023-11-14T18:52:20.698696-05:00``: any number
# of fraction digits, ``Z`` or a numeric offset, times within range): one that every
# supported Python's ``fromisoformat`` reads as RFC 3339 does, once its fraction is cut or
# padded to six digits (as the parse above does; 3.10 reads only three or six), at a
# twentieth of that parse's cost. Anything else (a leap second, a bad date) takes the parse.
_COMMON_FORM = re.compile(
    r"(\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)(?:\.(\d+))?((?:[+-]\d\d:\d\d)?)",
    re.ASCII,
)
_fromiso = datetime.fromisoformat


def _structure_datetime(value: Any, _: Any) -> datetime:
    if type(value) is int or type(value) is float:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if type(value) is not str:
        raise TypeError(f"expected epoch seconds or an ISO 8601 string, got {type(value).__name__}")
    text = value[:-1] if value[-1:] == "Z" else value
    form = _COMMON_FORM.fullmatch(text)
    if form is not None:
        fraction = form.group(2)
        if fraction is not None and len(fraction) != 6:
            text = f"{form.group(1)}.{fraction[:6]:0<6}{form.group(3)}"
        try:
            stamp = _fromiso(text)
        except ValueError:  # the same error, in the words of the parse above
            pass
        else:
            if stamp.tzinfo is None:  # no offset (or Z): UTC
                return stamp.replace(tzinfo=timezone.utc)
            return stamp.astimezone(timezone.utc)
    return _parse_rfc3339(value).astimezone(timezone.utc)


def _is_model_class(tp: Any) -> bool:
    cls = typing.get_origin(tp) or tp  # a parametrized generic (``Page[X]``) too
    return isinstance(cls, type) and attrs.has(cls) and not issubclass(cls, UnknownVariant)


_JSON_KINDS = {str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _object_hook(converter: cattrs.Converter, cls: type) -> Callable[[Any, Any], Any]:
    inner: Callable[[Any, Any], Any] = make_dict_structure_fn(cls, converter)

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, Mapping):
            kind = "an array" if isinstance(value, list) else _JSON_KINDS.get(type(value), "null")
            raise TypeError(f"expected an object, got {kind}")
        return inner(value, cls)

    return hook


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _union_hook(converter: cattrs.Converter, union: Any) -> Callable[[Any, Any], Any]:
    """One structure hook per union shape the models use; see the module docstring.

    Each shape gets its own small closure, with inner hooks looked up once: this runs for
    every optional field of every item, so it is the hot path of decoding a page.
    """
    args = typing.get_args(union)
    members = [m for m in args if m is not _NoneType and m is not Unset]
    hook = _member_hook(converter, members, _NoneType in args)
    if Unset not in args:
        return hook

    def undefined_or(value: Any, tp: Any) -> Any:
        # The spec's "Undefined" is an empty object: the API's way of saying "not set".
        if type(value) is dict and not value:
            return UNSET
        return hook(value, tp)

    return undefined_or


def _member_hook(
    converter: cattrs.Converter, members: list[Any], nullable: bool
) -> Callable[[Any, Any], Any]:
    enums = [m for m in members if isinstance(m, type) and issubclass(m, enum.Enum)]
    if enums:
        return _open_enum_hook(enums[0], nullable)
    if len(members) == 1 and members[0] in (str, int, bool):
        return _optional_primitive_hook(members[0], nullable)
    if len(members) == 1:
        return _optional_hook(converter, members[0], nullable)
    return _mixed_hook(converter, members, nullable)


def _null(nullable: bool) -> None:
    if not nullable:
        raise TypeError("expected a value, got null")


def _open_enum_hook(cls: type[enum.Enum], nullable: bool) -> Callable[[Any, Any], Any]:
    known = {member.value: member for member in cls}

    def hook(value: Any, _: Any) -> Any:
        if type(value) is str:
            return known.get(value, value)  # unknown values stay plain strings
        if value is None:
            return _null(nullable)
        raise TypeError(f"expected a string, got {type(value).__name__}")

    return hook


def _optional_primitive_hook(kind: type, nullable: bool) -> Callable[[Any, Any], Any]:
    name = kind.__name__

    def hook(value: Any, _: Any) -> Any:
        if type(value) is kind:
            return value
        if value is None:
            return _null(nullable)
        raise TypeError(f"expected {name}, got {type(value).__name__}")

    return hook


def _optional_hook(
    converter: cattrs.Converter, inner: Any, nullable: bool
) -> Callable[[Any, Any], Any]:
    resolved: list[Callable[[Any, Any], Any]] = []

    def hook(value: Any, _: Any) -> Any:
        if value is None:
            return _null(nullable)
        if not resolved:  # looked up on first use: the inner type may be defined later
            resolved.append(converter.get_structure_hook(inner))
        return resolved[0](value, inner)

    return hook


def _mixed_hook(
    converter: cattrs.Converter, members: list[Any], nullable: bool
) -> Callable[[Any, Any], Any]:
    """Tagged unions (with an UnknownVariant fallback) and "an id or a body" unions."""
    models = [m for m in members if attrs.has(m)]
    plain = tuple(m for m in members if m in (str, int, float, bool))
    fallback = next((m for m in models if issubclass(m, UnknownVariant)), None)
    tags = {tag: m for m in models if (tag := tag_of(m)) is not None}
    untagged = next((m for m in models if issubclass(m, DefaultVariant)), None)
    mapping_ok = any(typing.get_origin(m) in (Mapping, dict) for m in members)
    hooks: dict[Any, Callable[[Any, Any], Any]] = {}

    def hook_for(cls: Any) -> Callable[[Any, Any], Any]:
        found = hooks.get(cls)
        if found is None:
            found = hooks[cls] = converter.get_structure_hook(cls)
        return found

    def hook(value: Any, _: Any) -> Any:
        if value is None:
            return _null(nullable)
        if type(value) in plain and not (type(value) is bool and bool not in plain):
            return value
        if isinstance(value, dict) and models:
            if len(models) == 1:
                return hook_for(models[0])(value, models[0])
            cls = tags.get(value.get("type"))  # type: ignore[arg-type]
            if cls is not None:
                return hook_for(cls)(value, cls)
            if fallback is not None and isinstance(value.get("type"), str):
                return fallback(type=value["type"], raw=value)
            if untagged is not None and "type" not in value:
                return hook_for(untagged)(value, untagged)
            raise ValueError(f"unknown or missing type tag {value.get('type')!r}")
        if isinstance(value, dict) and mapping_ok:
            return value
        raise TypeError(f"unexpected {type(value).__name__}")

    return hook


def _unstructure_union(converter: cattrs.Converter, _: Any) -> Callable[[Any], Any]:
    """Unions encode by the value's own class; open-enum members as their plain value.

    (cattrs would pass ``str`` enums through unchanged, since ``str`` precedes ``Enum`` in
    their MRO.)
    """

    def hook(obj: Any) -> Any:
        if isinstance(obj, enum.Enum):
            return obj.value
        return converter.unstructure(obj, obj.__class__)

    return hook


def _unstructure_request(converter: cattrs.Converter, cls: type) -> Callable[[Any], Any]:
    """Request bodies send every field the caller set (defaults included), never UNSET.

    Values encode by their own class: a field typed ``str | PromptParams`` may hold either.
    Inside a request, a plain model's optional field left at ``None`` is not sent either
    (the API's schemas say "absent", not "null", e.g. a CollectField without description).
    """
    request = issubclass(cls, RequestBody)
    fields = [(f.name, f.default is None) for f in attrs.fields(cls)]
    unstructure = converter.unstructure

    def hook(obj: Any) -> dict[str, Any]:
        out = {}
        for name, none_default in fields:
            value = getattr(obj, name)
            if value is UNSET or (value is None and none_default and not request):
                continue
            out[name] = unstructure(value)
        return out

    return hook


REDACTED = "<redacted>"
# Keys whose values are taken as secret where the SDK knows no field for them (an unknown
# account-connection kind, an unknown field): credentials, api keys, tokens, passwords...
_SECRET_KEY = re.compile(r"(?i)api_?key|token|secret|passw|credential|auth|private_?key")


def _secret_fields(tp: Any) -> frozenset[str]:
    if not (isinstance(tp, type) and attrs.has(tp)):
        return frozenset()
    return frozenset(f.name for f in attrs.fields(tp) if f.metadata.get("secret"))


def redact_raw(value: Any) -> Any:
    """Raw JSON with the value of every secret-looking key replaced by ``<redacted>``."""
    if isinstance(value, Mapping):
        return {
            k: REDACTED if _SECRET_KEY.search(str(k)) and v is not None else redact_raw(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_raw(v) for v in value]
    return value


def secret_values(value: Any) -> list[str]:
    """Every secret string inside a request body: the fields the models mark secret, and in
    plain mappings the values under secret-looking keys (see ``_SECRET_KEY``)."""
    found: list[str] = []
    _collect(value, found, False)
    return found


def _collect(value: Any, found: list[str], secret: bool) -> None:
    if isinstance(value, str):
        if secret and value:
            found.append(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _collect(item, found, secret or bool(_SECRET_KEY.search(str(key))))
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, found, secret)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            marked = secret or bool(field.metadata.get("secret"))
            _collect(getattr(value, field.name), found, marked)


def _unstructure_output(converter: cattrs.Converter, redact: bool, cls: type) -> Any:
    """A model for people and databases: no UNSET, unknown fields kept, secrets redacted."""
    if issubclass(cls, UnknownVariant):
        return lambda obj: redact_raw(obj.raw) if redact else dict(obj.raw)
    secrets = _secret_fields(cls) if redact else frozenset()
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    names = [f.name for f in fields]
    # UNSET where the default is something else was sent as the API's "not set" ({}): written
    # back so, or decoding the output would give the default instead.
    marked = frozenset(f.name for f in fields if f.default is not UNSET)
    unstructure = converter.unstructure

    def hook(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in names:
            value = getattr(obj, name)
            if value is UNSET:
                if name in marked:
                    out[name] = {}
                continue
            out[name] = REDACTED if name in secrets and value is not None else unstructure(value)
        extra = obj.extra_fields
        if extra:
            out.update(redact_raw(extra) if redact else extra)
        return out

    return hook


def fast_decode_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """False when ``VOCODE_FAST_DECODE`` is ``0``, ``false``, ``no`` or ``off``."""
    return environ.get("VOCODE_FAST_DECODE", "").strip().lower() not in {"0", "false", "no", "off"}


def _is_tuple(tp: Any) -> bool:
    return tp is tuple or typing.get_origin(tp) is tuple


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp) and not issubclass(tp, UnknownVariant)


def make_converter(
    *,
    detailed: bool = False,
    requests: bool = False,
    output: bool = False,
    redact: bool = False,
    fast: bool | None = None,
) -> cattrs.Converter:
    """Build the converter every response goes through.

    ``requests``: the one request bodies go through; ``output``: the one behind
    ``to_dict()`` and the CLI, with third-party secrets replaced by ``<redacted>`` when
    ``redact``. ``fast``: structure models with the generated functions of ``_fastgen``
    (not with ``detailed``); None reads ``VOCODE_FAST_DECODE`` now (``0`` turns them off,
    for debugging: cattrs' own functions then decode alike, slower).
    """
    conv = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    if fast is None:
        fast = fast_decode_enabled()
    if fast and not detailed:
        conv.register_structure_hook_factory(can_inline, functools.partial(make_structure_fn, conv))
    conv.register_structure_hook(str, _strict(str, "a string"))
    conv.register_structure_hook(int, _strict(int, "an integer"))
    conv.register_structure_hook(bool, _strict(bool, "a boolean"))
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook_factory(_is_array, functools.partial(_array_hook, conv))
    conv.register_structure_hook(datetime, _structure_datetime)
    if detailed:  # a non-object where a model belongs: named at the field, not inside it
        conv.register_structure_hook_factory(_is_model_class, functools.partial(_object_hook, conv))
    conv.register_unstructure_hook(datetime, lambda dt: dt.isoformat())
    conv.register_unstructure_hook_factory(_is_union, functools.partial(_unstructure_union, conv))
    conv.register_structure_hook_factory(_is_union, functools.partial(_union_hook, conv))
    conv.register_structure_hook_factory(
        lambda tp: isinstance(tp, type) and issubclass(tp, UnknownVariant),
        lambda cls: lambda value, _: cls(type=value.get("type", ""), raw=value),
    )
    conv.register_unstructure_hook_func(
        lambda tp: isinstance(tp, type) and issubclass(tp, UnknownVariant),
        lambda obj: dict(obj.raw),
    )
    conv.register_unstructure_hook_factory(
        _is_model if requests else lambda tp: isinstance(tp, type) and issubclass(tp, RequestBody),
        functools.partial(_unstructure_request, conv),
    )
    if output:
        conv.register_unstructure_hook_func(  # JSON-ready: plain values, not str enums
            lambda tp: isinstance(tp, type) and issubclass(tp, enum.Enum), lambda obj: obj.value
        )
        # A value unstructured by its own class dispatches on its MRO first, where an API
        # enum is a str (and would pass through as the member): named here, it comes first.
        conv.register_unstructure_hook(ApiEnum, lambda obj: obj.value)
        conv.register_unstructure_hook_factory(  # JSON-ready: arrays, not tuples
            _is_tuple,
            lambda _: lambda obj: [conv.unstructure(x) for x in obj],
        )
        conv.register_unstructure_hook_factory(
            lambda tp: isinstance(tp, type) and attrs.has(tp) and issubclass(tp, Model),
            functools.partial(_unstructure_output, conv, redact),
        )
    return conv


# A body cut short is still likely to hold a third-party secret within its first bytes.
_SECRET_VALUE = re.compile(
    r'("[^"]*(?:credential|api_?key|token|secret|passw|auth)[^"]*"\s*:\s*)"[^"]*("?)', re.I
)
_NO_SECRETS = Redactor()


def _excerpt(body: bytes, redactor: Redactor) -> str:
    """The start of a body for an error message: printable, secrets masked.

    Only UTF-8 text is shown (a body in another encoding, UTF-16 say, would show an echoed
    secret with a ``?`` between its characters): anything else, or text holding NUL, is
    named by its size alone. Known secrets (the API key, the request's) are masked in the
    text as shown, before the cut, so the cut never leaves the start of one behind.
    """
    window = body[: 4 * (_EXCERPT_CHARS + redactor.longest)]
    try:  # a cut inside a character is not an error, a bad byte anywhere else is
        text = codecs.getincrementaldecoder("utf-8")().decode(window, len(window) == len(body))
    except UnicodeDecodeError:
        text = "\x00"
    opaque = f"<{len(body)} bytes of binary or non-UTF-8 content>"
    if "\x00" in text:
        return opaque
    text = redactor.text(text)
    shown = "".join(ch if ch.isprintable() else "?" for ch in text)
    if shown != text and redactor:
        # A secret spelled with unprintable characters between its own would be readable
        # between the "?"s they become.
        bare = "".join(ch for ch in text if ch.isprintable())
        if redactor.text(bare) != bare:
            return opaque
    text = redactor.text(shown)
    return _SECRET_VALUE.sub(r'\1"***\2', text[:_EXCERPT_CHARS])


def _reason(exc: BaseException, tp: Any) -> str:
    """Our hooks' own words ("expected an object, got a string"), else cattrs' wording."""
    text = str(exc)
    if isinstance(exc, TypeError | ValueError) and text.startswith("expected "):
        return text
    return cattrs.v.format_exception(exc, tp)


def _field_path(exc: BaseException, root: str = "$") -> str | None:
    """The first field path cattrs names, as ``items[3].to_number``."""
    for message in cattrs.transform_error(exc, path=root):
        if " @ $" in message:
            return message.rsplit(" @ $", 1)[1].lstrip(".") or None
    return None


@attrs.define
class Decoder:
    """Decodes response bytes into models; the only place JSON and cattrs errors are seen."""

    fast: cattrs.Converter = attrs.field(factory=make_converter)
    detailed: cattrs.Converter = attrs.field(factory=lambda: make_converter(detailed=True))
    _requests: cattrs.Converter | None = attrs.field(default=None, init=False)
    _outputs: dict[bool, cattrs.Converter] = attrs.field(factory=dict, init=False)

    def parse(
        self,
        body: bytes,
        *,
        status: int,
        content_type: str | None,
        redactor: Redactor = _NO_SECRETS,
    ) -> Any:
        """Parse JSON, or raise :class:`ResponseDecodeError` with a sanitized excerpt.

        ``redactor`` masks the secrets the request carried (a proxy may echo them back).
        """
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # raised below, outside the handler: the JSON error (with the body) is dropped
        excerpt = _excerpt(body, redactor)
        del body  # a recorded frame (capture_locals) must not show what a server echoed
        raise ResponseDecodeError(
            f"response to a {status} is not valid JSON (content type {content_type}): {excerpt!r}",
            status=status,
            content_type=content_type,
            excerpt=excerpt,
        )

    def decode(
        self,
        body: bytes,
        into: type[T],
        *,
        status: int,
        content_type: str | None,
        redactor: Redactor = _NO_SECRETS,
    ) -> T:
        """Parse and structure ``body`` as ``into``."""
        try:
            return self.structure(
                self.parse(body, status=status, content_type=content_type, redactor=redactor),
                into,
                status=status,
                content_type=content_type,
                body=body,
                redactor=redactor,
            )
        except ResponseDecodeError:
            del body  # see parse
            raise

    def structure(
        self,
        data: Any,
        into: type[T],
        *,
        status: int,
        content_type: str | None,
        body: bytes,
        page: int | None = None,
        redactor: Redactor = _NO_SECRETS,
        skip: int = 0,
    ) -> T:
        """Structure parsed JSON; on failure name the field path (via the detailed pass).

        ``skip``: a page's items decoded (and dropped) before ``data``, so the path names
        an item by its index in the whole page.
        """
        try:
            return self.fast.structure(data, into)
        except Exception:
            path, reason = self._explain(data, into, skip)
        # A server can echo a secret as a key the path names: masked before it is a local.
        path = None if path is None else redactor.text(path)
        reason = redactor.text(reason)
        where = f"page {page} of a listing" if page is not None else "response"
        excerpt = _excerpt(body, redactor)
        del data, body  # see parse
        raise ResponseDecodeError(
            f"{where} does not match {getattr(into, '__name__', into)}"
            f"{f' at {path}' if path else ''}: {reason}",
            status=status,
            content_type=content_type,
            excerpt=excerpt,
            field_path=path,
            page=page,
        ) from None

    def _explain(self, data: Any, into: Any, skip: int = 0) -> tuple[str | None, str]:
        """Where and why ``data`` fails to structure as ``into``.

        A page is explained item by item, stopping at the first bad one (the fast converter
        finds it): the detailed pass over a whole page of bad items would build an error
        for each, which for 100,000 ``{}`` takes seconds of event loop and a gigabyte.
        """
        if typing.get_origin(into) is Page and type(data) is dict:
            items = data.get("items")
            if type(items) is list:
                (item_type,) = typing.get_args(into)
                for index, item in enumerate(items, skip):
                    try:
                        self.fast.structure(item, item_type)
                    except Exception:
                        return self._detailed(item, item_type, f"$.items[{index}]")
                data = {**data, "items": []}
        return self._detailed(data, into, "$")

    def _detailed(self, data: Any, into: Any, root: str) -> tuple[str | None, str]:
        try:
            self.detailed.structure(data, into)
        except Exception as exc:  # cattrs raises exception groups of many kinds
            messages = cattrs.transform_error(exc, path=root, format_exception=_reason)
            reason = messages[0].split(" @ ", 1)[0] if messages else type(exc).__name__
            return _field_path(exc, root), reason
        return None, "decoding failed"

    def item_hook(self, into: Any) -> tuple[Callable[[Any, Any], Any], Any]:
        """The fast structure function of one item of ``into`` (a ``Page[X]``), and ``X``:
        what structuring a page maps over its items."""
        (item_type,) = typing.get_args(into)
        return self.fast.get_structure_hook(item_type), item_type

    def unstructure(self, obj: Any) -> Any:
        """Encode a model to plain JSON types (``None`` fields included)."""
        return self.fast.unstructure(obj)

    def for_output(self, obj: Any, *, secrets: bool = False) -> Any:
        """A model as JSON-ready plain data (``to_dict``): secrets redacted unless asked."""
        converter = self._outputs.get(secrets)
        if converter is None:
            converter = self._outputs[secrets] = make_converter(output=True, redact=not secrets)
        return converter.unstructure(obj)

    def encode_request(self, body: Any, *, extra: Mapping[str, Any] | None = None) -> bytes:
        """A request body as JSON bytes: nothing UNSET, no optional field left at None.

        ``extra`` keys are merged into the top-level object (they win over the model's).
        """
        return orjson.dumps(self.request_data(body, extra=extra))

    def request_data(self, body: Any, *, extra: Mapping[str, Any] | None = None) -> Any:
        """A request body as plain JSON types (what :meth:`encode_request` encodes)."""
        if self._requests is None:
            self._requests = make_converter(requests=True)
        data = None if body is None else self._requests.unstructure(body)
        if extra:
            if data is not None and not isinstance(data, dict):
                raise TypeError("extra_body needs a JSON object body to merge into")
            data = {**(data or {}), **extra}
        return data

    def dumps(self, obj: Any) -> bytes:
        """Encode a model as JSON bytes."""
        return orjson.dumps(self.fast.unstructure(obj))


_DECODER: Decoder | None = None


def decoder() -> Decoder:
    """The process-wide decoder: converters are built once, their hooks generated once."""
    global _DECODER
    if _DECODER is None:
        _DECODER = Decoder()
    return _DECODER


install_serializer(lambda model, reveal: decoder().for_output(model, secrets=reveal))
