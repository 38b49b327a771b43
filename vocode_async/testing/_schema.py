"""What the fake accepts in request bodies: fields per kind, their JSON types, references.

A deliberately small, hand-kept description of the API's request side (the fake never
imports vocode_async's models): enough to answer bad bodies with FastAPI-shaped 422s,
to drop unknown fields as pydantic does, and to resolve "an id or a body" references.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FIELDS", "LIST_REFS", "REFS", "REQUIRED", "TAGS", "json_type_ok"]

_STR, _BOOL, _NUM, _INT, _OBJ, _LIST = "string", "boolean", "number", "integer", "object", "array"
_REF = "ref"  # an id string, or an object to create (or update) in the referenced kind

_AGENT = {
    "name": _STR, "prompt": _REF, "language": _STR, "actions": _LIST, "voice": _REF,
    "initial_message": _STR, "webhook": _REF, "vector_database": _REF,
    "interrupt_sensitivity": _STR, "context_endpoint": _STR, "noise_suppression": _BOOL,
    "endpointing_sensitivity": _STR, "ivr_navigation_mode": _STR, "conversation_speed": _NUM,
    "initial_message_delay": _NUM, "openai_model_name_override": _STR,
    "ask_if_human_present_on_idle": _BOOL, "openai_account_connection": _REF,
    "run_do_not_call_detection": _BOOL, "llm_temperature": _NUM,
}  # fmt: skip
_TRIGGERED = {"config": _OBJ, "action_trigger": _OBJ}

FIELDS: dict[str, dict[str, str]] = {
    "prompts": {
        "content": _STR, "collect_fields": _LIST, "context_endpoint": _STR,
        "prompt_template": _STR,
    },
    "webhooks": {"subscriptions": _LIST, "url": _STR, "method": _STR},
    "vector_databases": {"index": _STR, "api_key": _STR, "api_environment": _STR},
    "agents": _AGENT,
    "calls": {
        "from_number": _STR, "to_number": _STR, "agent": _REF, "on_no_human_answer": _STR,
        "run_do_not_call_detection": _BOOL, "hipaa_compliant": _BOOL, "context": _OBJ,
        "telephony_params": _OBJ,
    },
    "numbers.buy": {
        "area_code": _STR, "telephony_provider": _STR, "telephony_account_connection": _STR,
    },
    "numbers.update": {
        "outbound_only": _BOOL, "example_context": _OBJ, "label": _STR, "inbound_agent": _REF,
    },
    "numbers.link": {
        "phone_number": _STR, "telephony_account_connection": _STR, "outbound_only": _BOOL,
    },
    "steering_pool": {"phone_number": _STR},
    "voice_azure": {"voice_name": _STR, "pitch": _INT, "rate": _INT},
    "voice_rime": {"speaker": _STR, "speed_alpha": _NUM, "model_id": _STR},
    "voice_eleven_labs": {
        "voice_id": _STR, "stability": _NUM, "similarity_boost": _NUM, "api_key": _STR,
        "optimize_streaming_latency": _INT, "model_id": _STR,
        "experimental_input_streaming": _BOOL,
    },
    "voice_play_ht": {
        "voice_id": _STR, "api_user_id": _STR, "api_key": _STR, "version": _STR, "speed": _NUM,
        "quality": _STR, "temperature": _NUM, "top_p": _NUM, "text_guidance": _NUM,
        "voice_guidance": _NUM, "experimental_remove_silence": _BOOL,
    },
    "action_transfer_call": _TRIGGERED,
    "action_end_conversation": _TRIGGERED,
    "action_dtmf": _TRIGGERED,
    "action_add_to_conference": _TRIGGERED,
    "action_set_hold": _TRIGGERED,
    "action_external": _TRIGGERED,
    "account_connection_twilio": {
        "credentials": _OBJ, "steering_pool": _LIST, "account_supports_any_caller_id": _BOOL,
    },
    "account_connection_openai": {"credentials": _OBJ},
    "vector_database_pinecone": {"index": _STR, "api_key": _STR, "api_environment": _STR},
}  # fmt: skip

REQUIRED: dict[str, tuple[str, ...]] = {
    "webhooks": ("subscriptions", "url"),
    "agents": ("prompt", "voice"),
    "calls": ("from_number", "to_number", "agent"),
    "numbers.link": ("phone_number", "telephony_account_connection"),
    "steering_pool": ("phone_number",),
    "voice_azure": ("voice_name",),
    "voice_rime": ("speaker",),
    "voice_eleven_labs": ("voice_id",),
    "voice_play_ht": ("voice_id",),
    "action_transfer_call": ("config",),
    "action_add_to_conference": ("config",),
    "action_external": ("config",),
    "account_connection_twilio": ("credentials",),
    "account_connection_openai": ("credentials",),
    "vector_database_pinecone": ("index", "api_key", "api_environment"),
}

TAGS: dict[str, tuple[str, ...]] = {
    "voices": ("voice_azure", "voice_rime", "voice_eleven_labs", "voice_play_ht"),
    "actions": (
        "action_transfer_call", "action_end_conversation", "action_dtmf",
        "action_add_to_conference", "action_set_hold", "action_external",
    ),
    "account_connections": ("account_connection_twilio", "account_connection_openai"),
    "vector_databases": ("vector_database_pinecone",),
}  # fmt: skip

REFS: dict[str, str] = {
    "prompt": "prompts",
    "voice": "voices",
    "webhook": "webhooks",
    "vector_database": "vector_databases",
    "openai_account_connection": "account_connections",
    "agent": "agents",
    "inbound_agent": "agents",
    "telephony_account_connection": "account_connections",
}
LIST_REFS: dict[str, str] = {"actions": "actions"}


def json_type_ok(kind: str, value: Any) -> bool:
    """Whether ``value`` has JSON type ``kind`` (a bool is not a number, as in pydantic)."""
    if kind == _STR:
        return isinstance(value, str)
    if kind == _BOOL:
        return isinstance(value, bool)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _NUM:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == _OBJ:
        return isinstance(value, dict)
    if kind == _LIST:
        return isinstance(value, list)
    return isinstance(value, str | dict)  # _REF
