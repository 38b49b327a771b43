"""The errors vocode_async raises. Every one derives from :class:`VocodeError`::

    VocodeError
    ├── ConfigError                   bad client configuration (no key, insecure URL, ...)
    ├── ClientClosedError             the client was closed before or during the call
    ├── WrongEventLoopError           the client was used from an event loop it does not belong to
    ├── APIConnectionError            no usable HTTP response (refused, reset, ...)
    │   └── APITimeoutError           connect, read or whole-call deadline passed
    ├── APIStatusError                the API answered with an error status
    │   ├── BadRequestError           400
    │   ├── AuthenticationError       401
    │   ├── PermissionDeniedError     403
    │   ├── NotFoundError             404
    │   ├── UnprocessableEntityError  422 (FastAPI ``detail`` list parsed)
    │   ├── RateLimitError            429 (``retry_after``)
    │   ├── InternalServerError       >= 500
    │   └── UnexpectedRedirectError   3xx (redirects are never followed)
    ├── ResponseDecodeError           a 2xx body that is not what the API promises
    │   └── ResponseTooLargeError     a body over the client's size cap
    ├── OutcomeUnknownError           an unsafe operation (calls.create, numbers.buy) failed
    │                                 in a way that leaves its effect unknown
    └── PaginationError               a listing that cannot make progress

No aiohttp, cattrs or JSON exception reaches the caller: the transport and converter
translate them here, raising ``from None`` with sanitized text, so no header (and so no
API key) can leak through ``__cause__`` or ``__context__``. Every text an error carries
(message, ``excerpt``, ``location``, ``detail``, notes) then goes through a
:class:`Redactor` holding the API key and every secret value the request carried.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, quote_plus

import attrs

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigError",
    "InternalServerError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "Redactor",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "UnexpectedRedirectError",
    "UnprocessableEntityError",
    "ValidationIssue",
    "VocodeError",
    "WrongEventLoopError",
    "error_for_status",
]


class VocodeError(Exception):
    """Base class of every error raised by vocode_async."""


class ConfigError(VocodeError):
    """The client was configured in a way that cannot work (missing key, insecure URL)."""


class ClientClosedError(VocodeError):
    """A request was made on, or interrupted by, a closed :class:`AsyncVocode` client.

    ``request_sent``: the request may have reached the server before the close cut it
    (an unsafe operation interrupted so is an :class:`OutcomeUnknownError` instead).
    """

    def __init__(self, message: str, *, request_sent: bool = False) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class WrongEventLoopError(VocodeError):
    """The client was used from an event loop other than the one it first ran in.

    Its connections belong to that loop (often one an earlier ``asyncio.run`` closed); make
    one client per loop, or create it inside the coroutine that ``asyncio.run`` runs.
    """


class APIConnectionError(VocodeError):
    """No usable HTTP response was received.

    ``request_sent`` tells whether the request may have reached the server: ``False`` only
    when the failure provably happened before anything was written (connection refused,
    connect timeout). Unsafe operations are retried only when it is ``False``.
    """

    def __init__(self, message: str, *, method: str, path: str, request_sent: bool) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """A connect, read or whole-call deadline passed."""


@attrs.frozen
class ValidationIssue:
    """One entry of a FastAPI 422 ``detail`` list."""

    loc: tuple[str | int, ...]
    msg: str
    type: str

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.loc)
        return f"{where}: {self.msg}" if where else self.msg


class APIStatusError(VocodeError):
    """The API answered with a non-2xx status.

    Carries ``status``, ``method``, ``path``, the ``request_id`` header if any, and the
    parsed ``detail`` of the body (a string, a list of :class:`ValidationIssue`, or None).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        path: str,
        request_id: str | None = None,
        detail: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path
        self.request_id = request_id
        self.detail = detail
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    """400 Bad Request."""


class AuthenticationError(APIStatusError):
    """401 Unauthorized: the API key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403 Forbidden."""


class NotFoundError(APIStatusError):
    """404 Not Found."""


class UnprocessableEntityError(APIStatusError):
    """422: the API rejected the parameters or body; ``issues`` lists what and where."""

    @property
    def issues(self) -> Sequence[ValidationIssue]:
        """The parsed FastAPI ``detail`` entries (empty if the body had none)."""
        detail = self.detail
        if isinstance(detail, tuple):
            return detail
        return ()


class RateLimitError(APIStatusError):
    """429 Too Many Requests; ``retry_after`` is the server's wait in seconds, if given."""


class InternalServerError(APIStatusError):
    """A 5xx status (including proxy 502/503/504 pages)."""


