"""Export every call to JSON Lines or CSV: atomically, resumably, verified, one run at a time.

Beside ``FILE`` the export keeps ``FILE.lock`` (held for the run: a second export to the
same file is refused), ``FILE.part`` (the calls so far) and, after each page is on disk,
the checkpoint ``FILE.part.json`` (see :mod:`._checkpoint`: it vouches for the part file's
bytes by their hash). ``FILE`` appears only when the export is complete and the part file
has been read back and verified (a rename). ``--resume`` trusts a part file only if its
checkpointed bytes hash as recorded, cuts off what follows them, skips the ids already
written at the page boundary and goes on from the next page: an interrupted export
resumes exactly, or is refused with one line. A fresh run never replaces an existing
non-empty ``FILE`` unless forced.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import attrs

from .._client import AsyncVocode
from .._converter import decoder as _decoder
from .._pagedepth import Prefetch
from .._pagination import AsyncPager
from ..models import NormalizedCall
from ._checkpoint import Checkpoint, CheckpointError, ExportOptions, sha256_of
from ._formats import ENCODERS, csv_header, verify_part
from ._lock import FileLock
from ._options import CommandError
from ._progress import Progress

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = ["ExportOptions", "Start", "export_calls", "locked", "prepare", "saved_count"]

_START_OVER = "run the command without --resume to start over"


@attrs.frozen
class _Files:
    out: Path
    part: Path
    ckpt: Path
    lock: Path


def _files(out: Path) -> _Files:
    part = out.with_name(out.name + ".part")
    return _Files(out, part, part.with_name(part.name + ".json"), out.with_name(out.name + ".lock"))


@attrs.define(kw_only=True)
class Start:
    """Where an export starts: its checkpoint, the hash of the part file so far, a notice."""

    state: Checkpoint
    digest: _Hash
    notice: str | None = None


def saved_count(out: Path) -> int | None:
    """How many calls an interrupted export to ``out`` saved (None: no readable checkpoint)."""
    try:
        return Checkpoint.load(_files(out).ckpt).count
    except (OSError, CheckpointError):
        return None


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold ``out``'s lock for the block; another export to it holding it is refused."""
    lock = FileLock(_files(out).lock)
    if not lock.acquire():
        pid = lock.holder()
        who = f" (pid {pid})" if pid else ""
        raise CommandError(f"another export to {out} is running{who}; wait for it to end")
    try:
        yield
    finally:
        lock.release()


def prepare(
    out: Path,
    options: ExportOptions,
    *,
    resume: bool,
    force: bool,
    explicit: Collection[str] = (),
) -> Start:
    """Check what is on disk and set the part file up; :class:`CommandError` if unsafe.

    ``explicit``: the options given on the command line (a resume must not change them).
    """
    files = _files(out)
    if resume and files.ckpt.exists():
        return _resumed(files, options, explicit)
    _check_replace(out, force=force, resume=resume)
    if resume:
        notice: str | None = f"nothing to resume (no {files.ckpt}): starting a full export"
    elif files.ckpt.exists():
        count = saved_count(out)
        saved = "" if count is None else f" ({count:,} calls saved)"
        notice = (
            f"starting over: the interrupted export{saved} is discarded (--resume continues one)"
        )
    else:
        notice = None
    files.ckpt.unlink(missing_ok=True)  # first: no checkpoint may outlive the bytes it vouched for
    header = csv_header() if options.format == "csv" else b""
    files.part.write_bytes(header)
    digest = sha256_of(files.part, len(header))
    state = Checkpoint(options=options, offset=len(header), sha256=digest.hexdigest())
    return Start(state=state, digest=digest, notice=notice)


def _check_replace(out: Path, *, force: bool, resume: bool) -> None:
    if not out.exists():
        return
    if not out.is_file():
        raise CommandError(f"{out} exists and is not a regular file")
    size = out.stat().st_size
    if size and not force:
        why = "; there is no interrupted export of it to resume" if resume else ""
        raise CommandError(f"{out} exists ({size:,} bytes){why}; pass --force to replace it")


