"""Agents: the AI that speaks on a call, with its prompt, voice, actions and integrations.

Three shapes: :class:`Agent` (full, nested objects inline), :class:`NormalizedAgent` (as
listed: nested objects are ids) and the create/update parameters, where every nested
object may be given as the id of an existing one or as parameters for a new one.
"""

from __future__ import annotations

import attrs

from .._types import UNSET, Unset
from ._base import ApiEnum, Model, RequestBody
from .account_connections import OpenAIAccountConnection
from .actions import Action, ActionParams, ActionUpdateParams
from .prompts import Prompt, PromptParams, PromptUpdateParams
from .vector_databases import (
    PineconeVectorDatabase,
    PineconeVectorDatabaseParams,
    PineconeVectorDatabaseUpdateParams,
)
from .voices import Voice, VoiceParams, VoiceUpdateParams
from .webhooks import Webhook, WebhookParams, WebhookUpdateParams

__all__ = [
    "Agent",
    "AgentParams",
    "AgentUpdateParams",
    "CreateCallAgentParams",
    "InterruptSensitivity",
    "Language",
    "NormalizedAgent",
]


class Language(ApiEnum):
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


class InterruptSensitivity(ApiEnum):
    """How readily the agent lets itself be interrupted."""

    LOW = "low"
    HIGH = "high"


@attrs.frozen(kw_only=True)
class _AgentSettings(Model):
    """The plain settings every agent shape shares (response side)."""

    name: str | None = None
    language: Language | str = Language.EN
    initial_message: str | None = None
    interrupt_sensitivity: InterruptSensitivity | str = InterruptSensitivity.LOW
    context_endpoint: str | None = None
    noise_suppression: bool = False
    endpointing_sensitivity: str = "auto"
    ivr_navigation_mode: str = "off"
    conversation_speed: float = 1.0
    initial_message_delay: float = 0.0
    openai_model_name_override: str | None = None
    ask_if_human_present_on_idle: bool = False
    run_do_not_call_detection: bool = False
    llm_temperature: float = 0.0


@attrs.frozen(kw_only=True)
class Agent(_AgentSettings):
    """A full agent (``get``, ``create``, ``update``, or inside a call or number)."""

    id: str
    user_id: str
    prompt: Prompt
    actions: tuple[Action, ...]
    voice: Voice
    webhook: Webhook | None = None
    vector_database: PineconeVectorDatabase | None = None
    openai_account_connection: OpenAIAccountConnection | None = None


@attrs.frozen(kw_only=True)
class NormalizedAgent(_AgentSettings):
    """An agent as listed: voice, actions and webhook are ids."""

    id: str
    user_id: str
    prompt: str | PromptParams
    actions: tuple[str, ...]
    voice: str
    webhook: str | None = None
    vector_database: str | PineconeVectorDatabaseParams | None = None
    openai_account_connection: OpenAIAccountConnection | str | None = None


@attrs.frozen(kw_only=True)
class _AgentPlainParams(RequestBody):
    """The plain settings of an agent's create and update; fields left UNSET are not sent."""

    name: str | Unset = UNSET
    language: Language | str | Unset = UNSET
    initial_message: str | Unset = UNSET
    interrupt_sensitivity: InterruptSensitivity | str | Unset = UNSET
    context_endpoint: str | Unset = UNSET
    noise_suppression: bool | Unset = UNSET
    endpointing_sensitivity: str | Unset = UNSET
    ivr_navigation_mode: str | Unset = UNSET
    conversation_speed: float | Unset = UNSET
    initial_message_delay: float | Unset = UNSET
    openai_model_name_override: str | Unset = UNSET
    ask_if_human_present_on_idle: bool | Unset = UNSET
    openai_account_connection: OpenAIAccountConnection | str | Unset = UNSET
    run_do_not_call_detection: bool | Unset = UNSET


@attrs.frozen(kw_only=True)
class _AgentSettingsParams(_AgentPlainParams):
    """What a new agent takes besides its prompt and voice."""

    actions: tuple[str | ActionParams, ...] | Unset = UNSET
    webhook: str | WebhookParams | Unset = UNSET
    vector_database: str | PineconeVectorDatabaseParams | Unset = UNSET
    llm_temperature: float | Unset = UNSET


@attrs.frozen(kw_only=True)
class AgentParams(_AgentSettingsParams):
    """A new agent (``agents.create``): prompt and voice as ids or as new objects."""

    prompt: str | PromptParams
    voice: str | VoiceParams


@attrs.frozen(kw_only=True)
class CreateCallAgentParams(_AgentSettingsParams):
    """An agent made on the fly for one call (``calls.create(agent=...)``)."""

    prompt: str | PromptParams
    voice: str | VoiceParams | Unset = UNSET


@attrs.frozen(kw_only=True)
class AgentUpdateParams(_AgentPlainParams):
    """A partial agent update: only fields passed are sent; nested objects by id or update."""

    prompt: str | PromptUpdateParams | Unset = UNSET
    actions: tuple[str | ActionUpdateParams, ...] | Unset = UNSET
    voice: str | VoiceUpdateParams | Unset = UNSET
    webhook: str | WebhookUpdateParams | Unset = UNSET
    vector_database: str | PineconeVectorDatabaseUpdateParams | Unset = UNSET
