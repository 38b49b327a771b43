"""Prompts: what an agent is told, and the fields it collects from the caller."""

from __future__ import annotations

import attrs

from .._types import UNSET, Unset
from ._base import Model, RequestBody

__all__ = [
    "CollectField",
    "NormalizedPrompt",
    "Prompt",
    "PromptParams",
    "PromptTemplate",
    "PromptUpdateParams",
]


@attrs.frozen(kw_only=True)
class CollectField(Model):
    """A field the agent asks the caller for (``field_type`` e.g. ``field_type_email``)."""

    field_type: str
    label: str
    name: str
    description: str | None = None


@attrs.frozen(kw_only=True)
class PromptTemplate(Model):
    """A reusable prompt template and the context keys it needs."""

    id: str
    user_id: str
    required_context_keys: tuple[str, ...]
    label: str = ""


@attrs.frozen(kw_only=True)
class Prompt(Model):
    """A full prompt (``get``, ``create``, ``update``, or inside an agent)."""

    id: str
    user_id: str
    content: str = ""
    collect_fields: tuple[CollectField, ...] | None = None
    context_endpoint: str | None = None
    prompt_template: PromptTemplate | None = None


@attrs.frozen(kw_only=True)
class NormalizedPrompt(Model):
    """A prompt as listed: ``prompt_template`` is an id."""

    id: str
    user_id: str
    content: str = ""
    collect_fields: tuple[CollectField, ...] | None = None
    context_endpoint: str | None = None
    prompt_template: str | None = None


@attrs.frozen(kw_only=True)
class PromptParams(RequestBody):
    """A new prompt (``prompts.create``, or inline where an agent takes a prompt)."""

    content: str | Unset = UNSET
    collect_fields: tuple[CollectField, ...] | Unset = UNSET
    context_endpoint: str | Unset = UNSET
    prompt_template: str | PromptTemplate | Unset = UNSET


@attrs.frozen(kw_only=True)
class PromptUpdateParams(RequestBody):
    """A partial prompt update: only fields passed are sent."""

    content: str | Unset = UNSET
    collect_fields: tuple[CollectField, ...] | Unset = UNSET
    context_endpoint: str | Unset = UNSET
    prompt_template: str | PromptTemplate | Unset = UNSET
