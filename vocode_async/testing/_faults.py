"""Deterministic fault injection for the fake server, per route or global."""

from __future__ import annotations

import enum
import random
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

__all__ = ["Fault", "FaultKind", "Faults"]


class FaultKind(enum.Enum):
    """What a matching request gets instead of (or before) its normal answer.

    With ``after=True`` (status, latency, reset, truncate, hang, drift_*) the request is
    served first, so what it asked for takes effect, and then its answer is spoiled.
    """

    STATUS = "status"
    """Answer ``status`` with ``body``, ``content_type``, ``headers``."""
    LATENCY = "latency"
    """Wait ``delay`` seconds, then answer normally."""
    RESET = "reset"
    """Send headers and part of the body, then drop the connection."""
    TRUNCATE = "truncate"
    """A 200 whose JSON body is cut short."""
    HANG = "hang"
    """Never answer (until the client gives up)."""
    EMPTY_PAGE = "empty_page"
    """A list page with has_more true and no items."""
    DRIFT_INSERT = "drift_insert"
    """Add a new (newest) call, then answer normally."""
    DRIFT_DELETE = "drift_delete"
    """Delete the newest call, then answer normally."""


_KINDS = ", ".join(kind.value for kind in FaultKind)
_BODY = b'{"detail": "injected fault"}'
_AFTER_KINDS = frozenset(FaultKind) - {FaultKind.EMPTY_PAGE}


def _kind(value: FaultKind | str) -> FaultKind:
    """A kind from its member or its documented spelling (``"latency"``)."""
    if isinstance(value, FaultKind):
        return value
    try:
        return FaultKind(value)
    except (ValueError, TypeError):
        raise ValueError(f"unknown fault kind {value!r}; one of {_KINDS}") from None


def _method(value: str | None) -> str | None:
    return None if value is None else value.upper()


@attrs.define(kw_only=True)
class Fault:
    """One rule. It matches a request by method, path and a subset of its query.

    ``kind`` is a :class:`FaultKind` or its value (``"latency"``); anything else is a
    ``ValueError``. ``skip`` matching requests pass first; then ``times`` of them get the
    fault (default 1: once; ``None``: every one after the skipped), each with probability
    ``rate`` drawn from the server's seeded generator (so a run is repeatable).
    ``path=None`` matches every route. A ``LATENCY`` fault waits ``delay`` plus up to
    ``jitter`` seconds. ``after=True``: the request is served first (what it asks for takes
    effect in the store), then its answer is lost or spoiled; only requests the server
    answered with a success count, so a refused one neither fires nor spends the rule.
    """

    kind: FaultKind = attrs.field(default=FaultKind.STATUS, converter=_kind)
    path: str | None = None
    method: str | None = attrs.field(default=None, converter=_method)
    query: Mapping[str, str] = attrs.field(factory=dict)
    status: int = 500
    body: bytes = _BODY
    content_type: str = "application/json"
    headers: Mapping[str, str] = attrs.field(factory=dict)
    delay: float = 0.0
    jitter: float = 0.0
    rate: float = 1.0
    skip: int = 0
    times: int | None = 1
    after: bool = attrs.field(default=False)
    seen: int = 0
    fired: int = 0

    @after.validator
    def _after_applies(self, _attribute: object, after: bool) -> None:
        if after and self.kind not in _AFTER_KINDS:
            raise ValueError(f"after=True does not apply to a {self.kind.value!r} fault")

    def take(
        self, method: str, path: str, query: Mapping[str, str], rng: random.Random | None = None
    ) -> bool:
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
        if self.rate < 1.0 and (rng or random).random() >= self.rate:
            return False
        self.fired += 1
        return True

    @classmethod
    def parse(cls, text: str) -> Fault:
        """A rule from the command line: ``KIND[:key=value,...]``.

        KIND is a :class:`FaultKind` value, or a shorthand: ``rate_limit`` (429 with
        Retry-After), ``unavailable`` (503 with Retry-After), ``html_502`` (a proxy's HTML
        page). Keys: path, method, status, rate, times (default 1, as :class:`Fault`;
        ``unlimited`` for every matching request), skip, delay_ms, jitter_ms, retry_after,
        ``after`` (``true``: serve the request, then spoil its answer), ``query.NAME``.
        E.g. ``status:status=500,rate=0.05,times=unlimited`` or
        ``reset:path=/v1/calls/create,after=true``.
        """
        name, _, rest = text.partition(":")
        fields: dict[str, Any] = {}
        fields.update(_SHORTHANDS.get(name, {}))
        if name not in _SHORTHANDS:
            try:
                fields["kind"] = FaultKind(name)
            except ValueError:
                known = sorted([k.value for k in FaultKind] + list(_SHORTHANDS))
                raise ValueError(
                    f"unknown fault kind {name!r}; one of {', '.join(known)}"
                ) from None
        for pair in filter(None, rest.split(",")):
            key, sep, value = pair.partition("=")
            if sep and key.startswith("query.") and len(key) > 6:
                fields["query"] = {**fields.get("query", {}), key[6:]: value}
                continue
            if not sep or key not in _PARSERS:
                raise ValueError(f"bad fault option {pair!r}; keys: {', '.join(sorted(_PARSERS))}")
            try:
                _PARSERS[key](fields, value)
            except ValueError:
                raise ValueError(f"bad value for fault option {key!r}: {value!r}") from None
        return cls(**fields)


