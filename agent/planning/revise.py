"""Follow-ups in a conversation: "make her coat blue", "in the second image make the balloons
red", "change the text to 'OPEN LATE'", "now show her from behind".

A follow-up edits the previous plan instead of planning anew: only the shots the change
touches are drawn again, with their old seeds, so what was not asked does not change. An
instruction that is not a change to the previous plan returns None (the caller plans anew).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.planning.objects import singular
from agent.planning.rules import extract_texts
from agent.planning.vocab import COLOURS
from tools.scene import ScenePlan

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8}
_SLOTS = ("coat|jacket|dress|shirt|scarf|hat|cloak|robe|hair|fur|skin|feathers|trousers|pants|skirt|shorts|tie|bow|"
          "boots|shoes|outfit|clothes|suit|top|eyes")
_COLOUR = "|".join(COLOURS)
_PRONOUNS = r"her|his|their|its|the"
_VIEWS = {
    r"from behind|from the back|back view": "seen from behind",
    r"from the side|side view|in profile": "side view",
    r"close[- ]?up": "close-up",
    r"wide shot|from far away|from afar": "wide shot",
    r"from above|top[- ]down|bird'?s[- ]eye": "seen from above",
    r"from below|low angle": "low angle, looking up",
}


@dataclass
class Revision:
    """What a follow-up changed: the new plan and the shots that must be drawn again."""

    plan: ScenePlan
    changed_shots: list[int]
    changes: list[str] = field(default_factory=list)


def _target_shots(instruction: str, count: int) -> list[int] | None:
    """Shots the instruction names ("image 2", "the second one", "the last panel"); None: all."""
    lower = instruction.lower()
    named: set[int] = set()
    for match in re.finditer(r"\b(?:image|picture|shot|panel|frame|one|version)\s*#?(\d)\b", lower):
        named.add(int(match[1]) - 1)
    for word, number in _ORDINALS.items():
        if re.search(rf"\bthe {word}\b", lower):
            named.add(number - 1)
    if re.search(r"\bthe last\b", lower):
        named.add(count - 1)
    named = {i for i in named if 0 <= i < count}
    return sorted(named) if named else None


def revise(previous: ScenePlan, instruction: str) -> Revision | None:
    """The previous plan with the follow-up applied, or None when it is not a follow-up change."""
    plan = previous.model_copy(deep=True)
    lower = " ".join(instruction.lower().split())
    targets = _target_shots(lower, len(plan.shots)) or [s.index for s in plan.shots]
    changed: set[int] = set()
    changes: list[str] = []
    names = "|".join(re.escape(c.name.lower()) for c in plan.characters) or "(?!)"

    # 1. A character's colour: "make her coat blue", "Mira's scarf to red".
    for match in re.finditer(rf"\b(?:({names})'s|{_PRONOUNS})\s+({_SLOTS})\s+(?:to |into |be |is )?({_COLOUR})\b", lower):
        who, slot, colour = match[1], match[2], match[3]
        chosen = [c for c in plan.characters if who is None or c.name.lower() == who]
        for character in chosen:
            character.colors[slot] = colour
            changes.append(f"{character.name}: {slot} → {colour}")
            changed |= {s.index for s in plan.shots if s.index in targets and character.id in s.characters}
    # 2. An object's colour: "make the balloons blue".
    for match in re.finditer(rf"\b(?:make|turn|paint|colou?r|change)\s+(?:all\s+)?the\s+([a-z ]+?)\s+(?:to |into )?({_COLOUR})\b", lower):
        name, colour = singular(match[1].strip()), match[2]
        for shot in plan.shots:
            if shot.index not in targets:
                continue
            for obj in shot.objects:
                if obj.name == name:
                    obj.color = colour
                    changed.add(shot.index)
                    changes.append(f"shot {shot.index + 1}: {name} → {colour}")
    # 3. Text: "change the text to 'OPEN LATE'", "make it say 'X'".
    texts, _ = extract_texts(instruction)
    if texts and re.search(r"\b(text|say|says|read|reads|sign|title|caption|word|words)\b", lower):
        for shot in plan.shots:
            if shot.index in targets and shot.texts:
                old = shot.texts[0].text
                shot.texts[0] = shot.texts[0].model_copy(update={"text": texts[0].text})
                shot.prompt = shot.prompt.replace(old, texts[0].text)
                changed.add(shot.index)
                changes.append(f"shot {shot.index + 1}: text {old!r} → {texts[0].text!r}")
    # 4. A new view: "now show her from behind".
    for pattern, view in _VIEWS.items():
        if re.search(rf"\b(?:{pattern})\b", lower):
            for shot in plan.shots:
                if shot.index in targets:
                    shot.camera = shot.variation = view
                    changed.add(shot.index)
            changes.append(f"view → {view} (shots {', '.join(str(i + 1) for i in targets)})")
            break
    if not changes:
        return None
    for shot in plan.shots:
        if shot.index in changed:
            shot.prompt = f"{shot.prompt}; {instruction.strip()}"
    plan.notes = [*plan.notes, f"revised: {instruction.strip()}"]
    return Revision(plan=plan, changed_shots=sorted(changed), changes=changes)

