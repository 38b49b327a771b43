"""Export every call to JSON Lines or CSV: atomically, resumably, with progress.

The export writes ``FILE.part`` and, after each page is on disk, a checkpoint
``FILE.part.json`` (the next page, the byte length of what is complete, the last page's
ids). ``FILE`` appears only when the export is complete (a rename). ``--resume`` cuts the
part file back to the checkpoint, skips the ids already written at the page boundary and
goes on from the next page, so an interrupted export resumes without duplicates.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import orjson

from .._client import AsyncVocode
from .._converter import decoder as _decoder
from .._pagination import AsyncPager
from ..models import NormalizedCall
from ._progress import Progress

__all__ = ["CSV_COLUMNS", "Checkpoint", "ExportOptions", "export_calls"]

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


@attrs.frozen(kw_only=True)
class ExportOptions:
    """What shapes the output; a resumed export must use the same."""

    format: str = "jsonl"
    size: int = 100
    sort_column: str | None = None
    sort_desc: bool = False


@attrs.define(kw_only=True)
class Checkpoint:
    """How far an export got (stored beside the part file as JSON)."""

    options: ExportOptions
    next_page: int = 1
    offset: int = 0
    count: int = 0
    last_ids: list[str] = attrs.field(factory=list)

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        data = orjson.loads(path.read_bytes())
        return cls(options=ExportOptions(**data.pop("options")), **data)

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(orjson.dumps(attrs.asdict(self)))
        os.replace(tmp, path)


def _paths(out: Path) -> tuple[Path, Path]:
    part = out.with_name(out.name + ".part")
    return part, part.with_name(part.name + ".json")


def resume_state(out: Path) -> Checkpoint | None:
    """The checkpoint of an interrupted export to ``out``, if there is one."""
    _, ckpt = _paths(out)
    return Checkpoint.load(ckpt) if ckpt.exists() else None


def _jsonl(rows: list[Any]) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Mapping | list):
        return orjson.dumps(value).decode()
    return value


def _csv_row(row: Mapping[str, Any]) -> list[Any]:
    meta = row.get("telephony_metadata") or {}
    connection = row.get("telephony_account_connection")
    if isinstance(connection, Mapping):
        connection = connection.get("id")
    flat = {**row, "telephony_account_connection": connection}
    flat.update({f"telephony_metadata.{k}": v for k, v in meta.items()})
    return [_cell(flat.get(column)) for column in CSV_COLUMNS]


def _csv(rows: list[Any], header: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(row) for row in rows)
    return buffer.getvalue().encode()


ENCODERS: dict[str, Callable[[list[Any]], bytes]] = {"jsonl": _jsonl, "csv": _csv}


async def export_calls(
    client: AsyncVocode,
    out: Path,
    options: ExportOptions,
    *,
    prefetch: int,
    resume: bool,
    progress: Progress,
    limit: int | None = None,
) -> int:
    """Write every call (or the first ``limit``) to ``out``; return how many.

    ``out`` appears only when complete. ``limit`` counts the calls of the whole export,
    those written before a resume included.
    """
    part, ckpt = _paths(out)
    state = Checkpoint.load(ckpt) if resume and ckpt.exists() else None
    if state is None:
        state = Checkpoint(options=options)
        part.write_bytes(_csv([], header=True) if options.format == "csv" else b"")
        state.offset = part.stat().st_size
    try:
        await _write(client, part, ckpt, state, prefetch=prefetch, progress=progress, limit=limit)
    except BaseException:
        if not ckpt.exists():  # nothing saved: leave no empty part file behind
            part.unlink(missing_ok=True)
        raise
    os.replace(part, out)
    with contextlib.suppress(FileNotFoundError):
        ckpt.unlink()
    progress.finish()
    return state.count


async def _write(
    client: AsyncVocode,
    part: Path,
    ckpt: Path,
    state: Checkpoint,
    *,
    prefetch: int,
    progress: Progress,
    limit: int | None,
) -> None:
    """Append every page from the checkpoint on to ``part``, saving a checkpoint per page."""
    progress.start(done=state.count)
    left = None if limit is None else limit - state.count
    with part.open("r+b") as fh:
        fh.truncate(state.offset)  # drop whatever was written after the last checkpoint
        fh.seek(state.offset)
        if left is not None and left <= 0:
            return
        pager = client.calls.list(
            size=state.options.size,
            sort_column=state.options.sort_column,
            sort_desc=state.options.sort_desc or None,
            prefetch=prefetch,
            start_page=state.next_page,
            # + the previous page's ids: drift may bring them back, and they are skipped
            max_items=None if left is None else left + len(state.last_ids),
        )
        async with pager:
            await _write_pages(fh, pager, state, ckpt, progress, left)


async def _write_pages(
    fh: BinaryIO,
    pager: AsyncPager[NormalizedCall],
    state: Checkpoint,
    ckpt: Path,
    progress: Progress,
    left: int | None,
) -> None:
    """Write page after page, each on disk (and checkpointed) before the next."""
    encode, to_output = ENCODERS[state.options.format], _decoder().for_output
    skip = set(state.last_ids)  # the previous page's ids: drift may repeat them
    async for page in pager.pages():
        items = [c for c in page.items if c.id not in skip]
        skip = set()
        if left is not None:
            del items[left:]
            left -= len(items)
        fh.write(encode([to_output(c) for c in items]))
        fh.flush()
        os.fsync(fh.fileno())
        state.next_page, state.offset = pager.resume_page + 1, fh.tell()
        state.count += len(items)
        state.last_ids = [c.id for c in page.items]
        state.save(ckpt)
        progress.advance(len(items), total=page.total, estimated=page.total_is_estimated)
