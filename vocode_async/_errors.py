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

import base64
import bisect
import functools
import html
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

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
    """Base class of every error raised by vocode_async.

    ``give_up_reason``: set when the failure was one the client retries but it stopped
    retrying: ``"retries exhausted"`` (``max_retries``), ``"retry budget exhausted"`` (the
    client-wide storm budget; the message says so too), ``"Retry-After over
    max_retry_after"``, ``"Retry-After past the call's deadline"`` or ``"the call's
    deadline comes first"``. None when the failure is never retried (a 404, say).
    """

    give_up_reason: str | None = None


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

    ``field_path`` names the offending field (``items[3].to_number``) when the JSON parsed
    but did not match the model; ``page`` the page of a listing it was on; ``excerpt`` is a
    short sanitized start of the body; ``request_id`` the answer's request id, if it had one.
    (``path``, a URL path on the other errors, is a deprecated alias of ``field_path`` here.)
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        content_type: str | None,
        excerpt: str,
        field_path: str | None = None,
        page: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.content_type = content_type
        self.excerpt = excerpt
        self.field_path = field_path
        self.page = page
        self.request_id = request_id

    @property
    def path(self) -> str | None:
        """Deprecated: :attr:`field_path` (on the other errors ``path`` is the URL path)."""
        _path_deprecated()
        return self.field_path

    @path.setter
    def path(self, value: str | None) -> None:
        _path_deprecated()
        self.field_path = value


