"""The ``clip`` critics: does an image show its prompt, avoid its negatives, keep its identity?

All three rest on cosine similarities between CLIP embeddings, whose absolute scale
depends on the model and the kind of image (a storyboard sketch scores lower against any
caption than a photo does). So each decision is first of all *relative*: the prompt must
beat generic captions and the sibling shots' prompts, a negative concept must score
below the prompt, and an image must resemble the rest of its batch about as much as they
resemble each other. The absolute floors below are secondary guards, anchored on published
CLIP figures; they are not calibrated on this project's images (no CLIP weights were
available when they were set) and the critics eval should revisit them.

Checks take any object with ``embed_images`` and ``embed_texts`` (:class:`Embedder`),
so a :class:`ClipModel` from :func:`load_clip` and a scripted fake in a test go through
the same decision code. Importing this module does not import torch or open_clip.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from PIL import Image

from tools.critics.clip_loading import (
    DEFAULT_MODEL,
    DEFAULT_PRETRAINED,
    ClipConfigError,
    ClipError,
    ClipModel,
    ClipUnavailable,
    clear_clip_cache,
    load_clip,
)
from tools.scene import CheckResult

if TYPE_CHECKING:  # pragma: no cover - types only
    import torch

__all__ = [
    "ALIGNMENT_MARGIN",
    "ALIGNMENT_MIN_COSINE",
    "CHECK_ALIGNMENT",
    "CHECK_IDENTITY",
    "CHECK_NEGATIVE",
    "DEFAULT_MODEL",
    "DEFAULT_PRETRAINED",
    "GENERIC_DISTRACTORS",
    "IDENTITY_MIN_SIMILARITY",
    "IDENTITY_OUTLIER_GAP",
    "LOGIT_SCALE",
    "NEGATIVE_MARGIN",
    "SIBLING_MARGIN",
    "ClipConfigError",
    "ClipError",
    "ClipModel",
    "ClipUnavailable",
    "Embedder",
    "check_alignment",
    "check_consistency",
    "check_negatives",
    "check_reference",
    "clear_clip_cache",
    "load_clip",
    "skipped",
]

CHECK_ALIGNMENT = "clip"
CHECK_NEGATIVE = "clip_negative"
CHECK_IDENTITY = "clip_identity"

LOGIT_SCALE = 100.0
"""CLIP's softmax temperature: training (OpenAI's, Radford et al. 2021, and OpenCLIP's) clamps
the learnt scale at 100, and released ViT-B/32 checkpoints end at that cap. A cosine gap ``g``
between two captions is then a log-odds of ``100 * g`` in a two-way zero-shot choice."""

ALIGNMENT_MARGIN = 1.0 / LOGIT_SCALE
"""Lead (in cosine) the own prompt needs over every generic distractor: one logit at
CLIP's temperature, i.e. CLIP would pick the prompt over the distractor at odds of at
least e:1 (p >= 0.73). Derived from the model's scale, not calibrated on images."""

SIBLING_MARGIN = 0.0
"""Lead the own prompt needs over the batch's other prompts: none, only the ranking. Sibling
prompts share most of their words (same character, same setting), so demanding a lead over
them would fail shots whose difference is small by design."""

ALIGNMENT_MIN_COSINE = 0.2
"""Absolute floor for the image-prompt cosine (ViT-B/32-class scale). Published matched pairs
sit higher: CLIP-T of subject-driven generations 0.255-0.306 (DreamBooth, Ruiz et al. 2023,
Table 1; the CLIP variant is the paper's) and LAION kept web pairs at >= 0.3 (LAION-400M) and
>= 0.28 (LAION-5B English) with OpenAI ViT-B/32. 0.2 is set below all of them as a "barely
related" guard: a judgement from those numbers, not a calibration on limner's images, and
the number most likely to need one (flat storyboard sketches may score low against long
prompts). Other families (SigLIP, large ViTs) have other scales: pass ``min_score``."""

