"""Account connections: the Twilio and OpenAI accounts Vocode acts through.

A tagged union on ``type``. Credentials (Twilio auth token, OpenAI key) never appear in a
repr; a connection of a kind this SDK does not know yet decodes as
:class:`UnknownAccountConnection`.
"""

from __future__ import annotations

from typing import Literal

import attrs

from .._types import UNSET, Unset
from ._base import Model, RequestBody, UnknownVariant, secret

__all__ = [
    "AccountConnection",
    "AccountConnectionParams",
    "AccountConnectionUpdateParams",
    "AddToSteeringPoolRequest",
    "OpenAIAccountConnection",
    "OpenAIAccountConnectionParams",
    "OpenAIAccountConnectionUpdateParams",
    "OpenAICredentials",
    "RemoveFromSteeringPoolRequest",
    "TwilioAccountConnection",
    "TwilioAccountConnectionParams",
    "TwilioAccountConnectionUpdateParams",
    "TwilioCredentials",
    "UnknownAccountConnection",
]


@attrs.frozen(kw_only=True)
class TwilioCredentials(Model):
    """A Twilio account's credentials; the auth token never appears in a repr."""

    twilio_account_sid: str
    twilio_auth_token: str = secret()


@attrs.frozen(kw_only=True)
class OpenAICredentials(Model):
    """An OpenAI key; it never appears in a repr."""

    openai_api_key: str = secret()


@attrs.frozen(kw_only=True)
class TwilioAccountConnection(Model):
    """A connected Twilio account."""

    id: str
    user_id: str
    credentials: TwilioCredentials = attrs.field(repr=False)
    type: Literal["account_connection_twilio"] = "account_connection_twilio"
    steering_pool: tuple[str, ...] | None = None
    account_supports_any_caller_id: bool = False


@attrs.frozen(kw_only=True)
class OpenAIAccountConnection(Model):
    """A connected OpenAI account."""

    id: str
    user_id: str
    credentials: OpenAICredentials = attrs.field(repr=False)
    type: Literal["account_connection_openai"] = "account_connection_openai"


@attrs.frozen(kw_only=True)
class UnknownAccountConnection(UnknownVariant):
    """An account connection of a type this SDK does not know yet."""


AccountConnection = TwilioAccountConnection | OpenAIAccountConnection | UnknownAccountConnection
"""An account connection as the API returns it, decoded by its ``type``."""


@attrs.frozen(kw_only=True)
class TwilioAccountConnectionParams(RequestBody):
    """Connect a Twilio account."""

    credentials: TwilioCredentials = attrs.field(repr=False)
    steering_pool: tuple[str, ...] | Unset = UNSET
    account_supports_any_caller_id: bool | Unset = UNSET
    type: Literal["account_connection_twilio"] = "account_connection_twilio"


@attrs.frozen(kw_only=True)
class OpenAIAccountConnectionParams(RequestBody):
    """Connect an OpenAI account."""

    credentials: OpenAICredentials = attrs.field(repr=False)
    type: Literal["account_connection_openai"] = "account_connection_openai"


AccountConnectionParams = TwilioAccountConnectionParams | OpenAIAccountConnectionParams
"""What ``account_connections.create`` takes: one params class per kind."""


@attrs.frozen(kw_only=True)
class TwilioAccountConnectionUpdateParams(RequestBody):
    """New credentials for a Twilio connection."""

    credentials: TwilioCredentials | Unset = attrs.field(default=UNSET, repr=False)
    type: Literal["account_connection_twilio"] = "account_connection_twilio"


@attrs.frozen(kw_only=True)
class OpenAIAccountConnectionUpdateParams(RequestBody):
    """New credentials for an OpenAI connection."""

    credentials: OpenAICredentials | Unset = attrs.field(default=UNSET, repr=False)
    type: Literal["account_connection_openai"] = "account_connection_openai"


AccountConnectionUpdateParams = (
    TwilioAccountConnectionUpdateParams | OpenAIAccountConnectionUpdateParams
)
"""What ``account_connections.update`` takes: one class per kind, fields left UNSET are not sent."""


@attrs.frozen(kw_only=True)
class AddToSteeringPoolRequest(RequestBody):
    """The body of ``account_connections.add_to_steering_pool``."""

    phone_number: str


@attrs.frozen(kw_only=True)
class RemoveFromSteeringPoolRequest(RequestBody):
    """The body of ``account_connections.remove_from_steering_pool``."""

    phone_number: str
