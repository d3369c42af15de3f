"""The Slack bot (slack-bolt, Socket Mode): ``/limner`` and @-mentions.

Slack app setup: Socket Mode on, with an app-level token that has ``connections:write``
(``SLACK_APP_TOKEN``, xapp-…); bot token scopes ``commands``, ``app_mentions:read``,
``chat:write``, ``files:write`` and, optionally, ``reactions:write`` (the hourglass on a mention
being worked on); the slash command ``/limner``; the bot event ``app_mention``. Then
``SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… limner bot slack``.

- ``/limner [n=2] [size=768x512] [seed=7] PROMPT`` is acknowledged at once and privately:
  "working on it", or the one-line reason the request is wrong (then nothing runs). When the
  run ends: a channel message with the summary, and the images uploaded in its thread. A
  refusal or a failure is said privately to whoever asked (the channel is not told about it).
- ``@limner PROMPT`` is answered in the mention's thread: the images with the summary as their
  comment, or the one line saying why not. The thread is a conversation: a later mention in it
  ("@limner make the balloons blue") revises the images drawn there and redraws only what
  changed (runs on one thread take turns).

Runs wait in the process's ``RunService`` (owner ``slack:<team>:<user>``) and are delivered from
a thread of their own, so neither Slack's 3-second ack nor bolt's listener pool waits for one.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from agent.context import Settings
from agent.errors import InputError
from agent.surfaces.bots.common import (
    OPTIONS_USAGE, error_text, fit, make_request, one_line, parse_command, reply_for, slack_namespace, when_done,
)
from agent.surfaces.service import Busy, Job, RunService, shared_service

log = logging.getLogger("limner.bots.slack")

COMMAND = "/limner"
TEXT_MAX = 3000
"""Characters per message: Slack takes far more, but a chat reply past this is a wall."""
WORKING = "hourglass_flowing_sand"
_TOKENS = {
    "SLACK_BOT_TOKEN": ("xoxb-", "the Bot User OAuth Token, xoxb-…"),
    "SLACK_APP_TOKEN": ("xapp-", "an app-level token with connections:write, xapp-…"),
}


def clean_text(text: str, bot_user_id: str | None = None) -> str:
    """The user's words from Slack's markup: the bot's own mention dropped (or a leading mention
    when the bot's id is unknown) and ``&amp; &lt; &gt;``, Slack's only escapes, undone."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", "", text)
    else:
        text = re.sub(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>", "", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _escape(text: str) -> str:
    """User text quoted back into a message, so it cannot turn into a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_app(settings: Settings, client: WebClient | None = None, *, token: str | None = None,
              signing_secret: str | None = None, service: RunService | None = None) -> App:
    """The bolt app with ``/limner`` and ``app_mention`` registered. ``client`` (a WebClient, e.g.
    one pointed at a fake API) wins over ``token``; without either bolt reads SLACK_BOT_TOKEN.
    The signing secret only matters over HTTP (Socket Mode needs none). ``service`` defaults to
    the process-wide one."""
    app = App(client=client, token=None if client else token, signing_secret=signing_secret, name="limner")
    runs = service or shared_service(settings)

    @app.command(COMMAND)
    def on_command(ack: Any, command: dict[str, Any], context: Any, client: WebClient) -> None:
        _on_command(ack, command, context, client, settings, runs)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], context: Any, client: WebClient, request: Any) -> None:
        if request.headers.get("x-slack-retry-num"):
            return  # Slack resending an event it thinks we missed: bolt acked the first at once, so it ran
        _on_mention(event, context, client, settings, runs)

    return app


# ---- /limner --------------------------------------------------------------------------------

def _start(text: str, context: Any, user: str, settings: Settings, runs: RunService, usage: str,
           thread_id: str | None = None) -> Job:
    """Validate and queue; InputError/Busy (or a bug) for the caller to put in one line."""
    owner = slack_namespace(context.team_id or context.enterprise_id, user)
    prompt, options = parse_command(text)
    request = make_request(prompt, settings=settings, user_id=owner, usage=usage, thread_id=thread_id, **options)
    return runs.submit(request, owner)


def _on_command(ack: Any, command: dict[str, Any], context: Any, client: WebClient,
                settings: Settings, runs: RunService) -> None:
    user, channel = command["user_id"], command["channel_id"]
    try:  # validation is milliseconds: a wrong request is answered in the ack, privately
        job = _start(clean_text(command.get("text") or ""), context, user, settings, runs,
                     usage=f"{COMMAND} {OPTIONS_USAGE}")
    except Exception as error:  # noqa: BLE001 - one line to the user, whatever happened
        if not isinstance(error, (InputError, Busy)):
            log.exception("could not start a run for %s", command.get("text"))
        ack(error_text(error))
        return
    ack(f"Working on it: “{_escape(one_line(job.request.prompt, 120))}”. The images will be posted here.")
    when_done(job, lambda job: _deliver_command(client, job, channel, user, command.get("response_url")))


def _deliver_command(client: WebClient, job: Job, channel: str, user: str, response_url: str | None) -> None:
    reply = reply_for(job)
    if not reply.finished:
        _tell_privately(client, channel, user, response_url, reply.text)
        return
    header = f"<@{user}> asked for “{_escape(one_line(job.request.prompt, 200))}”"
    try:
        posted = client.chat_postMessage(channel=channel, text=fit(f"{header}\n{reply.text}", TEXT_MAX))
    except SlackApiError as error:  # e.g. not_in_channel: slash commands work where the bot is not
        _tell_privately(client, channel, user, response_url, one_line(
            f"I could not post in this channel ({_code(error)}): invite me (/invite) or mention me where I am. "
            + reply.text))
        return
    if reply.images:
        _upload(client, job, reply.images, channel, posted["ts"])


def _tell_privately(client: WebClient, channel: str, user: str, response_url: str | None, text: str) -> None:
    """An ephemeral message; through the command's response_url when the bot cannot post in the
    channel (a DM between two people, a channel it was never invited to)."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
        return
    except SlackApiError:
        if not response_url:
            raise
    from slack_sdk.webhook import WebhookClient

    WebhookClient(response_url).send(text=text, response_type="ephemeral")


# ---- @limner --------------------------------------------------------------------------------

def _on_mention(event: dict[str, Any], context: Any, client: WebClient, settings: Settings, runs: RunService) -> None:
    user = event.get("user")
    if not user or event.get("bot_id"):  # another bot mentioning us: no bot-to-bot ping-pong
        return
    channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
    # A Slack thread is a conversation: "@limner make her coat blue" in it revises the images
    # drawn there (redrawing only what changed), whoever in the thread asks.
    conversation = f"slack:{context.team_id or context.enterprise_id}:{channel}:{thread}"
    try:
        job = _start(clean_text(event.get("text") or "", context.bot_user_id), context, user, settings, runs,
                     usage=f"@limner {OPTIONS_USAGE}", thread_id=conversation)
    except Exception as error:  # noqa: BLE001 - one line to the user, whatever happened
        if not isinstance(error, (InputError, Busy)):
            log.exception("could not start a run for %s", event.get("text"))
        client.chat_postMessage(channel=channel, thread_ts=thread, text=error_text(error))
        return
    _react(client, "add", channel, event["ts"])
    when_done(job, lambda job: _deliver_mention(client, job, channel, thread, event["ts"]))


def _deliver_mention(client: WebClient, job: Job, channel: str, thread: str, mention_ts: str) -> None:
    reply = reply_for(job)
    try:
        if reply.images:
            _upload(client, job, reply.images, channel, thread, comment=fit(reply.text, TEXT_MAX))
        else:
            client.chat_postMessage(channel=channel, thread_ts=thread, text=fit(reply.text, TEXT_MAX))
    finally:
        _react(client, "remove", channel, mention_ts)


# ---- shared ---------------------------------------------------------------------------------

def _upload(client: WebClient, job: Job, images: list[Any], channel: str, thread: str,
            comment: str | None = None) -> None:
    """All the images in one upload, in the thread; a missing scope or a Slack error becomes a
    thread message (the images stay in the run's folder)."""
    uploads = [{"file": str(path), "filename": f"{job.id}-{path.name}", "title": f"#{index} ({job.id})"}
               for index, path in enumerate(images, start=1)]
    try:
        client.files_upload_v2(channel=channel, thread_ts=thread, file_uploads=uploads, initial_comment=comment)
    except SlackClientError as error:  # an API error (missing_scope…) or a failed upload POST
        text = f"I could not upload the images ({_code(error)})." + (f"\n{comment}" if comment else "")
        client.chat_postMessage(channel=channel, thread_ts=thread, text=fit(text, TEXT_MAX))


def _react(client: WebClient, action: str, channel: str, ts: str) -> None:
    """The hourglass on a mention being worked on; best effort (reactions:write is optional)."""
    try:
        call = client.reactions_add if action == "add" else client.reactions_remove
        call(channel=channel, timestamp=ts, name=WORKING)
    except SlackApiError as error:
        log.debug("reactions.%s failed: %s", action, _code(error))


def _code(error: SlackClientError) -> str:
    try:
        return str(error.response["error"])
    except Exception:  # noqa: BLE001 - a response without a body
        return error.__class__.__name__


def _tokens() -> tuple[str, str]:
    missing = [f"{name} ({hint})" for name, (_, hint) in _TOKENS.items() if not os.environ.get(name, "").strip()]
    if missing:
        raise InputError("set " + " and ".join(missing) + " from your Slack app's settings")
    bot, app = (os.environ[name].strip() for name in _TOKENS)
    for name, value in (("SLACK_BOT_TOKEN", bot), ("SLACK_APP_TOKEN", app)):
        prefix, hint = _TOKENS[name]
        if not value.startswith(prefix):
            raise InputError(f"{name} does not start with {prefix}: it should be {hint}")
    return bot, app


def serve(settings: Settings) -> None:
    """``limner bot slack``: connect over Socket Mode and answer until interrupted."""
    bot_token, app_token = _tokens()
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app = build_app(settings, token=bot_token)  # auth.test here: a revoked token fails now, not later
    handler = SocketModeHandler(app, app_token)
    try:
        handler.start()  # blocks
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()
        shared_service(settings).close()
