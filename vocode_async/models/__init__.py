"""Typed models of the Vocode API, one module per group."""

from ._base import Page, RequestBody, UnknownVariant
from .account_connections import (
    AccountConnection,
    OpenAIAccountConnection,
    OpenAICredentials,
    TwilioAccountConnection,
    TwilioCredentials,
    UnknownAccountConnection,
)
from .agents import Agent, InterruptSensitivity, Language
from .calls import (
    Call,
    CallStage,
    CallStageOutcome,
    CallStatus,
    CreateCallRequest,
    HumanDetectionResult,
    NormalizedCall,
    OnNoHumanAnswer,
    TelephonyMetadata,
    TelephonyProvider,
    TwilioTelephonyMetadata,
    UnknownTelephonyMetadata,
    VonageTelephonyMetadata,
)

__all__ = [
    "AccountConnection",
    "Agent",
    "Call",
    "CallStage",
    "CallStageOutcome",
    "CallStatus",
    "CreateCallRequest",
    "HumanDetectionResult",
    "InterruptSensitivity",
    "Language",
    "NormalizedCall",
    "OnNoHumanAnswer",
    "OpenAIAccountConnection",
    "OpenAICredentials",
    "Page",
    "RequestBody",
    "TelephonyMetadata",
    "TelephonyProvider",
    "TwilioAccountConnection",
    "TwilioCredentials",
    "TwilioTelephonyMetadata",
    "UnknownAccountConnection",
    "UnknownTelephonyMetadata",
    "UnknownVariant",
    "VonageTelephonyMetadata",
]
