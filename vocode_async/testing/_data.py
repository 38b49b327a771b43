"""The fake server's store: deterministic synthetic objects as plain JSON dicts.

It never imports vocode_async.models or the converter: a bug in our models must not be
able to hide by being on both sides of the wire. Objects are stored *normalized*
(references are ids); :meth:`Store.full` expands them as the API's single-object
answers do.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timezone
from typing import Any

from ._schema import FIELDS, LIST_REFS, REFS, REQUIRED, TAGS, json_type_ok

__all__ = ["Invalid", "NotFound", "Rejected", "Store"]

_EPOCH = 1_700_000_000  # 2023-11-14, start of the synthetic history
_STATUSES = ("ended", "ended", "ended", "error", "in_progress", "not_started")
_STAGES = ("created", "picked_up", "transfer_started", "transfer_successful")
_OUTCOMES = ("human_unanswered", "call_did_not_connect", "human_disconnected", "bot_disconnected")
KINDS = (
    "prompts",
    "voices",
    "actions",
    "webhooks",
    "vector_databases",
    "account_connections",
    "agents",
    "numbers",
)


class Invalid(Exception):
    """A request the API would answer with a FastAPI 422 (``loc``, ``msg``, ``type``)."""

    def __init__(self, loc: list[str | int], msg: str, kind: str = "value_error") -> None:
        super().__init__(msg)
        self.loc, self.msg, self.kind = loc, msg, kind


class NotFound(Exception):
    """A 404 with ``{"detail": ...}``."""


class Rejected(Exception):
    """A 400 with ``{"detail": ...}`` (e.g. a reference to an object that does not exist)."""


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat().replace("+00:00", "Z")


class Store:
    """Every object of one fake account, seeded deterministically."""

    def __init__(self, *, calls: int = 100, seed: int = 0, agents: int = 3) -> None:
        self._rng = random.Random(seed)
        self.user_id = self._uuid()
        self.version = 0  # bumped on every change; page caches key on it
        self.objects: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self._seed_objects(agents)
        self.calls: list[dict[str, Any]] = [self._call(n) for n in range(calls)]
        self._sorted: list[dict[str, Any]] = []
        self._sorted_key: tuple[Any, ...] | None = None
        self.by_id = {call["id"]: call for call in self.calls}

    @property
    def agents(self) -> dict[str, dict[str, Any]]:
        """Agents by id."""
        return self.objects["agents"]

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _put(self, kind: str, obj: dict[str, Any], key: str = "id") -> dict[str, Any]:
        self.objects[kind][obj[key]] = obj
        self.version += 1
        return obj

    def _new(self, kind: str, **fields: Any) -> dict[str, Any]:
        obj = {"id": self._uuid(), "user_id": self.user_id, **fields}
        return self._put(kind, obj, "number" if kind == "numbers" else "id")

    # -- seeding ----------------------------------------------------------------------

    def _seed_objects(self, agents: int) -> None:
        new = self._new
        prompts = [new("prompts", content=f"You are agent {n}. Be helpful.") for n in range(3)]
        voices = [
            new("voices", type="voice_azure", voice_name="en-US-JennyNeural", pitch=0, rate=15),
            new("voices", type="voice_rime", speaker="young_male_unmarked"),
            new("voices", type="voice_eleven_labs", voice_id="EXAVITQu4vr4", api_key="xi-seeded"),
        ]
        trigger = {"type": "action_trigger_function_call", "config": {}}
        actions = [
            new(
                "actions",
                type="action_transfer_call",
                config={"phone_number": "+15550001111"},
                action_trigger=trigger,
            ),
            new("actions", type="action_end_conversation", config={}, action_trigger=trigger),
            new("actions", type="action_dtmf", config={}, action_trigger=trigger),
        ]
        hook = new(
            "webhooks",
            subscriptions=["event_phone_call_ended"],
            url="https://example.com/h",
            method="POST",
        )
        new(
            "vector_databases",
            type="vector_database_pinecone",
            index="kb",
            api_key="pc-seeded",
            api_environment="us-east-1",
        )
        twilio = new(
            "account_connections",
            type="account_connection_twilio",
            credentials={"twilio_account_sid": "AC0", "twilio_auth_token": "tw-seeded"},
            steering_pool=[],
            account_supports_any_caller_id=False,
        )
        new(
            "account_connections",
            type="account_connection_openai",
            credentials={"openai_api_key": "sk-seeded"},
        )
        for n in range(agents):
            new(
                "agents",
                name=f"Agent {n}",
                prompt=prompts[n % 3]["id"],
                voice=voices[n % 3]["id"],
                actions=[a["id"] for a in actions[: n + 1]],
                language="en",
                initial_message="Hello!",
                webhook=hook["id"] if n == 0 else None,
            )
        agent_ids = list(self.agents)
        for n in range(3):
            self._put(
                "numbers",
                {
                    "id": self._uuid(),
                    "user_id": self.user_id,
                    "number": f"+1555000{n:04d}",
                    "active": True,
                    "label": f"line {n}",
                    "inbound_agent": agent_ids[n % len(agent_ids)],
                    "outbound_only": False,
                    "example_context": {},
                    "telephony_provider": "twilio",
                    "telephony_account_connection": twilio["id"],
                },
                "number",
            )

    def _call(self, n: int, *, start: float | None = None) -> dict[str, Any]:
        rng = self._rng
        status = rng.choice(_STATUSES)
        begin = start if start is not None else _EPOCH + n * 60
        twilio = rng.random() < 0.5
        call: dict[str, Any] = {
            "id": self._uuid(),
            "user_id": self.user_id,
            "status": status,
            "recording_available": status == "ended",
            "human_detection_result": rng.choice(("human", "no_human")),
            "do_not_call_result": False,
            "telephony_id": f"tel-{n}",
            "stage": rng.choice(_STAGES),
            "stage_outcome": rng.choice(_OUTCOMES),
            "telephony_metadata": (
                {"type": "telephony_metadata_twilio", "call_sid": f"CA{n:032d}"}
                if twilio
                else {"type": "telephony_metadata_vonage"}
            ),
            "start_time": begin,
            "end_time": begin + rng.randint(5, 600) if status == "ended" else None,
            "to_number": f"+1555{rng.randint(0, 9_999_999):07d}",
            "from_number": "+15550000000",
            "agent": rng.choice(list(self.agents)),
            "telephony_provider": "twilio" if twilio else "vonage",
            "agent_phone_number": "+15550000000",
            "hipaa_compliant": False,
            "on_no_human_answer": "continue",
            "context": {"n": str(n)},
            "run_do_not_call_detection": False,
            "telephony_params": {},
        }
        if status == "error":
            call["error_message"] = "carrier rejected the number"
        return call

    # -- views ------------------------------------------------------------------------

    @staticmethod
    def normalized(obj: dict[str, Any]) -> dict[str, Any]:
        """A list item of any kind: references stay ids, nulls are left out (and a call's
        times stay epoch seconds, as the newer API sends them)."""
        return {k: v for k, v in obj.items() if v is not None}

    def full(self, call: dict[str, Any]) -> dict[str, Any]:
        """A single call: the agent object inline, ISO 8601 times."""
        out = self.normalized(call)
        out["agent"] = self.expand("agents", self.agents[call["agent"]])
        for key in ("start_time", "end_time"):
            if key in out:
                out[key] = _iso(out[key])
        return out

    def expand(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """An object as ``get`` returns it: every reference replaced by the object."""
        out = self.normalized(obj)
        for field, target in REFS.items():
            ref = out.get(field)
            if isinstance(ref, str) and ref in self.objects[target] and field in FIELDS_OF[kind]:
                out[field] = self.expand(target, self.objects[target][ref])
        for field, target in LIST_REFS.items():
            if kind == "agents" and field in out:
                out[field] = [self.objects[target][ref] for ref in out[field]]
        return out

    def sorted_calls(self, column: str | None, desc: bool) -> list[dict[str, Any]]:
        """Calls in listing order: newest first unless a sort column is given."""
        if column is None:
            return self.calls[::-1]
        key = (self.version, column, desc)
        if self._sorted_key != key:
            self._sorted = sort_by(self.calls, column, desc)
            self._sorted_key = key
        return self._sorted

    def call_window(
        self, column: str | None, desc: bool, start: int, stop: int
    ) -> list[dict[str, Any]]:
        """``sorted_calls(column, desc)[start:stop]`` without copying the whole listing."""
        if column is None:
            n = len(self.calls)
            lo, hi = max(n - stop, 0), max(n - start, 0)
            return self.calls[lo:hi][::-1]
        return self.sorted_calls(column, desc)[start:stop]

    def sorted_objects(self, kind: str, column: str | None, desc: bool) -> list[dict[str, Any]]:
        """Objects of ``kind`` in listing order: newest first unless a column is given."""
        objects = list(self.objects[kind].values())
        return objects[::-1] if column is None else sort_by(objects, column, desc)

    # -- changes ----------------------------------------------------------------------

    def get(self, kind: str, key: str) -> dict[str, Any]:
        """The stored object, or :class:`NotFound`."""
        found = self.objects[kind].get(key)
        if found is None:
            raise NotFound(f"{kind[:-1].replace('_', ' ').capitalize()} not found")
        return found

    def create(
        self, kind: str, body: Any, loc: tuple[str | int, ...] = ("body",)
    ) -> dict[str, Any]:
        """Validate a create body and store the object (nested objects created first)."""
        fields = self.check(kind, body, loc, partial=False)
        self.check_nested(fields, loc, partial=False)
        if kind in TAGS:
            fields["type"] = body["type"]
        self._resolve(fields, loc, partial=False)
        if kind == "actions":
            fields.setdefault("config", {})
            fields.setdefault(
                "action_trigger", {"type": "action_trigger_function_call", "config": {}}
            )
        if kind == "agents":
            fields.setdefault("actions", [])
        return self._new(kind, **fields)

    def update(self, kind: str, key: str, body: Any) -> dict[str, Any]:
        """Apply a partial update: only the fields given change.

        ``kind`` may name a body of its own (``numbers.update``) for the kind before the dot.
        """
        obj = self.get(kind.split(".")[0], key)
        if kind in TAGS and isinstance(body, dict) and body.get("type") != obj["type"]:
            raise Invalid(["body", "type"], f"type must stay {obj['type']!r}")
        fields = self.check(kind, body, ("body",), partial=True)
        self.check_nested(fields, ("body",), partial=True)
        self._resolve(fields, ("body",), partial=True, current=obj)
        obj.update(fields)
        self.version += 1
        return obj

    def check(
        self, kind: str, body: Any, loc: tuple[str | int, ...], *, partial: bool
    ) -> dict[str, Any]:
        """The known fields of ``body`` after type checks (unknown fields are dropped)."""
        if not isinstance(body, dict):
            raise Invalid([*loc], "Input should be a valid dictionary", "dict_type")
        spec = kind
        if kind in TAGS:
            tag = body.get("type")
            if tag not in TAGS[kind]:
                expected = ", ".join(repr(t) for t in TAGS[kind])
                raise Invalid(
                    [*loc, "type"],
                    f"Input tag {tag!r} does not match {expected}",
                    "union_tag_invalid",
                )
            spec = tag
        allowed = FIELDS[spec]
        if not partial:
            for name in REQUIRED.get(spec, ()):
                if name not in body:
                    raise Invalid([*loc, name], "Field required", "missing")
        out = {}
        for name, value in body.items():
            kind_of = allowed.get(name)
            if kind_of is None:
                continue
            if not json_type_ok(kind_of, value):
                raise Invalid([*loc, name], f"Input should be a valid {kind_of}", f"{kind_of}_type")
            out[name] = value
        return out

    def check_nested(
        self, fields: dict[str, Any], loc: tuple[str | int, ...], partial: bool
    ) -> None:
        """Validate nested bodies before anything is created (a 422 changes nothing)."""
        for field, value in fields.items():
            target = REFS.get(field) or LIST_REFS.get(field)
            if target is None:
                continue
            values = enumerate(value) if field in LIST_REFS else [(None, value)]
            for i, item in values:
                where = (*loc, field) if i is None else (*loc, field, i)
                if isinstance(item, dict):
                    nested = self.check(target, item, where, partial=partial)
                    self.check_nested(nested, where, partial)
                elif not isinstance(item, str):
                    raise Invalid([*where], "Input should be a valid string", "string_type")

    def _resolve(
        self,
        fields: dict[str, Any],
        loc: tuple[str | int, ...],
        *,
        partial: bool,
        current: dict[str, Any] | None = None,
    ) -> None:
        """Turn "an id or a body" references into ids, creating (or updating) objects."""
        for field, value in list(fields.items()):
            target = REFS.get(field) or LIST_REFS.get(field)
            if target is None:
                continue
            where = (*loc, field)
            if field in LIST_REFS:
                fields[field] = [
                    self._ref(target, v, (*where, i), partial, None) for i, v in enumerate(value)
                ]
            else:
                existing = current.get(field) if current is not None else None
                fields[field] = self._ref(target, value, where, partial, existing)

    def _ref(
        self, kind: str, value: Any, loc: tuple[str | int, ...], partial: bool, existing: Any
    ) -> str:
        if isinstance(value, str):
            if value not in self.objects[kind]:
                raise Rejected(f"{kind[:-1].replace('_', ' ').capitalize()} {value} not found")
            return value
        if partial and isinstance(existing, str) and existing in self.objects[kind]:
            return str(self.update(kind, existing, value)["id"])
        return str(self.create(kind, value, loc)["id"])

    def add_call(self, **fields: Any) -> dict[str, Any]:
        """Append a new call (the newest), as a create or a drift insert does."""
        last = self.calls[-1]["start_time"] if self.calls else _EPOCH
        call = self._call(len(self.calls), start=last + 60)
        call.update(fields)
        self.calls.append(call)
        self.by_id[call["id"]] = call
        self.version += 1
        return call

    def delete_call(self, call_id: str) -> None:
        """Remove a call (a drift delete)."""
        call = self.by_id.pop(call_id)
        self.calls.remove(call)
        self.version += 1

    def end_call(self, call_id: str) -> dict[str, Any]:
        """Mark a call ended (with a recording)."""
        call = self.by_id[call_id]
        call["status"] = "ended"
        call["recording_available"] = True
        call["end_time"] = call["start_time"] + 30
        self.version += 1
        return call

    def add_number(self, **fields: Any) -> dict[str, Any]:
        """A new number, answered by the first agent until it is updated."""
        if fields["number"] in self.objects["numbers"]:
            raise Rejected(f"Number {fields['number']} already exists")
        number = {
            "id": self._uuid(),
            "user_id": self.user_id,
            "active": True,
            "label": "",
            "inbound_agent": next(iter(self.agents)),
            "outbound_only": False,
            "example_context": {},
            **fields,
        }
        return self._put("numbers", number, "number")

    def usage(self) -> dict[str, Any]:
        """Minutes of every ended call, against a developer plan's limit."""
        seconds = sum(c["end_time"] - c["start_time"] for c in self.calls if c.get("end_time"))
        return {
            "user_id": self.user_id,
            "plan_type": "plan_developer",
            "monthly_usage_minutes": int(seconds // 60),
            "monthly_usage_limit_minutes": 100_000,
        }

    @staticmethod
    def recording(call_id: str) -> bytes:
        """Deterministic audio-like bytes for a call's recording (a small WAV)."""
        body = (call_id.encode() * 2048)[:64_000]
        header = b"RIFF" + (36 + len(body)).to_bytes(4, "little") + b"WAVEfmt "
        return header + bytes(24) + b"data" + len(body).to_bytes(4, "little") + body


FIELDS_OF: dict[str, set[str]] = {
    "agents": set(FIELDS["agents"]),
    "numbers": {"inbound_agent", "telephony_account_connection"},
    "calls": {"agent"},
    **{kind: set() for kind in KINDS if kind not in ("agents", "numbers")},
}


def sort_by(objects: list[dict[str, Any]], column: str, desc: bool) -> list[dict[str, Any]]:
    """Sorted on one field, missing values last (as SQL's NULLS LAST), stable."""
    present = [o for o in objects if o.get(column) is not None]
    missing = [o for o in objects if o.get(column) is None]
    try:
        present.sort(key=lambda o: o[column], reverse=desc)
    except TypeError:  # mixed types: order by their text
        present.sort(key=lambda o: str(o[column]), reverse=desc)
    return present + missing
