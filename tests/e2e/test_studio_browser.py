"""The studio in a real browser: `limner serve` on a free loopback port (the sketch backend, a
temporary LIMNER_HOME), Debian's Chromium driven by Playwright, each flow a person would take,
asserted on the page and on the files the page links to. The browser may reach the server and
nothing else: every other request is refused and fails the test.

Skipped, saying why, without Playwright's package, Debian's `chromium` (`make test` installs it
when run as root with apt-get) or Gradio. The screenshots of the README's "Studio" section are
taken here (1280x800): `LIMNER_STUDIO_SHOTS=docs/studio python -m pytest tests/e2e/test_studio_browser.py`.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

import httpx
import numpy as np
import pytest
from PIL import Image, ImageFilter

from agent.surfaces.studio.launch import free_port
from tools.edit_ops import FEATHER_PX

pytestmark = pytest.mark.slow
pytest.importorskip("gradio", reason="the studio needs gradio: `make install` installs it")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright's package is in the dev extra: make install")
CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (`make test` installs it when run as root with apt-get; "
                "Playwright's own browser download is not used)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
# The README's screenshots are retaken only when asked (LIMNER_STUDIO_SHOTS=docs/studio), so that
# a test run leaves the working tree as it was; otherwise they go to a scratch folder.
SHOTS = Path(os.environ.get("LIMNER_STUDIO_SHOTS") or Path(os.environ.get("TMPDIR", "/tmp")) / "limner-studio-shots")
if not SHOTS.is_absolute():
    SHOTS = ROOT / SHOTS
VIEWPORT = {"width": 1280, "height": 800}
READY = "#studio-prompt textarea"
BALLOONS = "four images of a fox with two red balloons"
DONE = ".lm-turn[data-status=done]"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`limner serve` as a person starts it, in a folder of its own; its base URL and run folder."""
    folder = tmp_path_factory.mktemp("studio")
    port = free_port()
    env = {**os.environ, "LIMNER_HOME": str(folder / "home"), "LIMNER_OUT_DIR": str(folder / "out"),
           "LIMNER_BACKEND": "sketch", "LIMNER_CLIP": "false", "LIMNER_SEARCH": "false"}
    log = (folder / "server.log").open("w")
    process = subprocess.Popen([str(Path(sys.executable).parent / "limner"), "serve", "--port", str(port)],
                               cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"limner serve did not start: {(folder / 'server.log').read_text()[-800:]}")
        time.sleep(0.2)
    try:
        yield {"base": base, "out": folder / "out"}
    finally:
        process.terminate()
        process.wait(60)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any, server: dict[str, Any]) -> Iterator[Any]:
    """A fresh tab on the studio (its own conversation); only the server may be reached from it."""
    context = browser.new_context(viewport=VIEWPORT)
    refused: list[str] = []

    def only_loopback(route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", only_loopback)
    tab = context.new_page()
    tab.goto(server["base"] + "/")
    tab.wait_for_selector(READY, state="visible")
    yield tab
    context.close()
    assert refused == [], f"the page tried to reach beyond the server: {refused[:3]}"


# ---- helpers ----------------------------------------------------------------------------------------


def _fill(page: Any, elem_id: str, text: str) -> None:
    page.locator(f"#{elem_id}").get_by_role("textbox").fill(text)


def _send(page: Any, prompt: str) -> None:
    _fill(page, "studio-prompt", prompt)
    page.click("#studio-send")


def _wait_turns(page: Any, scope: str, count: int, timeout_ms: int = 60_000) -> Any:
    """Wait until ``scope`` shows ``count`` finished turns (or the page says why not); the last one."""
    page.wait_for_function(
        "([scope, count]) => document.querySelectorAll(scope + ' .lm-turn[data-status=done], ' + scope + "
        "' .lm-turn[data-status=failed]').length >= count || document.querySelector('#studio-message .error')",
        arg=[scope, count], timeout=timeout_ms)
    assert page.locator("#studio-message .error").count() == 0, page.locator("#studio-message").inner_text()
    turn = page.locator(f"{scope} .lm-turn").nth(count - 1)
    assert turn.get_attribute("data-status") == "done", turn.inner_text()
    return turn


def _get(server: dict[str, Any], href: str) -> bytes:
    answer = httpx.get(server["base"] + href, timeout=30)
    assert answer.status_code == 200, (href, answer.text[:200])
    return answer.content


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _image_links(turn: Any) -> list[str]:
    return [a.get_attribute("href") for a in turn.locator(".lm-image a.lm-download").all()]


def _run_json(server: dict[str, Any], turn: Any) -> dict[str, Any]:
    return json.loads(_get(server, turn.locator("a.lm-download", has_text="run.json").get_attribute("href")))


def _shoot(page: Any, name: str, top: Any = None) -> None:
    """A 1280x800 screenshot for the README (from the top of the page, or with ``top`` at the top
    of the window), kept small (PNG, optimised)."""
    if top is None:
        page.evaluate("window.scrollTo(0, 0)")
    else:
        top.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(200)  # the images settle after the scroll
    SHOTS.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot()))
    image.convert("RGB").save(SHOTS / f"{name}.png", optimize=True)


