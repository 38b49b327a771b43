"""Export every call to JSON Lines or CSV: atomically, resumably, verified, one run at a time.

Beside ``FILE`` the export keeps ``FILE.lock`` (held for the run: a second export to the
same file is refused), ``FILE.part`` (the calls so far) and, after each page is on disk,
the checkpoint ``FILE.part.json`` (see :mod:`._checkpoint`: it vouches for itself and for
the part file's bytes by their hash). None is ever written through a link: a fresh run
removes what is at ``FILE.part`` and creates it anew; a resume refuses a part file that is a
link or has another name. ``FILE`` appears only when the export is complete and the part
file has been read back and verified (a rename); a listing whose exact total, the same on
every page, is not the number of calls it listed does not verify. ``--resume`` trusts a part
file only if its checkpointed bytes hash as recorded and it holds the calls the checkpoint
says; it cuts off what follows them, skips the ids written last if drift brings them back
and goes on from the next page: an interrupted export resumes exactly, or is refused with
one line. A non-empty ``FILE`` is replaced only with ``--force``, or by a resume of an
export that began over that very file (as it was then).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import attrs

from .._client import AsyncVocode
from .._converter import decoder as _decoder
from .._pagedepth import Prefetch
from .._pagination import AsyncPager
from ..models import NormalizedCall, Page
from ._checkpoint import Checkpoint, CheckpointError, ExportOptions, FileId, sha256_of
from ._formats import ENCODERS, PartError, csv_header, scan_part, verify_part
from ._lock import FileLock, LockFileError
from ._options import CommandError
from ._progress import Progress

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = ["ExportOptions", "Start", "export_calls", "locked", "prepare", "saved_count"]

_START_OVER = "run the command without --resume to start over"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows
RESUME_PAGES = 32
"""Pages of calls before an interruption whose ids a resume skips if drift brings them back
(within a run, the pager keeps the ids of at most 2 * prefetch + 2 pages)."""


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
    """Where an export starts: its checkpoint, the hash of the part file so far, which file
    the part file is (device, inode), whether ``--force`` was given, a notice."""

    state: Checkpoint
    digest: _Hash
    part: tuple[int, int]
    force: bool = False
    notice: str | None = None
    written: frozenset[str] = frozenset()
    """The ids of the part file's last calls (a resume): drift may bring them back."""


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
    try:
        acquired = lock.acquire()
    except LockFileError as exc:
        raise CommandError(f"cannot lock the export: {exc}") from None
    if not acquired:
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
        return _resumed(files, options, explicit, force=force)
    why = "; there is no interrupted export of it to resume" if resume else ""
    replaces = _replaceable(out, allowed=None, force=force, why=why)
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
    _remove(files.ckpt)  # first: no checkpoint may outlive the bytes it vouched for
    header = csv_header() if options.format == "csv" else b""
    part = _fresh_part(files.part, header)
    digest = hashlib.sha256(header)
    state = Checkpoint(
        options=options, offset=len(header), sha256=digest.hexdigest(), replaces=replaces
    )
    return Start(state=state, digest=digest, part=part, force=force, notice=notice)


def _replaceable(out: Path, *, allowed: FileId | None, force: bool, why: str) -> FileId | None:
    """The non-empty ``out`` this export may replace (None: none is there), or a refusal.

    Nothing there and an empty file are fine; a non-empty file only with ``force`` or when
    it is still ``allowed`` (the one the export began over, with ``--force``).
    """
    try:
        info = out.lstat()  # a link is refused, never followed: FILE is what gets replaced
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise CommandError(f"{out} is a symbolic link: give the path of the file itself")
    if not stat.S_ISREG(info.st_mode):
        raise CommandError(f"{out} exists and is not a regular file")
    if not info.st_size:  # an empty file (mktemp) is not an export
        return None
    now = FileId.of(info)
    if force or now == allowed:
        return now
    raise CommandError(f"{out} exists ({info.st_size:,} bytes){why}; pass --force to replace it")


