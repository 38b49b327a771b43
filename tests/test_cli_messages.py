"""The command's mistakes a newcomer makes first: each is one clear line and a documented code.

Exit codes (README, ``vocode-async --help``): 1 API or network error, 2 usage or
configuration error. A message names what was wrong in the command's own terms (options,
not the library's keywords) and never comes with a traceback unless ``--debug``.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from vocode_async.cli import main
from vocode_async.models import CallStatus, EventType
from vocode_async.testing import FakeVocodeServer


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"VOCODE_API_KEY": "", "VOCODE_BASE_URL": ""})


def one_error(result: Result, code: int) -> str:
    """The one error line of a failed command (click's usage lines around it aside)."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1, result.output
    return errors[0]


def test_serve_port_out_of_range_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vocode_async.cli", "serve", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "'--port': 70000 is not in the range 0<=x<=65535" in done.stderr


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://127.0.0.1:8080/v1", "leave out /v1 (every path adds it): http://127.0.0.1:8080"),
        ("https://api.vocode.dev/v1/", "leave out /v1"),
        ("http://127.0.0.1:99999", "the port must be 0 to 65535"),
        ("ftp://example.com", "is not an http(s) URL with a host"),
    ],
)
def test_a_base_url_no_request_could_use_is_a_usage_error(base_url: str, expected: str) -> None:
    line = one_error(invoke("usage", "--api-key", "k", "--base-url", base_url), 2)
    assert "--base-url" in line and expected in line


def test_a_base_url_from_the_environment_is_checked_too() -> None:
    result = CliRunner().invoke(
        main, ["usage"], env={"VOCODE_API_KEY": "k", "VOCODE_BASE_URL": "http://h:1/v1"}
    )
    assert "(from $VOCODE_BASE_URL) 'http://h:1/v1': leave out /v1" in one_error(result, 2)


def test_plain_http_names_the_commands_option() -> None:
    line = one_error(invoke("usage", "--api-key", "k", "--base-url", "http://api.example.com"), 2)
    assert "--allow-insecure-http" in line and "allow_insecure_http=True" not in line


def test_allow_insecure_http_reaches_the_client() -> None:
    """With the option the key may go over http: the command tries, and fails on the network."""
    result = invoke(
        "usage",
        "--api-key",
        "key-of-the-test",
        "--base-url",
        "http://unresolvable.invalid",
        "--allow-insecure-http",
    )
    line = one_error(result, 1)
    assert "could not connect" in line and "insecure" not in line


def test_demo_with_a_base_url_is_refused() -> None:
    line = one_error(invoke("usage", "--demo", "--base-url", "https://api.vocode.dev"), 2)
    assert "--demo serves an embedded fake: drop --base-url or --demo" in line


def test_export_into_a_missing_directory_names_the_target(tmp_path: Path) -> None:
    out = tmp_path / "nope" / "calls.jsonl"
    line = one_error(invoke("calls", "export", "--demo", "--out", str(out)), 2)
    assert f"cannot write {out}: directory {out.parent} does not exist" in line
    assert ".part" not in line
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_leaves_no_empty_part_file(tmp_path: Path) -> None:
    server = FakeVocodeServer(api_key="right", calls=10)
    out = tmp_path / "calls.jsonl"
    with server.in_thread():
        result = invoke(
            "calls", "export", "--out", str(out), "--api-key", "wrong", "--base-url", server.url
        )
    assert "401" in one_error(result, 1)
    assert list(tmp_path.iterdir()) == []  # neither calls.jsonl nor calls.jsonl.part


def test_a_fault_with_a_bad_value_names_the_option() -> None:
    line = one_error(invoke("serve", "--fault", "status:status=abc"), 2)
    assert "bad value for fault option 'status': 'abc'" in line


def test_help_is_not_cut_and_names_the_environment() -> None:
    top = invoke("--help").output
    calls = invoke("calls", "--help").output
    for text in (top, calls):  # click cuts a description too long for its line with "..."
        commands = text.split("Commands:")[1].splitlines()
        assert not [line for line in commands if line.endswith("...")], text
    assert "Serve the fake Vocode API" in top
    assert "Export every call to JSON Lines or CSV." in calls
    usage = " ".join(invoke("usage", "--help").output.split())
    assert "$VOCODE_BASE_URL, else https://api.vocode.dev" in usage
    assert "--allow-insecure-http" in usage


def without_click(code: str = "") -> subprocess.CompletedProcess[str]:
    """The installed command, as it runs where click is not installed."""
    code = (
        f"import sys; sys.modules['click'] = None\n{code}\nfrom vocode_async.cli import console\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code + "console()"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_the_cli_extra_the_command_says_how_to_install_it() -> None:
    """From an index, from the clone it was installed from (this one, editable), or the
    extra's packages alone: not on an index yet, the first alone would fail."""
    done = without_click()
    repo = Path(__file__).resolve().parents[1]
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "vocode-async: the command line needs click, from the package's cli extra; install it:",
        "  pip install 'vocode-async[cli]'  # from a package index",
        f"  pip install -e '{repo}[cli]'  # the clone it was installed from",
        "  pip install 'click>=8.2' 'rich>=13'  # or only the extra's packages",
    ]


def test_the_install_hint_without_a_clone_names_one_and_the_extras_packages() -> None:
    """Installed from a wheel (no clone known): ``.[cli]`` in a clone; the packages are
    the extra's, as pyproject.toml declares them."""
    done = without_click("import importlib.metadata as m; m.distribution = None")
    assert done.returncode == 2, done.stderr
    assert "  pip install -e '.[cli]'  # in a clone of the repository" in done.stderr
    declared = importlib.metadata.requires("vocode-async") or []  # pyproject.toml's
    cli = [r.split(";")[0] for r in declared if r.replace('"', "'").endswith("extra == 'cli'")]
    packages = " ".join(f"'{p}'" for p in cli)
    assert len(cli) == 2, declared
    assert f"  pip install {packages}  # or only the extra's packages" in done.stderr


def test_enums_print_their_value() -> None:
    assert str(CallStatus.ENDED) == "ended" and f"{CallStatus.ENDED}" == "ended"
    assert f"{EventType.PHONE_CALL_ENDED:>20}".strip() == EventType.PHONE_CALL_ENDED.value
    assert CallStatus.ENDED == "ended" and repr(CallStatus.ENDED) == "<CallStatus.ENDED: 'ended'>"
