"""Generate ``vocode_async/testing/_rules.py`` (what the fake checks requests against).

    python scripts/gen_fake_rules.py [SPEC]           # rewrite the module
    python scripts/gen_fake_rules.py --check [SPEC]   # exit 1 if it is out of date

SPEC defaults to ``$VOCODE_OPENAPI_SPEC`` or ``../shared/vocode-openapi.json``. The spec is
the one source of truth: this script keeps names, types, enums, formats, required fields,
defaults and discriminators (no prose), the query parameters and body of every operation,
and which response fields refer to objects of another kind. ``tests/test_fake_rules.py``
regenerates it and fails when the committed module differs.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "vocode_async/testing/_rules.py"
_PROSE = {"title", "description", "summary", "examples", "example"}
_PREFIX = "#/components/schemas/"


def default_spec() -> Path:
    env = os.environ.get("VOCODE_OPENAPI_SPEC")
    return Path(env) if env else ROOT.parent / "shared/vocode-openapi.json"


def _name(ref: str) -> str:
    return ref.removeprefix(_PREFIX)


def _strip(schema: Any) -> Any:
    """The schema without prose, ``$ref``s shortened to the schema's name."""
    if isinstance(schema, list):
        return [_strip(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in _PROSE:
            continue
        if key == "$ref":
            out[key] = _name(value)
        elif key == "discriminator":
            mapping = {tag: _name(ref) for tag, ref in value["mapping"].items()}
            out[key] = {"propertyName": value["propertyName"], "mapping": mapping}
        elif key == "properties":
            out[key] = {name: _strip(sub) for name, sub in value.items()}
        else:
            out[key] = _strip(value)
    return out


def _tag(schema: dict[str, Any]) -> str | None:
    """The single value of an object schema's ``type`` property, if it has one."""
    enum = schema.get("properties", {}).get("type", {}).get("enum", [])
    return enum[0] if len(enum) == 1 else None


def _tag_unions(schema: Any, defs: dict[str, Any]) -> Any:
    """Give every ``oneOf`` whose members all carry a one-value ``type`` a discriminator."""
    if isinstance(schema, list):
        return [_tag_unions(v, defs) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _tag_unions(v, defs) for k, v in schema.items()}
    members = out.get("oneOf")
    if members and "discriminator" not in out:
        tags = {_tag(defs[m["$ref"]]): m["$ref"] for m in members if "$ref" in m}
        if None not in tags and len(tags) == len(members):
            out["discriminator"] = {"propertyName": "type", "mapping": tags}
    return out


def _reachable(roots: list[Any], defs: dict[str, Any]) -> list[str]:
    seen: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None and ref not in seen:
                seen.append(ref)
                walk(defs[ref])
            for key, value in node.items():
                if key != "discriminator":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(roots)
    return sorted(seen)


def _operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per ``"METHOD /path"``: its query parameters and its JSON body (if any)."""
    out = {}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            query = {
                p["name"]: {"required": p.get("required", False), **_strip(p["schema"])}
                for p in op.get("parameters", [])
                if p["in"] == "query"
            }
            entry: dict[str, Any] = {"id": op["operationId"], "query": query}
            body = op.get("requestBody")
            if body is not None:
                entry["body"] = _strip(body["content"]["application/json"]["schema"])
                entry["body_required"] = body.get("required", False)
            out[f"{method.upper()} {path}"] = entry
    return out


def _kinds(spec: dict[str, Any], defs: dict[str, Any]) -> dict[str, str]:
    """Schema name -> kind: what ``GET /v1/<kind>`` answers (and its union's members)."""
    kinds: dict[str, str] = {}
    for path, ops in spec["paths"].items():
        get = ops.get("get")
        if get is None or path.endswith("/list") or path.count("/") != 2:
            continue
        ref = get["responses"]["200"]["content"].get("application/json", {}).get("schema", {})
        if "$ref" not in ref:
            continue
        name = _name(ref["$ref"])
        for member in [name, *(_name(m["$ref"]) for m in defs[name].get("oneOf", []))]:
            kinds[member] = path.rsplit("/", 1)[1]
    return kinds


def _snake_plural(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() + "s"


def _target(schema: dict[str, Any], defs: dict[str, Any], kinds: dict[str, str]) -> Any:
    """(kind, allowed tags or None, many) when a response field holds another object."""
    if schema.get("type") == "array":
        found = _target(schema.get("items", {}), defs, kinds)
        return None if found is None else (found[0], found[1], True)
    names = [m["$ref"] for m in schema.get("oneOf", [])] or [schema.get("$ref")]
    if None in names:
        return None
    targets = set()
    for name in names:
        if name in kinds:
            targets.add(kinds[name])
        elif "id" in defs[name].get("properties", {}):  # an object without endpoints of its own
            targets.add(_snake_plural(name))
    if len(targets) != 1:
        return None
    kind = targets.pop()
    whole = {n for n, k in kinds.items() if k == kind and "oneOf" not in defs[n]}
    tags = None if set(names) >= whole else tuple(sorted(_tag(defs[n]) or "" for n in names))
    return (kind, tags, False)


def _refs(spec: dict[str, Any], defs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per kind: field -> (kind it refers to, allowed ``type`` tags or None, is a list)."""
    kinds = _kinds(spec, defs)
    out: dict[str, dict[str, Any]] = {}
    for name, kind in sorted(kinds.items()):
        for field, schema in defs[name].get("properties", {}).items():
            target = _target(schema, defs, kinds)
            if target is not None:
                out.setdefault(kind, {})[field] = target
    return out


def render(spec: dict[str, Any]) -> str:
    """The module's source text."""
    raw = _strip(spec["components"]["schemas"])
    defs = {name: _tag_unions(schema, raw) for name, schema in raw.items()}
    operations = _tag_unions(_operations(spec), defs)
    used = _reachable([op.get("body") for op in operations.values()], defs)

    def block(name: str, annotation: str, value: dict[str, Any]) -> str:
        lines = "".join(f"    {key!r}: {value[key]!r},\n" for key in sorted(value))
        return f"{name}: {annotation} = {{\n{lines}}}\n"

    return "".join(
        [
            '"""Generated by scripts/gen_fake_rules.py from the Vocode OpenAPI spec: do not edit.'
            "\n\n"
            "SCHEMAS: the request schemas (names, types, enums, formats, required, defaults,\n"
            "discriminators); OPERATIONS: per route, its query parameters and body; REFS: per\n"
            "kind, the fields that hold another object (kind, allowed tags, is a list).\n"
            '"""\n\n',
            "# fmt: off\n",
            "from typing import Any\n\n",
            f"SPEC_VERSION = {spec['info'].get('version', '')!r}\n\n",
            block("SCHEMAS", "dict[str, Any]", {name: defs[name] for name in used}),
            "\n",
            block("OPERATIONS", "dict[str, Any]", operations),
            "\n",
            block(
                "REFS",
                "dict[str, dict[str, tuple[str, tuple[str, ...] | None, bool]]]",
                _refs(spec, raw),
            ),
        ]
    )


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    spec_file = Path(args[0]) if args else default_spec()
    text = render(json.loads(spec_file.read_text()))
    if check:
        if TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run {sys.argv[0]}", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
