"""The export's two formats, both ways: calls to bytes, and a written file checked back.

JSON Lines is one ``orjson`` object per line, byte for byte what the API said. CSV is one
row per call under :data:`CSV_COLUMNS`; a text cell a spreadsheet would run as a formula
(it begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, OWASP's list) gets a
leading ``'``, unless it is a plain number such as the phone number ``+15550000000``.
:func:`verify_part` reads a finished file back before the export reports success.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from ._checkpoint import sha256_of

__all__ = ["CSV_COLUMNS", "ENCODERS", "PartError", "csv_header", "scan_part", "verify_part"]

CSV_COLUMNS = (
    "id",
    "user_id",
    "status",
    "start_time",
    "end_time",
    "from_number",
    "to_number",
    "agent",
    "agent_phone_number",
    "telephony_provider",
    "telephony_id",
    "telephony_account_connection",
    "recording_available",
    "human_detection_result",
    "do_not_call_result",
    "stage",
    "stage_outcome",
    "error_message",
    "hipaa_compliant",
    "on_no_human_answer",
    "run_do_not_call_detection",
    "telephony_metadata.type",
    "telephony_metadata.call_sid",
    "telephony_metadata.call_status",
    "telephony_metadata.transfer_call_sid",
    "telephony_metadata.transfer_call_status",
    "telephony_metadata.conference_sid",
    "context",
    "telephony_params",
    "transcript",
)
"""CSV columns, in order: every field of a listed call. ``telephony_metadata`` is flattened
to one column per field; ``context`` and ``telephony_params`` are JSON text;
``telephony_account_connection`` is its id; an empty cell is a null."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def _jsonl(rows: list[Any]) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Mapping | list):
        return orjson.dumps(value).decode()
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value  # shown as text by spreadsheets, never run
    return value


def _csv_row(row: Mapping[str, Any]) -> list[Any]:
    meta = row.get("telephony_metadata") or {}
    connection = row.get("telephony_account_connection")
    if isinstance(connection, Mapping):
        connection = connection.get("id")
    flat = {**row, "telephony_account_connection": connection}
    flat.update({f"telephony_metadata.{k}": v for k, v in meta.items()})
    return [_cell(flat.get(column)) for column in CSV_COLUMNS]


class _Rows:
    """What a ``csv.writer`` writes, one whole row per ``write`` call, ended by ``\\n``.

    The writer is told ``\\r\\n`` so that it quotes a cell holding a bare ``\\r`` too (it
    quotes only the line terminator's characters); each row's ``\\r\\n`` becomes ``\\n``.
    """

    def __init__(self) -> None:
        self.rows: list[str] = []

    def write(self, row: str) -> int:
        self.rows.append(row.removesuffix("\r\n") + "\n")
        return len(row)


def _write_csv(rows: Iterable[Iterable[Any]]) -> bytes:
    out = _Rows()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return "".join(out.rows).encode()


def _csv(rows: list[Any]) -> bytes:
    return _write_csv(_csv_row(row) for row in rows)


def csv_header() -> bytes:
    """The first line of a CSV export."""
    return _write_csv([CSV_COLUMNS])


ENCODERS: dict[str, Callable[[list[Any]], bytes]] = {"jsonl": _jsonl, "csv": _csv}
"""Each format's encoder: the output dicts of one page to the bytes appended for them."""


def verify_part(path: Path, fmt: str, count: int, *, sha256: str | None = None) -> str | None:
    """What is wrong with an export file that should hold ``count`` calls, or None.

    Every line (JSON Lines) or row (CSV, under the header) must be one whole call with an id
    no other has, ``count`` of them; with ``sha256``, the bytes must hash to it (nothing
    changed them since they were written).
    """
    size = path.stat().st_size
    if sha256 is not None and sha256_of(path, size).hexdigest() != sha256:
        return "changed while the export was running (its bytes do not hash as written)"
    try:
        found, _ = scan_part(path, fmt)
    except PartError as exc:
        return str(exc)
    return None if found == count else f"holds {found} calls, not {count}"


class PartError(Exception):
    """What a line or row of an export file is wrong about."""


def scan_part(path: Path, fmt: str, tail: int = 0) -> tuple[int, list[str]]:
    """How many calls an export file holds, and the ids of the last ``tail`` of them.

    :class:`PartError` if a line (row) is not one whole call with an id no other has.
    """
    last: deque[str] = deque(maxlen=tail)
    found = _jsonl_calls(path, last) if fmt == "jsonl" else _csv_calls(path, last)
    return found, list(last)


def _jsonl_calls(path: Path, last: deque[str]) -> int:
    seen: set[str] = set()
    with path.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            try:
                call = orjson.loads(line) if line.endswith(b"\n") else None
            except orjson.JSONDecodeError:
                call = None
            if not isinstance(call, dict):
                raise PartError(f"line {n} is not a whole JSON object")
            last.append(_unique(call.get("id"), seen, f"line {n}"))
    return len(seen)


def _csv_calls(path: Path, last: deque[str]) -> int:
    seen: set[str] = set()
    with path.open("rb") as raw:
        size = raw.seek(0, io.SEEK_END)
        raw.seek(max(size - 1, 0))
        if raw.read(1) != b"\n":
            raise PartError("does not end with a whole row")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh, strict=True)
        try:
            if next(rows, None) != list(CSV_COLUMNS):
                raise PartError("does not start with the CSV header")
            for n, row in enumerate(rows, 1):
                if len(row) != len(CSV_COLUMNS):
                    raise PartError(f"row {n} has {len(row)} cells, not {len(CSV_COLUMNS)}")
                last.append(_unique(row[0], seen, f"row {n}"))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise PartError(f"is not whole CSV: {exc}") from None
    return len(seen)


def _unique(call_id: Any, seen: set[str], where: str) -> str:
    if not isinstance(call_id, str) or not call_id:
        raise PartError(f"{where} has no id")
    if call_id in seen:
        raise PartError(f"{where}: duplicate id {call_id!r}")
    seen.add(call_id)
    return call_id