def _remove(path: Path) -> None:
    """Remove what is at ``path`` (a link itself, never its target), or refuse in one line."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise CommandError(f"{path} is in the way and cannot be removed: {exc.strerror}") from None


def _fresh_part(part: Path, header: bytes) -> tuple[int, int]:
    """Create the part file anew, holding ``header``: whatever was there (a stale part, a
    link to another file) is removed first, never written through. Its (device, inode)."""
    _remove(part)
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
    except FileExistsError:  # created between the two by something else than an export
        raise CommandError(f"{part} appeared as it was being created; run again") from None
    with open(fd, "wb") as fh:
        fh.write(header)
        fh.flush()
        os.fsync(fd)
        info = os.fstat(fd)
    return info.st_dev, info.st_ino


def _resumed(
    files: _Files, asked: ExportOptions, explicit: Collection[str], *, force: bool
) -> Start:
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
    why = " and is not the file the interrupted export began over (it appeared or changed since)"
    state.replaces = _replaceable(files.out, allowed=state.replaces, force=force, why=why)
    part, digest = _trusted_part(files.part, state)
    written = _agrees(files.part, state)
    return Start(state=state, digest=digest, part=part, force=force, written=written)


def _open_part(part: Path) -> BinaryIO:
    """The part file opened for update, if it is a regular file with one name (never a
    link to another file, whose target a resume would write)."""
    try:
        fd = os.open(part, os.O_RDWR | _NOFOLLOW)
    except FileNotFoundError:
        raise CommandError(f"cannot resume: {part} is missing; {_START_OVER}") from None
    except OSError as exc:
        what = "a symbolic link" if part.is_symlink() else f"not usable ({exc.strerror})"
        raise CommandError(f"cannot resume: {part} is {what}; {_START_OVER}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        what = "not a regular file" if info.st_nlink == 1 else f"a file of {info.st_nlink} names"
        raise CommandError(
            f"cannot resume: {part} is {what} (an export writes only a file of its own); "
            f"{_START_OVER}"
        )
    return os.fdopen(fd, "r+b")


def _reopen(part: Path, ident: tuple[int, int]) -> BinaryIO:
    """The part file the export created or checked (``ident``), opened again to append."""
    fd = os.open(part, os.O_RDWR | _NOFOLLOW)
    info = os.fstat(fd)
    if (info.st_dev, info.st_ino) != ident:
        os.close(fd)
        raise CommandError(f"{part} was replaced by another file during the export; run again")
    return os.fdopen(fd, "r+b")


def _trusted_part(part: Path, state: Checkpoint) -> tuple[tuple[int, int], _Hash]:
    """The part file cut back to what the checkpoint vouches for, or a refusal."""
    with _open_part(part) as fh:
        info = os.fstat(fh.fileno())
        if info.st_size < state.offset:
            raise CommandError(
                f"cannot resume: {part} holds {info.st_size:,} bytes, fewer than the "
                f"{state.offset:,} its checkpoint vouches for (it was cut short); {_START_OVER}"
            )
        digest = sha256_of(fh, state.offset)
        if digest.hexdigest() != state.sha256:
            raise CommandError(
                f"cannot resume: the first {state.offset:,} bytes of {part} are not those its "
                f"checkpoint vouches for (changed since); {_START_OVER}"
            )
        if info.st_size > state.offset:  # the page being written when it stopped, or more
            fh.truncate(state.offset)
            os.fsync(fh.fileno())
    return (info.st_dev, info.st_ino), digest


def _agrees(part: Path, state: Checkpoint) -> frozenset[str]:
    """Refuse a checkpoint whose count or last page is not what the part file holds; the
    ids of the part file's last :data:`RESUME_PAGES` pages of calls."""
    keep = max(state.last_count, RESUME_PAGES * state.options.size)
    try:
        found, tail = scan_part(part, state.options.format, keep)
    except PartError as exc:
        raise CommandError(f"cannot resume: {part} {exc}; {_START_OVER}") from None
    if found != state.count:
        raise CommandError(
            f"cannot resume: {part} holds {found:,} calls, its checkpoint says {state.count:,}; "
            f"{_START_OVER}"
        )
    ids = iter(state.last_ids)
    last = tail[len(tail) - state.last_count :]
    if not all(any(i == j for j in ids) for i in last):  # in order, among the last page's
        raise CommandError(
            f"cannot resume: the last calls of {part} are not those of its checkpoint's last "
            f"page; {_START_OVER}"
        )
    return frozenset(tail)


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
        _verify(files, start, limit)
        why = f" and appeared or changed during the export (the calls are in {files.part})"
        _replaceable(out, allowed=state.replaces, force=start.force, why=why)
    except BaseException:
        if not files.ckpt.exists():  # nothing saved: leave no empty part file behind
            with contextlib.suppress(OSError):
                if _identity(files.part) == start.part:
                    files.part.unlink()
        raise
    files.ckpt.unlink(missing_ok=True)  # first: a checkpoint never outlives its part file
    os.replace(files.part, out)
    progress.finish()
    return state.count


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of what ``path`` itself names (a link is not followed)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


