"""client.account_connections: list, get, create, update, and the Twilio steering pool."""

from __future__ import annotations

from .._endpoint import Endpoint, Safety
from ..models._base import Page
from ..models.account_connections import (
    AccountConnection,
    AccountConnectionParams,
    AccountConnectionUpdateParams,
    AddToSteeringPoolRequest,
    RemoveFromSteeringPoolRequest,
)
from ._base import Collection

__all__ = ["AccountConnectionsResource"]

_AC = AccountConnection


class AccountConnectionsResource(Collection[_AC, _AC]):
    """The Twilio and OpenAI accounts Vocode acts through (credentials never in a repr)."""

    __slots__ = ()
    _list_endpoint = Endpoint[Page[_AC]]("GET", "/v1/account_connections/list", Page[_AC])
    _get_endpoint = Endpoint[_AC]("GET", "/v1/account_connections", _AC)
    _create = Endpoint[_AC]("POST", "/v1/account_connections/create", _AC, Safety.UNSAFE)
    _update = Endpoint[_AC]("POST", "/v1/account_connections/update", _AC)
    _add = Endpoint[None]("POST", "/v1/account_connections/add_to_steering_pool", None)
    _remove = Endpoint[None]("POST", "/v1/account_connections/remove_from_steering_pool", None)

    async def create(self, params: AccountConnectionParams, /) -> _AC:
        """Connect an account: ``create(TwilioAccountConnectionParams(credentials=...))``."""
        return await self._requester.request(self._create, body=params)

    async def update(self, id: str, params: AccountConnectionUpdateParams, /) -> _AC:
        """Replace a connection's credentials."""
        return await self._requester.request(self._update, params={"id": id}, body=params)

    async def add_to_steering_pool(self, id: str, *, phone_number: str) -> None:
        """Add a number to a Twilio connection's steering pool."""
        request = AddToSteeringPoolRequest(phone_number=phone_number)
        await self._requester.request(self._add, params={"id": id}, body=request)

    async def remove_from_steering_pool(self, id: str, *, phone_number: str) -> None:
        """Remove a number from a Twilio connection's steering pool."""
        request = RemoveFromSteeringPoolRequest(phone_number=phone_number)
        await self._requester.request(self._remove, params={"id": id}, body=request)