NEGATIVE_MARGIN = 1.0 / LOGIT_SCALE
"""Lead (in cosine) the prompt needs over "a photo of X" / "X": the same one-logit rule as
:data:`ALIGNMENT_MARGIN`. A detailed prompt usually outscores a bare noun, so this check
misses small unwanted objects rather than failing good images."""

IDENTITY_MIN_SIMILARITY = 0.6
"""Floor for an image's mean cosine with the other shots (or references). Published CLIP
image-image similarity (CLIP-I, DreamBooth Table 1) is 0.885 between real photos of one subject
and 0.78-0.81 for generations of it, textual inversion included. 0.6 is set well below those
to catch a shot that lost its subject or style, not subtle drift; a judgement, not a
calibration."""

IDENTITY_OUTLIER_GAP = 0.1
"""An image is an outlier when its mean cosine with the others is this much below the mean
cosine among those others (batches of 3+). 0.1 is about the spread in the same published
table between real photos of a subject (0.885) and a method known to lose identity (textual
inversion, 0.780): an order of magnitude from that table, not a calibration."""

GENERIC_DISTRACTORS: tuple[str, ...] = (
    "a blank image",
    "random noise",
    "a photo of text",
    "a solid colour background",
    "a blurry photo",
    "an empty white page",
    "a screenshot of a document",
)
"""Captions a failed generation tends to match better than its prompt (blank, noisy,
text-only or smeared output). Pass ``distractors`` to replace them, e.g. without
"a photo of text" for shots that are mostly lettering."""


class Embedder(Protocol):
    """What the checks need: unit-length embeddings of images and of texts, one row each."""

    def embed_images(self, images: Sequence[Image.Image]) -> "torch.Tensor": ...

    def embed_texts(self, texts: Sequence[str]) -> "torch.Tensor": ...


def _unit(rows: Any) -> "torch.Tensor":
    """Float32 rows of unit length, so that dot products are cosines even for a loose fake."""
    import torch
    import torch.nn.functional as F

    tensor = torch.as_tensor(rows, dtype=torch.float32)
    if tensor.ndim == 1:
        tensor = tensor.unsqueeze(0)
    return F.normalize(tensor.detach().cpu().float(), dim=-1)


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clamp01(value: float) -> float:
    return min(1.0, max(0.0, value))


def skipped(names: str | Sequence[str], reason: str) -> list[CheckResult]:
    """One skipped result per check name, e.g. when :func:`load_clip` raised ClipUnavailable."""
    if isinstance(names, str):
        names = [names]
    return [CheckResult(name=name, status="skipped", reason=reason) for name in names]


# ------------------------------------------------------------------------ alignment


