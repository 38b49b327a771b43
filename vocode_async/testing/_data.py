"""The fake server's store: deterministic synthetic objects as plain JSON dicts.

It never imports vocode_async.models or the converter: a bug in our models must not be
able to hide by being on both sides of the wire. Objects are stored *normalized*
(references are ids); :meth:`Store.full` expands them as the API's single-object
answers do.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from ._rules import OPERATIONS, REFS
from ._validate import Invalid, Loc, validate

__all__ = ["NotFound", "Rejected", "Store"]

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
HIDDEN_KINDS = ("prompt_templates",)  # referred to, but without endpoints of their own


class NotFound(Exception):
    """A 404 with ``{"detail": ...}``."""


class Rejected(Exception):
    """A 400 with ``{"detail": ...}`` (e.g. a reference to an object that does not exist)."""


_OFFSETS = ((timezone.utc, "Z"), (timezone.utc, "+00:00"), (timezone(timedelta(hours=-5)), ""))


def _rfc3339(epoch: float | str, call_id: str) -> str:
    """``epoch`` as RFC 3339 text, in a form picked by the call's id (so seeded): 0 to 9
    fraction digits, ``Z`` or a numeric offset. Clients must read every form."""
    if isinstance(epoch, str):
        return epoch
    pick = int(call_id.replace("-", "")[-8:], 16)
    digits = pick % 10
    zone, suffix = _OFFSETS[(pick // 10) % len(_OFFSETS)]
    text = datetime.fromtimestamp(int(epoch), tz=zone).isoformat()
    if suffix:
        text = text.removesuffix("+00:00") + suffix
    fraction = f"{pick:010d}"[-digits:] if digits else ""
    return text[:19] + (f".{fraction}" if digits else "") + text[19:]


class Store:
    """Every object of one fake account, seeded deterministically."""

    def __init__(self, *, calls: int = 100, seed: int = 0, agents: int = 3) -> None:
        self._rng = random.Random(seed)
        self.user_id = self._uuid()
        self.version = 0  # bumped on every change; page caches key on it
        self.objects: dict[str, dict[str, dict[str, Any]]] = {
            kind: {} for kind in KINDS + HIDDEN_KINDS
        }
        self._seed_objects(agents)
        self.calls: list[dict[str, Any]] = [self._call(n) for n in range(calls)]
        self._sorted: list[dict[str, Any]] = []
        self._sorted_key: tuple[Any, ...] | None = None
        self.by_id = {call["id"]: call for call in self.calls}
        self._seed_templates()

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

    def _seed_templates(self) -> None:
        """Prompt templates (seeded last, so every other seeded id stays as it was)."""
        for n in range(2):
            keys = ["customer_name", "order_id"][: n + 1]
            self._new("prompt_templates", label=f"template {n}", required_context_keys=keys)
        first = next(iter(self.objects["prompts"].values()))
        first["prompt_template"] = next(iter(self.objects["prompt_templates"]))

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
        """A single call: the agent object inline, RFC 3339 times in varied forms."""
        out = self.expand("calls", call)
        for key in ("start_time", "end_time"):
            if key in out:
                out[key] = _rfc3339(out[key], call["id"])
        return out

    def expand(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """An object as ``get`` returns it: every reference replaced by the object."""
        out = self.normalized(obj)
        for field, (target, _, many) in REFS.get(kind, {}).items():
            ref = out.get(field)
            if ref is None:
                continue
            found = [self.expand(target, self.objects[target][r]) for r in (ref if many else [ref])]
            out[field] = found if many else found[0]
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
            raise NotFound(f"{_label(kind)} not found")
        return found

    def reference(self, holder: str, field: str, value: str) -> str:
        """The id in ``holder``'s reference ``field``, or :class:`Rejected` (400, as the API
        answers every reference to an object that is not there or of the wrong type)."""
        kind, tags, _ = REFS[holder][field]
        found = self.objects[kind].get(value)
        if found is None:
            raise Rejected(f"{_label(kind)} {value} not found")
        if tags is not None and found.get("type") not in tags:
            raise Rejected(f"{_label(kind)} {value} is not of type {' or '.join(tags)}")
        return value

    def create(self, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Store an object from a validated create body (nested objects created first)."""
        return self._new(kind, **self.resolved(kind, fields))

    def resolved(self, holder: str, fields: dict[str, Any]) -> dict[str, Any]:
        """``fields`` with every reference an id: objects given inline are created.

        Every id is checked before anything is stored: a refused request changes nothing.
        """
        self._check_refs(holder, fields, None)
        return self._resolved(holder, fields, ("body",))

    def update(self, kind: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Apply a validated partial update: only the fields given change.

        ``kind`` may name a body of its own (``numbers.update``) for the kind before the dot.
        """
        kind = kind.split(".")[0]
        obj = self.get(kind, key)
        self._check_refs(kind, fields, obj)
        return self._update(kind, obj, fields)

    def _resolved(self, holder: str, fields: dict[str, Any], loc: Loc) -> dict[str, Any]:
        out = dict(fields)
        for field, value in fields.items():
            if field in REFS.get(holder, {}):
                out[field] = self._resolve(holder, field, value, None, (*loc, field))
        return out

    def _update(self, kind: str, obj: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        self._same_type(obj, fields, ("body",))
        for field, value in fields.items():
            if field in REFS.get(kind, {}):
                value = self._resolve(kind, field, value, obj.get(field), ("body", field))
            obj[field] = value
        self.version += 1
        return obj

    def _items(self, holder: str, field: str, value: Any) -> list[Any]:
        return list(value) if REFS[holder][field][2] else [value]

    def _check_refs(self, holder: str, fields: dict[str, Any], current: Any) -> None:
        """Every id named anywhere in ``fields`` exists (and has an allowed type)."""
        for field, value in fields.items():
            if field not in REFS.get(holder, {}):
                continue
            kind = REFS[holder][field][0]
            for item in self._items(holder, field, value):
                if isinstance(item, str):
                    self.reference(holder, field, item)
                elif isinstance(item, dict) and item.get("id") in self.objects[kind]:
                    self.reference(holder, field, item["id"])  # a whole object we have: its type
                elif isinstance(item, dict) and "id" not in item:
                    existing = current.get(field) if isinstance(current, dict) else None
                    nested = self.objects[kind].get(existing) if isinstance(existing, str) else None
                    if current is not None and nested is None:  # made by an update: complete?
                        self._creatable(kind, item)
                    if nested is not None:
                        self._same_type(nested, item, ("body", field))
                    self._check_refs(kind, item, nested)

    @staticmethod
    def _same_type(obj: dict[str, Any], fields: dict[str, Any], loc: Loc) -> None:
        """An object keeps its kind: an update naming another ``type`` is a 422."""
        if "type" in obj and fields.get("type", obj["type"]) != obj["type"]:
            raise Invalid.one((*loc, "type"), f"type must stay {obj['type']!r}")

    @staticmethod
    def _creatable(kind: str, item: dict[str, Any]) -> None:
        try:
            validate(_create_body(kind), item, ("body",))
        except Invalid:
            msg = f"{_label(kind)} to update not found: give an id, or every field to make one"
            raise Rejected(msg) from None

    def _resolve(self, holder: str, field: str, value: Any, existing: Any, loc: Loc) -> Any:
        """A reference as stored (ids), creating or updating the objects given inline."""
        kind = REFS[holder][field][0]
        ids = []
        for i, item in enumerate(self._items(holder, field, value)):
            where = (*loc, i) if REFS[holder][field][2] else loc
            if isinstance(item, str):
                ids.append(item)
            elif "id" in item:  # a whole object (a template, a connection): kept as given
                self.objects[kind].setdefault(item["id"], {**item, "user_id": self.user_id})
                ids.append(item["id"])
            elif isinstance(existing, str) and existing in self.objects[kind]:
                ids.append(self._update(kind, self.objects[kind][existing], item)["id"])
            else:
                fields = self._resolved(kind, validate(_create_body(kind), item, where), where)
                ids.append(self._new(kind, **fields)["id"])
        return ids if REFS[holder][field][2] else ids[0]

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


def _create_body(kind: str) -> dict[str, Any]:
    """The schema of the body that creates an object of ``kind``."""
    body: dict[str, Any] = OPERATIONS[f"POST /v1/{kind}/create"]["body"]
    return body


def _label(kind: str) -> str:
    """``account_connections`` -> ``Account connection``."""
    return kind[:-1].replace("_", " ").capitalize()


def sort_by(objects: list[dict[str, Any]], column: str, desc: bool) -> list[dict[str, Any]]:
    """Sorted on one field, missing values last (as SQL's NULLS LAST), stable."""
    present = [o for o in objects if o.get(column) is not None]
    missing = [o for o in objects if o.get(column) is None]
    try:
        present.sort(key=lambda o: o[column], reverse=desc)
    except TypeError:  # mixed types: order by their text
        present.sort(key=lambda o: str(o[column]), reverse=desc)
    return present + missing
