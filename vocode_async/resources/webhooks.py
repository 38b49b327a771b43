"""client.webhooks: list, get, create, update."""

from __future__ import annotations

from .._endpoint import Endpoint, Safety
from .._types import UNSET, Unset
from ..models._base import Page
from ..models.webhooks import EventType, HTTPMethod, Webhook, WebhookParams, WebhookUpdateParams
from ._base import Collection, body

__all__ = ["WebhooksResource"]


class WebhooksResource(Collection[Webhook, Webhook]):
    """Where Vocode posts call events."""

    __slots__ = ()
    _list_endpoint = Endpoint[Page[Webhook]]("GET", "/v1/webhooks/list", Page[Webhook])
    _get_endpoint = Endpoint[Webhook]("GET", "/v1/webhooks", Webhook)
    _create = Endpoint[Webhook]("POST", "/v1/webhooks/create", Webhook, Safety.UNSAFE)
    _update = Endpoint[Webhook]("POST", "/v1/webhooks/update", Webhook)

    async def create(
        self,
        *,
        subscriptions: tuple[EventType | str, ...],
        url: str,
        method: HTTPMethod | str | Unset = UNSET,
    ) -> Webhook:
        """Create a webhook for the given event types."""
        return await self._requester.request(self._create, body=body(WebhookParams, locals()))

    async def update(
        self,
        id: str,
        *,
        subscriptions: tuple[EventType | str, ...] | Unset = UNSET,
        url: str | Unset = UNSET,
        method: HTTPMethod | str | Unset = UNSET,
    ) -> Webhook:
        """Change the fields passed; the others stay as they are."""
        return await self._requester.request(
            self._update, params={"id": id}, body=body(WebhookUpdateParams, locals())
        )