def _settings(page: Any, **values: str) -> None:
    for field, value in values.items():
        _fill(page, f"studio-{field.replace('_', '-')}", value)


# ---- the flows --------------------------------------------------------------------------------------


def test_a_four_image_request_shows_its_images_verdicts_and_progress(page: Any, server: dict[str, Any]) -> None:
    # The progress indicator is watched for from before the request leaves, so however fast the
    # run, its showing is seen.
    page.evaluate("""() => { window.progressSeen = [];
        new MutationObserver(() => { const bar = document.querySelector('#studio-thread .lm-progress');
            if (bar) window.progressSeen.push(bar.querySelector('.lm-progress-line').textContent); })
        .observe(document.body, {subtree: true, childList: true, characterData: true}); }""")
    _settings(page, seed="7")
    _send(page, BALLOONS)
    turn = _wait_turns(page, "#studio-thread", 1)
    seen = page.evaluate("window.progressSeen")
    assert seen and any("image(s) drawn" in line or "waiting" in line or "starting" in line for line in seen), seen
    assert turn.locator(".lm-progress").count() == 0  # gone once the batch is there
    images = turn.locator(".lm-image")
    assert images.count() == 4
    for index in range(4):
        card = images.nth(index)
        assert card.locator(".lm-badge.verdict").inner_text() in ("passed", "failed checks")
        badges = card.locator(".lm-badges .lm-badge").all_inner_texts()
        assert any(text.startswith("color pass") for text in badges), badges
        assert any(text.startswith("clip skipped · CLIP checks are off") for text in badges), badges
        assert card.locator("img").evaluate("img => img.complete && img.naturalWidth") == 512
        assert f"seed {7 + index}" in card.locator(".lm-head").inner_text()
    assert "4 image(s), 4 passed" in page.locator("#studio-message").inner_text()
    zipped = zipfile.ZipFile(io.BytesIO(_get(server, turn.locator("a.lm-download", has_text="zip")
                                               .get_attribute("href"))))
    assert {"01.png", "04.png", "run.json", "contact.png"} <= {Path(n).name for n in zipped.namelist()}
    assert Image.open(io.BytesIO(_get(server, turn.locator("a.lm-download", has_text="contact sheet")
                                      .get_attribute("href")))).format == "PNG"
    _shoot(page, "chat")


def test_a_follow_up_changes_exactly_one_image(page: Any, server: dict[str, Any]) -> None:
    _settings(page, seed="11")
    _send(page, BALLOONS)
    first = _wait_turns(page, "#studio-thread", 1)
    _send(page, "in the second image make the balloons blue")
    second = _wait_turns(page, "#studio-thread", 2)
    assert second.locator(".lm-image.changed").count() == 1 and second.locator(".lm-image.kept").count() == 3
    assert second.locator(".lm-image.changed").get_attribute("data-shot") == "2"
    assert second.locator(".lm-image.changed .lm-badge.changed").inner_text() == "changed"
    assert "shot 2: balloon → blue" in second.locator(".lm-revision").inner_text()
    before = [_pixels(_get(server, href)) for href in _image_links(first)]
    after = [_pixels(_get(server, href)) for href in _image_links(second)]
    assert [np.array_equal(a, b) for a, b in zip(before, after)] == [True, False, True, True]
    _shoot(page, "follow-up", top=second)


def _gradient(path: Path) -> np.ndarray:
    height, width = 256, 320
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[..., 0] = np.arange(width)[None, :] * 255 // width
    pixels[..., 1] = np.arange(height)[:, None]
    pixels[..., 2] = 128
    Image.fromarray(pixels).save(path)
    return pixels.astype(int)


