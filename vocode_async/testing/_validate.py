"""Request validation as FastAPI + pydantic answer it, driven by the generated ``_rules``.

:func:`validate` checks a JSON value against a schema of :data:`_rules.SCHEMAS` and returns
what pydantic would hand the endpoint: known fields only (unknown ones are dropped),
defaults filled in, ``Undefined`` (``{}``, "not set") fields left out, uuids in canonical
form. Every error is collected, as FastAPI's ``{"detail": [{"loc", "msg", "type"}]}``.
Types are checked as JSON Schema does (a bool is not a number, ``"1"`` is not an integer).
"""

from __future__ import annotations

import math
import re
import uuid
from typing import Any

from ._rules import SCHEMAS

__all__ = ["UNDEFINED", "Invalid", "Loc", "validate", "validate_query"]

Loc = tuple[str | int, ...]
_UNDEFINED_SCHEMA = "Undefined"  # the spec's "not set" marker: the empty object
_TYPE_NAMES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_INT64 = 2**63  # the API's integers are 64-bit (and so are orjson's)
_MAX_DIGITS = 4300  # sys.int_info.default_max_str_digits: int() refuses longer text
_TOO_LARGE = "Unable to parse input string as an integer, exceeded maximum size"


class _Undefined:
    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Any = _Undefined()


class Invalid(Exception):
    """A request the API answers with a 422; ``errors`` are FastAPI's ``detail`` items."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["msg"] if errors else "invalid")
        self.errors = errors

    @classmethod
    def one(cls, loc: Loc, msg: str, kind: str = "value_error") -> Invalid:
        """A single error."""
        return cls([{"loc": list(loc), "msg": msg, "type": kind}])


def validate(schema: dict[str, Any], value: Any, loc: Loc) -> Any:
    """``value`` as the endpoint would receive it, or :class:`Invalid` with every error."""
    errors: list[dict[str, Any]] = []
    out = _check(schema, value, loc, errors)
    if errors:
        raise Invalid(errors)
    return out


def _error(errors: list[dict[str, Any]], loc: Loc, msg: str, kind: str) -> None:
    errors.append({"loc": list(loc), "msg": msg, "type": kind})


def _check(schema: dict[str, Any], value: Any, loc: Loc, errors: list[dict[str, Any]]) -> Any:
    ref = schema.get("$ref")
    if ref is not None:
        if ref == _UNDEFINED_SCHEMA:
            return _undefined(value, loc, errors)
        return _check(SCHEMAS[ref], value, loc, errors)
    if "discriminator" in schema:
        return _tagged(schema, value, loc, errors)
    if "anyOf" in schema or "oneOf" in schema:
        return _union(schema.get("anyOf") or schema["oneOf"], value, loc, errors)
    for part in schema.get("allOf", ()):
        value = _check(part, value, loc, errors)
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, value, loc, errors)
    if kind == "array":
        if not isinstance(value, list):
            _error(errors, loc, "Input should be a valid list", "list_type")
            return value
        items = schema.get("items", {})
        return [_check(items, item, (*loc, i), errors) for i, item in enumerate(value)]
    if kind is not None:
        value = _scalar(kind, schema.get("format"), value, loc, errors)
    if "enum" in schema and value not in schema["enum"]:
        expected = " or ".join(repr(v) for v in schema["enum"])
        _error(errors, loc, f"Input should be {expected}", "enum")
    return value


def _scalar(kind: str, fmt: str | None, value: Any, loc: Loc, errors: list[dict[str, Any]]) -> Any:
    if kind == "string":
        if not isinstance(value, str):
            _error(errors, loc, "Input should be a valid string", "string_type")
        elif fmt == "uuid":
            return _uuid(value, loc, errors)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            _error(errors, loc, "Input should be a valid boolean", "bool_type")
        return value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number:
        if kind == "integer":
            _error(errors, loc, "Input should be a valid integer", "int_type")
        elif kind == "number":
            _error(errors, loc, "Input should be a valid number", "float_type")
        return value
    if kind == "integer":
        return _integer(value, loc, errors)
    if kind == "number":
        return _number(value, loc, errors)
    return value


def _integer(value: int | float, loc: Loc, errors: list[dict[str, Any]]) -> Any:
    """An int within the API's int64 storage; a float only if integral, as pydantic's lax
    mode reads it (and a float past int64 as pydantic refuses it: too large to parse)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            _error(errors, loc, "Input should be a finite number", "finite_number")
            return value
        if not value.is_integer():
            msg = "Input should be a valid integer, got a number with a fractional part"
            _error(errors, loc, msg, "int_from_float")
            return value
        if not -_INT64 < value < _INT64:  # strict both ways, as pydantic-core compares
            _error(errors, loc, _TOO_LARGE, "int_parsing_size")
            return value
        value = int(value)
    _int64(value, loc, errors)
    return value


