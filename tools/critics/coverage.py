"""The ``coverage`` critic: how much of what the shot planned was drawn with real art?

A renderer that knows what it placed (the ``sketch`` backend) reports a :class:`Drawing`:
each drawn copy of an object, clip-art or a labelled placeholder box, and the characters it
drew as figures. The check scores the share of the plan's elements drawn with art — each
planned object counted once, whatever its count, and each character — and fails when the
picture cannot be what was asked: a counted object (``count > 1``) drawn as placeholders, or
a planned object or character not drawn at all, or fewer copies of a name drawn than the plan
counts. A single uncounted placeholder lowers the score and is named, but passes: the frame
still shows the thing, labelled.

A redraw cannot add art the renderer does not have, so this check never suggests a repair:
a run ends with its failure reported. Backends that do not report what they drew get the
check skipped with a reason.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from tools.scene import Box, CheckResult, SceneObject, Shot

CHECK_NAME = "coverage"
INFO_KEY = "drawing"
"""Where a backend puts the :class:`Drawing` of an image: ``image.info[INFO_KEY]``."""
NO_REPORT_REASON = "the backend does not report which objects it drew with art (only sketch does)"


class DrawnObject(BaseModel):
    """One drawn copy of a planned object."""

    name: str
    """The planned object's name."""
    art: bool
    """True for real art (clip-art), False for a labelled placeholder box."""
    box: list[int]
    """Pixel box [x0, y0, x1, y1] of the copy."""


class Drawing(BaseModel):
    """What a renderer drew in one image, as far as the plan is concerned."""

    objects: list[DrawnObject] = Field(default_factory=list)
    """Every drawn copy of every object, in drawing order."""
    characters: list[str] = Field(default_factory=list)
    """Ids of the characters drawn (as stylised figures: always real art)."""

    def placed(self, objects: list[SceneObject], size: tuple[int, int]) -> list[SceneObject]:
        """``objects`` with their boxes where they were drawn (the union of each name's drawn
        copies), so that checks sample the drawn pixels: a renderer may move a thing against
        what it rests on. Objects not drawn keep their planned box."""
        out = []
        names = [o.name for o in objects]
        for obj in objects:
            boxes = [o.box for o in self.objects if o.name == obj.name]
            if boxes and names.count(obj.name) == 1:  # "a red apple and a green apple": which copy is which? the plan's
                union = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                         max(b[3] for b in boxes))
                if union[2] > union[0] and union[3] > union[1]:
                    obj = obj.model_copy(update={"box": Box.from_pixels(union, *size)})
            out.append(obj)
        return out

    @property
    def placeholders(self) -> list[str]:
        """Names of the objects drawn as labelled placeholder boxes, each once, in drawing order."""
        return list(dict.fromkeys(o.name for o in self.objects if not o.art))


def skipped(reason: str = NO_REPORT_REASON) -> CheckResult:
    """The coverage check for an image whose backend did not say what it drew."""
    return CheckResult(name=CHECK_NAME, status="skipped", reason=reason)


def check_coverage(shot: Shot, drawing: Drawing) -> CheckResult:
    """Score the share of ``shot``'s planned objects and characters that ``drawing`` drew with art.

    Planned objects are matched to drawn copies by name (two planned objects of one name
    share their copies' verdict).
    """
    copies: dict[str, list[DrawnObject]] = {}
    for copy in drawing.objects:
        copies.setdefault(copy.name, []).append(copy)
    characters = list(dict.fromkeys(shot.characters))
    total = len(shot.objects) + len(characters)
    if total == 0:
        return CheckResult(name=CHECK_NAME, status="pass", score=1.0, reason="nothing planned to draw")

    with_art, lone, counted, undrawn = 0, [], [], []
    box: list[int] | None = None
    for obj in shot.objects:
        drawn = copies.get(obj.name, [])
        if not drawn:
            undrawn.append(obj.name)
        elif all(c.art for c in drawn):
            with_art += 1
        else:
            if obj.count > 1:
                counted.append(f"{obj.count} {obj.name}")
            else:
                lone.append(obj.name)
            box = box or next(c.box for c in drawn if not c.art)
    # Fewer copies of a name than the plan counts ("three stars", or two lightning bolts in a
    # grid, one of them gone) is a thing not drawn, even when the name shows up.
    planned: dict[str, int] = {}
    for obj in shot.objects:
        planned[obj.name] = planned.get(obj.name, 0) + obj.count
    short = [f"{name} ({len(copies[name])} of {n} drawn)" for name, n in planned.items() if 0 < len(copies.get(name, [])) < n]
    missing_characters = [cid for cid in characters if cid not in drawing.characters]
    with_art += len(characters) - len(missing_characters)

    problems = []
    if counted:
        problems.append("counted objects drawn as placeholders: " + ", ".join(counted))
    if undrawn or missing_characters:
        problems.append("not drawn at all: " + ", ".join(undrawn + missing_characters))
    if short:
        problems.append("copies missing: " + ", ".join(short))
    summary = f"{with_art} of {total} planned elements drawn with art"
    if lone:
        summary += f"; drawn as a labelled placeholder: {', '.join(dict.fromkeys(lone))}"
    return CheckResult(
        name=CHECK_NAME,
        status="fail" if problems else "pass",
        score=round(with_art / total, 4),
        expected=", ".join([o.name for o in shot.objects] + characters),
        found=", ".join(drawing.placeholders) or None,
        box=box,
        reason="; ".join([summary, *problems]),
    )
