"""One export at a time per output: an exclusive lock on a file beside it, held for the run.

``flock`` (POSIX) or ``msvcrt.locking`` (Windows) on ``FILE.lock``, taken without waiting.
The kernel drops the lock when its process dies, so a killed export never blocks the next
one. The holder removes the file when done; a process that locked a file meanwhile
removed or replaced checks that the path still names the file it locked, and tries again.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

__all__ = ["FileLock"]


class FileLock:
    """An exclusive, non-blocking lock on ``path`` (created on acquire, removed on release)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another process holds it."""
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                os.close(fd)
                return False
            if _same_file(fd, self.path):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return True
            os.close(fd)  # locked a file its holder removed as it finished: take the new one
        return False

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
        now = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)