def _int64(value: int, loc: Loc, errors: list[dict[str, Any]]) -> None:
    if value >= _INT64:
        _error(errors, loc, f"Input should be less than {_INT64}", "less_than")
    elif value < -_INT64:
        msg = f"Input should be greater than or equal to {-_INT64}"
        _error(errors, loc, msg, "greater_than_equal")


def _number(value: int | float, loc: Loc, errors: list[dict[str, Any]]) -> Any:
    """A finite float (an int too large for one is not a number to pydantic)."""
    try:
        as_float = float(value)
    except OverflowError:
        _error(errors, loc, "Input should be a valid number", "float_type")
        return value
    if not math.isfinite(as_float):
        _error(errors, loc, "Input should be a finite number", "finite_number")
    return value


def _uuid(text: str, loc: Loc, errors: list[dict[str, Any]]) -> str:
    """The canonical form; hyphens where RFC 4122 puts them, as JSON Schema's check wants."""
    try:
        parsed = uuid.UUID(text)
        if len(text) != 36 or any(text[i] != "-" for i in (8, 13, 18, 23)):
            raise ValueError(text)
    except ValueError:
        _error(errors, loc, "Input should be a valid UUID", "uuid_parsing")
        return text
    return str(parsed)


def _undefined(value: Any, loc: Loc, errors: list[dict[str, Any]]) -> Any:
    if not isinstance(value, dict):
        _error(errors, loc, "Input should be a valid dictionary", "dict_type")
    for key in value if isinstance(value, dict) else ():
        _error(errors, (*loc, key), "Extra inputs are not permitted", "extra_forbidden")
    return UNDEFINED


def _object(schema: dict[str, Any], value: Any, loc: Loc, errors: list[dict[str, Any]]) -> Any:
    if not isinstance(value, dict):
        _error(errors, loc, "Input should be a valid dictionary", "dict_type")
        return value
    extra = schema.get("additionalProperties")
    if "properties" not in schema:  # a free-form object, or a map with typed values
        if not isinstance(extra, dict):
            return value
        return {k: _check(extra, v, (*loc, k), errors) for k, v in value.items()}
    out: dict[str, Any] = {}
    for name in schema.get("required", ()):
        if name not in value:
            _error(errors, (*loc, name), "Field required", "missing")
        elif name not in schema["properties"]:  # required but undeclared: kept as given
            out[name] = value[name]
    for name, sub in schema["properties"].items():
        if name in value:
            out[name] = _check(sub, value[name], (*loc, name), errors)
        elif "default" in sub:
            out[name] = _check(sub, sub["default"], (*loc, name), [])
    if extra is False:
        for key in value.keys() - schema["properties"].keys():
            _error(errors, (*loc, key), "Extra inputs are not permitted", "extra_forbidden")
    return {k: v for k, v in out.items() if v is not UNDEFINED}


