"""client.prompts: list, get, create, update."""

from __future__ import annotations

from .._endpoint import Endpoint, Safety
from .._types import UNSET, Unset
from ..models._base import Page
from ..models.prompts import (
    CollectField,
    NormalizedPrompt,
    Prompt,
    PromptParams,
    PromptTemplate,
    PromptUpdateParams,
)
from ._base import Collection, body

__all__ = ["PromptsResource"]


class PromptsResource(Collection[NormalizedPrompt, Prompt]):
    """What your agents are told."""

    __slots__ = ()
    _list_endpoint = Endpoint[Page[NormalizedPrompt]](
        "GET", "/v1/prompts/list", Page[NormalizedPrompt]
    )
    _get_endpoint = Endpoint[Prompt]("GET", "/v1/prompts", Prompt)
    _create = Endpoint[Prompt]("POST", "/v1/prompts/create", Prompt, Safety.UNSAFE)
    _update = Endpoint[Prompt]("POST", "/v1/prompts/update", Prompt)

    async def create(
        self,
        *,
        content: str | Unset = UNSET,
        collect_fields: tuple[CollectField, ...] | Unset = UNSET,
        context_endpoint: str | Unset = UNSET,
        prompt_template: str | PromptTemplate | Unset = UNSET,
    ) -> Prompt:
        """Create a prompt; ``prompt_template`` is a template id or a template."""
        return await self._requester.request(self._create, body=body(PromptParams, locals()))

    async def update(
        self,
        id: str,
        *,
        content: str | Unset = UNSET,
        collect_fields: tuple[CollectField, ...] | Unset = UNSET,
        context_endpoint: str | Unset = UNSET,
        prompt_template: str | PromptTemplate | Unset = UNSET,
    ) -> Prompt:
        """Change the fields passed; the others stay as they are."""
        return await self._requester.request(
            self._update, params={"id": id}, body=body(PromptUpdateParams, locals())
        )
