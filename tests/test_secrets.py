"""Secrets a hostile server echoes back never appear in an error: the API key and the
request's own secrets, in any spelling (UTF-16, HTML references, base64 in lines or of
UTF-16, Latin-1, percent-encoded), cut short by aiohttp, or past the excerpt's window.

Byte-level answers from a raw server on 127.0.0.1 (``tests/rawserver.py``); every text of
the error and its chain is searched. (Moved here from the outside reviews' files; more
secret tests: ``test_secret_input.py``, ``test_hostile.py``.)
"""

from __future__ import annotations

import base64
import urllib.parse

import orjson
import pytest

from vocode_async import AsyncVocode, BadRequestError, ResponseDecodeError, RetryPolicy, VocodeError

from .rawserver import everything, http_answer, raw_server

SECRET = "sk-canary_7f3c9e1d.do:not/leak"


async def _error_text(answer: bytes) -> str:
    async with raw_server(answer) as url:
        retry = RetryPolicy(max_retries=0)
        async with AsyncVocode(api_key=SECRET, base_url=url, retry_policy=retry) as client:
            with pytest.raises(VocodeError) as caught:
                await client.calls.get("abc")
    return everything(caught.value)


async def test_a_key_cut_short_by_aiohttp_is_not_shown() -> None:
    line = f"HTTP/1.1 200 {'B' * 75}{SECRET}{'B' * 9000}\r\n\r\n".encode()
    text = await _error_text(line)
    assert SECRET[:20] not in text


async def test_a_key_spelled_past_the_excerpt_window_is_not_shown() -> None:
    body = f"x {SECRET[:-1]}&#{'0' * 6000}{ord(SECRET[-1])};".encode()
    text = await _error_text(http_answer(200, body))
    assert SECRET[:-1] not in text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
async def test_base64_of_a_utf16_key_is_masked(codec: str) -> None:
    echoed = base64.b64encode(SECRET.encode(codec)).decode()
    body = orjson.dumps({"detail": f"bad key {echoed}"})
    text = await _error_text(http_answer(400, body))
    assert echoed not in text


async def test_a_secret_with_both_quotes_echoed_in_a_location_is_masked() -> None:
    password = 'it\'s my "pw" 7f3c9e1d'
    answer = f"HTTP/1.1 302 Found\r\nLocation: /login?pw={password}\r\nContent-Length: 0\r\n\r\n"
    async with raw_server(answer.encode()) as url:
        retry = RetryPolicy(max_retries=0)
        async with AsyncVocode(api_key=SECRET, base_url=url, retry_policy=retry) as client:
            with pytest.raises(VocodeError) as caught:
                await client.request("POST", "/v1/x", json={"password": password}, unsafe=False)
    assert "7f3c9e1d" not in everything(caught.value)


@pytest.mark.parametrize("form", ["percent-latin-1", "raw-latin-1"])
async def test_a_non_ascii_secret_echoed_in_latin_1_is_masked(form: str) -> None:
    password = "pässwörd-7f3c9e1d"
    echoed = (
        urllib.parse.quote(password, encoding="latin-1").encode()
        if form == "percent-latin-1"
        else password.encode("latin-1")
    )
    body = b'{"detail": "wrong password ' + echoed + b'"}'
    async with raw_server(http_answer(400, body)) as url:
        retry = RetryPolicy(max_retries=0)
        async with AsyncVocode(api_key=SECRET, base_url=url, retry_policy=retry) as client:
            with pytest.raises(VocodeError) as caught:
                await client.request("POST", "/v1/x", json={"password": password}, unsafe=False)
    assert "7f3c9e1d" not in everything(caught.value)


async def test_a_utf16_echo_of_the_key_is_not_readable_in_the_excerpt() -> None:
    body = orjson.dumps({"echo": SECRET}).decode().encode("utf-16-le")
    async with raw_server(http_answer(200, body, "application/json; charset=utf-16")) as url:
        client = AsyncVocode(SECRET, base_url=url, max_retries=0)
        try:
            with pytest.raises(ResponseDecodeError) as caught:
                await client.calls.get("3e70f16a-5548-4822-9e1b-372ad3fbf47a")
        finally:
            await client.close()
    text = everything(caught.value).replace("?", "").replace("\\x00", "")
    assert SECRET not in text


def _mime_base64(data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return "\n".join(encoded[i : i + 20] for i in range(0, len(encoded), 20))


ECHOES = {
    # HTML5 named character references: &lowbar; is "_", &period; ".", &colon; ":", &sol; "/"
    "html_named": SECRET.replace("_", "&lowbar;")
    .replace(".", "&period;")
    .replace(":", "&colon;")
    .replace("/", "&sol;"),
    # numeric references with leading zeros (valid HTML: any number of digits)
    "html_zero_padded": "".join(f"&#x{ord(c):08x};" for c in SECRET),
    # base64 as MIME writes it, in lines (RFC 2045): the key spans a line break
    "base64_in_lines": _mime_base64(b'{"echo": "xx' + SECRET.encode() + b'"}'),
}


def _decoded(form: str, echo: str) -> str:
    import html

    if form == "base64_in_lines":
        return base64.b64decode(echo.replace("\n", "")).decode()
    return html.unescape(echo)


@pytest.mark.parametrize("form", sorted(ECHOES))
async def test_every_html_and_base64_spelling_of_the_key_is_masked(form: str) -> None:
    echo = ECHOES[form]
    assert SECRET in _decoded(form, echo)  # the echo does spell the key
    body = orjson.dumps({"detail": "bad key: " + echo})
    async with (
        raw_server(http_answer(400, body, "application/json")) as url,
        AsyncVocode(SECRET, base_url=url, max_retries=0) as client,
    ):
        with pytest.raises(BadRequestError) as caught:
            await client.calls.get("3e70f16a-5548-4822-9e1b-372ad3fbf47a")
    assert echo not in everything(caught.value)
