"""client.actions: list, get, create, update. Actions are a tagged union on ``type``."""

from __future__ import annotations

from .._endpoint import Endpoint, Safety
from ..models._base import Page
from ..models.actions import Action, ActionParams, ActionUpdateParams
from ._base import Collection

__all__ = ["ActionsResource"]


class ActionsResource(Collection[Action, Action]):
    """What agents can do mid-call: transfer, hang up, press keys, call your endpoint."""

    __slots__ = ()
    _list_endpoint = Endpoint[Page[Action]]("GET", "/v1/actions/list", Page[Action])
    _get_endpoint = Endpoint[Action]("GET", "/v1/actions", Action)
    _create = Endpoint[Action]("POST", "/v1/actions/create", Action, Safety.UNSAFE)
    _update = Endpoint[Action]("POST", "/v1/actions/update", Action)

    async def create(self, params: ActionParams, /) -> Action:
        """Create an action: ``create(TransferCallActionParams(config=...))``."""
        return await self._requester.request(self._create, body=params)

    async def update(self, id: str, params: ActionUpdateParams, /) -> Action:
        """Change an action: ``update(id, TransferCallActionUpdateParams(config=...))``."""
        return await self._requester.request(self._update, params={"id": id}, body=params)
