"""Deterministic fault injection for the fake server, per route or global."""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

__all__ = ["Fault", "FaultKind", "Faults"]


class FaultKind(enum.Enum):
    """What a matching request gets instead of (or before) its normal answer."""

    STATUS = "status"  # answer `status` with `body`, `content_type`, `headers`
    LATENCY = "latency"  # wait `delay` seconds, then answer normally
    RESET = "reset"  # send headers and part of the body, then drop the connection
    TRUNCATE = "truncate"  # a 200 whose JSON body is cut short
    HANG = "hang"  # never answer (until the client gives up)
    EMPTY_PAGE = "empty_page"  # a list page with has_more true and no items
    DRIFT_INSERT = "drift_insert"  # add a new (newest) call, then answer normally
    DRIFT_DELETE = "drift_delete"  # delete the newest call, then answer normally


@attrs.define(kw_only=True)
class Fault:
    """One rule. It matches a request by method, path and a subset of its query.

    ``skip`` matching requests pass first; then ``times`` of them get the fault
    (``None``: every one after the skipped).
    """

    kind: FaultKind = FaultKind.STATUS
    path: str | None = None
    method: str | None = None
    query: Mapping[str, str] = attrs.field(factory=dict)
    status: int = 500
    body: bytes = b'{"detail": "injected fault"}'
    content_type: str = "application/json"
    headers: Mapping[str, str] = attrs.field(factory=dict)
    delay: float = 0.0
    skip: int = 0
    times: int | None = 1
    seen: int = 0
    fired: int = 0

    def take(self, method: str, path: str, query: Mapping[str, str]) -> bool:
        """Whether this request gets the fault (counts it either way)."""
        if self.path is not None and self.path != path:
            return False
        if self.method is not None and self.method != method:
            return False
        if any(query.get(k) != v for k, v in self.query.items()):
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times is not None and self.fired >= self.times):
            return False
        self.fired += 1
        return True


@attrs.define
class Faults:
    """The server's fault rules, checked in the order they were added."""

    rules: list[Fault] = attrs.field(factory=list)

    def add(self, fault: Fault | None = None, /, **fields: object) -> Fault:
        """Add a rule: ``faults.add(path="/v1/calls/list", status=503, times=2)``."""
        rule = fault if fault is not None else Fault(**fields)  # type: ignore[arg-type]
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def match(self, method: str, path: str, query: Mapping[str, str]) -> list[Fault]:
        """Every rule that fires for this request."""
        return [rule for rule in self.rules if rule.take(method, path, query)]
