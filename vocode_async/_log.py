"""The ``vocode_async`` logger, and ``VOCODE_LOG=debug|info`` to turn it on without code.

At debug, one line per try (method, path, status, elapsed ms, attempt k of n, request
id); at info, retries (the wait and why), give-ups and the shared Retry-After cooldown's
start and end. Lines name operations and statuses, never an error's text, a header or a
body: no secret can reach a log.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

__all__ = ["configure_from_env", "log"]

log = logging.getLogger("vocode_async")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


class _EnvHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler VOCODE_LOG installs (recognised, so it is installed once)."""


def configure_from_env(environ: Mapping[str, str] = os.environ) -> None:
    """Apply ``VOCODE_LOG`` (``debug`` or ``info``; anything else leaves logging alone)."""
    level = _LEVELS.get(environ.get("VOCODE_LOG", "").strip().lower())
    if level is None:
        return
    log.setLevel(level)
    if not any(isinstance(handler, _EnvHandler) for handler in log.handlers):
        handler = _EnvHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
