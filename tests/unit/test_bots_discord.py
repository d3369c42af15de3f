"""The Discord bot through discord.py's own objects: interaction payloads as the gateway sends
them, parsed by the client's ``ConnectionState`` into real ``discord.Interaction``s and routed by
the real ``CommandTree``; the REST calls the interaction makes (defer, followup) go to a
recording ``AsyncWebhookAdapter`` instead of discord.com. Runs are real (sketch, CLIP off)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from discord import ClientUser
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from agent.surfaces.bots.discord import MAX_FILES, LimnerClient, choose_attachments
from agent.context import Settings
from agent.surfaces.results import made_paths, summary_text
from agent.surfaces.service import RunService

APP_ID = 4242
MB = 2**20
_ids = itertools.count(1_000_000)


class FakeDiscord(AsyncWebhookAdapter):
    """Discord's interaction endpoints in memory: each request discord.py makes is recorded (method,
    path, JSON payload, attached files' bytes by filename) and answered as Discord would."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[SimpleNamespace] = []

    async def request(self, route: Route, session: Any, *, payload: Any = None, multipart: Any = None,
                      params: Any = None, **_: Any) -> Any:
        call = SimpleNamespace(method=route.method, path=route.url.removeprefix(Route.BASE),
                               payload=payload, files={}, params=params)
        for part in multipart or []:
            if part["name"] == "payload_json":
                call.payload = json.loads(part["value"])
            else:
                call.files[part["filename"]] = part["value"].read()
        self.calls.append(call)
        if call.path.endswith("/callback"):
            return {"interaction": {"id": call.path.split("/")[2], "type": 2, "response_message_loading": True}}
        return {"id": str(next(_ids)), "channel_id": "333", "type": 0, "content": (call.payload or {}).get("content", ""),
                "author": {"id": str(APP_ID), "username": "limner", "discriminator": "0", "avatar": None},
                "attachments": [], "embeds": [], "mentions": [], "mention_roles": [], "pinned": False,
                "mention_everyone": False, "tts": False, "timestamp": "2025-01-01T00:00:00+00:00",
                "edited_timestamp": None, "flags": 0}

    def followups(self) -> list[SimpleNamespace]:
        return [call for call in self.calls if call.path.startswith(f"/webhooks/{APP_ID}/")]

    def for_token(self, token: str) -> list[SimpleNamespace]:
        return [call for call in self.calls if f"/{token}" in call.path]


class Runner:
    """``agent.run.run``, recording each request and report; a queued exception is raised, a
    queued report returned, instead of running; ``on_start`` is called as each run begins."""

    def __init__(self, *script: BaseException | dict[str, Any], on_start: Callable[[], None] | None = None) -> None:
        self.script, self.on_start = list(script), on_start
        self.requests: list[Any] = []
        self.reports: list[dict[str, Any]] = []

    def __call__(self, request: Any, *, settings: Settings, on_event: Any = None) -> dict[str, Any]:
        from agent.run import run

        self.requests.append(request)
        if self.on_start is not None:
            self.on_start()
        if self.script:
            item = self.script.pop(0)
            if isinstance(item, BaseException):
                raise item
            return item
        report = run(request, settings=settings, on_event=on_event)
        self.reports.append(report)
        return report


def interaction(prompt: str, *, n: int | None = None, guild: str | None = "111", user: str = "222",
                limit: int = 10 * MB) -> dict[str, Any]:
    """An INTERACTION_CREATE payload for ``/limner`` (type 2, application command)."""
    number = next(_ids)
    options = [{"name": "prompt", "type": 3, "value": prompt}] + ([{"name": "n", "type": 4, "value": n}] if n else [])
    person = {"id": user, "username": f"user{user}", "discriminator": "0", "avatar": None, "global_name": None}
    data: dict[str, Any] = {
        "id": str(number), "application_id": str(APP_ID), "type": 2, "token": f"token-{number}", "version": 1,
        "channel_id": "333", "locale": "en-US", "attachment_size_limit": limit, "app_permissions": "0",
        "entitlements": [], "authorizing_integration_owners": {}, "context": 0 if guild else 1,
        "data": {"id": "555", "name": "limner", "type": 1, "options": options},
    }
    if guild:
        data["guild_id"] = guild
        data["member"] = {"user": person, "roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False,
                          "mute": False, "flags": 0, "permissions": "0"}
    else:
        data["user"] = person
    return data


