"""Calls: list items (:class:`NormalizedCall`), full calls (:class:`Call`), create params.

Enum-typed fields are open: a value the API adds later decodes as its plain string,
so ``call.status == CallStatus.ENDED`` and ``call.status == "ended"`` both work and a new
status never breaks a listing. Times are timezone-aware UTC datetimes whether the API
sent epoch seconds (newer list items) or ISO strings (single calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import attrs

from .._types import UNSET, Unset
from ._base import ApiEnum, DefaultVariant, Model, RequestBody, UnknownVariant
from .account_connections import TwilioAccountConnection
from .agents import Agent, CreateCallAgentParams

__all__ = [
    "Call",
    "CallStage",
    "CallStageOutcome",
    "CallStatus",
    "CreateCallRequest",
    "HumanDetectionResult",
    "NormalizedCall",
    "OnNoHumanAnswer",
    "TelephonyMetadata",
    "TelephonyProvider",
    "TwilioTelephonyMetadata",
    "UnknownTelephonyMetadata",
    "VonageTelephonyMetadata",
]


class CallStatus(ApiEnum):
    """Where a call is in its life."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ERROR = "error"
    ENDED = "ended"


class HumanDetectionResult(ApiEnum):
    """Whether a human answered."""

    HUMAN = "human"
    NO_HUMAN = "no_human"


class CallStage(ApiEnum):
    """How far the call got."""

    CREATED = "created"
    PICKED_UP = "picked_up"
    TRANSFER_STARTED = "transfer_started"
    TRANSFER_SUCCESSFUL = "transfer_successful"


class CallStageOutcome(ApiEnum):
    """How the call's last stage ended."""

    HUMAN_UNANSWERED = "human_unanswered"
    CALL_DID_NOT_CONNECT = "call_did_not_connect"
    HUMAN_DISCONNECTED = "human_disconnected"
    BOT_DISCONNECTED = "bot_disconnected"
    TRANSFER_UNANSWERED = "transfer_unanswered"
    TRANSFER_DISCONNECTED = "transfer_disconnected"


class TelephonyProvider(ApiEnum):
    """The carrier that placed the call."""

    VONAGE = "vonage"
    TWILIO = "twilio"


class OnNoHumanAnswer(ApiEnum):
    """What the agent does when no human picks up."""

    CONTINUE = "continue"
    HANGUP = "hangup"


@attrs.frozen(kw_only=True)
class VonageTelephonyMetadata(DefaultVariant):
    """Carrier metadata of a Vonage call (also what metadata without a ``type`` decodes as)."""

    type: Literal["telephony_metadata_vonage"] = "telephony_metadata_vonage"


@attrs.frozen(kw_only=True)
class TwilioTelephonyMetadata(Model):
    """Carrier metadata of a Twilio call."""

    type: Literal["telephony_metadata_twilio"] = "telephony_metadata_twilio"
    call_sid: str | None = None
    call_status: str | None = None
    transfer_call_sid: str | None = None
    transfer_call_status: str | None = None
    conference_sid: str | None = None


@attrs.frozen(kw_only=True)
class UnknownTelephonyMetadata(UnknownVariant):
    """Carrier metadata of a type this SDK does not know yet (raw mapping kept)."""


TelephonyMetadata = VonageTelephonyMetadata | TwilioTelephonyMetadata | UnknownTelephonyMetadata
"""The telephony provider's view of a call, decoded by its ``type`` (Vonage when absent)."""


@attrs.frozen(kw_only=True)
class _CallFields(Model):
    """The fields a list item and a full call share."""

    id: str
    user_id: str
    to_number: str
    from_number: str
    telephony_provider: TelephonyProvider | str
    agent_phone_number: str
    status: CallStatus | str = CallStatus.NOT_STARTED
    error_message: str | None = None
    recording_available: bool = False
    transcript: str | None = attrs.field(default=None, repr=False)
    human_detection_result: HumanDetectionResult | str | None = None
    do_not_call_result: bool | None = None
    telephony_id: str | None = None
    stage: CallStage | str | None = None
    stage_outcome: CallStageOutcome | str | None = None
    telephony_metadata: TelephonyMetadata | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    hipaa_compliant: bool = False
    on_no_human_answer: OnNoHumanAnswer | str | None = None
    context: Mapping[str, str] | None = attrs.field(default=None, hash=False)
    run_do_not_call_detection: bool | None = None
    telephony_params: Mapping[str, str] | None = attrs.field(default=None, hash=False)


@attrs.frozen(kw_only=True)
class NormalizedCall(_CallFields):
    """A call as listed: ``agent`` and the account connection are ids."""

    agent: str
    telephony_account_connection: str | TwilioAccountConnection | None = None


@attrs.frozen(kw_only=True)
class Call(_CallFields):
    """A full call (``get``, ``create``, ``end``): ``agent`` is the whole agent."""

    agent: Agent
    telephony_account_connection: TwilioAccountConnection | None = None


@attrs.frozen(kw_only=True)
class CreateCallRequest(RequestBody):
    """The body of ``calls.create``; fields left UNSET are not sent."""

    from_number: str
    to_number: str
    agent: str | CreateCallAgentParams
    on_no_human_answer: OnNoHumanAnswer | str | Unset = UNSET
    run_do_not_call_detection: bool | Unset = UNSET
    hipaa_compliant: bool | Unset = UNSET
    context: Mapping[str, str] | Unset = attrs.field(default=UNSET, hash=False)
    telephony_params: Mapping[str, str] | Unset = attrs.field(default=UNSET, hash=False)
