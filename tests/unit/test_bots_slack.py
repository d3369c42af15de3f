"""The Slack bot through slack-bolt's own request path: requests signed like Slack signs them
(``SignatureVerifier``), dispatched as ``BoltRequest``s to the app ``build_app`` makes, whose
``WebClient`` talks to a fake Slack Web API on loopback (uploads included). Runs are real
(sketch backend, CLIP off) unless a test scripts a failure."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode

import pytest
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from agent.surfaces.bots.slack import build_app, clean_text
from agent.context import Settings
from agent.surfaces.results import made_paths, summary_text
from agent.surfaces.service import RunService

SECRET = "test-signing-secret"
REFUSED_PROMPT = "make a naked picture of my coworker Jenna"


class FakeSlack:
    """Slack's Web API on loopback: every call recorded as (method, params); uploads to the URLs
    it hands out kept as bytes; ``fail[(method, channel)] = "error_code"`` scripts an error."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.uploads: list[tuple[str, bytes]] = []
        self.fail: dict[tuple[str, str], str] = {}
        self._changed = threading.Condition()
        self._ids = iter(range(1, 10_000))
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                if path.startswith("/upload/"):
                    answer, kind = fake._record_upload(path.rsplit("/", 1)[1], body), "text/plain"
                elif path.startswith("/respond/"):
                    answer, kind = fake._record("response_url", json.loads(body)), "text/plain"
                else:
                    kind = self.headers.get("Content-Type", "")
                    params = json.loads(body) if "json" in kind else {k: v[0] for k, v in parse_qs(body.decode()).items()}
                    answer, kind = json.dumps(fake._answer(path.rsplit("/", 1)[1], params)), "application/json"
                data = answer.encode()
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> "FakeSlack":
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _record(self, method: str, params: dict[str, Any]) -> str:
        with self._changed:
            self.calls.append((method, params))
            self._changed.notify_all()
        return "ok"

    def _record_upload(self, file_id: str, body: bytes) -> str:
        with self._changed:
            self.uploads.append((file_id, body))
        return f"OK - {len(body)}"

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        error = self.fail.get((method, params.get("channel") or params.get("channel_id") or ""))
        number = next(self._ids)
        if error:
            answer: dict[str, Any] = {"ok": False, "error": error}
        elif method == "auth.test":
            answer = {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "limner",
                      "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"}
        elif method == "chat.postMessage":
            answer = {"ok": True, "channel": params["channel"], "ts": f"{number}.000200"}
        elif method == "chat.postEphemeral":
            answer = {"ok": True, "message_ts": f"{number}.000300"}
        elif method == "files.getUploadURLExternal":
            answer = {"ok": True, "file_id": f"F{number}", "upload_url": f"{self.url}/upload/F{number}"}
        elif method == "files.completeUploadExternal":
            answer = {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in json.loads(params["files"])]}
        else:
            answer = {"ok": True}
        self._record(method, {**params, "_answer": answer})
        return answer

    def to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def wait_until(self, done: Callable[["FakeSlack"], Any], timeout: float = 30.0) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: done(self), timeout), f"timed out; calls: {self.calls}"


class Runner:
    """``agent.run.run``, recording each request and report; a queued exception is raised instead
    of running, and ``gate`` (when given) holds every run until it is set."""

    def __init__(self, *script: BaseException, gate: threading.Event | None = None) -> None:
        self.script, self.gate = list(script), gate
        self.requests: list[Any] = []
        self.reports: list[dict[str, Any]] = []

    def __call__(self, request: Any, *, settings: Settings, on_event: Any = None) -> dict[str, Any]:
        from agent.run import run

        self.requests.append(request)
        if self.gate is not None:
            assert self.gate.wait(30)
        if self.script:
            raise self.script.pop(0)
        report = run(request, settings=settings, on_event=on_event)
        self.reports.append(report)
        return report


def signed(body: str, content_type: str, secret: str = SECRET) -> BoltRequest:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return BoltRequest(body=body, headers={"content-type": content_type, "x-slack-signature": signature,
                                           "x-slack-request-timestamp": timestamp})


