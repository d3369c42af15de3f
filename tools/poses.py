"""Poses for the sketch figures: what a shot's action does to a character's limbs.

The plan carries an action per shot ("she sleeps under a tree", "he runs away"); the first
pose word in it picks the pose (:func:`pose_of`), and :func:`pose_for` decides which of the
shot's characters it applies to. A pose is a skeleton (:func:`skeleton`): where the knees,
feet, elbows and hands are, as fractions of the figure's box, for a figure seen from the
front or from the side, so the drawing (:mod:`tools.figures`) and whoever places a held
object or a mount (:func:`tools.figures.hand_point`, :func:`tools.figures.seat_point`) agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tools.scene import ScenePlan, Shot

Pose = Literal["stand", "walk", "run", "sit", "sleep", "hold", "wave", "jump", "ride"]
POSES: tuple[Pose, ...] = ("stand", "walk", "run", "sit", "sleep", "hold", "wave", "jump", "ride")

# Verb forms by pose. The earliest word in the action wins ("walks in, then sits" walks).
_WORDS: list[tuple[Pose, str]] = [
    ("sleep", r"sleep(?:s|ing)?|slept|asleep|naps?|napping|napped|doz(?:e|es|ing|ed)|lies (?:down|on|in)|lying"
              r"|lay(?:s|ing)? down|reclin(?:e|es|ing)|snooz(?:e|es|ing)|in bed|sunbath(?:e|es|ing)"),
    ("ride", r"rid(?:e|es|ing)|rode|on horseback|mounted on|gallop(?:s|ing)?"),
    ("sit", r"sit(?:s|ting)?|sat|seated|kneel(?:s|ing)?|knelt|squat(?:s|ting)?|crouch(?:es|ing)?|perch(?:es|ed|ing)?"),
    ("jump", r"jump(?:s|ed|ing)?|leap(?:s|t|ed|ing)?|hop(?:s|ped|ping)?|bounc(?:e|es|ed|ing)|skip(?:s|ping)?"),
    ("run", r"run(?:s|ning)?|ran|sprint(?:s|ed|ing)?|rac(?:es|ed|ing)|chas(?:e|es|ed|ing)|flee(?:s|ing)?|fled"
            r"|dash(?:es|ed|ing)?|rush(?:es|ed|ing)?|hurr(?:y|ies|ied|ying)|jog(?:s|ged|ging)?"),
    ("walk", r"walk(?:s|ed|ing)?|stroll(?:s|ed|ing)?|wander(?:s|ed|ing)?|hik(?:e|es|ed|ing)|march(?:es|ed|ing)?"
             r"|strid(?:e|es|ing)|trudg(?:e|es|ed|ing)|step(?:s|ped|ping)?|heads? (?:home|out|off)"),
    ("wave", r"wav(?:e|es|ed|ing)|greet(?:s|ed|ing)?|says? (?:hi|hello|goodbye|bye)|salut(?:e|es|ed|ing)"
             r"|cheer(?:s|ed|ing)?|points? at|point(?:s|ing)? to|rais(?:e|es|ing) (?:a|her|his|their) hand"),
    ("hold", r"hold(?:s|ing)?|held|carr(?:y|ies|ied|ying)|giv(?:e|es|ing)|gave|hand(?:s|ed|ing)? (?:over|it|the|a)"
             r"|offer(?:s|ed|ing)?|pick(?:s|ed|ing)? up|grab(?:s|bed|bing)?|lift(?:s|ed|ing)?|open(?:s|ed|ing)?"
             r"|read(?:s|ing)?|eat(?:s|ing)?|ate|drink(?:s|ing)?|drank|cook(?:s|ed|ing)?|bak(?:e|es|ed|ing)"
             r"|paint(?:s|ed)|play(?:s|ed|ing)? (?:the|a|his|her)|brings?|brought|shows? (?:the|a|her|his|off)"
             r"|catch(?:es|ing)?|caught|throw(?:s|ing)?|threw|plant(?:ed|ing)|water(?:s|ed|ing)? the|pour(?:s|ed|ing)?"
             r"|feed(?:s|ing)?|fed|hug(?:s|ged|ging)?|writ(?:e|es|ing)|wrote|sweep(?:s|ing)?|swept|fishing"),
]
_FIND = re.compile("|".join(rf"(?P<{pose}>\b(?:{words})\b)" for pose, words in _WORDS), re.I)
_ALL_OF_THEM = re.compile(r"\b(?:they|them|both|everyone|everybody|together|all of them"
                          r"|the (?:two|three|four) of them)\b", re.I)


def pose_of(text: str | None) -> Pose:
    """The pose the first pose word of ``text`` names ("she sleeps under a tree" -> "sleep");
    "stand" when it names none."""
    match = _FIND.search(text or "")
    return match.lastgroup if match else "stand"  # type: ignore[return-value]


def pose_for(shot: Shot, cid: str, plan: ScenePlan | None = None) -> Pose:
    """The pose of character ``cid`` in ``shot``: from the shot's action (else its beat, else
    its prompt), for the characters it names before the pose word, for everyone when it says
    "they" or "both", else for the shot's first character (the subject of "she runs")."""
    text = shot.action or shot.beat or shot.prompt or ""
    match = _FIND.search(text)
    if match is None:
        return "stand"
    pose: Pose = match.lastgroup  # type: ignore[assignment]
    cast = list(dict.fromkeys(shot.characters))
    if len(cast) <= 1 or _ALL_OF_THEM.search(text[: match.start()]):
        return pose
    clause = re.split(r"[.;!?]|\bthen\b", text[: match.start()])[-1]

    def named(who: str) -> bool:
        character = plan.character(who) if plan else None
        names = {who, *(n for n in ((character.name, character.species) if character else ()) if n)}
        return any(re.search(rf"\b{re.escape(n)}\b", clause, re.I) for n in names)

    subjects = [who for who in cast if named(who)]
    return pose if cid in (subjects or cast[:1]) else "stand"