def _verify(files: _Files, start: Start, limit: int | None) -> None:
    """The part file is the one written, holds what was written, and as many calls as the
    listing's exact total said (when it said the same on every page); else exit 1."""
    state = start.state
    if _identity(files.part) != start.part:
        problem: str | None = "was replaced by another file during the export"
    else:
        problem = verify_part(files.part, state.options.format, state.count, sha256=state.sha256)
    total = state.total
    cut = limit is not None and state.count >= limit  # --limit ended it, not the listing
    if problem is None and total is not None and total != state.count and not cut:
        problem = (
            f"holds {state.count:,} calls, but the API said it lists {total:,} (an exact "
            f"total, the same on every page): the listing contradicts itself"
        )
    if problem is not None:
        raise CommandError(
            f"the export did not verify: {files.part} {problem}; {files.out} was not written",
            exit_code=1,
        )


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
    with _reopen(files.part, start.part) as fh:
        fh.seek(state.offset)
        pager = client.calls.list(
            size=state.options.size,
            sort_column=state.options.sort_column,
            sort_desc=state.options.sort_desc or None,
            prefetch=prefetch,
            start_page=state.next_page,
            # + the ids written last: drift may bring them back, and they are skipped
            max_items=None if left is None else left + len(start.written),
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
    skip = start.written  # calls written before a resume: drift may bring them back
    async for page in pager.pages():
        items = [c for c in page.items if c.id not in skip] if skip else list(page.items)
        if left is not None:
            del items[left:]
            left -= len(items)
        # --limit ended on this page: the pager may have cut it short (max_items), so a
        # resume reads it again (what was written is skipped by id)
        cut = left == 0
        chunk = encode([to_output(c) for c in items])
        fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
        digest.update(chunk)
        _advance(state, pager.resume_page, page, len(items), cut=cut)
        state.offset, state.sha256 = fh.tell(), digest.hexdigest()
        state.save(ckpt)
        progress.advance(len(items), total=page.total, estimated=page.total_is_estimated)
        if left == 0:
            break


def _advance(
    state: Checkpoint, number: int, page: Page[NormalizedCall], written: int, *, cut: bool
) -> None:
    """Page ``number`` is written (``written`` of its calls; ``cut``: only the first ones,
    --limit ended inside it): note what the checkpoint says. A cut page is where a resume
    starts again (the calls already written are skipped by id), so a resume with another
    --limit, or none, loses none of the rest."""
    first = state.next_page == 1  # no page yet (a saved checkpoint says 2 or more)
    size = state.options.size
    state.regular = (  # a merged re-fetch may write more than a page: not regular
        state.regular
        and not cut
        and number == state.next_page
        and written <= size
        and (first or state.last_count == size)
    )
    exact = None if page.total_is_estimated else page.total
    state.total = exact if first or state.total == exact else None
    state.next_page = number if cut else number + 1
    state.count, state.last_count = state.count + written, written
    state.last_ids = [c.id for c in page.items]
