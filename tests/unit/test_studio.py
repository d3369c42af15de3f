"""The studio's handlers without a browser: each area's handler is called the way the page calls
it (the form's values, the caller), against a real RunService on the offline sketch backend, and
the HTML it returns is read back. Plus the pieces under them: the settings panel's checks, the
signed file links and routes, the renderer, who may call."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from html import unescape
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest
from fastapi import FastAPI
from PIL import Image, ImageFilter
from starlette.testclient import TestClient

from agent.context import Settings
from agent.errors import InputError
from agent.nodes.common import work_path
from agent.surfaces.service import RunService
from agent.surfaces.studio import chat, edits, plans, render
from agent.surfaces.studio.core import Studio, sign_in_check
from agent.surfaces.studio.files import StudioLinks, files_router
from agent.surfaces.studio.options import Options
from agent.surfaces.studio.thread import Conversation, Turn, first_version
from tools.edit_ops import FEATHER_PX

BALLOONS = "four images of a fox with two red balloons"


@pytest.fixture()
def studio(tmp_path: Path) -> Iterator[Studio]:
    settings = Settings(home=tmp_path / "home", out_dir=tmp_path / "out", clip=False, search=False)
    service = RunService(settings)
    yield Studio(settings=settings, service=service, uploads=tmp_path / "uploads",
                 links=StudioLinks(b"k" * 32, settings.out_dir, 600))
    service.close()


def _options(studio: Studio, **values: Any) -> Options:
    return Options.from_form(studio, **{"seed": "7", **values})


def _last(frames: Iterator[chat.Frame]) -> tuple[list[chat.Frame], chat.Frame]:
    seen = list(frames)
    return seen, seen[-1]


def _images(html: str) -> list[str]:
    """The <figure> of each image in a piece of the page."""
    return re.findall(r'<figure class="lm-image[^"]*".*?</figcaption></figure>', html, re.S)


def _links(html: str, pattern: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'href="([^"]+)"', html) if re.search(pattern, unescape(m))]


# ---- the chat ---------------------------------------------------------------------------------


def test_a_request_streams_its_progress_then_shows_every_image_with_its_verdicts(studio: Studio) -> None:
    conversation = Conversation()
    frames, final = _last(chat.send(studio, "local", conversation, BALLOONS, _options(studio)))
    assert 'class="lm-progress"' in frames[0].thread  # shown at once, before any event
    assert all('class="lm-progress"' not in f.thread or f is not final for f in frames)
    cards = _images(final.thread)
    assert len(cards) == 4 and 'data-status="done"' in final.thread
    for card in cards:
        assert "lm-badge verdict pass" in card and '<b>color</b> pass' in card
        assert "<b>clip</b> skipped<span class=\"lm-why\"> · CLIP checks are off" in card  # the reason, shown
    assert "4 image(s), 4 passed" in final.message and "lm-message info" in final.message
    report = conversation.turns[0].report
    assert report is not None and report["thread"] == conversation.thread and len(report["images"]) == 4


def test_a_follow_up_redraws_one_image_and_the_page_marks_it(studio: Studio, tmp_path: Path) -> None:
    conversation = Conversation()
    _last(chat.send(studio, "local", conversation, BALLOONS, _options(studio)))
    _, final = _last(chat.send(studio, "local", conversation, "in the second image make the balloons blue",
                               _options(studio, n="4")))
    follow_up = final.thread.split('<section class="lm-turn"')[-1]
    cards = _images(follow_up)
    assert [("changed" in c.split('"')[1], "kept" in c.split('"')[1]) for c in cards] == [
        (False, True), (True, False), (False, True), (False, True)]
    assert "follow-up: shot 2: balloon → blue — redrawn: 2" in unescape(follow_up)
    before, after = (turn.report["images"] for turn in conversation.turns)
    same = [np.array_equal(np.asarray(Image.open(a["path"])), np.asarray(Image.open(b["path"])))
            for a, b in zip(before, after)]
    assert same == [True, False, True, True]


def test_an_empty_prompt_is_one_line_and_the_next_request_works(studio: Studio) -> None:
    conversation = Conversation()
    frames = list(chat.guarded(studio, conversation, chat.send(studio, "local", conversation, "   ",
                                                               _options(studio))))
    assert len(frames) == 1 and not frames[0].started and conversation.turns == []
    assert frames[0].message == ('<div class="lm-message error" role="alert">error: the prompt is empty: '
                                 'describe the images you want</div>')
    _, final = _last(chat.guarded(studio, conversation, chat.send(studio, "local", conversation, "a red apple",
                                                                  _options(studio))))
    assert final.started and len(_images(final.thread)) == 1 and "lm-message info" in final.message


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"n": "0"}, "n", "from 1 to 8"), ({"n": "two"}, "n", "whole number"), ({"seed": "-1"}, "seed", "whole number"),
    ({"size": "500x500"}, "size", "multiple of 8"), ({"backend": "nope"}, "backend", "choose one of"),
    ({"user": "a b"}, "user", "letters, digits"), ({"max_rounds": "11"}, "max_rounds", "from 0 to 10"),
    ({"steps": "2.5"}, "steps", "whole number"),
])
def test_bad_settings_name_their_field(studio: Studio, values: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InputError) as raised:
        Options.from_form(studio, **values)
    assert raised.value.param == field and words in str(raised.value)


def test_blank_settings_are_the_servers_defaults(studio: Studio) -> None:
    options = Options.from_form(studio, n="", size=" ", seed=None, backend="", model="", steps="", max_rounds="",
                                user="")
    assert options == Options()
    request = Options.from_form(studio, n="2", size="256x256", seed="5", user="ann").request(studio, "local", "a cat")
    assert (request.n, request.size, request.seed, request.user_id) == (2, (256, 256), 5, "ann")


# ---- the plan ---------------------------------------------------------------------------------


def test_an_edited_plan_is_drawn_as_edited(studio: Studio) -> None:
    text, table, note = plans.preview(studio, "local", "a poster that says 'OPEN' with two red apples",
                                      _options(studio))
    assert "OPEN" in table and "1 shot(s) planned" in note
    plan = json.loads(text)
    plan["shots"][0]["texts"][0]["text"] = "CLOSED"
    plan["shots"][0]["objects"][0]["color"] = "green"
    edited = json.dumps(plan)
    assert "CLOSED" in plans.readable(edited) and "2 green apple" in plans.readable(edited)
    conversation = Conversation()
    _, final = _last(plans.draw(studio, "local", conversation, edited, _options(studio)))
    report = conversation.turns[0].report
    drawn = report["plan"]["shots"][0]
    assert report["plan"]["planner"] == "given" and [t["text"] for t in drawn["texts"]] == ["CLOSED"]
    assert drawn["objects"][0]["color"] == "green"
    assert report["images"][0]["passed"]  # OCR read CLOSED where the plan put it
    assert "planner: given" in final.latest and 'data-status="done"' in final.latest


@pytest.mark.parametrize(("text", "words"), [
    ("", "the plan is empty"), ('{"request": "x", "shots": [', "not valid JSON: Expecting value at line 1 column 28"),
    ("[1]", "must be a JSON object"), ('{"request": "x", "shots": []}', "plan.shots: List should have at least 1 item"),
    ('{"request": "x", "shots": [{"index": 0, "prompt": "p", "texts": [{"text": ""}]}]}',
     "plan.shots.0.texts.0.text: String should have at least 1 character"),
])
def test_a_bad_plan_is_one_line_naming_the_field(studio: Studio, text: str, words: str) -> None:
    conversation = Conversation()
    frames = list(chat.guarded(studio, conversation, plans.draw(studio, "local", conversation, text,
                                                                _options(studio))))
    assert len(frames) == 1 and words in unescape(frames[0].message) and words in unescape(frames[0].latest)
    assert conversation.turns == []
    if text.strip():
        assert words in unescape(plans.readable(text))  # shown under the editor as it is typed


def test_the_graph_takes_a_plan_as_input(settings: Settings) -> None:
    """What "draw this plan" relies on, for every caller: a ``plan`` in the request, checked as a
    ScenePlan (LangGraph's input names the field at fault), drawn with its own count."""
    from agent.intake import request_from_input

    plan = {"request": "a sign", "shots": [{"index": 0, "prompt": "a sign", "texts": [{"text": "HI"}]},
                                           {"index": 1, "prompt": "a sign at night", "time_of_day": "night"}]}
    request = request_from_input({"prompt": "a sign", "plan": plan}, settings)
    assert request.n == 2 and request.plan is not None and request.plan.shots[1].time_of_day == "night"
    with pytest.raises(InputError) as raised:
        request_from_input({"prompt": "a sign", "plan": {**plan, "shots": [{"index": 0, "prompt": ""}]}}, settings)
    assert raised.value.param == "plan" and "request.plan.shots.0.prompt: String should have at least 1" in str(raised.value)
    with pytest.raises(InputError, match="n is 3 but the plan has 2 shot"):
        request_from_input({"prompt": "a sign", "plan": plan, "n": 3}, settings)
    with pytest.raises(InputError, match="a plan is drawn in agent mode, not in raw mode"):
        request_from_input({"prompt": "a sign", "plan": plan, "mode": "raw"}, settings)


# ---- edit mode ----------------------------------------------------------------------------------


def _gradient(size: tuple[int, int] = (160, 128)) -> Image.Image:
    width, height = size
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[..., 0] = np.arange(width)[None, :] * 255 // width
    pixels[..., 1] = np.arange(height)[:, None] * 255 // height
    pixels[..., 2] = 90
    return Image.fromarray(pixels)


def test_an_edit_with_a_painted_mask_keeps_the_pixels_outside_it(studio: Studio) -> None:
    source = _gradient()
    stroke = Image.new("RGBA", source.size, (0, 0, 0, 0))
    stroke.paste((255, 0, 255, 255), (50, 40, 90, 70))  # what the brush leaves on its layer
    editor = {"background": source, "layers": [stroke], "composite": None}
    conversation = Conversation()
    _, final = _last(edits.edit(studio, "local", conversation, editor, [], "make it red", _options(studio)))
    assert conversation.turns == []  # an edit is not part of the chat's thread
    assert "<b>preserve</b> pass" in final.latest
    href = _links(final.latest, r"/studio/files/.*/01\.png")[0]
    run_id, relative = re.match(r"/studio/files/([^/]+)/([^?]+)", href).groups()
    edited = np.asarray(Image.open(studio.links.resolve(run_id, relative)).convert("RGB")).astype(int)
    painted = np.zeros(edited.shape[:2], bool)
    painted[40:70, 50:90] = True
    near = np.asarray(Image.fromarray(painted).filter(ImageFilter.MaxFilter(2 * FEATHER_PX + 1)))
    original = np.asarray(source).astype(int)
    assert np.array_equal(edited[~near], original[~near])  # beyond the feathered edge: untouched
    assert (np.abs(edited[painted] - original[painted]).sum(-1) > 0).all()  # inside: every pixel changed
    assert not any((studio.uploads / "studio").iterdir())  # the upload folder went with the run


def test_an_edit_without_an_image_says_so(studio: Studio) -> None:
    frames = list(chat.guarded(studio, None, edits.edit(studio, "local", None, {"background": None, "layers": []},
                                                        [], "make it red", _options(studio))))
    assert "no image to edit: upload one" in frames[0].message and "no image to edit" in frames[0].latest


def test_the_painted_mask_is_where_any_layer_has_paint() -> None:
    first, second = Image.new("RGBA", (20, 10)), Image.new("RGBA", (40, 20))
    first.putpixel((1, 1), (9, 9, 9, 30))
    second.paste((1, 2, 3, 255), (20, 10, 40, 20))  # another size: scaled to the image's
    mask = edits.painted_mask([first, None, second], (20, 10))
    assert mask is not None and mask.size == (20, 10) and mask.getpixel((1, 1)) == 255
    assert mask.getbbox() == (1, 1, 20, 10) and mask.getpixel((5, 8)) == 0
    assert edits.painted_mask([Image.new("RGBA", (20, 10))], (20, 10)) is None


# ---- characters -------------------------------------------------------------------------------


def test_characters_per_user_add_search_remove_and_the_next_run_uses_them(studio: Studio) -> None:
    from agent.surfaces.studio import characters

    empty, _ = characters.list_characters(studio, "local", _options(studio))
    assert "No characters for local yet" in empty and not (studio.settings.home / "memory.sqlite").exists()
    with pytest.raises(InputError, match="part=colour"):
        characters.add_character(studio, "local", _options(studio), "Mira", "a fox", "fox", "coat teal", [])
    roster, note = characters.add_character(studio, "local", _options(studio), "Mira",
                                            "a small fox with a teal coat and round glasses", "fox", "coat=teal", [])
    assert "<td>Mira</td>" in roster and "coat teal" in roster and "remembered Mira for local" in note
    with pytest.raises(Exception, match="already exists") as raised:
        characters.add_character(studio, "local", _options(studio), "mira", "again", "", "", [])
    assert "already exists" in studio.problem(raised.value)  # the user's mistake, said as it is
    found, note = characters.search_characters(studio, "local", _options(studio), "a canine in spectacles")
    assert "<td>Mira</td>" in found and "<th>match</th>" in found and "1 match(es)" in note
    other, _ = characters.list_characters(studio, "local", _options(studio, user="ann"))
    assert "No characters for ann yet" in other  # another user's namespace
    conversation = Conversation()
    _last(chat.send(studio, "local", conversation, "Mira reading a book under a tree", _options(studio)))
    plan = conversation.turns[0].report["plan"]
    assert [(c["name"], c["remembered"], c["colors"]) for c in plan["characters"]] == [("Mira", True, {"coat": "teal"})]
    roster, note = characters.remove_character(studio, "local", _options(studio), "Mira")
    assert "No characters for local yet" in roster and note.endswith("forgot Mira</div>")


# ---- the pieces ---------------------------------------------------------------------------------


def test_a_turn_follows_a_runs_events(tmp_path: Path) -> None:
    turn = Turn(kind="chat", prompt="p", run_id="r1", folder=str(tmp_path / "r1"))
    for event in ({"event": "queued", "ahead": 2}, {"event": "node_start", "node": "plan"},
                  {"event": "plan", "shots": 2, "planner": "revision", "changed": [1]},
                  {"event": "generate_start", "images": 1, "backend": "sketch"},
                  {"event": "image", "shot": 1, "seed": 4, "ok": True, "error": None},
                  {"event": "critique", "shot": 1, "passed": False, "checks": []},
                  {"event": "repair", "shot": 1, "ok": True, "actions": ["retypeset"]}):
        turn.observe(event)
    assert (turn.status, turn.node, turn.planned) == ("running", "plan", 1)
    assert turn.plan_note == "2 shot(s), planner: revision, redrawing 2"
    assert turn.drawn == {1: str(tmp_path / "r1" / "work" / "shot-02-r0.png")} and turn.verdicts == {1: False}
    assert turn.notes == ["repaired image 2: retypeset"]
    html = render.progress(turn, StudioLinks(b"k", tmp_path, 60))
    assert "1 of 1 image(s) drawn" in html and 'aria-valuenow="1"' in html and "lm-thumb" in html


def test_the_first_version_is_where_the_generate_node_writes_it(tmp_path: Path, settings: Settings) -> None:
    from agent.request import build_request

    request = build_request("a cat", settings=settings, seed=1)
    assert work_path(request, 2, 0) == first_version(request.out_dir, 2)


def test_defect_boxes_badges_and_escaping(tmp_path: Path) -> None:
    links = StudioLinks(b"k", tmp_path, 60)
    entry = {"shot": 0, "seed": 3, "passed": False, "path": str(tmp_path / "run-1" / "01.png"), "repairs": [],
             "checks": [{"name": "ocr", "status": "fail", "reason": "read 'OPFN'", "box": [128, 0, 256, 64]},
                        {"name": "color", "status": "pass", "reason": "ok", "box": [0, 0, 10, 10]},
                        {"name": "clip", "status": "skipped", "reason": "no weights"}]}
    html = render.image_card(entry, "run-1", [512, 256], links)
    assert html.count('class="lm-defect"') == 1  # failed checks only
    assert 'style="left:25.00%;top:0.00%;width:25.00%;height:25.00%"' in html and "show defects" in html
    assert '<span class="lm-badge skipped" title="no weights"><b>clip</b> skipped<span class="lm-why"> · no weights' in html
    assert '<b>color</b> pass</span>' in html and "lm-badge verdict fail" in html
    assert _links(html, r"^/studio/files/run-1/01\.png\?expires=\d+&signature=[0-9a-f]{64}$")
    missing = render.image_card({**entry, "path": None, "error": "<b>boom</b>"}, "run-1", [512, 256], links)
    assert "not made: &lt;b&gt;boom&lt;/b&gt;" in missing and "lm-defect" not in missing
    turn = Turn(kind="chat", prompt="<script>alert(1)</script>", run_id="r", folder=str(tmp_path / "r"))
    assert "<script>" not in render.turn(turn, links) and "&lt;script&gt;" in render.turn(turn, links)


def test_signed_links_serve_a_runs_files_and_nothing_else(tmp_path: Path) -> None:
    runs = tmp_path / "out"
    (runs / "run-1" / "work").mkdir(parents=True)
    (runs / "run-1" / "work" / "shot-01-r0.png").write_bytes(b"png")
    (runs / "run-1" / "run.json").write_text("{}")
    (tmp_path / "secret.txt").write_text("no")
    links = StudioLinks(b"key", runs, 600)
    app = FastAPI()
    app.include_router(files_router(links))
    client = TestClient(app)
    url = links.file("run-1", runs / "run-1" / "work" / "shot-01-r0.png")
    assert url is not None and client.get(url).content == b"png"
    assert client.get(links.file("run-1", "run.json")).headers["content-type"] == "application/json"
    assert client.get(url.replace("shot-01", "shot-02")).status_code == 404  # the signature names the file
    assert client.get(url.replace("signature=", "signature=0")).status_code == 404
    assert links.file("run-1", tmp_path / "secret.txt") is None  # outside the run: no link at all
    assert links.resolve("run-1", "../../secret.txt") is None and links.folder("..") is None
    expired = re.sub(r"expires=\d+", "expires=1", url)
    assert client.get(expired).status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(client.get(links.zip("run-1")).content))
    assert sorted(archive.namelist()) == ["run-1/run.json", "run-1/work/shot-01-r0.png"]
    assert links.file("run-1", "run.json") == links.file("run-1", "run.json")  # stable while a run is shown
    other = StudioLinks(b"other key", runs, 600)
    assert not other.valid("run-1/run.json", int(time.time()) + 600, url.rsplit("signature=", 1)[1])


