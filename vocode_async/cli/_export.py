"""Export every call as JSON Lines, atomically (a temp file renamed at the end)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import orjson

from .._client import AsyncVocode, _decoder

__all__ = ["export_calls"]


async def export_calls(client: AsyncVocode, out: Path, *, size: int, prefetch: int) -> int:
    """Write every call to ``out`` (an absolute path); return how many.

    ``out`` appears only when complete.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    count = 0
    unstructure = _decoder().unstructure
    try:
        with os.fdopen(fd, "wb") as fh:
            async with client.calls.list(size=size, prefetch=prefetch) as pager:
                async for page in pager.pages():
                    fh.write(b"".join(orjson.dumps(unstructure(c)) + b"\n" for c in page.items))
                    count += len(page.items)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return count
