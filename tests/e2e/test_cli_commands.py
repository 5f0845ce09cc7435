"""``helicone chat``, ``demo``, ``gateway``, ``feedback`` and ``score``, run as a user would."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from helicone_core.testing import LocalGateway

HeliconeCLI = Callable[..., subprocess.CompletedProcess[str]]

ID_LINE = re.compile(r"helicone-id: ([0-9a-f-]{36})  cache: (HIT|MISS|off)")


def gateway_env(gw: LocalGateway) -> dict[str, str]:
    return {
        "HELICONE_API_KEY": gw.api_key,
        "HELICONE_API_BASE": gw.url,
        "HELICONE_REST_BASE": gw.rest_url,
    }


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_chat_prints_reply_id_and_cache(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway, stream: bool
) -> None:
    stream_flag = ["--stream"] if stream else []
    args = ["chat", *stream_flag, "--user", "u-1", "--session", "s-1", "--property", "Team=search"]
    result = helicone_cli(*args, "hello", **gateway_env(helicone_gateway))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Echo: hello"
    match = ID_LINE.fullmatch(lines[1])
    assert match, lines
    (request,) = helicone_gateway.requests
    assert request.helicone_id == match.group(1)
    assert request.json.get("stream", False) is stream
    assert request.headers["Helicone-User-Id"] == "u-1"
    assert request.headers["Helicone-Session-Id"] == "s-1"
    assert request.headers["Helicone-Property-Team"] == "search"


def test_chat_streams_pieces_as_they_arrive(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway
) -> None:
    result = helicone_cli("chat", "--stream", "count to 5", **gateway_env(helicone_gateway))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "1 2 3 4 5"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["chat", "--adapter", "nope", "hi"], "--adapter: no adapter named 'nope'"),
        (["chat", "--property", "novalue", "hi"], "--property: expected K=V"),
        (["chat", "--user", "bad\tuser ", "hi"], "user_id:"),
        (["score", str(uuid.uuid4()), "accuracy=high"], "is not a number"),
        (["feedback", "not-a-uuid", "--rating", "good"], "request_id:"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway, args: list[str], message: str
) -> None:
    result = helicone_cli(*args, **gateway_env(helicone_gateway))
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert helicone_gateway.requests == []


def test_chat_without_a_key_says_how_to_set_one(helicone_cli: HeliconeCLI) -> None:
    result = helicone_cli("chat", "hi")
    assert result.returncode == 2
    assert "HELICONE_API_KEY" in result.stderr


def test_runtime_failures_are_one_line_exit_1_without_the_key(
    helicone_cli: HeliconeCLI,
    helicone_gateway: LocalGateway,
) -> None:
    env = gateway_env(helicone_gateway) | {"HELICONE_API_KEY": "sk-helicone-wrong-key-123"}
    result = helicone_cli("chat", "hi", **env)
    assert result.returncode == 1
    assert "AuthenticationError" in result.stderr
    assert "sk-helicone-wrong-key-123" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_feedback_and_score_reach_the_rest_api(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway
) -> None:
    env = gateway_env(helicone_gateway)
    chat = helicone_cli("chat", "hi", **env)
    request_id = ID_LINE.search(chat.stdout).group(1)  # type: ignore[union-attr]
    feedback = helicone_cli("feedback", request_id, "--rating", "bad", **env)
    assert feedback.returncode == 0, feedback.stderr
    score = helicone_cli("score", request_id, "accuracy=92", "helpful=true", "latency=0.5", **env)
    assert score.returncode == 0, score.stderr
    assert helicone_gateway.feedback[request_id] is False
    assert helicone_gateway.scores[request_id] == {"accuracy": 92, "helpful": True, "latency": 0.5}


def test_feedback_for_an_unknown_request_fails_clearly(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway
) -> None:
    result = helicone_cli(
        "feedback", str(uuid.uuid4()), "--rating", "good", **gateway_env(helicone_gateway)
    )
    assert result.returncode == 1
    assert "Helicone API error 404" in result.stderr


def test_demo_runs_every_adapter_offline_without_a_key(helicone_cli: HeliconeCLI) -> None:
    result = helicone_cli("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "running offline against a local Helicone gateway" in out
    for label in ("sync", "async", "stream", "tool"):
        assert re.search(rf"^  {label} +'", out, re.MULTILINE), label
    assert "tool call multiply(a=6, b=7) -> 42" in out
    assert "cache: MISS" in out
    assert "cache: HIT" in out
    assert "Feedback: rated" in out
    assert "Authorization: **********" in out
    assert "Helicone-User-Id: demo-user" in out


def test_demo_with_a_key_says_it_uses_that_gateway(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway
) -> None:
    result = helicone_cli("demo", **gateway_env(helicone_gateway))
    assert result.returncode == 0, result.stderr
    assert (
        f"HELICONE_API_KEY is set: running against the real gateway at {helicone_gateway.url}"
        in result.stdout
    )
    assert helicone_gateway.api_key not in result.stdout
    assert len(helicone_gateway.requests) >= 6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_gateway_command_serves_until_interrupted() -> None:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELICONE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "helicone_core.cli", "gateway", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/v1/models",
                    headers={"Authorization": "Bearer sk-helicone-local"},
                    timeout=2,
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.1)
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"http://127.0.0.1:{port}/v1" in out