class UnexpectedRedirectError(APIStatusError):
    """A 3xx answer. Redirects are never followed (the key must not travel elsewhere)."""

    def __init__(self, message: str, *, location: str | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.location = location


class ResponseDecodeError(VocodeError):
    """A successful response whose body is not what the API promises.

    ``path`` names the offending field (``items[3].to_number``) when the JSON parsed but
    did not match the model; ``page`` the page of a listing it was on; ``excerpt`` is a
    short sanitized start of the body; ``request_id`` the answer's request id, if it had one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        content_type: str | None,
        excerpt: str,
        path: str | None = None,
        page: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.content_type = content_type
        self.excerpt = excerpt
        self.path = path
        self.page = page
        self.request_id = request_id


class ResponseTooLargeError(ResponseDecodeError):
    """The body exceeded the client's ``max_response_bytes``; the connection was closed."""


class OutcomeUnknownError(VocodeError):
    """An unsafe operation failed after the request may have been processed.

    ``calls.create`` may have dialled and ``numbers.buy`` may have bought: retrying could do
    it twice, so vocode_async does not. Reconcile by looking the object up (for a call,
    ``client.calls.list(sort_column="start_time", sort_desc=True)`` and match on numbers).
    ``__cause__`` is the failure that left the outcome unknown.
    """

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class PaginationError(VocodeError):
    """A listing could not make progress (``has_more`` with no new items, a repeated page).

    ``page`` is the page number that failed; a new listing can resume from it.
    """

    def __init__(self, message: str, *, page: int) -> None:
        super().__init__(message)
        self.page = page


_STATUS_CLASSES: Mapping[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIStatusError]:
    """The error class for an HTTP status (the table above, 5xx, else the base class)."""
    if status >= 500:
        return InternalServerError
    if 300 <= status < 400:
        return UnexpectedRedirectError
    return _STATUS_CLASSES.get(status, APIStatusError)


def scrub(error: BaseException) -> None:
    """Cut foreign exceptions out of ``error``'s chain (``__cause__``/``__context__``).

    aiohttp's exceptions carry the request (and so the Authorization header), JSON errors
    the body; ``raise ... from None`` only hides them from tracebacks. Our own errors in the
    chain (say, the cause of an OutcomeUnknownError) stay.
    """
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if not isinstance(current.__context__, VocodeError):
            current.__context__ = None
        if not isinstance(current.__cause__, VocodeError):
            current.__cause__ = None
        current = current.__cause__ or current.__context__


REDACTED = "***"


def _forms(value: str) -> Iterable[str]:
    """How a secret can appear in text: as is, JSON-escaped, URL-encoded."""
    yield value
    yield json.dumps(value)[1:-1]
    yield quote(value, safe="")
    yield quote_plus(value, safe="")


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _all_forms(values: Iterable[str]) -> tuple[str, ...]:
    # Longest first, so a secret that contains another is masked whole.
    return tuple(sorted({f for v in values if v for f in _forms(v)}, key=len, reverse=True))


@attrs.frozen
class Redactor:
    """Masks known secret values (the API key, a request's third-party secrets) in text.

    Its repr shows how many secrets it holds, never one of them.
    """

    secrets: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, repr=lambda secrets: f"<{len(secrets)} secrets>"
    )
    values: tuple[str, ...] = attrs.field(init=False, repr=False)
    """Every form of every secret, longest first."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "values", _all_forms(self.secrets))

    def __bool__(self) -> bool:
        return bool(self.values)

    def plus(self, values: Iterable[str]) -> Redactor:
        """This redactor with more secret values."""
        extra = tuple(values)
        return Redactor((*self.secrets, *extra)) if extra else self

    def text(self, text: str) -> str:
        """``text`` with every known secret masked."""
        for value in self.values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text

    def _value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, ValidationIssue):
            return attrs.evolve(
                value,
                loc=self._value(value.loc),
                msg=self.text(value.msg),
                type=self.text(value.type),
            )
        if isinstance(value, tuple):
            return tuple(self._value(item) for item in value)
        return value

    def error(self, error: BaseException) -> None:
        """Mask secrets in every text ``error`` and the errors chained to it carry, in place."""
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            if self.values:
                current.args = tuple(self._value(arg) for arg in current.args)
                for name in ("excerpt", "location", "detail", "path", "request_id"):
                    if hasattr(current, name):
                        setattr(current, name, self._value(getattr(current, name)))
                notes = getattr(current, "__notes__", None)
                if isinstance(notes, list):
                    notes[:] = [
                        self.text(note) if isinstance(note, str) else note for note in notes
                    ]
            current = current.__cause__ or current.__context__
