"""client.voices: list, get, create, update. Voices are a tagged union on ``type``."""

from __future__ import annotations

from .._endpoint import Endpoint, Safety
from ..models._base import Page
from ..models.voices import Voice, VoiceParams, VoiceUpdateParams
from ._base import Collection

__all__ = ["VoicesResource"]


class VoicesResource(Collection[Voice, Voice]):
    """Text-to-speech voices: Azure, Rime, Eleven Labs, Play.ht."""

    __slots__ = ()
    _list_endpoint = Endpoint[Page[Voice]]("GET", "/v1/voices/list", Page[Voice])
    _get_endpoint = Endpoint[Voice]("GET", "/v1/voices", Voice)
    _create = Endpoint[Voice]("POST", "/v1/voices/create", Voice, Safety.UNSAFE)
    _update = Endpoint[Voice]("POST", "/v1/voices/update", Voice)

    async def create(self, params: VoiceParams, /) -> Voice:
        """Create a voice: ``create(AzureVoiceParams(voice_name="en-US-JennyNeural"))``."""
        return await self._requester.request(self._create, body=params)

    async def update(self, id: str, params: VoiceUpdateParams, /) -> Voice:
        """Change a voice: ``update(id, AzureVoiceUpdateParams(rate=20))``."""
        return await self._requester.request(self._update, params={"id": id}, body=params)