Point = tuple[float, float]


@dataclass(frozen=True)
class Skeleton:
    """Joints of a posed figure as fractions of its box: x from the box's centre line (-0.5 is
    the left edge), y from the top (1 is the bottom). Limb 0 is the figure's left in the
    picture (seen from the side: the far limb), limb 1 its right (the near one)."""

    dy: float
    """How far the torso and head sit lower than standing (a seated figure is shorter)."""
    hips: tuple[Point, Point]
    knees: tuple[Point, Point]
    feet: tuple[Point, Point]
    shoulders: tuple[Point, Point]
    elbows: tuple[Point, Point]
    hands: tuple[Point, Point]
    over: frozenset[int]
    """Arms drawn over the torso (a hand held in front), the others behind its edges."""
    grounded: bool = True
    """The feet stand on the ground (a jumper's and a rider's do not)."""
    lying: bool = False
    """Drawn standing, then laid down (sleeping)."""


_Limbs = tuple[tuple[Point, Point], tuple[Point, Point]]
# (dy, legs: ((knee, foot) left, (knee, foot) right), arms: ((elbow, hand), (elbow, hand)), arms over, grounded)
_FRONT: dict[str, tuple[float, _Limbs, _Limbs, frozenset[int], bool]] = {
    "stand": (0.0, (((-0.11, 0.79), (-0.11, 0.935)), ((0.11, 0.79), (0.11, 0.935))),
              (((-0.30, 0.53), (-0.38, 0.64)), ((0.30, 0.53), (0.38, 0.64))), frozenset(), True),
    "walk": (0.0, (((-0.15, 0.79), (-0.19, 0.935)), ((0.14, 0.78), (0.15, 0.905))),
             (((-0.33, 0.50), (-0.37, 0.57)), ((0.31, 0.55), (0.41, 0.66))), frozenset(), True),
    "run": (0.0, (((-0.22, 0.78), (-0.31, 0.935)), ((0.21, 0.71), (0.31, 0.83))),
            (((-0.37, 0.47), (-0.30, 0.35)), ((0.36, 0.53), (0.44, 0.63))), frozenset(), True),
    "sit": (0.13, (((-0.17, 0.82), (-0.15, 0.935)), ((0.17, 0.82), (0.15, 0.935))),
            (((-0.31, 0.66), (-0.19, 0.77)), ((0.31, 0.66), (0.19, 0.77))), frozenset({0, 1}), True),
    "ride": (0.13, (((-0.31, 0.82), (-0.33, 0.93)), ((0.31, 0.82), (0.33, 0.93))),
             (((-0.31, 0.64), (-0.11, 0.69)), ((0.31, 0.64), (0.11, 0.69))), frozenset({0, 1}), False),
    "hold": (0.0, (((-0.11, 0.79), (-0.11, 0.935)), ((0.11, 0.79), (0.11, 0.935))),
             (((-0.30, 0.53), (-0.38, 0.64)), ((0.34, 0.55), (0.15, 0.52))), frozenset({1}), True),
    "wave": (0.0, (((-0.11, 0.79), (-0.11, 0.935)), ((0.11, 0.79), (0.11, 0.935))),
             (((-0.30, 0.53), (-0.38, 0.64)), ((0.38, 0.36), (0.41, 0.22))), frozenset(), True),
    "jump": (0.0, (((-0.22, 0.74), (-0.14, 0.85)), ((0.22, 0.74), (0.14, 0.85))),
             (((-0.36, 0.32), (-0.40, 0.20)), ((0.36, 0.32), (0.40, 0.20))), frozenset(), False),
}
_SIDE: dict[str, tuple[float, _Limbs, _Limbs, frozenset[int], bool]] = {
    "stand": (0.0, (((-0.02, 0.79), (-0.02, 0.935)), ((0.03, 0.79), (0.03, 0.935))),
              (((0.0, 0.53), (0.02, 0.63)), ((0.02, 0.53), (0.05, 0.63))), frozenset({1}), True),
    "walk": (0.0, (((-0.08, 0.79), (-0.17, 0.935)), ((0.09, 0.785), (0.15, 0.935))),
             (((-0.08, 0.52), (-0.15, 0.61)), ((0.09, 0.52), (0.17, 0.60))), frozenset({1}), True),
    "run": (0.0, (((-0.12, 0.80), (-0.32, 0.86)), ((0.22, 0.72), (0.17, 0.885))),
            (((-0.14, 0.50), (-0.24, 0.58)), ((0.14, 0.52), (0.26, 0.42))), frozenset({1}), True),
    "sit": (0.13, (((0.25, 0.77), (0.25, 0.935)), ((0.28, 0.78), (0.28, 0.935))),
            (((0.05, 0.66), (0.20, 0.74)), ((0.07, 0.66), (0.22, 0.75))), frozenset({1}), True),
    "ride": (0.13, (((0.10, 0.84), (0.05, 0.95)), ((0.14, 0.84), (0.09, 0.95))),
             (((0.10, 0.64), (0.26, 0.62)), ((0.12, 0.64), (0.28, 0.62))), frozenset({1}), False),
    "hold": (0.0, (((-0.02, 0.79), (-0.02, 0.935)), ((0.03, 0.79), (0.03, 0.935))),
             (((0.0, 0.53), (0.02, 0.63)), ((0.08, 0.53), (0.30, 0.50))), frozenset({1}), True),
    "wave": (0.0, (((-0.02, 0.79), (-0.02, 0.935)), ((0.03, 0.79), (0.03, 0.935))),
             (((0.0, 0.53), (0.02, 0.63)), ((0.10, 0.34), (0.16, 0.20))), frozenset({1}), True),
    "jump": (0.0, (((0.14, 0.72), (-0.02, 0.84)), ((0.18, 0.73), (0.02, 0.85))),
             (((0.06, 0.30), (0.12, 0.18)), ((0.10, 0.30), (0.16, 0.18))), frozenset({1}), False),
}


