"""The vocabulary every part of limner speaks: scene plans, shots, checks, critiques.

Coordinates in a plan (``Box``) are normalised to 0..1 of the image so that a plan does
not depend on the output size. Boxes reported by checks (``CheckResult.box``) are pixel
coordinates ``[x0, y0, x1, y1]`` of the image that was checked.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

TextRole = Literal["sign", "title", "caption", "bubble", "label"]
CheckStatus = Literal["pass", "fail", "skipped"]
RepairKind = Literal["retypeset", "inpaint", "regenerate", "restore"]
EditOperation = Literal["add_text", "recolour", "crop", "extend", "inpaint"]
TimeOfDay = Literal["dawn", "morning", "noon", "afternoon", "dusk", "night"]
Weather = Literal["clear", "rain", "snow", "fog", "storm", "cloudy", "wind"]
View = Literal["front", "side", "back", "top", "three-quarter", "close-up", "wide"]
RelationType = Literal["left of", "right of", "above", "below", "in front of", "behind", "next to", "on", "under",
                       "in", "riding", "holding"]


class Box(BaseModel):
    """A rectangle in normalised image coordinates (0..1, origin top-left)."""

    model_config = ConfigDict(frozen=True)

    x0: float = Field(ge=0.0, le=1.0)
    y0: float = Field(ge=0.0, le=1.0)
    x1: float = Field(ge=0.0, le=1.0)
    y1: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> "Box":
        if self.x1 <= self.x0 or self.y1 <= self.y0:
            raise ValueError(f"box must have x0<x1 and y0<y1, got {self}")
        return self

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def to_pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """Pixel rectangle (x0, y0, x1, y1) of this box in an image of the given size."""
        return (
            round(self.x0 * width),
            round(self.y0 * height),
            round(self.x1 * width),
            round(self.y1 * height),
        )

    @classmethod
    def from_pixels(cls, box: tuple[int, int, int, int] | list[int], width: int, height: int) -> "Box":
        x0, y0, x1, y1 = box
        clamp = lambda v: min(1.0, max(0.0, v))  # noqa: E731 - tiny local helper
        return cls(x0=clamp(x0 / width), y0=clamp(y0 / height), x1=clamp(x1 / width), y1=clamp(y1 / height))


class Relation(BaseModel):
    """Where an object sits relative to another: typed, so layout and critics need not parse prose."""

    type: RelationType
    target: str
    """Name (singular noun) of the object this one is placed against."""


class SceneObject(BaseModel):
    """A thing to draw: ``count`` instances of ``name`` in ``color``, inside ``box`` if given."""

    name: str
    """Noun as the user wrote it, singular ("balloon")."""
    count: int = Field(default=1, ge=1, le=20)
    color: str | None = None
    """Colour name bound to this noun ("red"), or None for the object's natural colour."""
    box: Box | None = None
    """Where the objects go; None lets the generator compose."""
    relation: Relation | None = None
    """Spatial relation to another object, carried by the subject: "a laptop left of a cow"
    puts ``Relation(type="left of", target="cow")`` on the laptop. Contact relations are
    composed, not just ordered: "on" rests the subject on the target's top, "in" sets it into
    the target (drawn behind the target's front), "riding" seats it on the target, "holding"
    puts the target in the subject's hand."""


class TextElement(BaseModel):
    """Exact text that must appear in the image."""

    text: str = Field(min_length=1)
    """The string to render, exactly (case, accents and punctuation kept)."""
    role: TextRole = "sign"
    box: Box | None = None
    """Where the text goes; None lets the generator place it by role."""
    speaker: str | None = None
    """For speech bubbles: the id of the character who speaks."""
    surface: str | None = None
    """What the text is written on when the request says ("chalkboard", "whiteboard", "neon",
    "sticky note", "wooden sign"): the renderer draws that board; None: the role's own panel."""


class Character(BaseModel):
    """A recurring character. Colours and features stay identical in every shot."""

    id: str
    name: str
    description: str = ""
    species: str | None = None
    """What the character is ("fox", "robot", "woman"); drawn from it."""
    colors: dict[str, str] = Field(default_factory=dict)
    """Named colour slots: "body", "outfit", "accent", "hair"."""
    attributes: dict[str, str] = Field(default_factory=dict)
    remembered: bool = False
    """Taken from the user's long-term memory (its look is the remembered one)."""


