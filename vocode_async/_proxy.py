"""The proxy a client goes through: parsed once, its credentials kept apart from its URL.

aiohttp quotes the proxy URL in its errors (``ClientHttpProxyError``: ``url='http://user:
pass@host'``); a URL without credentials, the credentials sent as our own
``Proxy-Authorization`` header, leaves it nothing to quote. The credentials (the password,
``user:pass`` and so its base64, which a proxy echoes back) join the secrets the client masks.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import attrs

__all__ = ["Proxy", "parse_proxy"]


@attrs.frozen
class Proxy:
    """A proxy URL without credentials (``url``) and the credentials (``auth``)."""

    url: str
    host: str
    scheme: str
    auth: tuple[str, str] | None = attrs.field(default=None, repr=False)
    """User name and password, percent-decoded."""


def parse_proxy(text: object) -> Proxy | str:
    """The :class:`Proxy` of ``text``, or what is wrong with it (never quoting credentials)."""
    if not isinstance(text, str):
        return f"proxy must be a str URL, got {type(text).__name__}"
    if "://" not in text:
        text = f"http://{text}"  # HTTP_PROXY=host:3128, as curl and requests read it
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or port == -1:
        shown = f"{parts.scheme}://{host}" if host else f"{parts.scheme}://"
        return f"proxy {shown}... is not an http(s) URL with a host and a valid port"
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None:
        netloc += f":{port}"
    auth = None
    if parts.username is not None or parts.password is not None:
        auth = (unquote(parts.username or ""), unquote(parts.password or ""))
    return Proxy(url=f"{parts.scheme}://{netloc}", host=host, scheme=parts.scheme, auth=auth)
