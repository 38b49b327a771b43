"""vocode_async: the async-first Python SDK for the Vocode Hosted API."""

from ._client import DEFAULT_BASE_URL, AsyncVocode
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigError,
    InternalServerError,
    NotFoundError,
    OutcomeUnknownError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ResponseTooLargeError,
    UnexpectedRedirectError,
    UnprocessableEntityError,
    ValidationIssue,
    VocodeError,
    WrongEventLoopError,
)
from ._log import configure_from_env
from ._pagination import AsyncPager, PagerStats
from ._raw import RawResponse, raw_response
from ._requester import RequestOptions
from ._retry import RetryPolicy
from ._sync_client import Vocode
from ._syncpager import Pager
from ._types import UNSET, Unset
from ._version import __version__

configure_from_env()

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPager",
    "AsyncVocode",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigError",
    "DEFAULT_BASE_URL",
    "InternalServerError",
    "NotFoundError",
    "OutcomeUnknownError",
    "Pager",
    "PagerStats",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "RequestOptions",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "UNSET",
    "UnexpectedRedirectError",
    "UnprocessableEntityError",
    "Unset",
    "ValidationIssue",
    "Vocode",
    "VocodeError",
    "WrongEventLoopError",
    "__version__",
    "raw_response",
]
