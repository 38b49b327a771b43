"""Voices: the text-to-speech an agent speaks with. A tagged union on ``type``.

Eleven Labs and Play.ht voices can carry the user's own ``api_key``: it never appears in a
repr. A voice of a kind this SDK does not know yet decodes as :class:`UnknownVoice`.
"""

from __future__ import annotations

from typing import Literal

import attrs

from .._types import UNSET, Unset
from ._base import Model, RequestBody, UnknownVariant, secret

__all__ = [
    "AzureVoice",
    "AzureVoiceParams",
    "AzureVoiceUpdateParams",
    "ElevenLabsVoice",
    "ElevenLabsVoiceParams",
    "ElevenLabsVoiceUpdateParams",
    "PlayHtVoice",
    "PlayHtVoiceParams",
    "PlayHtVoiceUpdateParams",
    "RimeVoice",
    "RimeVoiceParams",
    "RimeVoiceUpdateParams",
    "UnknownVoice",
    "Voice",
    "VoiceParams",
    "VoiceUpdateParams",
]


@attrs.frozen(kw_only=True)
class _Owned(Model):
    id: str
    user_id: str


@attrs.frozen(kw_only=True)
class AzureVoice(_Owned):
    """An Azure neural voice."""

    voice_name: str
    pitch: int = 0
    rate: int = 15
    type: Literal["voice_azure"] = "voice_azure"


@attrs.frozen(kw_only=True)
class RimeVoice(_Owned):
    """A Rime voice."""

    speaker: str
    speed_alpha: float | None = None
    model_id: str | Unset | None = None
    """``UNSET`` when the API sends its "Undefined" placeholder."""
    type: Literal["voice_rime"] = "voice_rime"


@attrs.frozen(kw_only=True)
class ElevenLabsVoice(_Owned):
    """An Eleven Labs voice; ``api_key`` never appears in a repr."""

    voice_id: str
    stability: float | None = None
    similarity_boost: float | None = None
    api_key: str | None = secret(None)
    optimize_streaming_latency: int | None = None
    model_id: str | None = None
    experimental_input_streaming: bool = False
    type: Literal["voice_eleven_labs"] = "voice_eleven_labs"


@attrs.frozen(kw_only=True)
class PlayHtVoice(_Owned):
    """A Play.ht voice; ``api_key`` never appears in a repr."""

    voice_id: str
    api_user_id: str | None = None
    api_key: str | None = secret(None)
    version: str = "2"
    speed: float | None = None
    quality: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    text_guidance: float | None = None
    voice_guidance: float | None = None
    experimental_remove_silence: bool = False
    type: Literal["voice_play_ht"] = "voice_play_ht"


@attrs.frozen(kw_only=True)
class UnknownVoice(UnknownVariant):
    """A voice of a kind this SDK does not know yet (raw mapping kept, hidden from repr)."""


Voice = AzureVoice | RimeVoice | ElevenLabsVoice | PlayHtVoice | UnknownVoice
"""A voice as the API returns it, decoded by its ``type`` (unknown kinds keep their raw mapping)."""


# Create and update parameters share every field but the one a new voice needs.


@attrs.frozen(kw_only=True)
class _AzureOptions(RequestBody):
    pitch: int | Unset = UNSET
    rate: int | Unset = UNSET
    type: Literal["voice_azure"] = "voice_azure"


@attrs.frozen(kw_only=True)
class _RimeOptions(RequestBody):
    speed_alpha: float | Unset = UNSET
    model_id: str | Unset = UNSET
    type: Literal["voice_rime"] = "voice_rime"


@attrs.frozen(kw_only=True)
class _ElevenLabsOptions(RequestBody):
    stability: float | Unset = UNSET
    similarity_boost: float | Unset = UNSET
    api_key: str | Unset = secret(UNSET)
    optimize_streaming_latency: int | Unset = UNSET
    model_id: str | Unset = UNSET
    experimental_input_streaming: bool | Unset = UNSET
    type: Literal["voice_eleven_labs"] = "voice_eleven_labs"


@attrs.frozen(kw_only=True)
class _PlayHtOptions(RequestBody):
    api_user_id: str | Unset = UNSET
    api_key: str | Unset = secret(UNSET)
    version: str | Unset = UNSET
    speed: float | Unset = UNSET
    quality: str | Unset = UNSET
    temperature: float | Unset = UNSET
    top_p: float | Unset = UNSET
    text_guidance: float | Unset = UNSET
    voice_guidance: float | Unset = UNSET
    experimental_remove_silence: bool | Unset = UNSET
    type: Literal["voice_play_ht"] = "voice_play_ht"


@attrs.frozen(kw_only=True)
class AzureVoiceParams(_AzureOptions):
    """A new Azure voice."""

    voice_name: str


@attrs.frozen(kw_only=True)
class RimeVoiceParams(_RimeOptions):
    """A new Rime voice."""

    speaker: str


@attrs.frozen(kw_only=True)
class ElevenLabsVoiceParams(_ElevenLabsOptions):
    """A new Eleven Labs voice (its ``api_key`` never appears in a repr)."""

    voice_id: str


@attrs.frozen(kw_only=True)
class PlayHtVoiceParams(_PlayHtOptions):
    """A new Play.ht voice (its ``api_key`` never appears in a repr)."""

    voice_id: str


VoiceParams = AzureVoiceParams | RimeVoiceParams | ElevenLabsVoiceParams | PlayHtVoiceParams
"""What ``voices.create`` takes: one params class per provider."""


@attrs.frozen(kw_only=True)
class AzureVoiceUpdateParams(_AzureOptions):
    """A partial update of an Azure voice."""

    voice_name: str | Unset = UNSET


@attrs.frozen(kw_only=True)
class RimeVoiceUpdateParams(_RimeOptions):
    """A partial update of a Rime voice."""

    speaker: str | Unset = UNSET


@attrs.frozen(kw_only=True)
class ElevenLabsVoiceUpdateParams(_ElevenLabsOptions):
    """A partial update of an Eleven Labs voice."""

    voice_id: str | Unset = UNSET


@attrs.frozen(kw_only=True)
class PlayHtVoiceUpdateParams(_PlayHtOptions):
    """A partial update of a Play.ht voice."""

    voice_id: str | Unset = UNSET


VoiceUpdateParams = (
    AzureVoiceUpdateParams
    | RimeVoiceUpdateParams
    | ElevenLabsVoiceUpdateParams
    | PlayHtVoiceUpdateParams
)
"""What ``voices.update`` takes: one class per provider, fields left UNSET are not sent."""