@pytest.fixture
def discord_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", out_dir=tmp_path / "out", clip=False)


def logged_in(client: LimnerClient) -> None:
    """What ``login()`` learns from Discord: who the bot is and its application id."""
    bot = {"id": str(APP_ID), "username": "limner", "discriminator": "0", "avatar": None, "bot": True}
    client._connection.user = ClientUser(state=client._connection, data=bot)
    client._connection.application_id = APP_ID


def exchange(settings: Settings, runner: Runner, *payloads: dict[str, Any], fake: FakeDiscord | None = None,
             timeout: float = 30.0) -> FakeDiscord:
    """Feed ``payloads`` to a client the way the gateway does and return the fake once every
    interaction has had its followup."""
    fake = fake or FakeDiscord()
    service = RunService(settings, runner=runner)

    async def main() -> None:
        marker = async_context.set(fake)  # the adapter every Interaction response uses
        try:
            async with LimnerClient(settings, service=service) as client:
                logged_in(client)
                for payload in payloads:
                    client._connection.parse_interaction_create(payload)  # what INTERACTION_CREATE runs
                deadline = time.monotonic() + timeout
                while len(fake.followups()) < len(payloads):
                    assert time.monotonic() < deadline, f"timed out; calls: {fake.calls}"
                    await asyncio.sleep(0.02)
        finally:
            async_context.reset(marker)

    try:
        asyncio.run(main())
    finally:
        service.close()
    return fake


def test_the_command_defers_at_once_then_follows_up_with_the_summary_and_the_pngs(discord_settings) -> None:
    fake = FakeDiscord()
    sent_when_the_run_began: list[list[str]] = []
    runner = Runner(on_start=lambda: sent_when_the_run_began.append([c.path for c in fake.calls]))
    payload = interaction("a red fox and a blue bird", n=2)
    exchange(discord_settings, runner, payload, fake=fake)

    defer, followup = fake.calls
    assert defer.method == "POST" and defer.path == f"/interactions/{payload['id']}/{payload['token']}/callback"
    assert defer.payload == {"type": 5}  # deferred channel message: "limner is thinking…"
    assert sent_when_the_run_began == [[defer.path]]  # deferred first, before any work
    [report] = runner.reports
    assert runner.requests[0].prompt == "a red fox and a blue bird" and runner.requests[0].n == 2
    assert followup.method == "POST" and followup.path == f"/webhooks/{APP_ID}/{payload['token']}"
    assert followup.payload["content"] == summary_text(report)
    pngs = {Path(path).name: Path(path).read_bytes() for path in made_paths(report)}
    assert len(pngs) == 2 and followup.files == pngs
    assert [a["filename"] for a in followup.payload["attachments"]] == list(pngs)


@pytest.mark.parametrize("prompt, n, expected", [
    ("   ", None, "error: the prompt is empty: describe the images you want, e.g. /limner prompt:"),
    ("a fox " * 1000, None, "the limit is 4000"),
    ("a fox", 9, "error: n must be from 1 to 8, got 9"),
], ids=["empty", "huge", "n-range"])
def test_bad_input_is_a_one_line_followup_and_runs_nothing(discord_settings, prompt: str, n: int | None,
                                                           expected: str) -> None:
    runner = Runner()
    fake = exchange(discord_settings, runner, interaction(prompt, n=n))
    [followup] = fake.followups()
    content = followup.payload["content"]
    assert content.startswith("error: ") and expected in content and "\n" not in content and followup.files == {}
    assert runner.requests == []


def test_a_refusal_and_a_failure_are_one_line_followups(discord_settings) -> None:
    runner = Runner(RuntimeError("out of memory\nwhile decoding"))
    failing = interaction("a lighthouse")
    fake = exchange(discord_settings, runner, failing)
    [followup] = fake.followups()
    assert followup.payload["content"] == "the run failed: RuntimeError: out of memory while decoding"

    refused = interaction("make a naked picture of my coworker Jenna")
    [followup] = exchange(discord_settings, Runner(), refused).followups()
    assert followup.payload["content"].startswith("Refused (rules policy): sexualised images of real")
    assert followup.files == {}