def check_alignment(
    clip: Embedder,
    images: Sequence[Image.Image],
    prompts: Sequence[str],
    distractors: Sequence[str] | None = None,
    min_score: float = ALIGNMENT_MIN_COSINE,
    margin: float = ALIGNMENT_MARGIN,
    sibling_margin: float = SIBLING_MARGIN,
) -> list[CheckResult]:
    """One ``clip`` result per image: does it match its own prompt better than anything else?

    The image passes when its prompt leads every distractor caption (``distractors``, by
    default :data:`GENERIC_DISTRACTORS`) by ``margin``, leads the other shots' differing
    prompts by ``sibling_margin``, and its cosine is at least ``min_score``. ``score`` is
    that cosine clamped at 0 (CLIPScore's convention without its 2.5 stretch); ``found`` is
    the caption the image matches best. All texts and images are embedded in one call each.
    """
    if len(images) != len(prompts):
        raise ValueError(f"check_alignment needs one prompt per image: {len(images)} images, {len(prompts)} prompts")
    if not images:
        return []
    generic = list(GENERIC_DISTRACTORS if distractors is None else distractors)
    # 1. Embed every distinct caption once and every image once.
    captions = list(dict.fromkeys([*prompts, *generic]))
    position = {caption: i for i, caption in enumerate(captions)}
    sims = _unit(clip.embed_images(images)) @ _unit(clip.embed_texts(captions)).T

    # 2. Per image, compare the own prompt with the generic captions and the siblings.
    results = []
    for i, prompt in enumerate(prompts):
        row = sims[i]
        own = float(row[position[prompt]])
        key = prompt.strip().casefold()
        rivals: list[tuple[str, float, int | None]] = []  # (caption, cosine, sibling shot or None)
        seen = {key}
        for caption, shot in [*((c, None) for c in generic), *((p, j) for j, p in enumerate(prompts) if j != i)]:
            if caption.strip().casefold() not in seen:
                seen.add(caption.strip().casefold())
                rivals.append((caption, float(row[position[caption]]), shot))
        rivals.sort(key=lambda rival: -rival[1])
        found = rivals[0][0] if rivals and rivals[0][1] > own else prompt
        beaten = [r for r in rivals if own - r[1] < (margin if r[2] is None else sibling_margin)]
        failure = None
        if own < min_score:
            failure = f"weakly related to its prompt (cos {own:.3f} < {min_score:.2f})"
        elif beaten:
            caption, sim, shot = beaten[0]
            need = margin if shot is None else sibling_margin
            what = f"{_short(caption)!r}" if shot is None else f"shot {shot}'s prompt"
            failure = f"{what} matches as well or better (cos {sim:.3f} vs {own:.3f}; lead needed {need:.2f})"
        if failure:
            results.append(CheckResult(name=CHECK_ALIGNMENT, status="fail", score=_clamp01(own),
                                       expected=prompt, found=found, reason=failure))
            continue
        lead = f"; leads {_short(rivals[0][0], 30)!r} by {own - rivals[0][1]:.3f}" if rivals else ""
        results.append(CheckResult(name=CHECK_ALIGNMENT, status="pass", score=_clamp01(own), expected=prompt,
                                   found=found, reason=f"matches its prompt (cos {own:.3f}){lead}"))
    return results


# ------------------------------------------------------------------------ negatives


def check_negatives(
    clip: Embedder,
    image: Image.Image,
    prompt: str,
    negatives: Sequence[str],
    margin: float = NEGATIVE_MARGIN,
) -> list[CheckResult]:
    """One ``clip_negative`` result per negative concept X: the prompt must beat X by ``margin``.

    X is scored as the better of "a photo of X" and "X" (the first helps nouns, the second
    styles such as "watermark" or "blurry"). ``score`` is the two-way zero-shot probability
    that the image shows the prompt rather than X, ``sigmoid(LOGIT_SCALE * gap)``.
    """
    concepts = list(dict.fromkeys(n.strip() for n in negatives if n and n.strip()))
    if not concepts:
        return skipped(CHECK_NEGATIVE, "no negative concepts planned")
    captions = [prompt] + [c for n in concepts for c in (f"a photo of {n}", n)]
    sims = (_unit(clip.embed_images([image])) @ _unit(clip.embed_texts(captions)).T)[0]
    positive = float(sims[0])
    results = []
    for k, concept in enumerate(concepts):
        photo, bare = float(sims[1 + 2 * k]), float(sims[2 + 2 * k])
        negative, caption = (photo, captions[1 + 2 * k]) if photo >= bare else (bare, concept)
        gap = positive - negative
        score = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, LOGIT_SCALE * gap))))
        passed = gap >= margin
        verdict = "below" if passed else "too close to or above"
        reason = f"{_short(caption)!r} is {verdict} the prompt (cos {negative:.3f} vs {positive:.3f})"
        results.append(CheckResult(
            name=CHECK_NEGATIVE, status="pass" if passed else "fail", score=score,
            expected=f"no {concept}", found=caption, reason=reason,
        ))
    return results


# ------------------------------------------------------------------------- identity