def _tagged(schema: dict[str, Any], value: Any, loc: Loc, errors: list[dict[str, Any]]) -> Any:
    """A union tagged by a property (``type``): the tag picks the one member to check."""
    prop, mapping = schema["discriminator"]["propertyName"], schema["discriminator"]["mapping"]
    if not isinstance(value, dict):
        _error(errors, loc, "Input should be a valid dictionary", "model_attributes_type")
        return value
    if prop not in value:
        msg = f"Unable to extract tag using discriminator {prop!r}"
        _error(errors, loc, msg, "union_tag_not_found")
        return value
    tag = value[prop]
    if not isinstance(tag, str) or tag not in mapping:
        expected = ", ".join(repr(t) for t in mapping)
        msg = f"Input tag {tag!r} found using {prop!r} does not match any of the expected tags:"
        msg += f" {expected}"
        _error(errors, loc, msg, "union_tag_invalid")
        return value
    return _check({"$ref": mapping[tag]}, value, (*loc, tag), errors)


def _union(
    members: list[dict[str, Any]], value: Any, loc: Loc, errors: list[dict[str, Any]]
) -> Any:
    """The first member that accepts ``value``; else the errors of the members that could
    have meant it (those whose own type check passed), each under the member's label."""
    failures: list[tuple[str, list[dict[str, Any]]]] = []
    for member in members:
        found: list[dict[str, Any]] = []
        out = _check(member, value, loc, found)
        if not found:
            return out
        failures.append((_label(member), found))
    close = [(label, found) for label, found in failures if not _type_only(found, loc)]
    if len(close) == 1:
        errors.extend(close[0][1])
        return value
    for label, found in close or failures:
        for error in found:
            where = error["loc"]
            error["loc"] = [*where[: len(loc)], label, *where[len(loc) :]]
            errors.append(error)
    return value


def _type_only(found: list[dict[str, Any]], loc: Loc) -> bool:
    """Whether a member refused the value itself for its kind (not something inside it)."""
    kinds = ("_type", "union_tag_not_found", "union_tag_invalid", "extra_forbidden")
    return all(
        e["type"].endswith(kinds) and len(e["loc"]) <= len(loc) + (e["type"] == "extra_forbidden")
        for e in found
    )


def _label(member: dict[str, Any]) -> str:
    if "$ref" in member:
        return str(member["$ref"])
    if member.get("format") == "uuid":
        return "uuid"
    kind = member.get("type")
    return _TYPE_NAMES.get(kind, kind) if isinstance(kind, str) else "union"


_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n"}


def validate_query(params: dict[str, Any], query: Any) -> dict[str, Any]:
    """Query parameters parsed as FastAPI does (defaults filled), or :class:`Invalid`."""
    out: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for name, rule in params.items():
        text = query.get(name)
        loc = ("query", name)
        if text is None:
            if rule["required"]:
                _error(errors, loc, "Field required", "missing")
            elif "default" in rule:
                out[name] = rule["default"]
        elif rule.get("type") == "integer":
            out[name] = _query_int(text, loc, errors)
        elif rule.get("type") == "boolean":
            word = text.strip().lower()
            if word not in _TRUE | _FALSE:
                _error(errors, loc, "Input should be a valid boolean", "bool_parsing")
            out[name] = word in _TRUE
        else:
            out[name] = _check(rule, text, loc, errors)
    if errors:
        raise Invalid(errors)
    return out


def _query_int(text: str, loc: Loc, errors: list[dict[str, Any]]) -> int:
    digits = text.strip()
    if re.fullmatch(r"[+-]?[0-9]+", digits) is None:
        msg = "Input should be a valid integer, unable to parse string as an integer"
        _error(errors, loc, msg, "int_parsing")
        return 0
    negative, body = digits[0] == "-", digits.lstrip("+-").lstrip("0") or "0"
    if len(body) > _MAX_DIGITS:  # past Python's int max-str-digits (and far past int64)
        _error(errors, loc, _TOO_LARGE, "int_parsing_size")
        return 0
    number = -int(body) if negative else int(body)
    _int64(number, loc, errors)
    return number
