"""Webhooks: where Vocode posts call events."""

from __future__ import annotations

import attrs

from .._types import UNSET, Unset
from ._base import ApiEnum, Model, RequestBody

__all__ = ["EventType", "HTTPMethod", "Webhook", "WebhookParams", "WebhookUpdateParams"]


class EventType(ApiEnum):
    """An event a webhook subscribes to (open: new kinds decode as plain strings)."""

    MESSAGE = "event_message"
    ACTION = "event_action"
    PHONE_CALL_CONNECTED = "event_phone_call_connected"
    PHONE_CALL_ENDED = "event_phone_call_ended"
    PHONE_CALL_DID_NOT_CONNECT = "event_phone_call_did_not_connect"
    TRANSCRIPT = "event_transcript"
    RECORDING = "event_recording"
    HUMAN_DETECTION = "event_human_detection"


class HTTPMethod(ApiEnum):
    """How the webhook is called."""

    GET = "GET"
    POST = "POST"


@attrs.frozen(kw_only=True)
class Webhook(Model):
    """A webhook."""

    id: str
    user_id: str
    subscriptions: tuple[EventType | str, ...]
    url: str
    method: HTTPMethod | str = HTTPMethod.POST


@attrs.frozen(kw_only=True)
class WebhookParams(RequestBody):
    """A new webhook (``webhooks.create``, or inline in an agent)."""

    subscriptions: tuple[EventType | str, ...]
    url: str
    method: HTTPMethod | str | Unset = UNSET


@attrs.frozen(kw_only=True)
class WebhookUpdateParams(RequestBody):
    """A partial webhook update."""

    subscriptions: tuple[EventType | str, ...] | Unset = UNSET
    url: str | Unset = UNSET
    method: HTTPMethod | str | Unset = UNSET
