"""The critique node: what it preloads and when, and a whole batch judged at once as each image alone."""

from __future__ import annotations

import agent.nodes.critique as critique_node
from agent.request import build_request
from agent.run import run
from tools.critics.aggregate import ClipSettings
from tools.scene import ScenePlan, Shot, TextElement


def _plan(*shots: Shot) -> ScenePlan:
    return ScenePlan(request="r", shots=list(shots))


def test_preload_asks_for_ocr_only_when_a_shot_plans_or_forbids_text(settings, monkeypatch):
    asked: list[tuple] = []
    monkeypatch.setattr(critique_node, "preload", lambda ocr, clip: asked.append((ocr, clip)))
    plain = Shot(index=0, prompt="a fox")
    critique_node.preload_critics(_plan(plain), settings)
    critique_node.preload_critics(_plan(plain, Shot(index=1, prompt="a sign", texts=[TextElement(text="OPEN")])), settings)
    critique_node.preload_critics(_plan(Shot(index=0, prompt="a lake", negatives=["any text"])), settings)
    critique_node.preload_critics(None, settings)
    assert [ocr for ocr, _ in asked] == [None, "rapidocr", "rapidocr"]
    assert all(isinstance(clip, ClipSettings) and clip == settings.clip_settings() for _, clip in asked)


def test_preload_starts_when_the_plan_exists_before_the_images_are_made(settings, monkeypatch):
    order: list[str] = []
    monkeypatch.setattr(critique_node, "preload", lambda ocr, clip: order.append(f"preload {ocr}"))
    request = build_request("A poster that says 'OPEN LATE'", settings=settings, n=2, seed=3)
    report = run(request, settings=settings, on_event=lambda event: order.append(event["event"]))
    assert order.index("preload rapidocr") < order.index("generate_start") < order.index("critique")
    assert [c["name"] for c in report["images"][0]["checks"]][:1] == ["ocr"]


def test_raw_runs_preload_nothing(settings, monkeypatch):
    order: list[str] = []
    monkeypatch.setattr(critique_node, "preload", lambda ocr, clip: order.append("preload"))
    run(build_request("A poster that says 'OPEN LATE'", settings=settings, n=1, seed=3, mode="raw"), settings=settings)
    assert order == []


def test_a_no_text_shot_is_read_and_the_storyboards_labels_pass(settings):
    """"no text" is checked by reading the image; the sketch's labelled placeholder shapes
    (a planned object's name inside its box) are no text in the picture."""
    report = run(build_request("a quiet lake at sunset, no text", settings=settings, n=2, seed=5), settings=settings)
    checks = [c for image in report["images"] for c in image["checks"] if c["name"] == "no_text"]
    assert [c["status"] for c in checks] == ["pass", "pass"], [c["reason"] for c in checks]
    assert report["passed"] and report["rounds"] == 0
