"""Checks of what a caller hands the SDK: option values, headers, request paths.

Each check returns what is wrong (or None) and never quotes a value that may be secret: the
client turns a problem into a :class:`~vocode_async.ConfigError`, per-call code into a
``ValueError``, both raised before anything is sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "REFUSED_HEADERS",
    "check_headers",
    "count_problem",
    "header_problems",
    "path_problem",
    "seconds_problem",
]

# A header name is an RFC 9110 token.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Characters a header value cannot carry on the wire (CR and LF end it; NUL and the other
# controls are refused by servers, or worse, cut the value where a proxy reads it).
_BAD_VALUE_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

REFUSED_HEADERS: Mapping[str, str] = {
    # Framing and hop-by-hop headers: aiohttp frames the message itself; a second opinion
    # desynchronises the connection and the next, unrelated request on it fails.
    "content-length": "aiohttp frames the body itself",
    "transfer-encoding": "aiohttp frames the body itself",
    "trailer": "aiohttp frames the body itself",
    "te": "a hop-by-hop header that aiohttp manages",
    "connection": "a hop-by-hop header that aiohttp manages",
    "keep-alive": "a hop-by-hop header that aiohttp manages",
    "proxy-connection": "a hop-by-hop header that aiohttp manages",
    "upgrade": "a hop-by-hop header that aiohttp manages",
    # Where requests go and with which credentials is the client's configuration.
    "host": "the base URL names the host (set base_url)",
    "authorization": "the client sends its api_key there (make a client with the other key)",
    "proxy-authorization": "give the proxy's credentials in the proxy URL",
}


def seconds_problem(name: str, value: object, *, optional: bool = True) -> str | None:
    """What is wrong with ``value`` as a number of seconds (None allowed if ``optional``)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        none = " or None" if optional else ""
        return f"{name} must be a number of seconds{none}, got {type(value).__name__}"
    if not (math.isfinite(value) and value > 0):
        unbounded = " (None for no bound)" if optional else ""
        return f"{name} must be a positive, finite number of seconds{unbounded}, got {value}"
    return None


def count_problem(name: str, value: object, *, minimum: int = 0) -> str | None:
    """What is wrong with ``value`` as a whole number of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{name} must be an int, got {type(value).__name__}"
    if value < minimum:
        return f"{name} must be at least {minimum}, got {value}"
    return None


def _value_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be a str, got {type(value).__name__}"
    if _BAD_VALUE_CHAR.search(value):
        return "holds a control character (CR, LF, NUL...): it would split or cut the header"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone surrogate (not valid Unicode)"
    return None


def header_problems(headers: object, where: str) -> list[str]:
    """Every problem of ``headers`` (``where``: the option's name). Values are never quoted:
    a header may carry a credential."""
    if not isinstance(headers, Mapping):
        return [f"{where} must be a mapping of header names to values"]
    problems = []
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            problems.append(f"{where}: {name!r} is not a valid header name")
        elif name.lower() in REFUSED_HEADERS:
            problems.append(f"{where}: {name} cannot be set: {REFUSED_HEADERS[name.lower()]}")
        elif (problem := _value_problem(value)) is not None:
            problems.append(f"{where}: the value of {name} {problem}")
    return problems


def check_headers(headers: Mapping[str, Any], where: str) -> None:
    """Raise ``ValueError`` naming the first bad header of ``headers``."""
    problems = header_problems(headers, where)
    if problems:
        raise ValueError(problems[0])


def path_problem(path: object) -> str | None:
    """What is wrong with ``path`` as a request path (relative to the base URL)."""
    if not isinstance(path, str):
        return f"the path must be a str, got {type(path).__name__}"
    if any(ch < " " or ch == "\x7f" for ch in path):
        return f"the path {path!r} holds a control character (CR, LF, NUL...)"
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return f"the path {path!r} holds a lone surrogate (not valid Unicode)"
    if not path.startswith("/") or "//" in path or "@" in path:
        return f"the path must be a plain absolute path: {path!r}"
    return None
