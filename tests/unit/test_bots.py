"""What the bots share (agent/surfaces/bots/common.py) and how they start: command options, memory
namespaces, reply wording, and ``limner bot …`` without its tokens. The platforms themselves:
test_bots_slack.py and test_bots_discord.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.surfaces.bots.common import (
    Reply, discord_namespace, error_text, fit, make_request, parse_command, reply_for, slack_namespace,
)
from agent.errors import InputError
from agent.request import build_request
from agent.surfaces.service import Busy, Job

LIMNER = str(Path(sys.executable).with_name("limner"))


def test_leading_options_are_options_and_the_rest_is_the_prompt() -> None:
    assert parse_command("n=2 size=768x512 seed=7 a fox\nreading a map") == (
        "a fox\nreading a map", {"n": 2, "size": "768x512", "seed": 7})
    assert parse_command("  three images of a fox  ") == ("three images of a fox", {})
    assert parse_command("e=mc2 on a blackboard, n=2") == ("e=mc2 on a blackboard, n=2", {})
    assert parse_command("N=3") == ("", {"n": 3})
    with pytest.raises(InputError, match="n is given twice"):
        parse_command("n=2 n=3 a fox")
    with pytest.raises(InputError, match="seed=-1: seed must be a whole number"):
        parse_command("seed=-1 a fox")


def test_requests_are_validated_with_a_usage_hint_for_an_empty_prompt(settings) -> None:
    request = make_request("a fox", settings=settings, user_id="slack:T1:U1", usage="/limner PROMPT", n=2, seed=3)
    assert (request.prompt, request.n, request.seed, request.user_id) == ("a fox", 2, 3, "slack:T1:U1")
    with pytest.raises(InputError, match=r"the prompt is empty: describe the images you want, e\.g\. /limner PROMPT"):
        make_request(" \n ", settings=settings, user_id="slack:T1:U1", usage="/limner PROMPT")


def test_namespaces_are_per_workspace_or_guild_and_user() -> None:
    assert slack_namespace("T1", "U1") == "slack:T1:U1" != slack_namespace("T2", "U1")
    assert discord_namespace(111, 222) == "discord:111:222"
    assert discord_namespace(None, 222) == "discord:dm:222"
    with pytest.raises(InputError, match="no workspace id"):
        slack_namespace(None, "U1")
    with pytest.raises(InputError, match="must be 1-128 letters"):
        slack_namespace("T1", "U1/../U2")


def test_replies_are_one_line_for_whatever_could_not_run(settings) -> None:
    assert error_text(InputError("n must be\nfrom 1 to 8")) == "error: n must be from 1 to 8"
    assert error_text(Busy("3 runs are already waiting")) == "busy: 3 runs are already waiting"
    bug = error_text(KeyError("/secret/path"))
    assert "/secret/path" not in bug and "\n" not in bug and "KeyError" in bug
    job = Job(build_request("a fox", settings=settings), "slack:T1:U1")
    job._finish("failed", None, {"type": "server_error", "message": "boom\nTraceback (most recent call last):"})
    assert reply_for(job) == Reply("the run failed: boom Traceback (most recent call last):")
    assert fit("line one\nline two\nline three", 15) == "line one…"


def _without_tokens() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}


@pytest.mark.parametrize("platform, variables", [
    ("slack", ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"]),
    ("discord", ["DISCORD_BOT_TOKEN"]),
])
def test_the_bot_command_without_tokens_exits_2_naming_the_variables(tmp_path: Path, platform: str,
                                                                    variables: list[str]) -> None:
    result = subprocess.run([LIMNER, "bot", platform], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, env=_without_tokens())
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: set ") and all(name in line for name in variables)
    assert result.stdout == ""


def test_serve_checks_tokens_before_connecting(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.surfaces.bots import discord as discord_bot
    from agent.surfaces.bots import slack as slack_bot

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    with pytest.raises(InputError, match=r"^set SLACK_APP_TOKEN \(an app-level token") as missing:
        slack_bot.serve(settings)
    assert "SLACK_BOT_TOKEN" not in str(missing.value)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xoxb-2")  # the bot token pasted twice: a classic
    with pytest.raises(InputError, match="SLACK_APP_TOKEN does not start with xapp-"):
        slack_bot.serve(settings)
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "abc")
    monkeypatch.setenv("DISCORD_GUILD_ID", "my-server")
    with pytest.raises(InputError, match="DISCORD_GUILD_ID must be a guild's numeric id"):
        discord_bot.serve(settings)