class Shot(BaseModel):
    """One image of the batch."""

    index: int = Field(ge=0)
    """0-based position in the batch."""
    prompt: str = Field(min_length=1)
    """Self-contained prompt for a text-to-image model."""
    camera: str | None = None
    characters: list[str] = Field(default_factory=list)
    """Ids of the plan's characters present in this shot."""
    objects: list[SceneObject] = Field(default_factory=list)
    texts: list[TextElement] = Field(default_factory=list)
    negatives: list[str] = Field(default_factory=list)
    variation: str | None = None
    """What makes this shot differ from its siblings ("close-up", "at dusk")."""
    light: str | None = None
    """This shot's own light when the request set the shots apart ("one in a storm");
    None: the plan's."""
    setting: str | None = None
    """This shot's own place when the request set the shots apart; None: the plan's."""
    beat: str | None = None
    """The part of the request this shot draws (one moment of the story), verbatim."""
    action: str | None = None
    """What happens in this shot ("finds a lost umbrella"), for renderers and critics."""
    time_of_day: TimeOfDay | None = None
    """When this shot happens; inherited from the shot before unless its beat changes it."""
    weather: Weather | None = None
    """This shot's weather; inherited like ``time_of_day``."""
    view: View | None = None
    """The camera's view of the subject ("front", "side", "back"…) when the request says."""
    long_prompt: str | None = None
    """The full shot description for models that read more than 77 CLIP tokens; ``prompt`` is
    the one that fits."""


class EditSpec(BaseModel):
    """What an edit of the user's own image must change, and what must stay."""

    operation: EditOperation
    """add_text / recolour (exact, offline), crop / extend (canvas), inpaint (needs a model)."""
    instruction: str
    inputs: list[str]
    """Copies of the input images in the run folder; the first is the one edited."""
    size: tuple[int, int]
    """The input's size (outputs keep it, except crop and extend)."""
    region: Box | None = None
    """What may change; None: the whole image."""
    region_source: Literal["mask", "words", "whole"] = "whole"
    mask: str | None = None
    """The region's mask in the run folder ("L", white = edit), at the input's size."""
    text: str | None = None
    color: str | None = None
    aspect: str | None = None
    """Target ratio for crop and extend ("16:9")."""
    notes: list[str] = Field(default_factory=list)


class ScenePlan(BaseModel):
    """The typed plan of a request: global look plus one ``Shot`` per image."""

    request: str
    """The user's request, verbatim."""
    style: str | None = None
    setting: str | None = None
    light: str | None = None
    palette: list[str] = Field(default_factory=list)
    """Colour names that define the batch's palette."""
    characters: list[Character] = Field(default_factory=list)
    shots: list[Shot] = Field(min_length=1, max_length=8)
    negatives: list[str] = Field(default_factory=list)
    needs_facts: bool = False
    """True when the request names things the planner should look up."""
    search_queries: list[str] = Field(default_factory=list)
    aspect: str | None = None
    """Aspect the request asked for ("16:9", "square", "portrait"), or None; recorded, not enforced."""
    planner: str = "rules"
    """Which planner wrote the plan ("rules", or "llm:<model>")."""
    notes: list[str] = Field(default_factory=list)
    edit: EditSpec | None = None
    """Set in edit mode: the edit to make to the user's image."""

    # The plan JSON speaks the names; the graph keeps its attribute names, so both
    # survive without a rename rippling through nodes another part of the project owns.
    @computed_field  # type: ignore[prop-decorator]
    @property
    def needs_search(self) -> bool:
        """JSON name of ``needs_facts``: should the search node run before drawing."""
        return self.needs_facts

    @computed_field  # type: ignore[prop-decorator]
    @property
    def queries(self) -> list[str]:
        """JSON name of ``search_queries``."""
        return list(self.search_queries)

    @field_validator("shots")
    @classmethod
    def _indexed(cls, shots: list[Shot]) -> list[Shot]:
        if [s.index for s in shots] != list(range(len(shots))):
            raise ValueError("shots must be indexed 0..n-1 in order")
        return shots

    def character(self, character_id: str) -> Character | None:
        return next((c for c in self.characters if c.id == character_id), None)


class CheckResult(BaseModel):
    """The verdict of one checker on one image."""

    name: str
    status: CheckStatus
    score: float | None = None
    """0..1 where the check has a score; None when skipped."""
    expected: str | None = None
    found: str | None = None
    box: list[int] | None = None
    """Pixel box [x0, y0, x1, y1] of the defect or of what was found."""
    reason: str = ""


class RepairAction(BaseModel):
    """A targeted repair the critique suggests for one failed check."""

    kind: RepairKind
    check: str
    """Name of the failed check this repairs."""
    target: str | None = None
    """What to fix: the expected text for retypeset, a prompt for inpaint."""
    box: list[int] | None = None
    """Pixel region to work on; None means the whole image."""


class Critique(BaseModel):
    """All checks of one image and what to do about the failures."""

    shot: int
    checks: list[CheckResult] = Field(default_factory=list)
    repairs: list[RepairAction] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        """An image passes when no check failed (skipped checks do not fail it)."""
        return all(c.status != "fail" for c in self.checks)