def check_consistency(
    clip: Embedder,
    images: Sequence[Image.Image],
    min_similarity: float = IDENTITY_MIN_SIMILARITY,
    outlier_gap: float = IDENTITY_OUTLIER_GAP,
) -> list[CheckResult]:
    """One ``clip_identity`` result per image: does it look like the rest of its batch?

    1. In batches of three or more, an image is an *outlier* when its mean cosine with the
       others is ``outlier_gap`` below the mean cosine among those others: a relative test,
       independent of the model's absolute scale.
    2. The images that are not outliers form the batch's consensus; each image's ``score``
       is its mean cosine with the other consensus images (CLIP-I, the pairwise measure
       DreamBooth reports), so one stray shot does not drag the good ones under the floor.
    3. An image fails when it is an outlier or its score is below ``min_similarity``.
    """
    n = len(images)
    if n < 2:
        return skipped([CHECK_IDENTITY] * n, "only one image: nothing to compare it with")
    embeddings = _unit(clip.embed_images(images))
    sims = embeddings @ embeddings.T

    def mean_pairwise(members: list[int]) -> float:
        pairs = [float(sims[a, b]) for a in members for b in members if a < b]
        return sum(pairs) / len(pairs)

    # 1. Outliers: less like the others than the others are like each other.
    mean_with_others, outlier = [], []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        mean_with_others.append(sum(float(sims[i, j]) for j in others) / len(others))
        outlier.append(n >= 3 and mean_with_others[i] < mean_pairwise(others) - outlier_gap)
    # 2. Score against the consensus.
    core = [i for i in range(n) if not outlier[i]] or list(range(n))
    results = []
    for i in range(n):
        peers = [j for j in core if j != i] or [j for j in range(n) if j != i]
        score = sum(float(sims[i, j]) for j in peers) / len(peers)
        worst = min((j for j in range(n) if j != i), key=lambda j: float(sims[i, j]))
        found = f"least like shot {worst} (cos {float(sims[i, worst]):.3f})"
        # 3. Decide.
        if outlier[i]:
            others = [j for j in range(n) if j != i]
            status, reason = "fail", (
                f"outlier: mean cos {mean_with_others[i]:.3f} with the other shots, "
                f"which share {mean_pairwise(others):.3f} among themselves"
            )
        elif score < min_similarity:
            status, reason = "fail", f"unlike the other shots (mean cos {score:.3f} < {min_similarity:.2f})"
        else:
            status, reason = "pass", f"consistent with the other shots (mean cos {score:.3f})"
        results.append(CheckResult(name=CHECK_IDENTITY, status=status, score=_clamp01(score),
                                   expected="looks like the other shots", found=found, reason=reason))
    return results


def check_reference(
    clip: Embedder,
    image: Image.Image,
    reference_embeddings: Any,
    min_similarity: float = IDENTITY_MIN_SIMILARITY,
    label: str | None = None,
) -> list[CheckResult]:
    """One ``clip_identity`` result: does ``image`` look like a character's stored references?

    ``reference_embeddings`` are rows (tensor, array or lists of floats) made by the same
    CLIP model (store :attr:`ClipModel.id` with them: rows of another model of the same
    width cannot be told apart). ``score`` is the mean cosine with the references (CLIP-I);
    a width mismatch is reported as skipped, never scored.
    """
    subject = label or "the references"
    refs = _unit(reference_embeddings) if reference_embeddings is not None and len(reference_embeddings) else None
    if refs is None or refs.shape[0] == 0:
        return skipped(CHECK_IDENTITY, f"no reference embeddings for {subject}")
    embedding = _unit(clip.embed_images([image]))
    if embedding.shape[-1] != refs.shape[-1]:
        return skipped(CHECK_IDENTITY, f"reference embeddings of {subject} have width {refs.shape[-1]} but this "
                       f"CLIP model gives {embedding.shape[-1]}; re-embed the references with this model")
    sims = (embedding @ refs.T)[0]
    mean, best = float(sims.mean()), int(sims.argmax())
    passed = mean >= min_similarity
    comparison = ">=" if passed else "<"
    return [CheckResult(
        name=CHECK_IDENTITY, status="pass" if passed else "fail", score=_clamp01(mean),
        expected=f"looks like {subject}", found=f"closest to reference {best} (cos {float(sims[best]):.3f})",
        reason=f"mean cos {mean:.3f} with {subject} ({comparison} {min_similarity:.2f})",
    )]
