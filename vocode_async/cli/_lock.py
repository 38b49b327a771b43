"""One export at a time per output: an exclusive lock on a file beside it, held for the run.

``flock`` (POSIX) or ``msvcrt.locking`` (Windows) on ``FILE.lock``, taken without waiting.
The kernel drops the lock when its process dies, so a killed export never blocks the next
one. The holder removes the file when done; a process that locked a file meanwhile
removed or replaced checks that the path still names the file it locked, and tries again.

The lock file is never written through a link: it is opened without following a symbolic
link, and a path that names anything but a regular file with one name, holding nothing but
a pid, is refused (:class:`LockFileError`) rather than truncated.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
from pathlib import Path

__all__ = ["FileLock", "LockFileError"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows, where links need privileges
_NOT_OURS = "not an export's lock file; remove it (nothing was written to it)"
_PID_TEXT = re.compile(rb"[0-9]{0,20}\n?")  # what a holder writes: a pid and a newline


class LockFileError(Exception):
    """``FILE.lock`` is not a lock file an export may use: the text says why."""


class FileLock:
    """An exclusive, non-blocking lock on ``path`` (created on acquire, removed on release)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another process holds it, :class:`LockFileError` when
        the path is not a lock file to use (a link, a directory, another program's file)."""
        for _ in range(10):
            fd = self._open()
            if not _try_lock(fd):
                os.close(fd)
                return False
            if _same_file(fd, self.path):
                try:
                    _claim(fd, self.path)
                except BaseException:
                    os.close(fd)
                    raise
                self._fd = fd
                return True
            os.close(fd)  # locked a file its holder removed as it finished: take the new one
        return False

    def _open(self) -> int:
        with contextlib.suppress(FileNotFoundError):
            _check(os.lstat(self.path), self.path)  # before opening: a FIFO or device is not
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o644)
        except OSError as exc:
            if os.path.islink(self.path):
                raise LockFileError(f"{self.path} is a symbolic link, {_NOT_OURS}") from None
            raise LockFileError(f"cannot open {self.path}: {exc.strerror}") from None
        try:
            _check(os.fstat(fd), self.path)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def holder(self) -> str | None:
        """The process id written by the holder, if it can be read."""
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = self.path.read_text().strip()
            return text if text.isdigit() else None
        return None

    def release(self) -> None:
        """Remove the file while still holding the lock, then let go (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if sys.platform == "win32":  # an open file cannot be removed there
            os.close(fd)
            with contextlib.suppress(OSError):
                self.path.unlink()
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(fd)


def _check(info: os.stat_result, path: Path) -> None:
    """Refuse what is not a lock file of ours: a link, a special file, a file of two names."""
    if stat.S_ISLNK(info.st_mode):
        raise LockFileError(f"{path} is a symbolic link, {_NOT_OURS}")
    if not stat.S_ISREG(info.st_mode):
        raise LockFileError(f"{path} is not a regular file, {_NOT_OURS}")
    if info.st_nlink > 1:
        raise LockFileError(f"{path} has {info.st_nlink} names (hard links), {_NOT_OURS}")


def _claim(fd: int, path: Path) -> None:
    """Write our pid over the previous holder's; refuse a file that holds anything else."""
    os.lseek(fd, 0, os.SEEK_SET)
    if not _PID_TEXT.fullmatch(os.read(fd, 64)):
        raise LockFileError(f"{path} holds more than an export's pid, {_NOT_OURS}")
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{os.getpid()}\n".encode())


def _try_lock(fd: int) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):  # held elsewhere (POSIX, Windows)
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)