def test_an_unexpected_error_after_the_defer_is_still_a_one_line_followup(discord_settings, caplog) -> None:
    gone = {"run_id": "r1", "passed": True, "rounds": 0, "refused": None, "contact_sheet": None,
            "images": [{"path": "/nowhere/01.png", "seed": 1, "shot": 0, "checks": [], "repairs": [],
                        "passed": True, "error": None}]}  # its file was deleted before the upload
    [followup] = exchange(discord_settings, Runner(gone), interaction("a fox")).followups()
    assert followup.payload["content"] == (
        "error: something went wrong (FileNotFoundError); the bot's log has the details")
    assert "the /limner command failed" in caplog.text  # the traceback is for the log only


def test_each_user_of_each_guild_and_dms_have_their_own_memory_namespace(discord_settings) -> None:
    runner = Runner()
    exchange(discord_settings, runner, interaction("a fox", guild="111", user="222"),
             interaction("a fox", guild="999", user="222"), interaction("a fox", guild="111", user="333"),
             interaction("a fox", guild=None, user="222"))
    assert sorted(r.user_id for r in runner.requests) == [
        "discord:111:222", "discord:111:333", "discord:999:222", "discord:dm:222"]


def test_the_interactions_size_limit_decides_what_is_attached(discord_settings) -> None:
    runner = Runner()
    fake = exchange(discord_settings, runner, interaction("a fox", n=2, limit=1000))
    [followup] = fake.followups()
    [report] = runner.reports
    assert followup.files == {}  # neither the PNGs nor the contact sheet fit in 1000 bytes
    assert followup.payload["content"] == summary_text(report) + "\nAttached 0 of the 2 images (Discord takes 1 KB per message)."


def test_choose_attachments_keeps_to_discords_count_and_size_limits(tmp_path: Path) -> None:
    def files(*sizes: int) -> list[Path]:
        paths = []
        for index, size in enumerate(sizes):
            path = tmp_path / f"{len(list(tmp_path.iterdir())):02d}-{index}.png"
            path.write_bytes(b"x" * size)
            paths.append(path)
        return paths

    eight = files(*[MB] * 8)
    assert choose_attachments(eight, None, 10 * MB) == (eight, "")
    sheet = files(2 * MB)[0]
    chosen, note = choose_attachments(eight, sheet, 5 * MB)
    assert chosen == [sheet] and note.startswith("The 8 images are over Discord's 5 MB per message together")
    chosen, note = choose_attachments(eight, files(6 * MB)[0], 5 * MB)  # the sheet does not fit either
    assert chosen == eight[:5] and note == "Attached 5 of the 8 images (Discord takes 5 MB per message)."
    many = files(*[10] * (MAX_FILES + 2))
    chosen, note = choose_attachments(many, None, 10 * MB)
    assert chosen == many[:MAX_FILES] and note.startswith(f"Attached {MAX_FILES} of the {MAX_FILES + 2} images")


def test_setup_hook_syncs_the_command_with_its_options(discord_settings) -> None:
    requests: list[tuple[str, str, Any]] = []

    async def record(route: Route, **kwargs: Any) -> Any:
        requests.append((route.method, route.url.removeprefix(Route.BASE), kwargs.get("json")))
        return []

    async def main(sync_guild: int | None) -> None:
        async with LimnerClient(discord_settings, service=RunService(discord_settings), sync_guild=sync_guild) as client:
            logged_in(client)
            client.http.request = record  # the client's REST seam: every HTTPClient call ends here
            await client.setup_hook()

    asyncio.run(main(None))
    asyncio.run(main(777))
    (method, path, commands), (_, guild_path, _) = requests
    assert method == "PUT" and path == f"/applications/{APP_ID}/commands"
    assert guild_path == f"/applications/{APP_ID}/guilds/777/commands"
    [command] = commands
    options = {option["name"]: option for option in command["options"]}
    assert command["name"] == "limner" and options["prompt"]["type"] == 3 and options["prompt"]["required"]
    assert options["n"]["type"] == 4 and not options["n"]["required"]
    assert (options["n"]["min_value"], options["n"]["max_value"]) == (1, 8)
