"""Account connections: the Twilio and OpenAI accounts Vocode acts through."""

from __future__ import annotations

from typing import Literal

import attrs

from ._base import UnknownVariant

__all__ = [
    "AccountConnection",
    "OpenAIAccountConnection",
    "OpenAICredentials",
    "TwilioAccountConnection",
    "TwilioCredentials",
    "UnknownAccountConnection",
]


@attrs.frozen(kw_only=True)
class TwilioCredentials:
    """A Twilio account's credentials; the auth token never appears in a repr."""

    twilio_account_sid: str
    twilio_auth_token: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class OpenAICredentials:
    """An OpenAI key; it never appears in a repr."""

    openai_api_key: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class TwilioAccountConnection:
    """A connected Twilio account."""

    id: str
    user_id: str
    credentials: TwilioCredentials
    type: Literal["account_connection_twilio"] = "account_connection_twilio"
    steering_pool: tuple[str, ...] | None = None
    account_supports_any_caller_id: bool = False


@attrs.frozen(kw_only=True)
class OpenAIAccountConnection:
    """A connected OpenAI account."""

    id: str
    user_id: str
    credentials: OpenAICredentials
    type: Literal["account_connection_openai"] = "account_connection_openai"


@attrs.frozen(kw_only=True)
class UnknownAccountConnection(UnknownVariant):
    """An account connection of a type this SDK does not know yet."""


AccountConnection = TwilioAccountConnection | OpenAIAccountConnection | UnknownAccountConnection
