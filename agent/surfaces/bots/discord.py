"""The Discord bot (discord.py): the ``/limner`` slash command.

Setup: a Discord application with a bot; invite it with the ``bot`` and
``applications.commands`` scopes (no privileged intents). Then
``DISCORD_BOT_TOKEN=… limner bot discord``; the command is synced globally when the bot starts
(set ``DISCORD_GUILD_ID`` to sync it to one guild instead: instant, for trying it out).

``/limner prompt:<text> [n:<1-8>]``: deferred at once ("limner is thinking…"), then one
followup with the summary and the images attached, or the one line saying why not. Discord
takes at most 10 attachments and ``Interaction.filesize_limit`` bytes per message: past that,
the contact sheet goes instead (or as many images as fit) and the reply says so.

Runs wait in the process's ``RunService`` (owner ``discord:<guild>:<user>``, ``discord:dm:<user>``
outside a guild); the command awaits its job without blocking the event loop.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Optional

import discord
from discord import app_commands

from agent.context import Settings
from agent.errors import InputError
from agent.request import MAX_IMAGES
from agent.surfaces.bots.common import discord_namespace, error_text, fit, make_request, reply_for
from agent.surfaces.service import RunService, shared_service

log = logging.getLogger("limner.bots.discord")

COMMAND = "limner"
USAGE = "/limner prompt:<what to draw> [n:1-8]"
TEXT_MAX = 2000
"""Discord's limit on a message's content."""
MAX_FILES = 10
"""Discord's limit on attachments per message."""


def choose_attachments(images: list[Path], contact_sheet: Path | None, limit: int) -> tuple[list[Path], str]:
    """The files one message can carry (at most ``MAX_FILES``, ``limit`` bytes together) and a note
    for the reply when that is not all the images: the contact sheet when it fits, else as many
    images as fit, in order."""
    sizes = {path: path.stat().st_size for path in images}
    if len(images) <= MAX_FILES and sum(sizes.values()) <= limit:
        return list(images), ""
    megabytes = f"{limit / 2**20:.0f} MB" if limit >= 2**20 else f"{limit / 2**10:.0f} KB"
    if contact_sheet is not None and contact_sheet.is_file() and contact_sheet.stat().st_size <= limit:
        return [contact_sheet], f"The {len(images)} images are over Discord's {megabytes} per message together: here is their contact sheet."
    chosen: list[Path] = []
    for path in images:
        if len(chosen) < MAX_FILES and sum(sizes[p] for p in chosen) + sizes[path] <= limit:
            chosen.append(path)
    return chosen, f"Attached {len(chosen)} of the {len(images)} images (Discord takes {megabytes} per message)."


class LimnerTree(app_commands.CommandTree):
    """A command tree whose errors reach the user as one line (discord.py's default only logs
    them, and the user sees "the application did not respond")."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error("the /%s command failed", COMMAND, exc_info=cause)
        line = error_text(cause)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(line)
            else:
                await interaction.response.send_message(line, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the user about the failure either")


class LimnerClient(discord.Client):
    """A client whose tree holds ``/limner``; runs go to ``service`` (default: the process's)."""

    def __init__(self, settings: Settings, *, service: RunService | None = None,
                 sync_guild: int | None = None, intents: discord.Intents | None = None) -> None:
        super().__init__(intents=intents or discord.Intents.default())
        self.settings = settings
        self.service = service or shared_service(settings)
        self.sync_guild = sync_guild
        self.tree = LimnerTree(self)
        self.tree.add_command(app_commands.Command(
            name=COMMAND, description="Draw images: plan, generate, check, repair.", callback=limner_command))

    async def setup_hook(self) -> None:
        # Once per process, before the gateway connects (on_ready fires again on every reconnect).
        if self.sync_guild is not None:
            guild = discord.Object(id=self.sync_guild)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def on_ready(self) -> None:
        log.warning("limner bot connected as %s", self.user)

    async def answer(self, interaction: discord.Interaction, prompt: str, n: int | None) -> None:
        """Defer, run, follow up: the whole of ``/limner``."""
        await interaction.response.defer(thinking=True)  # Discord wants an answer within 3 s
        owner = discord_namespace(interaction.guild_id, interaction.user.id)
        try:
            request = make_request(prompt, settings=self.settings, user_id=owner, usage=USAGE, n=n)
            job = self.service.submit(request, owner)
        except Exception as error:  # noqa: BLE001 - InputError, Busy, or a bug: one line all the same
            if not isinstance(error, InputError):
                log.exception("could not start a run")
            await interaction.followup.send(error_text(error))
            return
        await job.wait_async()  # the run is in a worker thread; this only waits for its end
        reply = reply_for(job)
        files, note = choose_attachments(reply.images, reply.contact_sheet, interaction.filesize_limit)
        text = fit("\n".join(part for part in (reply.text, note) if part), TEXT_MAX)
        await interaction.followup.send(text, files=[discord.File(path, filename=path.name) for path in files])


@app_commands.describe(prompt="What to draw; quote text to render, e.g. a sign that says 'OPEN'",
                       n=f"How many images (1-{MAX_IMAGES}; default: what the prompt says, else 1)")
async def limner_command(interaction: discord.Interaction, prompt: str,
                         n: Optional[app_commands.Range[int, 1, MAX_IMAGES]] = None) -> None:
    client: Any = interaction.client
    await client.answer(interaction, prompt, n)


def serve(settings: Settings) -> None:
    """``limner bot discord``: log in, sync the command, answer until interrupted."""
    token = os.environ.get("DISCORD_BOT_TOKEN", "").strip()
    if not token:
        raise InputError("set DISCORD_BOT_TOKEN (your application's Bot token, from the Developer Portal's Bot page)")
    guild = os.environ.get("DISCORD_GUILD_ID", "").strip()
    if guild and not guild.isdigit():
        raise InputError(f"DISCORD_GUILD_ID must be a guild's numeric id, got {guild!r}")
    client = LimnerClient(settings, sync_guild=int(guild) if guild else None)
    try:
        client.run(token, log_handler=None)  # the CLI configured logging already
    finally:
        shared_service(settings).close()