def slash(text: str, *, team: str = "T1", user: str = "U1", channel: str = "C1", response_url: str = "",
          secret: str = SECRET) -> BoltRequest:
    body = urlencode({"token": "legacy", "team_id": team, "team_domain": "ws", "channel_id": channel,
                      "channel_name": "general", "user_id": user, "user_name": "ann", "command": "/limner",
                      "text": text, "api_app_id": "A1", "response_url": response_url, "trigger_id": "1.2.3"})
    return signed(body, "application/x-www-form-urlencoded", secret)


def mention_body(text: str, *, ts: str = "1700000000.000100", thread_ts: str | None = None, team: str = "T1",
                 user: str = "U1", channel: str = "C1") -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts,
             **({"thread_ts": thread_ts} if thread_ts else {})}
    return {"token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
            "event_id": f"Ev{ts}", "event_time": 1700000000, "event": event}


def mention(text: str, **fields: Any) -> BoltRequest:
    return signed(json.dumps(mention_body(text, **fields)), "application/json")


@pytest.fixture
def bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The app from ``build_app`` against a fake Slack, with its own RunService and Runner."""
    for proxy in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(proxy, raising=False)  # slack_sdk would send loopback calls through one
    settings = Settings(home=tmp_path / "home", out_dir=tmp_path / "out", clip=False)
    with FakeSlack() as api:
        harness = SimpleNamespace(api=api, settings=settings)

        def start(runner: Runner) -> Any:
            harness.runner, harness.service = runner, RunService(settings, runner=runner)
            client = WebClient(token="xoxb-test", base_url=f"{api.url}/api/")
            harness.app = build_app(settings, client, signing_secret=SECRET, service=harness.service)
            return harness

        harness.start = start
        yield harness
        if hasattr(harness, "service"):
            if harness.runner.gate is not None:
                harness.runner.gate.set()  # a failed test must not leave a run waiting
            harness.service.close()
        for thread in threading.enumerate():  # deliveries still talking to this fake finish first
            if thread.name.startswith("deliver-"):
                thread.join(10)


def ack_text(response: Any) -> str:
    assert response.status == 200, response.body
    if not response.body.startswith("{"):  # bolt sends a bare text ack as plain text: ephemeral
        return response.body
    body = json.loads(response.body)
    assert body.get("response_type", "ephemeral") == "ephemeral"
    return body["text"]


def test_slash_command_acks_at_once_then_posts_the_summary_and_the_pngs_in_its_thread(bot) -> None:
    gate = threading.Event()
    bot.start(Runner(gate=gate))
    ack = ack_text(bot.app.dispatch(slash("n=2 a red fox &amp; a blue bird")))
    # The ack came back while the run is still held: nothing waited for it.
    assert ack.startswith("Working on it") and "a red fox & a blue bird" not in ack and "&amp;" in ack
    stats = bot.service.stats()
    assert bot.api.to("chat.postMessage") == [] and stats["running"] + stats["queued"] == 1
    gate.set()
    bot.api.wait_until(lambda api: api.to("files.completeUploadExternal"))

    request, report = bot.runner.requests[0], bot.runner.reports[0]
    assert request.prompt == "a red fox & a blue bird" and request.n == 2
    [post] = bot.api.to("chat.postMessage")
    assert post["channel"] == "C1" and "thread_ts" not in post
    assert post["text"].startswith("<@U1> asked for") and summary_text(report) in post["text"]
    [complete] = bot.api.to("files.completeUploadExternal")
    assert complete["channel_id"] == "C1" and complete["thread_ts"] == post["_answer"]["ts"]
    pngs = [Path(path).read_bytes() for path in made_paths(report)]
    assert len(pngs) == 2 and [body for _, body in bot.api.uploads] == pngs
    assert [f["id"] for f in json.loads(complete["files"])] == [f for f, _ in bot.api.uploads]
    assert bot.api.to("chat.postEphemeral") == []


def test_a_mention_is_answered_in_its_thread_with_the_images_and_the_summary(bot) -> None:
    bot.start(Runner())
    assert bot.app.dispatch(mention("<@UBOT> a lighthouse at night", ts="1700000000.000100")).status == 200
    assert bot.app.dispatch(mention("<@UBOT> seed=7 a red kite", ts="1700000002.000100",
                                    thread_ts="1700000001.000100")).status == 200
    bot.api.wait_until(lambda api: len(api.to("files.completeUploadExternal")) == 2)

    by_prompt = {report["prompt"]: report for report in bot.runner.reports}
    assert set(by_prompt) == {"a lighthouse at night", "a red kite"}  # the mention is not part of the prompt
    assert [r.seed for r in bot.runner.requests if r.prompt == "a red kite"] == [7]
    threads = {c["thread_ts"]: c for c in bot.api.to("files.completeUploadExternal")}
    # A mention at the top starts a thread under it; a mention inside a thread answers there.
    assert set(threads) == {"1700000000.000100", "1700000001.000100"}
    assert threads["1700000000.000100"]["initial_comment"] == summary_text(by_prompt["a lighthouse at night"])
    assert threads["1700000001.000100"]["initial_comment"] == summary_text(by_prompt["a red kite"])
    made = sorted(Path(p).read_bytes() for report in by_prompt.values() for p in made_paths(report))
    assert sorted(body for _, body in bot.api.uploads) == made
    assert bot.api.to("chat.postMessage") == []
    bot.api.wait_until(lambda api: len(api.to("reactions.remove")) == 2)  # the hourglass comes off
    assert {c["timestamp"] for c in bot.api.to("reactions.add")} == {"1700000000.000100", "1700000002.000100"}


BAD = [
    ("", "the prompt is empty: describe the images you want, e.g."),
    ("n=9 a fox", "n must be from 1 to 8, got 9"),
    ("n=two a fox", "n=two: n must be a whole number from 1 to 8"),
    ("size=500x500 a fox", "each side must be a multiple of 8"),
    ("a fox " * 1000, "the limit is 4000"),
]


@pytest.mark.parametrize("text, expected", BAD, ids=["empty", "n-range", "n-word", "size", "huge"])
def test_bad_requests_get_one_line_and_run_nothing(bot, text: str, expected: str) -> None:
    bot.start(Runner())
    line = ack_text(bot.app.dispatch(slash(text)))
    assert line.startswith("error: ") and expected in line and "\n" not in line and len(line) <= 300

    bot.app.dispatch(mention(f"<@UBOT> {text}", ts="1700000000.000100"))
    bot.api.wait_until(lambda api: api.to("chat.postMessage"))
    [reply] = bot.api.to("chat.postMessage")
    assert reply["thread_ts"] == "1700000000.000100" and reply["text"].startswith("error: ")
    assert expected in reply["text"] and "\n" not in reply["text"] and "Traceback" not in reply["text"]
    assert bot.runner.requests == []


def test_a_refusal_is_said_privately_for_the_command_and_in_thread_for_a_mention(bot) -> None:
    bot.start(Runner())
    assert ack_text(bot.app.dispatch(slash(REFUSED_PROMPT))).startswith("Working on it")
    bot.api.wait_until(lambda api: api.to("chat.postEphemeral"))
    [private] = bot.api.to("chat.postEphemeral")
    assert private["user"] == "U1" and private["channel"] == "C1"
    assert private["text"].startswith("Refused (rules policy): sexualised images of real")

    bot.app.dispatch(mention(f"<@UBOT> {REFUSED_PROMPT}", ts="1700000000.000100"))
    bot.api.wait_until(lambda api: api.to("chat.postMessage"))
    [reply] = bot.api.to("chat.postMessage")
    assert reply["thread_ts"] == "1700000000.000100" and reply["text"] == private["text"]
    assert bot.api.uploads == [] and bot.api.to("files.completeUploadExternal") == []


def test_a_failed_run_is_one_line_not_a_traceback(bot) -> None:
    bot.start(Runner(RuntimeError("the GPU caught fire\n  at line 3")))
    bot.app.dispatch(slash("a fox"))
    bot.api.wait_until(lambda api: api.to("chat.postEphemeral"))
    [private] = bot.api.to("chat.postEphemeral")
    assert private["text"] == "the run failed: RuntimeError: the GPU caught fire at line 3"


def test_a_channel_the_bot_cannot_post_in_gets_the_answer_through_the_response_url(bot) -> None:
    bot.start(Runner())
    bot.api.fail[("chat.postMessage", "C9")] = bot.api.fail[("chat.postEphemeral", "C9")] = "not_in_channel"
    bot.app.dispatch(slash("a fox", channel="C9", response_url=f"{bot.api.url}/respond/1"))
    bot.api.wait_until(lambda api: api.to("response_url"))
    [answer] = bot.api.to("response_url")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("I could not post in this channel (not_in_channel)")
    assert bot.api.uploads == []


def test_each_user_of_each_workspace_has_their_own_memory_namespace_and_queue(bot) -> None:
    bot.start(Runner())
    for team, user in [("T1", "U1"), ("T1", "U2"), ("T2", "U1")]:
        assert ack_text(bot.app.dispatch(slash("a fox", team=team, user=user))).startswith("Working on it")
    bot.app.dispatch(mention("<@UBOT> a fox", team="T2", user="U7"))
    bot.api.wait_until(lambda api: len(api.to("files.completeUploadExternal")) == 4)
    users = sorted(request.user_id for request in bot.runner.requests)
    assert users == ["slack:T1:U1", "slack:T1:U2", "slack:T2:U1", "slack:T2:U7"]
    jobs = [bot.service.get(request.run_id, request.user_id) for request in bot.runner.requests]
    assert all(job is not None and job.owner == job.request.user_id for job in jobs)


def test_a_bad_signature_is_401_and_runs_nothing(bot) -> None:
    bot.start(Runner())
    response = bot.app.dispatch(slash("a fox", secret="not-the-secret"))
    assert response.status == 401
    time.sleep(0.3)  # anything the request could have started would have called Slack by now
    assert bot.runner.requests == [] and [name for name, _ in bot.api.calls] == ["auth.test"]


def test_socket_mode_requests_take_the_same_path_and_retried_events_run_once(bot) -> None:
    """What ``SocketModeHandler`` dispatches: the payload as a dict, no signature (the socket is
    authenticated), Slack's retry number as a header."""
    bot.start(Runner())
    command = {"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/limner", "text": "a fox",
               "api_app_id": "A1", "response_url": "", "trigger_id": "1.2.3"}
    ack = ack_text(bot.app.dispatch(BoltRequest(body=command, mode="socket_mode")))
    assert ack.startswith("Working on it")
    retried = BoltRequest(body=mention_body("<@UBOT> a cat", ts="1.1"), mode="socket_mode",
                          headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "timeout"})
    assert bot.app.dispatch(retried).status == 200
    bot.app.dispatch(BoltRequest(body=mention_body("<@UBOT> a dog", ts="2.2"), mode="socket_mode"))
    bot.api.wait_until(lambda api: len(api.to("files.completeUploadExternal")) == 2)
    assert sorted(request.prompt for request in bot.runner.requests) == ["a dog", "a fox"]


