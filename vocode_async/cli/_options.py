"""What every API command shares: key, base URL, --demo, --debug, and running a job."""

from __future__ import annotations

import asyncio
import functools
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, NoReturn, TypeVar

import click

from .._client import DEFAULT_BASE_URL, AsyncVocode, base_url_problem
from .._errors import ConfigError, Redactor, VocodeError
from ..testing import FakeVocodeServer
from ._terminal import inert

__all__ = ["DEMO_CALLS", "CommandError", "Settings", "api_command", "open_client", "run"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
DEMO_CALLS = 10_000
NO_KEY = "no API key: pass --api-key, set VOCODE_API_KEY, or try --demo for the embedded fake"
# The client's errors name its keywords; the command's user knows these options instead.
_OPTION_OF = {
    "pass allow_insecure_http=True": "pass --allow-insecure-http",
    "pass AsyncVocode(api_key=...)": "pass --api-key",
}


class CommandError(Exception):
    """A command refuses or fails on its own terms: one line on stderr, then ``exit_code``."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Settings:
    """The connection options of one command."""

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None,
        demo: bool,
        debug: bool,
        allow_insecure_http: bool = False,
    ) -> None:
        self.api_key, self.base_url, self.demo, self.debug = api_key, base_url, demo, debug
        self.allow_insecure_http = allow_insecure_http

    def __repr__(self) -> str:  # never the key
        return f"Settings(base_url={self.base_url!r}, demo={self.demo})"


def _base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse, as a usage error naming the problem, a base URL no request could use."""
    if value is None:
        return None
    problem = base_url_problem(value)
    if problem is None:
        return value
    if ctx.get_parameter_source("base_url") is click.core.ParameterSource.ENVIRONMENT:
        problem = f"(from $VOCODE_BASE_URL) {problem}"
    raise click.BadParameter(problem)


def api_command(func: F) -> F:
    """Add --api-key, --base-url, --demo, --debug and --allow-insecure-http (``settings``)."""

    @click.option("--api-key", envvar="VOCODE_API_KEY", help="API key (default: $VOCODE_API_KEY).")
    @click.option(
        "--base-url",
        envvar="VOCODE_BASE_URL",
        callback=_base_url,
        help=f"API root, without /v1 (default: $VOCODE_BASE_URL, else {DEFAULT_BASE_URL}).",
    )
    @click.option(
        "--demo",
        is_flag=True,
        help=f"Use an embedded fake Vocode ({DEMO_CALLS:,} calls); no key or base URL.",
    )
    @click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
    @click.option(
        "--allow-insecure-http",
        is_flag=True,
        help="Send the key over plain http to a host other than loopback.",
    )
    @functools.wraps(func)
    def wrapper(
        api_key: str | None,
        base_url: str | None,
        demo: bool,
        debug: bool,
        allow_insecure_http: bool,
        **kwargs: Any,
    ) -> Any:
        source = click.get_current_context().get_parameter_source("base_url")
        if demo and source is click.core.ParameterSource.COMMANDLINE:
            raise click.UsageError("--demo serves an embedded fake: drop --base-url or --demo")
        if not demo and not api_key:
            raise click.UsageError(NO_KEY)
        settings = Settings(api_key, base_url, demo, debug, allow_insecure_http)
        return func(settings=settings, **kwargs)

    return wrapper  # type: ignore[return-value]


@asynccontextmanager
async def open_client(settings: Settings) -> AsyncIterator[AsyncVocode]:
    """A client of the real API, or of an embedded fake with ``--demo``."""
    if not settings.demo:
        async with AsyncVocode(
            api_key=settings.api_key,
            base_url=settings.base_url,
            allow_insecure_http=settings.allow_insecure_http,
        ) as client:
            yield client
        return
    fake = FakeVocodeServer(api_key="demo-key", calls=DEMO_CALLS, seed=0)
    async with fake as server, server.client() as client:
        yield client


def run(
    settings: Settings | None,
    job: Callable[[], Awaitable[T]],
    *,
    hint: Callable[[], str | None] = lambda: None,
) -> T:
    """Run a job; our errors become one line on stderr and the documented exit codes.

    0 ok, 1 API or network error, 2 usage or configuration error, 130 interrupted.
    ``hint`` may add a line after a failure or an interruption (how to resume).
    """
    debug = settings is not None and settings.debug
    key = settings.api_key if settings is not None else None
    try:
        return asyncio.run(job())  # type: ignore[arg-type]
    except CommandError as exc:
        _fail(exc, exc.exit_code, debug, key=key)
    except ConfigError as exc:
        _fail(_for_the_command(exc), 2, debug, key=key)
    except ValueError as exc:  # a bad id: a usage error
        _fail(exc, 2, debug, key=key)
    except VocodeError as exc:
        _fail(exc, 1, debug, hint(), key=key)
    except KeyboardInterrupt:
        _say("interrupted", hint())
        sys.exit(130)
    except BrokenPipeError:  # `| head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except OSError as exc:  # a file we were told to write
        _fail(exc, 1, debug)


def _for_the_command(exc: ConfigError) -> ConfigError:
    """The client's configuration error, worded with this command's options."""
    text = str(exc)
    for keyword, option in _OPTION_OF.items():
        text = text.replace(keyword, option)
    return exc if text == str(exc) else ConfigError(text)


def _say(line: str, hint: str | None) -> None:
    click.echo(line if hint is None else f"{line}; {hint}", err=True)


def _fail(
    exc: BaseException, code: int, debug: bool, hint: str | None = None, *, key: str | None = None
) -> NoReturn:
    if debug:
        import traceback

        click.echo(inert("".join(traceback.format_exception(exc))), err=True, nl=False)
    line = " ".join(str(exc).split())  # one line, whatever the server said
    if key and isinstance(key, str):  # the SDK already masks it; a second lock on this door
        line = Redactor((key,)).text(line)
    _say("error: " + inert(line), hint)
    sys.exit(code)