def _retry_after(fields: dict[str, Any], value: str) -> None:
    fields["headers"] = {**fields.get("headers", {}), "Retry-After": value}


def _after(fields: dict[str, Any], value: str) -> None:
    word = value.lower()
    if word not in ("true", "false", "1", "0"):
        raise ValueError(value)
    fields["after"] = word in ("true", "1")


_PARSERS: dict[str, Any] = {
    "path": lambda f, v: f.__setitem__("path", v),
    "method": lambda f, v: f.__setitem__("method", v.upper()),
    "status": lambda f, v: f.__setitem__("status", int(v)),
    "rate": lambda f, v: f.__setitem__("rate", float(v)),
    "times": lambda f, v: f.__setitem__("times", None if v == "unlimited" else int(v)),
    "skip": lambda f, v: f.__setitem__("skip", int(v)),
    "delay_ms": lambda f, v: f.__setitem__("delay", float(v) / 1000),
    "jitter_ms": lambda f, v: f.__setitem__("jitter", float(v) / 1000),
    "retry_after": _retry_after,
    "after": _after,
}
_HTML = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
_SHORTHANDS: dict[str, dict[str, Any]] = {
    "rate_limit": {"status": 429, "headers": {"Retry-After": "1"}},
    "unavailable": {"status": 503, "headers": {"Retry-After": "1"}},
    "html_502": {"status": 502, "body": _HTML, "content_type": "text/html"},
}


@attrs.define
class Faults:
    """The server's fault rules, checked in the order they were added."""

    rules: list[Fault] = attrs.field(factory=list)
    rng: random.Random = attrs.field(factory=lambda: random.Random(0))

    def add(
        self,
        fault: Fault | None = None,
        /,
        *,
        kind: FaultKind | str = FaultKind.STATUS,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        status: int = 500,
        body: bytes = _BODY,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        jitter: float = 0.0,
        rate: float = 1.0,
        skip: int = 0,
        times: int | None = 1,
        after: bool = False,
    ) -> Fault:
        """Add a rule, a :class:`Fault` or its fields (the same defaults):
        ``faults.add(path="/v1/calls/list", status=503, times=2)``."""
        rule = Fault(
            kind=kind,
            path=path,
            method=method,
            query=dict(query or {}),
            status=status,
            body=body,
            content_type=content_type,
            headers=dict(headers or {}),
            delay=delay,
            jitter=jitter,
            rate=rate,
            skip=skip,
            times=times,
            after=after,
        )
        if fault is not None:
            if rule != Fault():
                raise TypeError("faults.add takes a Fault or its fields, not both")
            rule = fault
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def match(
        self, method: str, path: str, query: Mapping[str, str], *, after: bool = False
    ) -> Iterator[Fault]:
        """The rules that fire for this request, lazily, in order: those that act before it
        is served, or (``after=True``) those that spoil the answer of a served one.

        The server stops asking once one has answered the request, so a later rule is
        neither counted nor spent on it.
        """
        return (
            rule
            for rule in list(self.rules)
            if rule.after == after and rule.take(method, path, query, self.rng)
        )