def _path_deprecated() -> None:
    warnings.warn(
        "ResponseDecodeError.path is deprecated: use field_path (path is a URL path on "
        "the other errors)",
        DeprecationWarning,
        stacklevel=3,
    )


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
_MIN_BASE64 = 6  # a shorter fragment of a short secret would mask innocent text
_DEPTH = 4  # decodings of a decoded text (\u0025 + "2F" is "%2F", then "/"), at most
_URLSAFE = str.maketrans("+/", "-_")
# One escaped character, in the ways a server writes one: JSON (a backslash run allows a
# JSON string nested in another: \\u0026, \\\/), percent-encoding (once or twice: %2F,
# %252F), HTML character references as HTML5 reads them (``html.unescape``: any number of
# digits, the semicolon optional, every named reference). A bare backslash run reads as
# one backslash.
_ESCAPE = re.compile(
    r"\\+(?:u([0-9a-fA-F]{4})|([\"/bfnrt]))?"
    r"|((?:%(?:25)?[0-9a-fA-F]{2})+)"
    r"|&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));?"
    r"|&([A-Za-z][A-Za-z0-9]{0,31};?)"
)
_ESCAPED = re.compile(r"[\\%&]")
_SHORT = {'"': '"', "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_PERCENT = re.compile(r"%(?:25)?([0-9a-fA-F]{2})")
# Base64 as MIME (RFC 2045) and PEM write it: in lines, which a match reads through.
# Only blanks around a line break go: a text with spaces alone is read as it is.
_BREAK = re.compile(r"[\r\n][ \t\r\n]*")
# A secret in a body some other way encoded, read as UTF-8 or Latin-1 (or JSON-escaped
# code units, ``\u0073\u0000``): one character, then NUL bytes.
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
# A secret echoed by a legacy server or proxy in a single-byte encoding: as raw bytes read
# as UTF-8 with replacement (the body) or percent-encoded (decoded as undecodable bytes).
_LEGACY = ("latin-1", "cp1252")
# A partial echo (a server or aiohttp cutting a message short, a prefix of the key): any run
# of _PART or more characters of a secret of at least _PARTIAL characters is masked.
_PART = 8
_PARTIAL = 12


def _base64_forms(secret: str) -> Iterator[str]:
    """Every base64 stretch that encodes ``secret`` alone (in UTF-8 or UTF-16), wherever
    it sits in a longer encoded value (``Basic base64(user:pass)``, ``base64("Bearer " +
    key)``): one per alignment, in the standard and the URL-safe alphabet."""
    for codec in ("utf-8", "utf-16-le", "utf-16-be"):
        data = secret.encode(codec, "surrogatepass")
        for offset, skip in ((0, 0), (1, 2), (2, 3)):
            encoded = base64.b64encode(bytes(offset) + data).decode()
            # Only the characters whose six bits all come from the secret.
            fragment = encoded[skip : (8 * (offset + len(data))) // 6]
            if len(fragment) >= _MIN_BASE64:
                yield fragment
                yield fragment.translate(_URLSAFE)


def _legacy_forms(secret: str) -> Iterator[str]:
    """A non-ASCII secret in a single-byte encoding, as our decoders read it back."""
    if secret.isascii():
        return
    for codec in _LEGACY:
        try:
            data = secret.encode(codec)
        except UnicodeEncodeError:
            continue
        yield data.decode("utf-8", "surrogateescape")  # percent-encoded, decoded
        yield data.decode("utf-8", "replace")  # raw, in a body read with replacement


def _wide_forms(secret: str) -> Iterator[str]:
    for codec in _WIDE:
        yield secret.encode(codec, "surrogatepass").decode("latin-1")


def _pattern(forms: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for ``forms``, longest first (a secret that contains another is masked
    whole)."""
    unique = {form for form in forms if form}
    if not unique:
        return None
    return re.compile("|".join(map(re.escape, sorted(unique, key=len, reverse=True))))


@functools.lru_cache(maxsize=64)
def _literals(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """Every literal form of every secret: the secret, ``+`` for its spaces, the secret
    decoded (one holding "%41" is "A" in a decoded text), in UTF-16/32, its base64."""
    return _pattern(
        form
        for secret in secrets
        for form in (
            secret,
            secret.replace(" ", "+"),
            _decoded(secret),
            *_wide_forms(secret),
            *_legacy_forms(secret),
            *_base64_forms(secret),
        )
    )


@attrs.frozen
class _Parts:
    """Every ``_PART``-character stretch of every long secret's plain forms."""

    windows: frozenset[str]
    first: re.Pattern[str]
    """Finds the first stretch in a run of the secrets' characters."""
    runs: re.Pattern[str]
    """The runs of ``_PART`` or more of the secrets' characters, in any text."""
    table: bytes
    """Maps a Latin-1 byte to ``a`` if it is one of the secrets' characters, else to a space:
    a much faster first pass (``bytes.find``) on the texts Latin-1 holds."""

    def runs_in(self, text: str) -> Iterator[tuple[int, int]]:
        try:
            data = text.encode("latin-1").translate(self.table)
        except UnicodeEncodeError:
            yield from (run.span() for run in self.runs.finditer(text))
            return
        at = 0
        while (start := data.find(_RUN, at)) >= 0:
            end = data.find(b" ", start + _PART)
            at = len(data) if end < 0 else end
            yield start, at


_RUN = b"a" * _PART


@functools.lru_cache(maxsize=64)
def _parts(secrets: tuple[str, ...]) -> _Parts | None:
    windows = {
        form[at : at + _PART]
        for secret in secrets
        if len(secret) >= _PARTIAL
        for form in (secret, secret.replace(" ", "+"), _decoded(secret), *_legacy_forms(secret))
        for at in range(len(form) - _PART + 1)
    }
    first = _pattern(windows)
    if first is None:
        return None
    chars = set("".join(windows))
    table = bytes(0x61 if chr(byte) in chars else 0x20 for byte in range(256))
    runs = re.compile(f"[{''.join(map(re.escape, sorted(chars)))}]{{{_PART},}}")
    return _Parts(frozenset(windows), first, runs, table)


def _partial(parts: _Parts | None, text: str) -> Iterator[tuple[int, int]]:
    """Maximal runs of ``text`` covered by a secret's stretches (a part of a secret): found
    within the runs of the secrets' characters, a cheap first pass."""
    if parts is None:
        return
    for at, stop in parts.runs_in(text):
        while (match := parts.first.search(text, at, stop)) is not None:
            end = match.end()
            while end < stop and text[end + 1 - _PART : end + 1] in parts.windows:
                end += 1
            yield match.start(), end
            at = end


@functools.lru_cache(maxsize=64)
def _base64s(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """The base64 forms alone, matched again in a text read without its line breaks."""
    return _pattern(form for secret in secrets for form in _base64_forms(secret))


def _decoded(text: str) -> str:
    for _ in range(_DEPTH):
        decoded = _Decoded(text).text
        if decoded == text:
            break
        text = decoded
    return text


def _reference(decimal: str | None, hexa: str | None, name: str | None) -> str | None:
    """The text an HTML character reference stands for, as ``html.unescape`` reads it."""
    if name is not None:
        text = html.unescape("&" + name)
        return None if text == "&" + name else text
    digits = (decimal or hexa or "").lstrip("0") or "0"
    if len(digits) > 8:  # past any code point (and int()'s digit limit): U+FFFD
        return "\ufffd"
    return html.unescape(f"&#{digits};" if decimal else f"&#x{digits};")


def _unescape(match: re.Match[str]) -> str | None:
    """The text one escape stands for (None: not an escape)."""
    code, short, percent, decimal, hexa, name = match.groups()
    if code:
        return chr(int(code, 16))
    if short:
        return _SHORT[short]
    if percent:  # a run of them: UTF-8 sequences span several
        data = bytes(int(pair, 16) for pair in _PERCENT.findall(percent))
        return data.decode("utf-8", "surrogateescape")
    if decimal or hexa or name:
        return _reference(decimal, hexa, name)
    return "\\"


class _Map:
    """A text derived from an original one, mapping each derived stretch back.

    ``pieces`` are ``(derived start, original start, original end, escaped)``: a literal
    run maps one to one, an escape (a run of percent-escapes) to its whole original span,
    so a secret found partly inside one masks all of it.
    """

    text: str
    pieces: list[tuple[int, int, int, bool]]
    starts: list[int]

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the derived span ``[start, end)``."""
        first = self.pieces[bisect.bisect_right(self.starts, start) - 1]
        last = self.pieces[bisect.bisect_right(self.starts, end - 1) - 1]
        begin = first[1] + (start - first[0] if not first[3] else 0)
        finish = last[2] if last[3] else last[1] + (end - last[0])
        return begin, finish


class _Unbroken(_Map):
    """``text`` without its line breaks and the blanks around them (base64 written in
    lines, read whole)."""

    def __init__(self, text: str) -> None:
        self.pieces, self.starts, at = [], [], 0
        parts: list[str] = []
        for brk in _BREAK.finditer(text):
            line = text[at : brk.start()].rstrip(" \t")
            self._add(parts, at, line)
            at = brk.end()
        self._add(parts, at, text[at:])
        self.text = "".join(parts)

    def _add(self, parts: list[str], at: int, line: str) -> None:
        if line:
            start = self.pieces[-1][0] + len(parts[-1]) if parts else 0
            self.pieces.append((start, at, at + len(line), False))
            self.starts.append(start)
            parts.append(line)


class _Decoded(_Map):
    """``text`` with its escapes decoded (one pass)."""

    def __init__(self, text: str) -> None:
        parts: list[str] = []
        pieces: list[tuple[int, int, int, bool]] = []
        at = length = 0
        for match in _ESCAPE.finditer(text):
            char = _unescape(match)
            if char is None:
                continue
            if match.start() > at:
                pieces.append((length, at, match.start(), False))
                parts.append(text[at : match.start()])
                length += match.start() - at
            if not self._pair(parts, pieces, char, match):
                pieces.append((length, match.start(), match.end(), True))
                parts.append(char)
                length += len(char)
            at = match.end()
        if at < len(text):
            pieces.append((length, at, len(text), False))
            parts.append(text[at:])
        self.text = "".join(parts)
        self.pieces = pieces
        self.starts = [piece[0] for piece in pieces]

    @staticmethod
    def _pair(
        parts: list[str], pieces: list[tuple[int, int, int, bool]], char: str, match: re.Match[str]
    ) -> bool:
        """Join a JSON-escaped low surrogate to the high one just before it (one character)."""
        if not ("\udc00" <= char <= "\udfff" and pieces and pieces[-1][3]):
            return False
        before = parts[-1]
        if pieces[-1][2] != match.start() or not "\ud800" <= before <= "\udbff":
            return False
        parts[-1] = chr(0x10000 + ((ord(before) - 0xD800) << 10) + ord(char) - 0xDC00)
        start = pieces[-1]
        pieces[-1] = (start[0], start[1], match.end(), True)
        return True


def _back(chain: Sequence[_Map], span: tuple[int, int]) -> tuple[int, int]:
    """``span`` of the last text of ``chain``, as a span of the first's original."""
    for view in reversed(chain):
        span = view.original(*span)
    return span


def _found(
    pattern: re.Pattern[str] | None, text: str, chain: Sequence[_Map]
) -> Iterator[tuple[int, int]]:
    if pattern is not None:
        for match in pattern.finditer(text):
            yield _back(chain, match.span())


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    out, at = [], 0
    for start, end in sorted(spans):
        if end <= at:
            continue
        out.append(text[at : max(at, start)])
        if start >= at:
            out.append(REDACTED)
        at = end
    out.append(text[at:])
    return "".join(out)


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class Redactor:
    """Masks known secret values (the API key, a request's third-party secrets) in text.

    A secret is masked in every spelling a server may echo it in: literally, with any of its
    characters JSON-escaped (``\\/``, ``\\u0026``; also inside a JSON string nested in
    another), percent-encoded, as an HTML character reference (named, numeric with any
    number of digits, with or without the semicolon), any of these inside another
    (``\\u0025`` + ``2F``: decoded again until nothing changes, a few times at most), in
    UTF-16 or UTF-32, or base64-encoded (alone or inside a longer encoded value, as in
    ``Authorization: Basic``; also written in lines, and of its UTF-16), in Latin-1 or
    cp1252 (raw or percent-encoded). Any run of 8 or more characters of a secret of 12 or
    more (a secret cut short, a prefix of it) is masked as well, in the text and in its
    decodings. Its repr shows how many secrets it holds, never one of them.
    """

    secrets: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, repr=lambda secrets: f"<{len(secrets)} secrets>"
    )
    values: tuple[str, ...] = attrs.field(init=False, repr=False)
    """The secrets themselves (empty ones left out), longest first."""
    longest: int = attrs.field(init=False, repr=False)
    """An upper bound on the length of one spelling of one secret."""

    def __attrs_post_init__(self) -> None:
        values = tuple(sorted({v for v in self.secrets if v}, key=len, reverse=True))
        object.__setattr__(self, "values", values)
        # Percent-encoded twice, a four-byte character takes 20 characters.
        object.__setattr__(self, "longest", 20 * max(map(len, values), default=0))

    def __bool__(self) -> bool:
        return bool(self.values)

    def plus(self, values: Iterable[str]) -> Redactor:
        """This redactor with more secret values."""
        extra = tuple(values)
        return Redactor((*self.secrets, *extra)) if extra else self

    def text(self, text: str) -> str:
        """``text`` with every spelling of every known secret masked."""
        literals = _literals(self.values)
        if literals is None:
            return text
        text = literals.sub(REDACTED, text)
        base64s = _base64s(self.values)
        parts = _parts(self.values)
        spans: list[tuple[int, int]] = []
        chain: list[_Map] = []
        current = text
        for depth in range(_DEPTH + 1):
            if depth:  # decode again, until nothing changes
                if not _ESCAPED.search(current):
                    break
                decoded = _Decoded(current)
                if decoded.text == current:
                    break
                chain.append(decoded)
                current = decoded.text
                spans += _found(literals, current, chain)
            spans += (_back(chain, span) for span in _partial(parts, current))
            if base64s is not None and ("\n" in current or "\r" in current):
                unbroken = _Unbroken(current)
                spans += _found(base64s, unbroken.text, [*chain, unbroken])
        return _masked(text, spans) if spans else text

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
                attributes = vars(current)  # what the error holds (no deprecated alias)
                for name in ("excerpt", "location", "detail", "path", "field_path", "request_id"):
                    if name in attributes:
                        attributes[name] = self._value(attributes[name])
                notes = getattr(current, "__notes__", None)
                if isinstance(notes, list):
                    notes[:] = [
                        self.text(note) if isinstance(note, str) else note for note in notes
                    ]
            current = current.__cause__ or current.__context__
