"""A pytest plugin: enable with ``pytest_plugins = ["vocode_async.testing.pytest_plugin"]``.

It provides ``fake_vocode``, a running :class:`FakeVocodeServer` (100 calls, seed 0).
Needs pytest-asyncio (or another plugin that runs async fixtures).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ._server import FakeVocodeServer

__all__ = ["fake_vocode"]


@pytest.fixture
async def fake_vocode() -> AsyncIterator[FakeVocodeServer]:
    """A fake Vocode API on 127.0.0.1, stopped after the test."""
    async with FakeVocodeServer(api_key="test-key", calls=100, seed=0) as server:
        yield server
