"""Long-running surfaces: serve (HTTP API and the studio), mcp (MCP server), bot (Slack or Discord),
studio (the server on loopback, its page opened in the browser)."""

from __future__ import annotations

import typer

from agent.errors import InputError
from agent.surfaces.cli.app import _settings, app


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; beyond loopback only with LIMNER_SERVER_TOKENS."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0: any free one, printed on stderr)."),
    studio: bool = typer.Option(True, "--studio/--no-studio", help="The studio at / (needs gradio); off: the API alone."),
) -> None:
    """HTTP API: OpenAI-compatible /v1/images/generations and /edits, native /v1/runs with SSE;
    the studio (limner in the browser) at / when gradio is installed."""
    from agent.surfaces.http.app import serve as serve_http  # lazy: loads fastapi and uvicorn

    serve_http(_settings(), host=host, port=port, studio=studio)


@app.command()
def mcp(
    http: bool = typer.Option(False, "--http", help="Streamable HTTP instead of stdio."),
    host: str = typer.Option("127.0.0.1", "--host", help="With --http: address (beyond loopback only with tokens)."),
    port: int = typer.Option(8001, "--port", min=0, max=65535, help="With --http: port."),
) -> None:
    """MCP server (stdio by default): generate_images, edit_image, plan_images, list_characters,
    remember_character. Over stdio, stdout carries only the protocol; logs go to stderr."""
    from agent.surfaces.mcp.server import serve as serve_mcp  # lazy: loads the mcp SDK

    serve_mcp(_settings(), http=http, host=host, port=port)


@app.command()
def bot(
    platform: str = typer.Argument(..., help="slack (Socket Mode: SLACK_BOT_TOKEN, SLACK_APP_TOKEN) or discord (DISCORD_BOT_TOKEN)."),
) -> None:
    """Run the Slack or Discord bot: a slash command (and Slack mentions) answered in thread."""
    if platform == "slack":
        from agent.surfaces.bots.slack import serve as serve_bot  # lazy: loads slack_bolt
    elif platform == "discord":
        from agent.surfaces.bots.discord import serve as serve_bot  # lazy: loads discord.py
    else:
        raise InputError(f"unknown bot platform {platform!r}; choose slack or discord")
    serve_bot(_settings())


@app.command()
def studio(
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port on loopback (0: any free one)."),
    browser: bool = typer.Option(True, "--browser/--no-browser", help="Open the page in the default browser."),
) -> None:
    """The studio, limner in the browser (chat, plan, edit, characters): the HTTP API's server on
    loopback with the page at /, opened once it answers. Prints the URL."""
    from agent.surfaces.studio.launch import INSTALL_HINT, free_port, open_when_up, studio_available  # lazy: only this command needs it

    if not studio_available():
        raise InputError(INSTALL_HINT)
    settings = _settings()
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/"
    print(url, flush=True)
    if browser:
        open_when_up(url)
    from agent.surfaces.http.app import serve as serve_http  # lazy: loads fastapi, uvicorn and gradio

    serve_http(settings, host="127.0.0.1", port=port)
