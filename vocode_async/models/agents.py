"""Agents, as embedded in a full :class:`~vocode_async.models.calls.Call`.

Nested objects (prompt, actions, voice, webhook, vector database) are kept as raw
mappings here and hidden from repr, since a voice or a vector database can carry a
third-party key; they get typed models of their own with the full resource groups.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from .account_connections import OpenAIAccountConnection

__all__ = ["Agent", "InterruptSensitivity", "Language"]


class Language(str, enum.Enum):
    """Languages an agent can speak (open: unknown values decode as plain strings)."""

    EN = "en"
    ES = "es"
    DE = "de"
    HI = "hi"
    PT = "pt"
    FR = "fr"
    NL = "nl"
    ID = "id"
    IT = "it"
    JA = "ja"
    KO = "ko"


class InterruptSensitivity(str, enum.Enum):
    """How readily the agent lets itself be interrupted."""

    LOW = "low"
    HIGH = "high"


@attrs.frozen(kw_only=True)
class Agent:
    """A full agent object."""

    id: str
    user_id: str
    prompt: Mapping[str, Any] = attrs.field(repr=False)
    actions: tuple[Mapping[str, Any], ...] = attrs.field(repr=False)
    voice: Mapping[str, Any] = attrs.field(repr=False)
    name: str | None = None
    language: Language | str = Language.EN
    initial_message: str | None = None
    webhook: Mapping[str, Any] | None = attrs.field(default=None, repr=False)
    vector_database: Mapping[str, Any] | None = attrs.field(default=None, repr=False)
    interrupt_sensitivity: InterruptSensitivity | str = InterruptSensitivity.LOW
    context_endpoint: str | None = None
    noise_suppression: bool = False
    endpointing_sensitivity: str = "auto"
    ivr_navigation_mode: str = "off"
    conversation_speed: float = 1.0
    initial_message_delay: float = 0.0
    openai_model_name_override: str | None = None
    ask_if_human_present_on_idle: bool = False
    openai_account_connection: OpenAIAccountConnection | None = None
    run_do_not_call_detection: bool = False
    llm_temperature: float = 0.0