def _resumed(files: _Files, asked: ExportOptions, explicit: Collection[str]) -> Start:
    try:
        state = Checkpoint.load(files.ckpt)
    except CheckpointError as exc:
        raise CommandError(f"cannot resume: {files.ckpt} {exc}; {_START_OVER}") from None
    for name in explicit:
        if getattr(state.options, name) != getattr(asked, name):
            raise CommandError(
                f"--resume continues an export made with {name}={getattr(state.options, name)!r}; "
                f"drop the option or start over without --resume"
            )
    return Start(state=state, digest=_trusted_part(files.part, state))


def _trusted_part(part: Path, state: Checkpoint) -> _Hash:
    """The part file cut back to what the checkpoint vouches for, or a refusal."""
    try:
        size = part.stat().st_size
    except FileNotFoundError:
        raise CommandError(f"cannot resume: {part} is missing; {_START_OVER}") from None
    if size < state.offset:
        raise CommandError(
            f"cannot resume: {part} holds {size:,} bytes, fewer than the {state.offset:,} its "
            f"checkpoint vouches for (it was cut short); {_START_OVER}"
        )
    digest = sha256_of(part, state.offset)
    if digest.hexdigest() != state.sha256:
        raise CommandError(
            f"cannot resume: the first {state.offset:,} bytes of {part} are not those its "
            f"checkpoint vouches for (changed since); {_START_OVER}"
        )
    if size > state.offset:  # the page being written when it stopped, or anything appended
        with part.open("r+b") as fh:
            fh.truncate(state.offset)
            os.fsync(fh.fileno())
    return digest


async def export_calls(
    client: AsyncVocode,
    out: Path,
    start: Start,
    *,
    prefetch: Prefetch,
    progress: Progress,
    limit: int | None = None,
) -> int:
    """Write every call (or the first ``limit``) to ``out``; return how many.

    ``out`` appears only when complete and verified. ``limit`` counts the calls of the
    whole export, those written before a resume included.
    """
    files, state = _files(out), start.state
    try:
        await _write(client, files, start, prefetch=prefetch, progress=progress, limit=limit)
        problem = verify_part(files.part, state.options.format, state.count, sha256=state.sha256)
        if problem is not None:
            raise CommandError(
                f"the export did not verify: {files.part} {problem}; {out} was not written",
                exit_code=1,
            )
    except BaseException:
        if not files.ckpt.exists():  # nothing saved: leave no empty part file behind
            files.part.unlink(missing_ok=True)
        raise
    files.ckpt.unlink(missing_ok=True)  # first: a checkpoint never outlives its part file
    os.replace(files.part, out)
    progress.finish()
    return state.count


async def _write(
    client: AsyncVocode,
    files: _Files,
    start: Start,
    *,
    prefetch: Prefetch,
    progress: Progress,
    limit: int | None,
) -> None:
    """Append every page from the checkpoint on to the part file, checkpointing each."""
    state = start.state
    progress.start(done=state.count)
    left = None if limit is None else limit - state.count
    if left is not None and left <= 0:
        return
    with files.part.open("r+b") as fh:
        fh.seek(state.offset)
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
            await _write_pages(fh, pager, start, files.ckpt, progress, left)


async def _write_pages(
    fh: BinaryIO,
    pager: AsyncPager[NormalizedCall],
    start: Start,
    ckpt: Path,
    progress: Progress,
    left: int | None,
) -> None:
    """Write page after page, each on disk (and checkpointed with its hash) before the next."""
    state, digest = start.state, start.digest
    encode, to_output = ENCODERS[state.options.format], _decoder().for_output
    skip = set(state.last_ids)  # the previous page's ids: drift may repeat them
    async for page in pager.pages():
        items = [c for c in page.items if c.id not in skip]
        skip = set()
        if left is not None:
            del items[left:]
            left -= len(items)
        chunk = encode([to_output(c) for c in items])
        fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
        digest.update(chunk)
        state.next_page, state.offset = pager.resume_page + 1, fh.tell()
        state.count += len(items)
        state.last_ids = [c.id for c in page.items]
        state.sha256 = digest.hexdigest()
        state.save(ckpt)
        progress.advance(len(items), total=page.total, estimated=page.total_is_estimated)