def test_an_edit_with_a_painted_mask_keeps_the_pixels_outside_it(page: Any, server: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    source = _gradient(tmp_path / "photo.png")
    page.get_by_role("tab", name="Edit").click()
    page.wait_for_selector("#studio-editor canvas")
    empty = page.locator("#studio-editor").inner_text()  # the placeholder, and the empty canvas's zoom
    page.set_input_files("#studio-editor input[type=file]", str(tmp_path / "photo.png"))
    # The image is on the canvas once the placeholder is gone and the zoom fits the image.
    page.wait_for_function("empty => { const text = document.querySelector('#studio-editor').innerText;"
                           " return !text.includes('Upload an image') && text !== empty; }", arg=empty)
    canvas = page.locator("#studio-editor canvas").first.bounding_box()
    x, y = canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2
    page.mouse.move(x - 40, y - 20)
    page.mouse.down()
    for step in range(16):  # a brush stroke across the middle
        page.mouse.move(x - 40 + step * 5, y - 20 + step * 2)
    page.mouse.up()
    _fill(page, "studio-instruction", "make it red")
    page.click("#studio-edit")
    turn = _wait_turns(page, "#studio-edit-result", 1)
    assert turn.locator(".lm-badge", has_text="preserve pass").count() == 1
    zipped = zipfile.ZipFile(io.BytesIO(_get(server, turn.locator("a.lm-download", has_text="zip")
                                               .get_attribute("href"))))
    files = {Path(name).name: name for name in zipped.namelist()}
    edited = _pixels(zipped.read(files["01.png"]))
    painted = Image.open(io.BytesIO(zipped.read(files["mask.png"]))).convert("L")  # what the brush sent
    inside = np.asarray(painted) > 127
    assert 500 < inside.sum() < inside.size / 4  # a stroke, not nothing and not the whole image
    near = np.asarray(painted.filter(ImageFilter.MaxFilter(2 * FEATHER_PX + 1))) > 0
    assert edited.shape == source.shape and np.array_equal(edited[~near], source[~near])
    assert (np.abs(edited[inside] - source[inside]).sum(-1) > 0).mean() > 0.99
    _shoot(page, "edit")


def test_an_empty_prompt_shows_a_clear_message_and_the_next_request_works(page: Any, server: dict[str, Any]) -> None:
    _send(page, "   ")
    message = page.locator("#studio-message .lm-message.error")
    message.wait_for(state="visible")
    assert message.inner_text() == "error: the prompt is empty: describe the images you want"
    assert page.locator("#studio-thread .lm-turn").count() == 0
    assert "Traceback" not in page.content()
    _send(page, "a red apple on a table")
    message.wait_for(state="detached")  # the next request's first answer replaces the message
    turn = _wait_turns(page, "#studio-thread", 1)
    assert turn.locator(".lm-image").count() == 1
    assert page.locator("#studio-message .lm-message.error").count() == 0


def test_a_character_added_in_the_page_is_used_by_the_next_run(page: Any, server: dict[str, Any]) -> None:
    page.get_by_role("tab", name="Characters").click()
    _fill(page, "studio-character-name", "Mira")
    _fill(page, "studio-character-species", "fox")
    _fill(page, "studio-character-description", "a small fox with a teal coat and round glasses")
    _fill(page, "studio-character-colours", "coat=teal")
    page.click("#studio-character-add")
    page.wait_for_selector("#studio-characters td:text-is('Mira')", timeout=90_000)
    assert "remembered Mira for local" in page.locator("#studio-message").inner_text()
    _shoot(page, "characters")
    page.get_by_role("tab", name="Chat").click()
    _send(page, "Mira reading a book under a tree")
    turn = _wait_turns(page, "#studio-thread", 1)
    assert "Mira (remembered)" in turn.locator(".lm-plan summary").inner_text()
    characters = _run_json(server, turn)["plan"]["characters"]
    assert [(c["name"], c["remembered"], c["colors"].get("coat")) for c in characters] == [("Mira", True, "teal")]


def test_an_edited_plan_is_drawn_as_edited(page: Any, server: dict[str, Any]) -> None:
    page.get_by_role("tab", name="Plan").click()
    _fill(page, "studio-plan-prompt", "a poster that says 'OPEN' with two red apples")
    page.click("#studio-plan-it")
    page.wait_for_selector("#studio-plan-table .lm-plan")
    editor = page.locator("#studio-plan-json .cm-content")
    plan = json.loads(editor.inner_text())
    assert [t["text"] for t in plan["shots"][0]["texts"]] == ["OPEN"]
    plan["shots"][0]["texts"][0]["text"] = "CLOSED"
    plan["shots"][0]["objects"][0]["color"] = "green"
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(json.dumps(plan, indent=2))
    page.wait_for_function("() => document.querySelector('#studio-plan-table').textContent.includes('CLOSED')")
    page.click("#studio-draw")
    turn = _wait_turns(page, "#studio-plan-result", 1)
    assert "planner: given" in turn.locator(".lm-plan summary").inner_text()
    assert turn.locator(".lm-badge", has_text="ocr pass").count() == 1  # CLOSED read back from the image
    drawn = _run_json(server, turn)["plan"]["shots"][0]
    assert [t["text"] for t in drawn["texts"]] == ["CLOSED"] and drawn["objects"][0]["color"] == "green"
    _shoot(page, "plan")
    # A broken edit is one line under the editor, and the page goes on.
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(json.dumps({**plan, "shots": []}))
    page.wait_for_function("() => document.querySelector('#studio-plan-table').textContent.includes('plan.shots')")
    page.click("#studio-draw")
    page.wait_for_selector("#studio-message .lm-message.error")
    assert re.fullmatch(r"error: bad plan: plan\.shots: List should have at least 1 item.*",
                        page.locator("#studio-message").inner_text())
