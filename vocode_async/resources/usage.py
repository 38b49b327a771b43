"""client.usage: the account's plan and minutes used."""

from __future__ import annotations

from .._endpoint import Endpoint
from ..models.usage import Usage
from ._base import Resource

__all__ = ["UsageResource"]


class UsageResource(Resource):
    """Minutes used this month against your plan."""

    __slots__ = ()
    _get = Endpoint[Usage]("GET", "/v1/usage", Usage)

    async def get(self) -> Usage:
        """This month's usage."""
        return await self._requester.request(self._get)
