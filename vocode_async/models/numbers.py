"""Phone numbers: bought or linked numbers and the agent that answers them."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .._types import UNSET, Unset
from ._base import Model, RequestBody
from .account_connections import TwilioAccountConnection
from .agents import Agent, AgentUpdateParams

__all__ = [
    "BuyPhoneNumberRequest",
    "LinkPhoneNumberRequest",
    "NormalizedPhoneNumber",
    "PhoneNumber",
    "UpdateNumberRequest",
]


@attrs.frozen(kw_only=True)
class _NumberFields(Model):
    id: str
    user_id: str
    number: str
    active: bool = True
    label: str = ""
    outbound_only: bool = False
    example_context: Mapping[str, str] | None = attrs.field(default=None, hash=False)
    telephony_provider: str = "vonage"


@attrs.frozen(kw_only=True)
class PhoneNumber(_NumberFields):
    """A full phone number: ``inbound_agent`` is the whole agent."""

    inbound_agent: Agent
    telephony_account_connection: TwilioAccountConnection | None = None


@attrs.frozen(kw_only=True)
class NormalizedPhoneNumber(_NumberFields):
    """A phone number as listed: ``inbound_agent`` is an id."""

    inbound_agent: str
    telephony_account_connection: str | TwilioAccountConnection | None = None


@attrs.frozen(kw_only=True)
class BuyPhoneNumberRequest(RequestBody):
    """The body of ``numbers.buy``."""

    area_code: str | Unset = UNSET
    telephony_provider: str | Unset = UNSET
    telephony_account_connection: str | Unset = UNSET


@attrs.frozen(kw_only=True)
class UpdateNumberRequest(RequestBody):
    """A partial update of a number; ``inbound_agent`` is an agent id or an agent update."""

    outbound_only: bool | Unset = UNSET
    example_context: Mapping[str, str] | Unset = attrs.field(default=UNSET, hash=False)
    label: str | Unset = UNSET
    inbound_agent: str | AgentUpdateParams | Unset = UNSET


@attrs.frozen(kw_only=True)
class LinkPhoneNumberRequest(RequestBody):
    """The body of ``numbers.link``: a number you own at a connected Twilio account."""

    phone_number: str
    telephony_account_connection: str
    outbound_only: bool | Unset = UNSET
