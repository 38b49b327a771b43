"""client.calls: list, get, create, end, recording, download_recording."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from pathlib import Path

from .._endpoint import Endpoint, Safety
from .._types import UNSET, Unset
from ..models._base import Page
from ..models.agents import CreateCallAgentParams
from ..models.calls import Call, CreateCallRequest, NormalizedCall, OnNoHumanAnswer
from ._base import Collection, body

__all__ = ["CallsResource"]


class CallsResource(Collection[NormalizedCall, Call]):
    """Phone calls placed by your agents. ``get`` gives the full call (agent inline)."""

    __slots__ = ()
    _list_endpoint = Endpoint[Page[NormalizedCall]]("GET", "/v1/calls/list", Page[NormalizedCall])
    _get_endpoint = Endpoint[Call]("GET", "/v1/calls", Call)
    _create = Endpoint[Call]("POST", "/v1/calls/create", Call, Safety.UNSAFE)
    _end = Endpoint[Call]("POST", "/v1/calls/end", Call)
    _recording = Endpoint[None](
        "GET", "/v1/calls/recording", None, accept="audio/mpeg, application/json;q=0.5"
    )

    async def create(
        self,
        *,
        from_number: str,
        to_number: str,
        agent: str | CreateCallAgentParams,
        on_no_human_answer: OnNoHumanAnswer | str | Unset = UNSET,
        run_do_not_call_detection: bool | Unset = UNSET,
        hipaa_compliant: bool | Unset = UNSET,
        context: Mapping[str, str] | Unset = UNSET,
        telephony_params: Mapping[str, str] | Unset = UNSET,
    ) -> Call:
        """Place a call. Never retried once it may have reached the API (see README).

        ``agent`` is an agent id or the agent's parameters. Raises
        :class:`~vocode_async.OutcomeUnknownError` when the call may have been placed.
        """
        return await self._requester.request(self._create, body=body(CreateCallRequest, locals()))

    async def end(self, id: str) -> Call:
        """Hang up a call in progress."""
        return await self._requester.request(self._end, params={"id": id})

    def recording(self, id: str, *, chunk_size: int = 65536) -> AsyncGenerator[bytes, None]:
        """The call's recording as chunks of bytes (close it with ``contextlib.aclosing``)."""
        return self._requester.stream(self._recording, params={"id": id}, chunk_size=chunk_size)

    async def download_recording(self, id: str, path: str | os.PathLike[str]) -> Path:
        """Save the recording to ``path`` atomically: on any failure nothing is left there."""
        target = Path(path)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                async with aclosing(self.recording(id)) as chunks:
                    async for chunk in chunks:
                        out.write(chunk)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return target