def skeleton(pose: str, view: str | None = None) -> Skeleton:
    """The joints of ``pose`` seen from ``view``: "side" is a profile facing right, "back"
    the front mirrored (and nothing held in front shows), "three-quarter" the front a little
    narrowed; any other view is the front."""
    lying = pose == "sleep"
    key = "stand" if lying or pose not in _FRONT else pose
    side = view == "side"
    dy, legs, arms, over, grounded = (_SIDE if side else _FRONT)[key]
    sx = -1.0 if view == "back" else 0.85 if view == "three-quarter" else 1.0

    def x(p: Point) -> Point:
        return (p[0] * sx, p[1])

    if side:
        hips, shoulders = ((-0.01, 0.64 + dy), (0.03, 0.64 + dy)), ((0.0, 0.41 + dy), (0.02, 0.41 + dy))
    else:
        hx = 0.10 if key in ("walk", "run", "ride") else 0.11
        hips, shoulders = (x((-hx, 0.64 + dy)), x((hx, 0.64 + dy))), (x((-0.22, 0.41 + dy)), x((0.22, 0.41 + dy)))
    return Skeleton(dy=dy, hips=hips, knees=(x(legs[0][0]), x(legs[1][0])), feet=(x(legs[0][1]), x(legs[1][1])),
                    shoulders=shoulders, elbows=(x(arms[0][0]), x(arms[1][0])), hands=(x(arms[0][1]), x(arms[1][1])),
                    over=frozenset() if view == "back" else over, grounded=grounded, lying=lying)


__all__ = ["POSES", "Pose", "Skeleton", "pose_for", "pose_of", "skeleton"]
