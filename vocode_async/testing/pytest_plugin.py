"""The pytest plugin of vocode_async: installed with the package, nothing to enable.

pytest finds it through the package's ``pytest11`` entry point, so a project that installs
vocode-async (and pytest-asyncio) can take ``fake_vocode`` in any test, in pytest-asyncio's
``strict`` mode (the default: mark the test ``@pytest.mark.asyncio``) or ``auto`` mode.

``fake_vocode``
    A running :class:`FakeVocodeServer` on 127.0.0.1, stopped after the test. Defaults:
    ``api_key="test-key"``, ``calls=100``, ``seed=0``. Change them for a test, a class or a
    module with the marker, which takes any :class:`FakeVocodeServer` keyword::

        @pytest.mark.fake_vocode(calls=5, seed=3, api_key="k")

    ``fake_vocode.client()`` is an AsyncVocode for it whose retries wait nothing (unless
    given a ``retry_policy``), so a test with a ``timeout`` is not at the mercy of backoff.

``fake_vocode_factory``
    Start more servers in one test: ``server = await fake_vocode_factory(calls=5)``; every
    one it started is stopped after the test.

``fake_vocode_sync``
    For blocking code (:class:`~vocode_async.Vocode`), in a plain ``def`` test: the same
    server (and marker), run on its own loop in a thread. ``with
    fake_vocode_sync.sync_client() as client:`` gives a ``Vocode`` pointed at it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from ._server import FakeVocodeServer

try:  # pytest-asyncio's decorator makes the fixture work in its strict mode as well
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - another plugin (anyio) runs async fixtures
    _async_fixture = pytest.fixture  # type: ignore[assignment]

__all__ = ["DEFAULTS", "fake_vocode", "fake_vocode_factory", "fake_vocode_sync"]

DEFAULTS: dict[str, Any] = {"api_key": "test-key", "calls": 100, "seed": 0}
_MARKER = "fake_vocode"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**kwargs): FakeVocodeServer keywords for the fake_vocode fixture "
        "(defaults: api_key='test-key', calls=100, seed=0)",
    )


@_async_fixture
async def fake_vocode_factory() -> AsyncIterator[Callable[..., Awaitable[FakeVocodeServer]]]:
    """``await fake_vocode_factory(**kwargs)``: a started server (defaults as fake_vocode)."""
    async with AsyncExitStack() as stack:

        async def start(**kwargs: Any) -> FakeVocodeServer:
            server = FakeVocodeServer(**{**DEFAULTS, **kwargs})
            return await stack.enter_async_context(server)

        yield start


@_async_fixture
async def fake_vocode(
    request: pytest.FixtureRequest,
    fake_vocode_factory: Callable[..., Awaitable[FakeVocodeServer]],
) -> FakeVocodeServer:
    """A fake Vocode API on 127.0.0.1 for this test (``@pytest.mark.fake_vocode(...)``)."""
    marker = request.node.get_closest_marker(_MARKER)
    return await fake_vocode_factory(**(marker.kwargs if marker is not None else {}))


@pytest.fixture
def fake_vocode_sync(request: pytest.FixtureRequest) -> Iterator[FakeVocodeServer]:
    """The fake in a thread of its own, for blocking code: ``fake_vocode_sync.sync_client()``."""
    marker = request.node.get_closest_marker(_MARKER)
    server = FakeVocodeServer(**{**DEFAULTS, **(marker.kwargs if marker is not None else {})})
    with server.in_thread():
        yield server
