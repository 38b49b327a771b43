"""client.agents: list, get, create, update."""

from __future__ import annotations

from .._endpoint import Endpoint, Safety
from .._types import UNSET, Unset
from ..models._base import Page
from ..models.account_connections import OpenAIAccountConnection
from ..models.actions import ActionParams, ActionUpdateParams
from ..models.agents import (
    Agent,
    AgentParams,
    AgentUpdateParams,
    InterruptSensitivity,
    Language,
    NormalizedAgent,
)
from ..models.prompts import PromptParams, PromptUpdateParams
from ..models.vector_databases import (
    PineconeVectorDatabaseParams,
    PineconeVectorDatabaseUpdateParams,
)
from ..models.voices import VoiceParams, VoiceUpdateParams
from ..models.webhooks import WebhookParams, WebhookUpdateParams
from ._base import Collection, body

__all__ = ["AgentsResource"]

# An agent's nested objects: given inline (parameters, not an id), an update may make them.
_INLINE = frozenset({"prompt", "actions", "voice", "webhook", "vector_database"})


class AgentsResource(Collection[NormalizedAgent, Agent]):
    """The AI agents that speak on your calls.

    Nested objects (prompt, voice, actions, webhook, vector database) are given as the id
    of an existing object or as parameters for a new one.
    """

    __slots__ = ()
    _list_endpoint = Endpoint[Page[NormalizedAgent]](
        "GET", "/v1/agents/list", Page[NormalizedAgent]
    )
    _get_endpoint = Endpoint[Agent]("GET", "/v1/agents", Agent)
    _create = Endpoint[Agent]("POST", "/v1/agents/create", Agent, Safety.UNSAFE)
    _update = Endpoint[Agent]("POST", "/v1/agents/update", Agent, creates=_INLINE)

    async def create(
        self,
        *,
        prompt: str | PromptParams,
        voice: str | VoiceParams,
        name: str | Unset = UNSET,
        language: Language | str | Unset = UNSET,
        actions: tuple[str | ActionParams, ...] | Unset = UNSET,
        initial_message: str | Unset = UNSET,
        webhook: str | WebhookParams | Unset = UNSET,
        vector_database: str | PineconeVectorDatabaseParams | Unset = UNSET,
        interrupt_sensitivity: InterruptSensitivity | str | Unset = UNSET,
        context_endpoint: str | Unset = UNSET,
        noise_suppression: bool | Unset = UNSET,
        endpointing_sensitivity: str | Unset = UNSET,
        ivr_navigation_mode: str | Unset = UNSET,
        conversation_speed: float | Unset = UNSET,
        initial_message_delay: float | Unset = UNSET,
        openai_model_name_override: str | Unset = UNSET,
        ask_if_human_present_on_idle: bool | Unset = UNSET,
        openai_account_connection: OpenAIAccountConnection | str | Unset = UNSET,
        run_do_not_call_detection: bool | Unset = UNSET,
        llm_temperature: float | Unset = UNSET,
    ) -> Agent:
        """Create an agent. Not retried once it may have reached the API (no duplicates)."""
        return await self._requester.request(self._create, body=body(AgentParams, locals()))

    async def update(
        self,
        id: str,
        *,
        name: str | Unset = UNSET,
        prompt: str | PromptUpdateParams | Unset = UNSET,
        language: Language | str | Unset = UNSET,
        actions: tuple[str | ActionUpdateParams, ...] | Unset = UNSET,
        voice: str | VoiceUpdateParams | Unset = UNSET,
        initial_message: str | Unset = UNSET,
        webhook: str | WebhookUpdateParams | Unset = UNSET,
        vector_database: str | PineconeVectorDatabaseUpdateParams | Unset = UNSET,
        interrupt_sensitivity: InterruptSensitivity | str | Unset = UNSET,
        context_endpoint: str | Unset = UNSET,
        noise_suppression: bool | Unset = UNSET,
        endpointing_sensitivity: str | Unset = UNSET,
        ivr_navigation_mode: str | Unset = UNSET,
        conversation_speed: float | Unset = UNSET,
        initial_message_delay: float | Unset = UNSET,
        openai_model_name_override: str | Unset = UNSET,
        ask_if_human_present_on_idle: bool | Unset = UNSET,
        openai_account_connection: OpenAIAccountConnection | str | Unset = UNSET,
        run_do_not_call_detection: bool | Unset = UNSET,
    ) -> Agent:
        """Change the fields passed; the others stay as they are."""
        return await self._requester.request(
            self._update, params={"id": id}, body=body(AgentUpdateParams, locals())
        )
