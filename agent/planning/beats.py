"""Beats: a multi-image request split into the moments it asks for, one per shot.

A beat is a span of the request (quotes kept, so its quoted text goes with it) plus what the
shape of the request says about it (a view, a time, an enumerated item). The shapes people
write are tried in order; the first that finds two or more beats wins:
numbered lists ("1. … 2. …", "panel 1: …", "slide 2 …"), "first … next … finally", before and
after, views ("front, side and back"), times ("morning, noon and night"), enumerations that
imply a count ("the four seasons"), "one … and another …", clauses split by ";" or "then",
sentences or a list that match the asked count, a list after a colon. Clauses addressed to one
shot ("in the last panel she says 'X'") go to that shot only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.planning.vocab import NUMBER_WORDS

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10}
_NUM = r"\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten"
_SHOT_NOUN = r"panel|slide|page|step|frame|shot|image|picture|pic|scene|photo|card|poster"

VIEW_PATTERNS: list[tuple[str, str]] = [
    ("three-quarter", r"3/4|three[- ]quarters?"),
    ("close-up", r"close[- ]?ups?"),
    ("wide", r"wide(?:[- ]angle)? shot|wide view|wide angle"),
    ("top", r"top[- ]down|from (?:directly )?above|from the top|top views?|overhead|bird'?s[- ]eye"),
    ("front", r"(?:from the )?front(?: views?)?"),
    ("side", r"(?:(?:from the|left|right) )?side(?: profile)?|profile"),
    ("back", r"from behind|(?:from the )?back|rear"),
]
ENUMERATIONS: list[tuple[str, list[str]]] = [
    (r"\b(?:four )?seasons\b|\b(?:each|every) season\b", ["spring", "summer", "autumn", "winter"]),
    (r"\bdays? of the (?:work ?week|working week)|\bwork ?week\b|\bweekdays?\b|\bmonday (?:to|through|-) friday\b",
     ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]),
    (r"\bdays? of the week\b", ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]),
    (r"\binner planets?\b|\bplanets? of the inner solar system\b|\binner solar system\b|\brocky planets\b",
     ["Mercury", "Venus", "Earth", "Mars"]),
    (r"\bplanets?\b(?: of (?:the|our) solar system)?|\bsolar system\b",
     ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"]),
    (r"\bprimary colou?rs\b", ["red", "yellow", "blue"]),
    (r"\bsecondary colou?rs\b", ["orange", "green", "purple"]),
    (r"\bcolou?rs of the rainbow\b|\brainbow colou?rs\b", ["red", "orange", "yellow", "green", "blue", "indigo", "violet"]),
    (r"\bstates of (?:matter|water)\b", ["ice", "liquid water", "steam"]),
    (r"\b(?:alphabet|a to z|letters of the alphabet)\b", [f"the letter {c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]),
    (r"\bzodiac(?: signs)?\b", ["Aries", "Taurus", "Gemini", "Cancer", "Leo", "Virgo", "Libra", "Scorpio", "Sagittarius",
                                "Capricorn", "Aquarius", "Pisces"]),
    (r"\b(?:classical |four )?elements\b", ["earth", "water", "fire", "air"]),
    (r"\bcontinents\b|\b(?:each|every) continent\b", ["Africa", "Antarctica", "Asia", "Australia", "Europe", "North America", "South America"]),
    (r"\bmonths(?: of the year)?\b|\b(?:each|every) month\b", ["January", "February", "March", "April", "May", "June", "July", "August",
                                      "September", "October", "November", "December"]),
    (r"\bphases of the moon\b|\bmoon phases\b", ["new moon", "waxing crescent", "first quarter", "waxing gibbous",
                                                 "full moon", "waning gibbous", "last quarter", "waning crescent"]),
]
_TIME_WORD = (r"\b(?:dawn|sunrise|daybreak|morning|noon|midday|afternoon|evening|dusk|sunset|twilight|night|"
              r"midnight|nighttime)\b")
_CONNECTIVES = (r"(?:and\s+)?(?:(?<!\bby )(?<!\buntil )(?<!\bsince )then|next|after that|afterwards|later|finally|lastly|"
                r"(?<=and )last(?=\s+(?:the|a|an|one|we|she|he|they)\b)|"
                r"at last|in the end|eventually)")
_MULTI_CUE = re.compile(r"\b(?:storyboard|comic|panels?|pics|images|pictures|photos|sequence|story|time-?lapse|narrative|"
                        r"illustrations|drawings|paintings|renders|scenes|moments|"
                        r"series|slides|frames|shots|carousel|steps|cards|posts|stickers|picture ?book|storybook)\b")


@dataclass
class Beat:
    """One moment of the request: ``text`` is a verbatim span (quotes kept)."""

    text: str
    view: str | None = None
    label: str | None = None
    """What the shape says of this beat: "before", an enumerated item ("spring"), a time."""


@dataclass
class Story:
    """The request read as beats: ``shared`` is what every shot carries (the subject, the
    look, the setting), ``targeted`` the clauses addressed to one shot by position."""

    shape: str
    beats: list[Beat]
    shared: str
    targeted: dict[int, list[str]] = field(default_factory=dict)
    """Shot index (negative: from the end) → clauses for that shot only."""


def _number(word: str) -> int | None:
    word = word.lower()
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word) or ORDINALS.get(word)


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,;:.-–—\n")
    text = re.sub(rf"^(?:{_CONNECTIVES}|and|but|so|while)\b[\s,]*", "", text, flags=re.I)
    return text.strip(" ,;:.-–—")


def _spans(prompt: str, cuts: list[tuple[int, int]], end: int) -> list[str]:
    """Text between consecutive markers: ``cuts`` are (marker start, marker end)."""
    out = []
    for i, (_, stop) in enumerate(cuts):
        nxt = cuts[i + 1][0] if i + 1 < len(cuts) else end
        out.append(prompt[stop:nxt])
    return out


_MARKER = re.compile(
    rf"(?:(?<![\w.,/])\(?(\d{{1,2}})\s*(?:[.)]|\s-)(?=\s)"
    rf"|\b(?:{_SHOT_NOUN})s?\s+({_NUM})(?:\s*-\s*({_NUM}))?\b\s*(?:[:.)-]|is\b|should\b|shows?\b)?"
    rf"|\b(first|second|third|fourth|fifth|sixth|seventh|eighth)\s*:)", re.I)


# Numbers without dots ("1 a longship 2 the vikings"); the empty groups 2-4 keep the group
# numbers of _MARKER, which _numbered reads.
_BARE_MARKER = re.compile(r"(?:^|(?<=[:\n])|(?<=\s))(\d)\s+(?=[a-z])()()()")


def _numbered(prompt: str, masked: str) -> Story | None:
    found = [(m, _number(m[1] or m[2] or m[4])) for m in _MARKER.finditer(masked)]
    bare = [(m, _number(m[1])) for m in _BARE_MARKER.finditer(masked)]
    if len(found) < 2 and bare and bare[0][1] == 1 and masked[: bare[0][0].start()].strip(" :\n") == "" \
            and [v for _, v in bare[:3]] == [1, 2, 3]:
        found = bare  # "1 a viking longship in a fjord 2 the vikings landing …": numbers without dots
    run: list[tuple[re.Match[str], int]] = []
    for match, value in found:
        expected = (run[-1][1] + 1) if run else 1
        if value == expected:  # a range ("slides 2-4") records its last shot
            run.append((match, _number(match[3]) if match[3] else value))
    if len(run) < 2:
        return None
    cuts = [(m.start(), m.end()) for m, _ in run]
    texts = _spans(prompt, cuts, len(prompt))
    beats: list[Beat] = []
    for (match, last), text in zip(run, texts):
        if match[2] and re.match(r"\s*(?:says|shows|reads|has|with|features)\b", text, re.I):
            noun = re.match(r"\w+", match[0])
            text = f" {noun[0].lower() if noun else ''} that{text}"  # "slide 1 says 'X'" → "slide that says 'X'"
        first = _number(match[1] or match[2] or match[4]) or 1
        if last > first:  # a range: its list gives one beat per shot
            items = _list_items(text, last - first + 1)
            beats += [Beat(item) for item in items] if items else [Beat(text)] * (last - first + 1)
        else:
            beats.append(Beat(text))
    tail = _trailing_shared(beats[-1].text)
    shared = prompt[: cuts[0][0]]
    if tail:
        beats[-1].text = beats[-1].text[: -len(tail)]
        shared += " " + tail
    return Story("numbered", beats, shared)


_LABEL = re.compile(
    rf"(?:^|(?<=[.;!?\n])|(?<=[.;!?]\s))\s*({_TIME_WORD}|spring|summer|autumn|fall|winter|monday|tuesday|"
    rf"wednesday|thursday|friday|saturday|sunday|before|during|after|(?:first|opening|final|last|closing)\s+(?:frame|shot|panel|slide|scene))"
    rf"\s*(?::|\s[-–—]\s)", re.I)


def _labelled(prompt: str, masked: str) -> Story | None:
    """"dawn: he climbs … . noon: eating a sandwich … . dusk: …": beats labelled by a time,
    a season, a day or before/after, each label opening a sentence."""
    found = list(_LABEL.finditer(masked))
    if len(found) < 2:
        return None
    cuts = [(m.start(), m.end()) for m in found]
    beats = [Beat(text, label=m[1].lower()) for m, text in zip(found, _spans(prompt, cuts, len(prompt)))]
    return Story("labelled", beats, prompt[: cuts[0][0]])


def _trailing_shared(text: str) -> str:
    """A last sentence about every shot ("Each slide should have the footer 'X'")."""
    match = re.search(r"(?<=[.!?])\s+((?:each|every|all|both|keep|use|make)\b.*)$", text, re.I | re.S)
    return match[1] if match else ""


def _slash_items(text: str) -> list[str]:
    """"whisk flour / melt butter / pour the batter": a list written with slashes."""
    parts = [p for p in re.split(r"\s+/\s+", text) if p.strip(" .")]
    return parts if len(parts) >= 2 else []


def _list_items(text: str, want: int | None = None) -> list[str]:
    """"a cactus, a chili pepper, and a luchador" → the items (quotes must be masked by caller
    or absent from separators); a comma inside parentheses does not split ("Sam (freckles, a cape)")."""
    guarded = re.sub(r"\([^()]*\)", lambda m: m[0].replace(",", "\x00"), text)
    parts = [p.replace("\x00", ",") for p in re.split(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+(?=(?:a|an|the|at|in|on|one|then|"
                                                      r"[a-z]+ing|baby|little|[A-Z])\b))\s*", guarded) if p.strip(" .")]
    if want is not None and len(parts) != want:
        return []
    return parts


def _sequence(prompt: str, masked: str) -> Story | None:
    first = re.search(r"\b(?:first(?:ly)?|start(?:ing)? with|to start)\b[,:]?", masked, re.I)
    if not first:
        return None
    cuts = [(first.start(), first.end())]
    for match in re.finditer(rf",?\s*\b{_CONNECTIVES}\b[,:]?", masked[first.end():], re.I):
        start, end = first.end() + match.start(), first.end() + match.end()
        if masked[cuts[-1][1]:start].strip(" ,"):
            cuts.append((start, end))
        else:  # "then after that": one cut, not an empty beat
            cuts[-1] = (cuts[-1][0], end)
    if len(cuts) < 2:
        return None
    return Story("sequence", [Beat(t) for t in _spans(prompt, cuts, len(prompt))], prompt[: cuts[0][0]])


def _before_after(prompt: str, masked: str) -> Story | None:
    lower = masked.lower()
    header = re.search(r"\bbefore\s*(?:and|&|/|n|vs\.?|versus|or|-)?\s*after\b|\bbefore[- ]and[- ]after\b", lower)
    if not header:
        return None
    rest = header.end()
    before = re.search(r"\b(?:the\s+)?before\b", lower[rest:])
    after = re.search(r"\b(?:the\s+)?after\b", lower[rest + (before.end() if before else 0):])
    if before and after:
        b0, b1 = rest + before.start(), rest + before.end()
        a0 = rest + before.end() + after.start()
        a1 = rest + before.end() + after.end()
        return Story("before_after", [Beat(prompt[b1:a0], label="before"), Beat(prompt[a1:], label="after")],
                     prompt[:b0])
    colon = masked.find(":", rest)
    body_at = colon + 1 if colon >= 0 else rest
    parts = re.split(r",?\s+(?:and\s+)?then\s+|;\s*", masked[body_at:])
    if len(parts) == 2:
        cut = body_at + len(parts[0])
        second = body_at + masked[body_at:].find(parts[1], len(parts[0]))
        return Story("before_after", [Beat(prompt[body_at:cut], label="before"),
                                      Beat(prompt[second:], label="after")], prompt[:body_at])
    return Story("before_after", [Beat("", label="before"), Beat("", label="after")], prompt)


def _view_mentions(lower: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for view, pattern in VIEW_PATTERNS:
        for match in re.finditer(rf"(?<![\w-])(?:{pattern})(?![\w-])", lower):
            if not any(s < match.end() and match.start() < e for s, e, _ in found):
                found.append((match.start(), match.end(), view))
    return sorted(found)


_VIEW_GAP = re.compile(r"^[\s,&/]*(?:(?:and|or|then|plus)\s+)?(?:(?:a|an|the)\s+)?(?:from\s+(?:the\s+)?)?"
                       r"(?:(?:views?|shots?|angles?|of (?:his|her|its|their|the) \w+)\s*)?[\s,&/]*"
                       r"(?:(?:and|or|then|plus)\s+)?(?:(?:a|an|the)\s+)?(?:from\s+(?:the\s+)?)?$")


def _views(prompt: str, masked: str) -> Story | None:
    lower = masked.lower()
    mentions = _view_mentions(lower)
    best: list[tuple[int, int, str]] = []
    group: list[tuple[int, int, str]] = []
    for mention in mentions:
        if group and _VIEW_GAP.match(lower[group[-1][1]:mention[0]]) and mention[2] not in {g[2] for g in group}:
            group.append(mention)
        else:
            group = [mention]
        if len(group) > len(best):
            best = list(group)
    # "front view, back view showing the straps, side view, and a close-up of one buckle"
    colon = max(masked.rfind(":"), masked.rfind(" - "), masked.rfind(" — "))
    region = masked[colon + 1:] if colon >= 0 else masked
    items = _list_items(region)
    viewed = [bool(_view_mentions(i.lower())) or bool(re.search(r"\bfrom\s+(?:underneath|below|beneath|inside|the bottom)\b",
                                                                 i, re.I)) for i in items]
    if len(items) > max(len(best), 1) and all(viewed) and sum(bool(_view_mentions(i.lower())) for i in items) >= 2:
        beats, at = [], colon + 1
        for item in items:
            begin = masked.find(item, at)
            found = _view_mentions(item.lower())
            beats.append(Beat(prompt[begin:begin + len(item)], view=found[0][2] if found else None))
            at = begin + len(item)
        return Story("views", beats, prompt[: colon + 1] if colon >= 0 else "")
    if len(best) < 2:
        angles = re.search(rf"\bfrom\s+({_NUM})\s+(?:different\s+)?angles\b|\bturnaround\b", lower)
        if not angles:
            return None
        count = _number(angles[1]) if angles.lastindex else 3
        views = ["front", "side", "back", "three-quarter", "top", "close-up", "wide", "side"][: count or 3]
        shared = prompt[: angles.start()] + prompt[angles.end():]
        return Story("views", [Beat("", view=v) for v in views], shared)
    start, end = best[0][0], best[-1][1]
    after = re.match(r"\s*(?:views?|shots?|angles?)\b", lower[end:])
    end += after.end() if after else 0
    before = re.search(r"(?:\b(?:from|show(?:ing)?|with)\s+(?:the\s+)?)?$", lower[:start])
    start = before.start() if before and before.group() else start
    shared = prompt[:start] + prompt[end:]
    return Story("views", [Beat("", view=v) for _, _, v in best], shared)


_TIME_RUN = re.compile(rf"{_TIME_WORD}(?:\s*(?:,|and|&|to|then)?\s*{_TIME_WORD})+", re.I)


def _time_run(prompt: str, masked: str) -> Story | None:
    """"morning noon and night views of the same village": adjacent time words, one shot each."""
    run = _TIME_RUN.search(masked)
    if not run:
        return None
    words = [m[0] for m in re.finditer(_TIME_WORD, run[0], re.I)]
    if len(words) < 2:
        return None
    rest = re.sub(r"^\s*(?:views?|shots?|versions?|images?|pictures?)\b", "", prompt[run.end():])
    return Story("times", [Beat(f"at {w}" if not w.lower().endswith("ing") else f"in the {w}", label=w) for w in words],
                 prompt[: run.start()] + rest)


def _times(prompt: str, masked: str) -> Story | None:
    run = _time_run(prompt, masked)
    if run is not None:
        return run
    items = [(m.start(), m.end()) for m in re.finditer(r"[^,;]+", masked)]
    pieces: list[tuple[int, int]] = []
    for start, end in items:  # "noon and night" inside one comma item: split at "and"
        inner = masked[start:end]
        joint = re.search(rf"\s+and\s+(?=(?:then\s+)?(?:at\s+|in\s+the\s+)?{_TIME_WORD}|(?:[\w'-]+\s+){{1,4}}(?:at|in the|by)\s+"
                          rf"{_TIME_WORD})", inner, re.I)
        if joint and re.search(_TIME_WORD, inner[: joint.start()], re.I):
            pieces += [(start, start + joint.start()), (start + joint.end(), end)]
        else:
            pieces.append((start, end))
    best: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for start, end in pieces:
        if re.search(_TIME_WORD, masked[start:end], re.I):
            run.append((start, end))
            best = list(run) if len(run) > len(best) else best
        else:
            run = []
    if len(best) < 2:
        return None
    first_time = re.search(_TIME_WORD, masked[best[0][0]:best[0][1]], re.I)
    lead = best[0][0] + (first_time.start() if first_time else 0)
    lead_words = re.search(r"(?:\b(?:at|in the|during the|by)\s+)?$", masked[best[0][0]:lead], re.I)
    head = best[0][0] + (lead_words.start() if lead_words else 0)
    beats = [Beat(prompt[head:best[0][1]])] + [Beat(prompt[s:e]) for s, e in best[1:]]
    return Story("times", beats, prompt[:head] + prompt[best[-1][1]:])


def _enumeration(prompt: str, masked: str) -> Story | None:
    lower = masked.lower()
    for pattern, items in ENUMERATIONS:
        match = re.search(pattern, lower)
        if not match:
            continue
        listed = re.match(r"[^()]{0,12}?\(([^)]+)\)", masked[match.end():])  # "the seasons (spring, …)"
        chosen = _list_items(listed[1]) if listed else items
        if not listed:  # "the three states of water, ice, liquid and steam, each …": the request's own names
            named = re.match(r"(?:\s+of\s+[\w-]+)?\s*[,:]\s*([^.;:]+)", masked[match.end():])
            own = _list_items(named[1]) if named else []
            own = [o for o in own if not re.match(r"\s*(?:each|every|all|one)\b", o, re.I) and re.search(r"[A-Za-z]", o)]
            if len(own) == len(items):
                chosen = own
        if len(chosen) < 2:
            continue
        start = match.start()
        article = re.search(r"\b(?:the|all|each|every)\s+(?:(?:four|five|seven|eight|twelve|three|\d+)\s+)?$", lower[:start])
        start = article.start() if article else start  # "the four seasons of a maple tree" → "a maple tree"
        shared = prompt[:start] + prompt[match.end():]
        if listed:
            at = match.end() + listed.start()
            shared = prompt[:start] + prompt[match.end():at] + prompt[match.end() + listed.end():]
        return Story("enumeration", [Beat(item, label=item) for item in chosen], shared)
    return None


_PAIR = re.compile(
    r"\b(?:one|the first|(?:a|an)\s+(?=(?:pic|picture|image|photo|shot|drawing|illustration|poster)\s+(?:of|showing|with)\b))"
    r"\s*(?!(?:image|picture|pic|per|each)\s+(?:for|per)\b)"
    r"(.+?)\s*(?:,\s*|;\s*|\s+)(?:and\s+|but\s+)?(?:one|another|the other|the second|a second)\s+(?!of them\b)(.+)$",
    re.I | re.S)


def _pairs(prompt: str, masked: str) -> Story | None:
    match = _PAIR.search(masked)
    if not match or len(match[1].split()) < 1 or len(match[2].split()) < 1:
        return None
    return Story("pairs", [Beat(prompt[match.start(1):match.end(1)]), Beat(prompt[match.start(2):match.end(2)])],
                 prompt[: match.start()])


def _clauses(prompt: str, masked: str, count: int | None) -> Story | None:
    parts = [(m.start(), m.end()) for m in re.finditer(r"[^;]+", masked) if m[0].strip()]
    if len(parts) < 2:
        cuts = [m for m in re.finditer(r",?\s+(?:and\s+)?then\s+", masked, re.I)]
        if not cuts or not ((count or 0) > 1 or len(cuts) >= 2 or _MULTI_CUE.search(masked.lower())
                            or re.search(r"\bsame\b", masked[cuts[0].end():].lower())):
            return None
        bounds = [0, *[p for m in cuts for p in (m.start(), m.end())], len(masked)]
        parts = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    head = masked[parts[0][0]:parts[0][1]]
    colon = head.find(":")
    shared = ""
    if colon >= 0:
        shared = prompt[: parts[0][0] + colon + 1]
        parts[0] = (parts[0][0] + colon + 1, parts[0][1])
    return Story("clauses", [Beat(prompt[s:e]) for s, e in parts], shared)


def _sentences(masked: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^.!?]+[.!?]*", masked)
            if m[0].strip() and not re.fullmatch(r"\s*(?:\d+|" + _NUM + r")\s+(?:images|pictures|pics|panels)"
                                                r"(?: please)?[.!?]*\s*", m[0], re.I)]


_GOES_ON = re.compile(r"\s*(?:he|she|they|we|i|it|his|her|their|then|later|next|soon|finally|meanwhile|afterwards|"
                      r"eventually|at last|in the end|by (?:morning|noon|nightfall|night|evening|dawn|the time)|"
                      r"the next (?:day|morning|night)|that (?:night|evening|afternoon|morning))\b", re.I)
_WEATHER_ONLY = re.compile(r"\s*it(?:'s|’s| is| was)\s+(?:\w+\s+){0,3}?(?:raining|snowing|pouring|night|dark|dawn|"
                           r"morning|evening|foggy|sunny|stormy|windy|cold|hot)\b[^.!?]*[.!?]?\s*$", re.I)


def _narrative(prompt: str, masked: str, count: int | None) -> Story | None:
    """No count, no list, but a story told in sentences that go on from each other ("A keeper
    climbs the stairs at dusk. He lights the lamp. A storm rolls in. By morning …"): one shot
    per sentence; a first sentence that only sets the weather is for every shot."""
    if count is not None:
        return None
    sentences = _sentences(masked)
    shared = ""
    if sentences and _WEATHER_ONLY.match(masked[slice(*sentences[0])]):
        shared, sentences = prompt[slice(*sentences[0])], sentences[1:]
    if len(sentences) < 3 or sum(bool(_GOES_ON.match(masked[s:e])) for s, e in sentences[1:]) < 2:
        return None
    return Story("sentences", [Beat(prompt[s:e]) for s, e in sentences], shared)


def _sentence_beats(prompt: str, masked: str, count: int | None,
                    sentences: list[tuple[int, int]] | None = None) -> Story | None:
    """One sentence per image: as many sentences as images, or a first sentence that only asks
    ("Three scenes of a camping trip. The campers … . At sunset … . The next morning …") —
    with no count, when that first sentence asks for a story or several images."""
    sentences = _sentences(masked) if sentences is None else sentences
    if count and count > 1 and len(sentences) == count:
        return Story("sentences", [Beat(prompt[s:e]) for s, e in sentences], "")
    head = masked[slice(*sentences[0])] if sentences else ""
    rest = sentences[1:]
    colon = head.find(":")
    if colon >= 0 and count is None and _MULTI_CUE.search(head[:colon].lower()) and len(rest) >= 1 \
            and head[colon + 1:].strip():  # "For a picture book: Luna … builds a snowman. That night …"
        first = (sentences[0][0] + colon + 1, sentences[0][1])
        return Story("sentences", [Beat(prompt[s:e]) for s, e in [first, *rest]], prompt[sentences[0][0]:first[0]])
    asks = bool(_PREAMBLE.search(head))
    if asks and len(rest) >= 2 and (len(rest) == count or (count is None and _MULTI_CUE.search(head.lower()))):
        return Story("sentences", [Beat(prompt[s:e]) for s, e in rest], prompt[slice(*sentences[0])])
    return None


_PREAMBLE = re.compile(
    r"\b(?:i'?d like|i want|i need|we need|please|make|draw|create|generate|give me|can you|could you|for (?:my|our)|"
    r"storyboard|comic|strip|series|sequence|scenes|images|pictures|pics|panels|slides|shots|frames|narrative|story)\b",
    re.I)


def _counted(prompt: str, masked: str, count: int | None) -> Story | None:
    """Sentences, or a list (after a colon or in the last sentence), that match the count."""
    sentences = _sentences(masked)
    story = _sentence_beats(prompt, masked, count, sentences)
    if story is not None:
        return story
    colons = [m.start() for m in re.finditer(r":(?=\s)", masked)]
    colon = colons[-1] if colons else -1
    plural_head = colon >= 0 and re.search(r"\b(?:different|ways|styles|ideas|options|takes|versions|concepts|"
                                           r"directions|variations|one (?:image|picture|pic|card|slide|panel|photo)s? "
                                           r"(?:per|each|for each))\b", masked[:colon], re.I) or \
        (colon >= 0 and _MULTI_CUE.search(masked[:colon].lower()))
    regions = ([(colon + 1, len(masked))] if colon >= 0 else []) + ([sentences[-1]] if sentences else [])
    for start, end in regions:
        if re.match(r"\s*(?:each|every|all|both)\b", masked[start:end], re.I):
            continue  # "each with two lemons, the text …": what every shot has, not beats
        items = _slash_items(masked[start:end]) or _list_items(masked[start:end])
        if count and len(items) == count - 1 and " and " in items[-1]:  # "…, Scandinavian and maximalist"
            items = items[:-1] + [p for p in items[-1].split(" and ", 1)]
        if any(len(i.split()) < 2 or re.match(r"\s*(?:no|not|without|never|avoid)\b", i, re.I) for i in items) \
                and not (colon >= 0 and start == colon + 1):
            continue
        if (count and count > 1 and len(items) == count) or (count is None and plural_head and len(items) >= 2
                                                              and start == colon + 1):
            beats, at = [], start
            for item in items:
                begin = masked.find(item, at)
                stop = begin + len(item)
                blank = stop
                while blank < end and masked[blank].isspace():
                    blank += 1
                if prompt[stop:blank].strip():  # a quoted text the split left out: "a slide that says 'X'"
                    stop = blank
                beats.append(Beat(prompt[begin:stop]))
                at = stop
            return Story("list", beats, prompt[:start] + prompt[at:end].strip(" ."))
    return None


_TARGET = re.compile(
    rf"(?:,?\s*(?:and|while|but)\s+)?\b(?:in|on|for)\s+the\s+(last|final|first|second|third|fourth|fifth|sixth|"
    rf"seventh|eighth|\d(?:st|nd|rd|th))\s+(?:{_SHOT_NOUN}|one)\b,?"
    rf"|\b(?:{_SHOT_NOUN})\s+(\d)\s+(?:should|has|shows|is|gets)\b"
    rf"|(?:\bthe\s+|(?:^|(?<=[.!?]\s)))(last|final|first|second|third|fourth|fifth|sixth|seventh|eighth)\s+(?:{_SHOT_NOUN}|one)\s+"
    rf"(?:should|has|shows|is|gets|will|must|can)\b", re.I)


def addressed_clauses(prompt: str, masked: str) -> tuple[dict[int, list[str]], str, str]:
    """Clauses addressed to one shot ("in the last panel she says 'X'"): shot index (negative
    counts from the end) → clause; and the prompt and masked prompt with them cut out."""
    targeted: dict[int, list[str]] = {}
    for match in reversed(list(_TARGET.finditer(masked))):
        word = (match[1] or match[2] or match[3]).lower()
        index = -1 if word in ("last", "final") else ((ORDINALS.get(word) or int(word[0])) - 1)
        end = re.search(r"[.;!?](?=\s|$)|$", masked[match.end():])
        stop = match.end() + (end.start() if end else len(masked))
        clause = prompt[match.end():stop] if match[1] or match[3] else prompt[match.start():stop]
        if match[3]:  # "the last panel should show X" → "X"
            verb = re.match(r"\s*(?:be\s+)?(?:show(?:ing)?|have|be|feature|contain|depict|include)?\b\s*", clause)
            clause = clause[verb.end():] if verb else clause
        targeted.setdefault(index, []).insert(0, clause)
        prompt = prompt[: match.start()] + " " * (stop - match.start()) + prompt[stop:]
        masked = masked[: match.start()] + " " * (stop - match.start()) + masked[stop:]
    return targeted, prompt, masked


def _first_story(prompt: str, masked: str, count: int | None) -> Story | None:
    """The first shape that finds two or more beats, or None."""
    readers = [
        lambda p, m: _numbered(p, m), lambda p, m: _labelled(p, m), lambda p, m: _before_after(p, m),
        lambda p, m: _sequence(p, m),
        lambda p, m: _views(p, m), lambda p, m: _enumeration(p, m), lambda p, m: _pairs(p, m),
        lambda p, m: _sentence_beats(p, m, count), lambda p, m: _clauses(p, m, count), lambda p, m: _times(p, m),
        lambda p, m: _counted(p, m, count), lambda p, m: _narrative(p, m, count),
    ]
    for reader in readers:
        story = reader(prompt, masked)
        if story is not None and len(story.beats) >= 2:
            return story
    return None


def read_story(prompt: str, masked: str, count: int | None) -> Story:
    """The beats of ``prompt`` (``masked``: the same text with quoted spans blanked)."""
    numbered = _numbered(prompt, masked)  # "slide 2 shows …" in a numbered list is a beat, not an aside
    if numbered is not None and len(numbered.beats) >= 2:
        for beat in numbered.beats:
            beat.text = _clean(beat.text)
        numbered.shared = _clean(numbered.shared)
        return numbered
    targeted, prompt_rest, masked_rest = addressed_clauses(prompt, masked)
    story = _first_story(prompt_rest, masked_rest, count)
    if story is None and count and count > 2 and -1 in targeted:
        # "He hides …, he waits …, the mailman arrives, …, and in the final panel he's asleep":
        # the listed beats, then the last panel's own clause as the last beat.
        story = _first_story(prompt_rest, masked_rest, count - 1)
        if story is not None and len(story.beats) == count - 1:
            story.beats.append(Beat(" ".join(targeted.pop(-1))))
    if story is not None:
        story.targeted = targeted
        for beat in story.beats:
            beat.text = _clean(beat.text)
        story.shared = _clean(story.shared)
        return story
    return Story("single", [], _clean(prompt_rest), targeted)