def test_clean_text_drops_the_bots_mention_and_undoes_slacks_escapes() -> None:
    assert clean_text("<@UBOT> a sign that says 'A &amp; B' &lt;3", "UBOT") == "a sign that says 'A & B' <3"
    assert clean_text("hey <@UBOT|limner>, a fox", "UBOT") == "hey , a fox"
    assert clean_text("<@UBOT> a fox with <@U2>") == "a fox with <@U2>"


def test_a_mention_in_the_bots_thread_revises_the_images_drawn_there(bot) -> None:
    """The thread is the conversation: the follow-up redraws only the shot it changes."""
    bot.start(Runner())
    first = "<@UBOT> n=2 a poster that says 'SALE' with three red balloons"
    assert bot.app.dispatch(mention(first, ts="1700000100.000100")).status == 200
    bot.api.wait_until(lambda api: len(api.to("files.completeUploadExternal")) == 1)
    follow_up = mention("<@UBOT> make the balloons blue", ts="1700000101.000100", thread_ts="1700000100.000100",
                        user="U2")
    assert bot.app.dispatch(follow_up).status == 200
    bot.api.wait_until(lambda api: len(api.to("files.completeUploadExternal")) == 2)

    threads = [request.thread_id for request in bot.runner.requests]
    assert threads == ["slack:T1:C1:1700000100.000100"] * 2
    revised = bot.runner.reports[1]
    assert revised["revision"] is not None and revised["revision"]["previous_run"] == bot.runner.reports[0]["run_id"]
    assert "Revised:" in bot.api.to("files.completeUploadExternal")[1]["initial_comment"]
    # Another top-level mention is a conversation of its own.
    assert bot.app.dispatch(mention("<@UBOT> make the balloons blue", ts="1700000200.000100")).status == 200
    bot.api.wait_until(lambda api: len(api.to("files.completeUploadExternal")) == 3)
    assert bot.runner.requests[2].thread_id == "slack:T1:C1:1700000200.000100"
    assert bot.runner.reports[2]["revision"] is None
