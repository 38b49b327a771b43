"""The export's checkpoint: how far it got, bound to the exact bytes of its part file.

A checkpoint (``FILE.part.json``) records the next page, the number of calls and bytes
complete, the last page's ids and the SHA-256 of the part file's first ``offset`` bytes. A
resume trusts the part file only if those bytes hash the same, so a checkpoint can never
vouch for a file it did not describe (a fresh run in between, a file cut short or edited).
Reading one is strict: anything but exactly this format is a :class:`CheckpointError`
naming what is wrong.
"""

from __future__ import annotations

import hashlib
import os
import re
import reprlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import orjson

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = ["VERSION", "Checkpoint", "CheckpointError", "ExportOptions", "sha256_of"]

VERSION = 2
"""The checkpoint format this version writes and reads (1: unversioned, unhashed)."""

FORMATS = ("jsonl", "csv")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class CheckpointError(Exception):
    """A checkpoint that cannot be read: the text says what is wrong with it."""


@attrs.frozen(kw_only=True)
class ExportOptions:
    """What shapes the output; a resumed export must use the same."""

    format: str = "jsonl"
    size: int = 100
    sort_column: str | None = None
    sort_desc: bool = False


@attrs.define(kw_only=True)
class Checkpoint:
    """How far an export got, and the hash of the part file's bytes up to ``offset``."""

    options: ExportOptions
    next_page: int = 1
    offset: int = 0
    count: int = 0
    last_ids: list[str] = attrs.field(factory=list)
    sha256: str = hashlib.sha256().hexdigest()

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        """Read and check a checkpoint; :class:`CheckpointError` says what is wrong."""
        try:
            data = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            raise CheckpointError("is not valid JSON (cut short or damaged)") from None
        if not isinstance(data, dict):
            raise CheckpointError("is not a JSON object")
        _check_version(data.get("version"))
        _check_keys(data, _FIELDS, "")
        _check_keys(data["options"], _OPTION_FIELDS, "options.")
        return cls(
            options=ExportOptions(**data["options"]),
            **{k: v for k, v in data.items() if k not in ("version", "options")},
        )

    def save(self, path: Path) -> None:
        """Write atomically and durably: a crash leaves the old checkpoint or this one."""
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            fh.write(orjson.dumps({"version": VERSION, **attrs.asdict(self)}))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def _check_version(version: Any) -> None:
    if version is None:
        raise CheckpointError("has no format version (written by an older vocode-async)")
    if version != VERSION or isinstance(version, bool):
        raise CheckpointError(f"has format version {version!r}; this vocode-async reads {VERSION}")


def _is_int(low: int, high: int | None = None) -> Any:
    def check(v: Any) -> bool:
        ok = isinstance(v, int) and not isinstance(v, bool) and v >= low
        return ok and (high is None or v <= high)

    return check


_FIELDS: dict[str, tuple[str, Any]] = {
    "version": ("an integer", lambda v: True),
    "options": ("an object", lambda v: isinstance(v, dict)),
    "next_page": ("an integer from 1", _is_int(1)),
    "offset": ("an integer from 0", _is_int(0)),
    "count": ("an integer from 0", _is_int(0)),
    "last_ids": (
        "a list of ids",
        lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    ),
    "sha256": ("64 hex digits", lambda v: isinstance(v, str) and _HEX64.fullmatch(v) is not None),
}
_OPTION_FIELDS: dict[str, tuple[str, Any]] = {
    "format": (" or ".join(FORMATS), lambda v: v in FORMATS),
    "size": ("an integer from 1 to 1000", _is_int(1, 1000)),
    "sort_column": ("a string or null", lambda v: v is None or isinstance(v, str)),
    "sort_desc": ("true or false", lambda v: isinstance(v, bool)),
}


def _check_keys(data: dict[str, Any], fields: dict[str, tuple[str, Any]], prefix: str) -> None:
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise CheckpointError(f"has unknown keys: {', '.join(prefix + k for k in unknown)}")
    missing = [k for k in fields if k not in data]
    if missing:
        raise CheckpointError(f"lacks keys: {', '.join(prefix + k for k in missing)}")
    for key, (want, ok) in fields.items():
        if not ok(data[key]):
            raise CheckpointError(f"has {prefix}{key}={reprlib.repr(data[key])}, not {want}")


def sha256_of(path: Path, size: int) -> _Hash:
    """A running SHA-256 of the first ``size`` bytes of ``path`` (to go on updating)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while size > 0:
            chunk = fh.read(min(size, _CHUNK))
            if not chunk:
                break
            digest.update(chunk)
            size -= len(chunk)
    return digest
