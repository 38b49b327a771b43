"""The fake server's store: deterministic synthetic objects as plain JSON dicts.

It never imports vocode_async.models or the converter: a bug in our models must not be
able to hide by being on both sides of the wire.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timezone
from typing import Any

__all__ = ["Store"]

_EPOCH = 1_700_000_000  # 2023-11-14, start of the synthetic history
_STATUSES = ("ended", "ended", "ended", "error", "in_progress", "not_started")
_STAGES = ("created", "picked_up", "transfer_started", "transfer_successful")
_OUTCOMES = ("human_unanswered", "call_did_not_connect", "human_disconnected", "bot_disconnected")


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat().replace("+00:00", "Z")


class Store:
    """Calls and agents of one fake account, seeded deterministically."""

    def __init__(self, *, calls: int = 100, seed: int = 0, agents: int = 3) -> None:
        self._rng = random.Random(seed)
        self.user_id = self._uuid()
        self.version = 0  # bumped on every change; page caches key on it
        self.agents: dict[str, dict[str, Any]] = {}
        for n in range(agents):
            agent = self._agent(n)
            self.agents[agent["id"]] = agent
        self.calls: list[dict[str, Any]] = [self._call(n) for n in range(calls)]
        self._sorted: list[dict[str, Any]] = []
        self._sorted_key: tuple[Any, ...] | None = None
        self.by_id = {call["id"]: call for call in self.calls}

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _agent(self, n: int) -> dict[str, Any]:
        return {
            "id": self._uuid(),
            "user_id": self.user_id,
            "name": f"Agent {n}",
            "prompt": {"id": self._uuid(), "user_id": self.user_id, "content": "Be helpful."},
            "actions": [],
            "voice": {
                "id": self._uuid(),
                "user_id": self.user_id,
                "type": "voice_azure",
                "voice_name": "en-US-JennyNeural",
            },
            "language": "en",
            "initial_message": "Hello!",
        }

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
    def normalized(call: dict[str, Any]) -> dict[str, Any]:
        """A list item: ids for references, epoch-seconds times (as the newer API sends)."""
        return {k: v for k, v in call.items() if v is not None}

    def full(self, call: dict[str, Any]) -> dict[str, Any]:
        """A single call: the agent object inline, ISO 8601 times."""
        out = self.normalized(call)
        out["agent"] = self.agents[call["agent"]]
        for key in ("start_time", "end_time"):
            if key in out:
                out[key] = _iso(out[key])
        return out

    def sorted_calls(self, column: str | None, desc: bool) -> list[dict[str, Any]]:
        """Calls in listing order: newest first unless a sort column is given."""
        if column is None:
            return self.calls[::-1]
        key = (self.version, column, desc)
        if self._sorted_key != key:
            self._sorted = sorted(
                self.calls, key=lambda c: (c.get(column) is None, c.get(column)), reverse=desc
            )
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

    # -- changes ----------------------------------------------------------------------

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

    @staticmethod
    def recording(call_id: str) -> bytes:
        """Deterministic audio-like bytes for a call's recording (a small WAV)."""
        body = (call_id.encode() * 2048)[:64_000]
        header = b"RIFF" + (36 + len(body)).to_bytes(4, "little") + b"WAVEfmt "
        return header + bytes(24) + b"data" + len(body).to_bytes(4, "little") + body