def test_who_may_call(studio: Studio) -> None:
    assert studio.owner("127.0.0.1", None) == "local"
    with pytest.raises(InputError, match="loopback clients only"):
        studio.owner("10.1.2.3", None)
    tokens = studio.settings.model_copy(update={"server_tokens": {"alice": "alice-token-0123456789"}})
    guarded = Studio(settings=tokens, service=studio.service, links=studio.links, uploads=studio.uploads)
    assert guarded.owner("10.1.2.3", "alice") == "alice"
    with pytest.raises(InputError, match="not signed in"):
        guarded.owner("127.0.0.1", None)
    check = sign_in_check(tokens)
    assert check is not None and check("alice", "alice-token-0123456789")
    assert not check("alice", "wrong") and not check("bob", "alice-token-0123456789")
    assert sign_in_check(studio.settings) is None
    assert "incident" in studio.problem(RuntimeError("/secret/path")) and "/secret" not in studio.problem(
        RuntimeError("/secret/path"))


def test_the_frontends_chunks_come_from_memory_compressed_once(tmp_path: Path) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from agent.surfaces.studio.assets import BuildAssets

    (tmp_path / "build").mkdir()
    script = b"console.log('limner');" * 200
    (tmp_path / "build" / "index-abc123.js").write_bytes(script)
    (tmp_path / "secret.txt").write_text("no")
    assets = BuildAssets(tmp_path / "build")
    client = TestClient(Starlette(routes=[Mount("/assets", assets)]))
    answer = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip, br"})
    assert answer.status_code == 200 and answer.content == script
    assert answer.headers["content-encoding"] == "br" and "immutable" in answer.headers["cache-control"]
    assert int(answer.headers["content-length"]) < len(script) / 10
    plain = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
    assert plain.content == script and "content-encoding" not in plain.headers
    (tmp_path / "build" / "index-abc123.js").write_bytes(b"changed")  # read once: a hashed name never changes
    assert client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "br"}).content == script
    assert client.head("/assets/index-abc123.js").content == b""
    assert client.get("/assets/nope.js").status_code == 404
    assert assets._load("../secret.txt", "") is None
    refused = client.post("/assets/index-abc123.js")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD"
