"""client.numbers: list, get, buy, update, cancel, link. Numbers are keyed by number."""

from __future__ import annotations

from collections.abc import Mapping

from .._endpoint import Endpoint, Safety
from .._types import UNSET, Unset
from ..models._base import Page
from ..models.agents import AgentUpdateParams
from ..models.numbers import (
    BuyPhoneNumberRequest,
    LinkPhoneNumberRequest,
    NormalizedPhoneNumber,
    PhoneNumber,
    UpdateNumberRequest,
)
from ._base import Collection, body

__all__ = ["NumbersResource"]

_N = PhoneNumber


class NumbersResource(Collection[NormalizedPhoneNumber, PhoneNumber]):
    """Phone numbers your agents call from and answer."""

    __slots__ = ()
    _list_endpoint = Endpoint[Page[NormalizedPhoneNumber]](
        "GET", "/v1/numbers/list", Page[NormalizedPhoneNumber]
    )
    _get_endpoint = Endpoint[_N]("GET", "/v1/numbers", _N)
    _buy = Endpoint[_N]("POST", "/v1/numbers/buy", _N, Safety.UNSAFE)
    _update = Endpoint[_N]("POST", "/v1/numbers/update", _N, creates={"inbound_agent"})
    _cancel = Endpoint[_N]("POST", "/v1/numbers/cancel", _N)
    _link = Endpoint[_N]("POST", "/v1/numbers/link", _N)

    async def get(self, phone_number: str) -> PhoneNumber:
        """One number, in full (its ``inbound_agent`` is the whole agent)."""
        return await self._requester.request(
            self._get_endpoint, params={"phone_number": phone_number}
        )

    async def buy(
        self,
        *,
        area_code: str | Unset = UNSET,
        telephony_provider: str | Unset = UNSET,
        telephony_account_connection: str | Unset = UNSET,
    ) -> PhoneNumber:
        """Buy a number. It costs money: never retried once it may have reached the API."""
        return await self._requester.request(self._buy, body=body(BuyPhoneNumberRequest, locals()))

    async def update(
        self,
        phone_number: str,
        *,
        outbound_only: bool | Unset = UNSET,
        example_context: Mapping[str, str] | Unset = UNSET,
        label: str | Unset = UNSET,
        inbound_agent: str | AgentUpdateParams | Unset = UNSET,
    ) -> PhoneNumber:
        """Change the fields passed; ``inbound_agent`` is an agent id or an agent update."""
        return await self._requester.request(
            self._update,
            params={"phone_number": phone_number},
            body=body(UpdateNumberRequest, locals()),
        )

    async def cancel(self, phone_number: str) -> PhoneNumber:
        """Release a number."""
        return await self._requester.request(self._cancel, params={"phone_number": phone_number})

    async def link(
        self,
        *,
        phone_number: str,
        telephony_account_connection: str,
        outbound_only: bool | Unset = UNSET,
    ) -> PhoneNumber:
        """Link a number you own at a connected Twilio account."""
        return await self._requester.request(
            self._link, body=body(LinkPhoneNumberRequest, locals())
        )
