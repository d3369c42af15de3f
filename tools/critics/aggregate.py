"""aggregate: run every check on the images of a batch and collect a ``Critique`` per image."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from PIL import Image

from tools.critics import color, coverage, no_text, ocr, other_shots
from tools.critics.workers import map_ordered
from tools.scene import CheckResult, Critique, RepairAction, Shot


@dataclass(frozen=True)
class ClipSettings:
    """Which CLIP to use for the batch-level checks (mirrors the ``clip_*`` settings)."""

    enabled: bool = True
    model: str = "ViT-B-32"
    pretrained: str | None = "laion2b_s34b_b79k"
    device: str = "cpu"


ClipProvider = Callable[[ClipSettings], tuple[Any, str | None]]
"""Gives the embedder for ``ClipSettings`` (or None and why not), instead of loading it here."""
_provider: ClipProvider | None = None


def use_clip_provider(provider: ClipProvider | None) -> None:
    """From now on, in this process, :func:`configured_clip` asks ``provider`` for the embedder
    (scale-out: a Ray Serve deployment, ``agent.surfaces.scale.serve_critics``); None: CLIP is
    loaded in this process (the default)."""
    global _provider
    _provider = provider


def configured_clip(settings: ClipSettings) -> tuple[Any, str | None]:
    """The CLIP model the settings name, or None and why it cannot run (off, no weights); from
    the provider when one is set (:func:`use_clip_provider`), else loaded here."""
    if not settings.enabled:
        return None, "CLIP checks are off (LIMNER_CLIP=false)"
    provider = _provider
    return provider(settings) if provider is not None else load_configured_clip(settings)


def load_configured_clip(settings: ClipSettings) -> tuple[Any, str | None]:
    """The CLIP model the settings name, loaded in this process, or None and why it cannot run."""
    from tools.critics import clip  # lazy: CLIP loads torch
    from tools.critics.clip_loading import quick_skip_reason  # lazy: CLIP loads torch

    reason = None if settings.enabled else "CLIP checks are off (LIMNER_CLIP=false)"
    reason = reason or quick_skip_reason(settings.pretrained)
    if reason is not None:
        return None, reason
    try:
        return clip.load_clip(settings.model, settings.pretrained, settings.device), None
    except clip.ClipError as error:
        return None, str(error)


def clip_checks(
    images: dict[int, Image.Image], shots: dict[int, Shot], settings: ClipSettings
) -> dict[int, list[CheckResult]]:
    """CLIP verdicts per shot index: alignment (against distractors and sibling prompts),
    negatives, and identity across the batch. They need every image at once, hence here.
    When CLIP cannot run, each image gets one ``clip`` check ``skipped`` with the reason."""
    from tools.critics import clip  # lazy: CLIP loads torch

    order = sorted(images)
    model, reason = configured_clip(settings)
    if model is None:
        return {index: clip.skipped(clip.CHECK_ALIGNMENT, reason or "CLIP unavailable") for index in order}
    batch = [images[i] for i in order]
    alignment = clip.check_alignment(model, batch, [shots[i].prompt for i in order])
    identity = clip.check_consistency(model, batch) if len(batch) > 1 else []
    results: dict[int, list[CheckResult]] = {}
    for position, index in enumerate(order):
        checks = [alignment[position]]
        if shots[index].negatives:
            checks += clip.check_negatives(model, images[index], shots[index].prompt, shots[index].negatives)
        if identity:
            checks.append(identity[position])
        results[index] = checks
    return results


def text_checks(image: Image.Image, shot: Shot, ocr_engine: str | ocr.OcrEngine = "rapidocr") -> list[CheckResult]:
    """The OCR checks a shot needs, and only those: its planned texts, else — when its
    negatives forbid text — that none is there; a shot with neither is not read at all."""
    if not shot.texts and no_text.forbids_text(shot.negatives):
        return no_text.check_no_text(image, shot.objects, engine=ocr_engine)
    return ocr.check_texts(image, shot.texts, engine=ocr_engine)


def critique_image(
    image: Image.Image,
    shot: Shot,
    *,
    ocr_engine: str = "rapidocr",
    extra_checks: list[CheckResult] | None = None,
    foreign_texts: Sequence[str] = (),
    drawing: coverage.Drawing | None = None,
) -> Critique:
    """All per-image checks for ``image`` against what ``shot`` planned.

    ``extra_checks`` are verdicts computed over the whole batch (:func:`clip_checks`);
    a failed one is repaired by regenerating the shot with a new seed. ``foreign_texts`` are
    the texts other shots of the batch carry: finding one here is a defect. ``drawing`` is
    what the backend says it drew (sketch); given, the coverage check judges it — with no
    repair: a redraw cannot add art the renderer lacks.
    """
    texts = text_checks(image, shot, ocr_engine)
    texts += other_shots.check_other_shots_text(image, foreign_texts, engine=ocr_engine)
    color_checks = color.check_colors(image, drawing.placed(shot.objects, image.size) if drawing else shot.objects)
    extra = list(extra_checks or [])
    extra += [coverage.check_coverage(shot, drawing)] if drawing is not None else []
    repairs: list[RepairAction] = ocr.suggest_repairs(texts, shot.texts, image_size=image.size)
    repairs += no_text.suggest_repairs(texts)
    repairs += other_shots.suggest_repairs(texts)
    repairs += color.suggest_repairs(color_checks)
    repairs += [RepairAction(kind="regenerate", check=c.name) for c in extra
                if c.status == "fail" and c.name != coverage.CHECK_NAME][:1]
    return Critique(shot=shot.index, checks=texts + color_checks + extra, repairs=repairs)


def critique_images(
    images: dict[int, Image.Image],
    shots: dict[int, Shot],
    *,
    ocr_engine: str = "rapidocr",
    extra_checks: dict[int, list[CheckResult]] | None = None,
    foreign_texts: dict[int, list[str]] | None = None,
    drawings: dict[int, coverage.Drawing | None] | None = None,
) -> Iterator[tuple[int, Critique]]:
    """:func:`critique_image` for every image, several at once (see
    :mod:`tools.critics.workers`); ``(shot index, critique)`` in the order of ``images``, each
    as soon as it and those before it are done. Each image's verdict is the one it gets alone.
    With ``drawings`` (what the backend drew, per image), an image without one gets the
    coverage check skipped with the reason."""
    extra = extra_checks or {}
    foreign = foreign_texts or {}

    def judge(index: int) -> tuple[int, Critique]:
        drawing = (drawings or {}).get(index)
        verdict = critique_image(images[index], shots[index], ocr_engine=ocr_engine, extra_checks=extra.get(index),
                                 foreign_texts=foreign.get(index, ()), drawing=drawing)
        if drawings is not None and drawing is None:
            verdict = verdict.model_copy(update={"checks": [*verdict.checks, coverage.skipped()]})
        return index, verdict

    yield from map_ordered(judge, list(images))


def preload(ocr_engine: str | None, clip: ClipSettings | None) -> threading.Thread | None:
    """Start loading the OCR engine (all its instances) and the configured CLIP in a
    background thread, so that they are ready when the images are; None when there is
    nothing to load. Loaded engines stay for the life of the process; a failure to load is
    remembered and reported by the checks themselves, as without a preload."""
    if ocr_engine is None and (clip is None or not clip.enabled):
        return None

    def load() -> None:
        try:
            if ocr_engine is not None:
                engine = ocr.get_engine(ocr_engine)
                warm = getattr(engine, "warm", None)
                if callable(warm):
                    warm()
            if clip is not None and clip.enabled:
                configured_clip(clip)
        except Exception:  # noqa: BLE001 - the critique loads (and reports) it again when it runs
            pass

    thread = threading.Thread(target=load, name="limner-critics-preload")
    thread.start()
    return thread


def missing_image_critique(shot: int, error: str) -> Critique:
    """A shot whose generation failed: a failed ``generate`` check, repaired by regenerating."""
    check = CheckResult(name="generate", status="fail", reason=error)
    return Critique(shot=shot, checks=[check], repairs=[RepairAction(kind="regenerate", check="generate")])
