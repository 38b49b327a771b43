"""Actions an agent can take mid-call, and what triggers them. Tagged unions on ``type``.

Each action kind comes in three shapes: the object (``TransferCallAction``), its create
parameters (``...Params``) and its partial update (``...UpdateParams``). Kinds or triggers
this SDK does not know yet decode as :class:`UnknownAction` / :class:`UnknownActionTrigger`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from .._types import UNSET, Unset
from ._base import Model, RequestBody, UnknownVariant

__all__ = [
    "Action",
    "ActionParams",
    "ActionTrigger",
    "ActionUpdateParams",
    "AddToConferenceAction",
    "AddToConferenceActionParams",
    "AddToConferenceActionUpdateParams",
    "AddToConferenceConfig",
    "DTMFAction",
    "DTMFActionParams",
    "DTMFActionUpdateParams",
    "EmptyActionConfig",
    "EndConversationAction",
    "EndConversationActionParams",
    "EndConversationActionUpdateParams",
    "ExternalAction",
    "ExternalActionConfig",
    "ExternalActionParams",
    "ExternalActionUpdateParams",
    "FunctionCallActionTrigger",
    "FunctionCallActionTriggerConfig",
    "PhraseBasedActionTrigger",
    "PhraseBasedActionTriggerConfig",
    "PhraseTrigger",
    "SetHoldAction",
    "SetHoldActionParams",
    "SetHoldActionUpdateParams",
    "TransferCallAction",
    "TransferCallActionParams",
    "TransferCallActionUpdateParams",
    "TransferCallConfig",
    "UnknownAction",
    "UnknownActionTrigger",
]

# -- configs -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class EmptyActionConfig(Model):
    """The config of actions that take none."""


@attrs.frozen(kw_only=True)
class TransferCallConfig(Model):
    """Where to transfer the call."""

    phone_number: str


@attrs.frozen(kw_only=True)
class AddToConferenceConfig(Model):
    """Whom to add to a conference, and whether to hold the caller meanwhile."""

    phone_number: str
    place_primary_on_hold: bool = True


@attrs.frozen(kw_only=True)
class ExternalActionConfig(Model):
    """An action served by your own HTTP endpoint; ``input_schema`` is a JSON schema."""

    name: str
    description: str
    url: str
    input_schema: Mapping[str, Any] = attrs.field(hash=False)
    speak_on_send: bool
    speak_on_receive: bool
    processing_mode: str = "muted"


# -- triggers ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FunctionCallActionTriggerConfig(Model):
    """The config of a function-call trigger (none today)."""


@attrs.frozen(kw_only=True)
class PhraseTrigger(Model):
    """A phrase that fires an action when its conditions hold."""

    phrase: str
    conditions: tuple[str, ...]


@attrs.frozen(kw_only=True)
class PhraseBasedActionTriggerConfig(Model):
    """The phrases of a phrase-based trigger."""

    phrase_triggers: tuple[PhraseTrigger, ...]


@attrs.frozen(kw_only=True)
class FunctionCallActionTrigger(Model):
    """The LLM decides when to call the action (the default)."""

    config: FunctionCallActionTriggerConfig | None = None
    type: Literal["action_trigger_function_call"] = "action_trigger_function_call"


@attrs.frozen(kw_only=True)
class PhraseBasedActionTrigger(Model):
    """The action fires when the caller says a phrase."""

    config: PhraseBasedActionTriggerConfig
    type: Literal["action_trigger_phrase_based"] = "action_trigger_phrase_based"


@attrs.frozen(kw_only=True)
class UnknownActionTrigger(UnknownVariant):
    """A trigger of a kind this SDK does not know yet."""


ActionTrigger = FunctionCallActionTrigger | PhraseBasedActionTrigger | UnknownActionTrigger
"""What sets an action off, decoded by its ``type`` (unknown kinds keep their raw mapping)."""
_DEFAULT_TRIGGER = FunctionCallActionTrigger(config=FunctionCallActionTriggerConfig())

# -- actions -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _ActionBase(Model):
    id: str
    user_id: str
    action_trigger: ActionTrigger = _DEFAULT_TRIGGER


@attrs.frozen(kw_only=True)
class TransferCallAction(_ActionBase):
    """Transfer the call to a phone number."""

    config: TransferCallConfig
    type: Literal["action_transfer_call"] = "action_transfer_call"


@attrs.frozen(kw_only=True)
class EndConversationAction(_ActionBase):
    """Hang up."""

    config: EmptyActionConfig | None = None
    type: Literal["action_end_conversation"] = "action_end_conversation"


@attrs.frozen(kw_only=True)
class DTMFAction(_ActionBase):
    """Press phone keys (DTMF tones)."""

    config: EmptyActionConfig | None = None
    type: Literal["action_dtmf"] = "action_dtmf"


@attrs.frozen(kw_only=True)
class AddToConferenceAction(_ActionBase):
    """Add a third party to the call."""

    config: AddToConferenceConfig
    type: Literal["action_add_to_conference"] = "action_add_to_conference"


@attrs.frozen(kw_only=True)
class SetHoldAction(_ActionBase):
    """Put the caller on hold."""

    config: EmptyActionConfig | None = None
    type: Literal["action_set_hold"] = "action_set_hold"


@attrs.frozen(kw_only=True)
class ExternalAction(_ActionBase):
    """Call your own HTTP endpoint."""

    config: ExternalActionConfig
    type: Literal["action_external"] = "action_external"


@attrs.frozen(kw_only=True)
class UnknownAction(UnknownVariant):
    """An action of a kind this SDK does not know yet (raw mapping kept)."""


Action = (
    TransferCallAction
    | EndConversationAction
    | DTMFAction
    | AddToConferenceAction
    | SetHoldAction
    | ExternalAction
    | UnknownAction
)
"""An action as the API returns it, decoded by its ``type`` (unknown kinds keep the raw mapping)."""

# -- create parameters -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Triggered(RequestBody):
    action_trigger: ActionTrigger | Unset = UNSET


@attrs.frozen(kw_only=True)
class TransferCallActionParams(_Triggered):
    """A new transfer-call action."""

    config: TransferCallConfig
    type: Literal["action_transfer_call"] = "action_transfer_call"


@attrs.frozen(kw_only=True)
class EndConversationActionParams(_Triggered):
    """A new end-conversation action."""

    config: EmptyActionConfig | Unset = UNSET
    type: Literal["action_end_conversation"] = "action_end_conversation"


@attrs.frozen(kw_only=True)
class DTMFActionParams(_Triggered):
    """A new DTMF action."""

    config: EmptyActionConfig | Unset = UNSET
    type: Literal["action_dtmf"] = "action_dtmf"


@attrs.frozen(kw_only=True)
class AddToConferenceActionParams(_Triggered):
    """A new add-to-conference action."""

    config: AddToConferenceConfig
    type: Literal["action_add_to_conference"] = "action_add_to_conference"


@attrs.frozen(kw_only=True)
class SetHoldActionParams(_Triggered):
    """A new set-hold action."""

    config: EmptyActionConfig | Unset = UNSET
    type: Literal["action_set_hold"] = "action_set_hold"


@attrs.frozen(kw_only=True)
class ExternalActionParams(_Triggered):
    """A new external action."""

    config: ExternalActionConfig
    type: Literal["action_external"] = "action_external"


ActionParams = (
    TransferCallActionParams
    | EndConversationActionParams
    | DTMFActionParams
    | AddToConferenceActionParams
    | SetHoldActionParams
    | ExternalActionParams
)
"""What ``actions.create`` takes: one params class per kind of action."""

# -- partial updates (the kinds without a config take the create shape's fields) ----------


@attrs.frozen(kw_only=True)
class TransferCallActionUpdateParams(_Triggered):
    """A partial update of a transfer-call action."""

    config: TransferCallConfig | Unset = UNSET
    type: Literal["action_transfer_call"] = "action_transfer_call"


@attrs.frozen(kw_only=True)
class EndConversationActionUpdateParams(EndConversationActionParams):
    """A partial update of an end-conversation action."""


@attrs.frozen(kw_only=True)
class DTMFActionUpdateParams(DTMFActionParams):
    """A partial update of a DTMF action."""


@attrs.frozen(kw_only=True)
class AddToConferenceActionUpdateParams(_Triggered):
    """A partial update of an add-to-conference action."""

    config: AddToConferenceConfig | Unset = UNSET
    type: Literal["action_add_to_conference"] = "action_add_to_conference"


@attrs.frozen(kw_only=True)
class SetHoldActionUpdateParams(SetHoldActionParams):
    """A partial update of a set-hold action."""


@attrs.frozen(kw_only=True)
class ExternalActionUpdateParams(_Triggered):
    """A partial update of an external action."""

    config: ExternalActionConfig | Unset = UNSET
    type: Literal["action_external"] = "action_external"


ActionUpdateParams = (
    TransferCallActionUpdateParams
    | EndConversationActionUpdateParams
    | DTMFActionUpdateParams
    | AddToConferenceActionUpdateParams
    | SetHoldActionUpdateParams
    | ExternalActionUpdateParams
)
"""What ``actions.update`` takes: one class per kind, fields left UNSET are not sent."""
