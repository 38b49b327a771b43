"""The export's checkpoint: how far it got, bound to the exact bytes of its part file.

A checkpoint (``FILE.part.json``) records the next page, the number of calls and bytes
complete, the last page's ids and the SHA-256 of the part file's first ``offset`` bytes. A
resume trusts the part file only if those bytes hash the same, so a checkpoint can never
vouch for a file it did not describe (a fresh run in between, a file cut short or edited).
The checkpoint vouches for itself too: ``checksum`` is the SHA-256 of its other fields, so a
changed digit in ``next_page`` or ``count`` is refused, not resumed past a page; fields that
contradict each other are refused even when the checksum was made to fit. Reading one is
strict: anything but exactly this format is a :class:`CheckpointError` naming what is wrong.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import reprlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import attrs
import orjson

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = ["VERSION", "Checkpoint", "CheckpointError", "ExportOptions", "FileId", "sha256_of"]

VERSION = 3
"""The checkpoint format this version writes and reads (1: unversioned, unhashed; 2: without
its own checksum)."""

FORMATS = ("jsonl", "csv")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class CheckpointError(Exception):
    """A checkpoint that cannot be read: the text says what is wrong with it."""


@attrs.frozen(kw_only=True)
class ExportOptions:
    """What shapes the output; a resumed export must use the same."""

    format: str = "jsonl"
    size: int = 100
    sort_column: str | None = None
    sort_desc: bool = False


@attrs.frozen(kw_only=True)
class FileId:
    """Which file a path named, and as it was: device, inode, size, modification time."""

    dev: int
    ino: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileId:
        """The identity of the file ``info`` describes."""
        return cls(dev=info.st_dev, ino=info.st_ino, size=info.st_size, mtime_ns=info.st_mtime_ns)


@attrs.define(kw_only=True)
class Checkpoint:
    """How far an export got, and the hash of the part file's bytes up to ``offset``.

    ``last_count``: how many of the part file's last calls came from the last page (in the
    order of ``last_ids``); ``regular``: every page was the one after the previous, and each
    before the last wrote exactly ``size`` calls (so ``count`` and ``next_page`` determine
    each other); ``total``: the exact total every page said, the same on each (None: an
    estimate, or it changed); ``replaces``: the ``FILE`` the export may replace (what was
    there when it began; None: nothing non-empty was).
    """

    options: ExportOptions
    next_page: int = 1
    offset: int = 0
    count: int = 0
    last_ids: list[str] = attrs.field(factory=list)
    last_count: int = 0
    regular: bool = True
    total: int | None = None
    replaces: FileId | None = None
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
        if data["replaces"] is not None:
            _check_keys(data["replaces"], _ID_FIELDS, "replaces.")
        if data.pop("checksum") != _checksum(data):
            raise CheckpointError("does not match its own checksum (damaged or edited)")
        replaces = data.pop("replaces")
        state = cls(
            options=ExportOptions(**data.pop("options")),
            replaces=None if replaces is None else FileId(**replaces),
            **{k: v for k, v in data.items() if k != "version"},
        )
        state._check()
        return state

    def _check(self) -> None:
        """Refuse fields that contradict each other."""
        if self.last_count > min(self.count, len(self.last_ids)):
            raise CheckpointError(
                f"has last_count={self.last_count}, more than count ({self.count}) or "
                f"last_ids ({len(self.last_ids)})"
            )
        size = self.options.size
        if self.regular and (
            self.last_count > size or self.count != (self.next_page - 2) * size + self.last_count
        ):
            raise CheckpointError(
                f"has next_page={self.next_page}, count={self.count} and last_count="
                f"{self.last_count}, which pages of {size} do not make"
            )

    def save(self, path: Path) -> None:
        """Write atomically and durably: a crash leaves the old checkpoint or this one."""
        data: dict[str, Any] = {"version": VERSION, **attrs.asdict(self)}
        data["checksum"] = _checksum(data)
        tmp = path.with_name(path.name + ".tmp")
        tmp.unlink(missing_ok=True)  # a link there is removed, never written through
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
        with open(fd, "wb") as fh:
            fh.write(orjson.dumps(data))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def _checksum(fields: dict[str, Any]) -> str:
    """The SHA-256 of every field but ``checksum``, in a canonical form."""
    return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


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
    "next_page": ("an integer from 2", _is_int(2)),
    "offset": ("an integer from 0", _is_int(0)),
    "count": ("an integer from 0", _is_int(0)),
    "last_ids": (
        "a list of ids",
        lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    ),
    "last_count": ("an integer from 0", _is_int(0)),
    "regular": ("true or false", lambda v: isinstance(v, bool)),
    "total": ("an integer from 0 or null", lambda v: v is None or _is_int(0)(v)),
    "replaces": ("an object or null", lambda v: v is None or isinstance(v, dict)),
    "sha256": ("64 hex digits", lambda v: isinstance(v, str) and _HEX64.fullmatch(v) is not None),
    "checksum": (
        "64 hex digits",
        lambda v: isinstance(v, str) and _HEX64.fullmatch(v) is not None,
    ),
}
_OPTION_FIELDS: dict[str, tuple[str, Any]] = {
    "format": (" or ".join(FORMATS), lambda v: v in FORMATS),
    "size": ("an integer from 1 to 1000", _is_int(1, 1000)),
    "sort_column": ("a string or null", lambda v: v is None or isinstance(v, str)),
    "sort_desc": ("true or false", lambda v: isinstance(v, bool)),
}
_ID_FIELDS: dict[str, tuple[str, Any]] = {
    **{name: ("an integer from 0", _is_int(0)) for name in ("dev", "ino", "size")},
    "mtime_ns": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
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


def sha256_of(source: Path | BinaryIO, size: int) -> _Hash:
    """A running SHA-256 of the first ``size`` bytes of a file (to go on updating)."""
    with contextlib.ExitStack() as stack:
        if isinstance(source, Path):
            fh: BinaryIO = stack.enter_context(source.open("rb"))
        else:
            fh = source
            fh.seek(0)
        digest = hashlib.sha256()
        while size > 0:
            chunk = fh.read(min(size, _CHUNK))
            if not chunk:
                break
            digest.update(chunk)
            size -= len(chunk)
    return digest
