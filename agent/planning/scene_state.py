"""The world a story carries from shot to shot: time of day, weather, and characters with a
fixed look. Read from words only: pure Python, no model."""

from __future__ import annotations

import re

from agent.planning.nouns import verb_form
from agent.planning.objects import drawable
from agent.planning.vocab import NOT_NAMES, TITLES
from tools.scene import Character

TIMES: list[tuple[str, str]] = [
    (r"dawn|sunrise|daybreak|first light|sun (?:rises|comes up|is rising)|sunup|[56]\s?(?:am|a\.m\.)", "dawn"),
    (r"midnight|night|nite|nighttime|night-time|tonight|after dark|under the stars|moonlit|moonlight|starry|nightfall|"
     r"pitch (?:dark|black)|(?:1[0-2]|[1-4])\s?(?:am|a\.m\.)|1[0-2]\s?(?:pm|p\.m\.)", "night"),
    (r"sunset|dusk|evening|twilight|golden hour", "dusk"),
    (r"noon|midday|lunchtime|high noon", "noon"),
    (r"afternoon", "afternoon"),
    (r"morning|mid-morning|breakfast time", "morning"),
]
WEATHERS: list[tuple[str, str]] = [
    (r"(?:rain|snow|storm|fog)\s+(?:stops|has stopped|ends|clears|lifts)|after the (?:rain|storm)|sun comes out|"
     r"sunny|sunshine|sun(?:'s| is) out|sun shines|clear sk(?:y|ies)|calm and sunny|bright sunny|blue sky|clears(?: up)?|cleared(?: up)?", "clear"),
    (r"storm(?!\s+(?:drains?|doors?|windows?|cellars?|shelters?|troopers?))|stormy|thunder(?:storm)?|hurricane|"
     r"lightning(?![\s-]+(?:bolts?|symbols?|signs?|icons?|emojis?|logos?|shapes?)\b)", "storm"),  # a lightning bolt is a thing
    (r"snow|snows|snowed|snowy|snowing|snowfall|blizzard|snowflakes|snowstorm", "snow"),
    (r"rain|rains|rained|rainy|raining|drizzle|drizzling|downpour|pouring|rainstorm|showers", "rain"),
    (r"fog|foggy|mist|misty|haze|hazy", "fog"),
    (r"cloudy|overcast|gr[ae]y sk(?:y|ies)|(?:grey|gray|dark|storm) clouds|clouds roll in", "cloudy"),
    (r"windy|wind|gusts?|breezy|gale", "wind"),
]
PRONOUN = re.compile(r"\b(?:he|she|they|him|her|his|them|their|it's|he's|she's)\b", re.I)
PERSON_NOUNS = (
    "knight|girl|boy|man|woman|kid|child|astronaut|robot|fox|dog|cat|wizard|witch|pirate|princess|prince|king|queen|"
    "detective|chef|baker|scientist|doctor|farmer|fisherman|sailor|soldier|ninja|samurai|dragon|bear|rabbit|bunny|"
    "owl|penguin|mouse|frog|monkey|panda|lion|tiger|wolf|elf|dwarf|fairy|mermaid|ghost|alien|cowboy|explorer|"
    "schoolgirl|schoolboy|teenager|teen|grandma|grandpa|grandmother|grandfather|student|teacher|artist|musician|"
    "dancer|hero|superhero|villain|monster|unicorn|cowgirl|ranger|hiker|runner|skater|surfer|barista|mascot|snowman|owner|keeper|worker|mom|dad|mother|father|"
    "vampire|zombie|octopus|dinosaur|t-rex|model|puppy|kitten|hamster|parrot|turtle|tortoise|snail|bee|squirrel|"
    "hedgehog|raccoon|otter|giraffe|elephant|koala|sloth|duck|chicken|hen|goat|pig|cow|horse|pony|deer|whale|"
    "dolphin|shark|crab|octopus|squid|bird|crow|raven|hamster|goblin|troll|giant|golem|android|cyborg|"
    "spaceman|captain|sheriff|pilot|nurse|firefighter|police officer|officer|mailman|postman|librarian|"
    "gardener|painter|photographer|climber|diver|swimmer|boxer|athlete|player|gamer|influencer|customer|"
    "toddler|baby|lady|gentleman|guy|gal|person|character|creature|beast|yeti|cat|kitty|doggo|pup|"
    "(?!(?:play|check|wish|short|waist|wrist)list)[a-z]{4,}ist|singer|drummer|rapper|boxer|skier|snowboarder|"
    "climber|baker|butcher|plumber|carpenter|teacher|preacher|soldier|sailor|fisherman|mermaid|merman"
)


def _first(patterns: list[tuple[str, str]], text: str, *, last: bool = False) -> str | None:
    """The value of the pattern that matches earliest in ``text`` (``last``: latest)."""
    best: tuple[int, str] | None = None
    for pattern, value in patterns:
        for match in re.finditer(rf"(?<![\w-])(?:{pattern})(?![\w-])", text, re.I):
            if best is None or (match.start() > best[0] if last else match.start() < best[0]):
                best = (match.start(), value)
            if not last:
                break
    return best[1] if best else None


def time_of_day(text: str) -> str | None:
    """"at sunset" → "dusk", "the next morning" → "morning"; None when the text says no time."""
    return _first(TIMES, text)


def weather(text: str) -> str | None:
    """"in the rain" → "rain", "the rain stops" → "clear"; None when the text says nothing. The
    last mention wins: "clouds roll in and it starts snowing" ends in snow."""
    return _first(WEATHERS, text, last=True)


_LOOK_END = r"(?=\s*(?:[,;:.!?]|\s(?:who|that|is|was|and then|then)\b|$))"
_CLOTHES = (r"hair|eyes|skin|beard|mustache|moustache|glasses|shirt|t-shirt|blouse|dress|coat|jacket|hat|cap|scarf|"
            r"sweater|hoodie|uniform|suit|boots|braids?|ponytail|bun|bob|curls|freckles|tattoos?|jersey|nightgown|"
            r"pajamas|pyjamas|slippers|cardigan|apron|overalls|vest|sneakers|robe|cape|cloak|gown|tutu|helmet|armou?r|"
            r"beanie|bandana|collar|leggings|jeans|skirt|shorts|tie|bowtie|visor|goggles|gloves|mittens|raincoat|"
            r"jumpsuit|spacesuit|pinafore|sari|kimono|hijab|turban|crown|tiara|mask|fur|feathers|scales|spots|stripes")
_LOOK_LIST = rf"(?=[^.;:!?]{{0,60}}\b(?:{_CLOTHES})\b)"
_AFTER_VERB = {"a", "an", "the", "his", "her", "their", "its", "down", "up", "out", "off", "through", "across", "to",
               "into", "on", "at", "toward", "towards", "with", "around", "over", "under", "behind", "away", "home"}
_WORN_STOP = {"who", "that", "then", "is", "was", "at", "on", "to", "into", "from", "by", "under", "while", "as",
              "when", "near", "beside", "behind", "through", "across", "toward", "towards", "outside", "inside"}


def _worn(rest: str) -> str | None:
    """"in a torn green uniform" from " in a torn green uniform stumbles through …": what a
    character wears or carries, up to a verb, a place word or punctuation."""
    start = re.match(r"\s+(in|wearing|with)\s+", rest, re.I)
    if not start:
        return None
    words: list[str] = []
    tokens = [t[0] for t in re.finditer(r"[\w'-]+|[^\w\s]", rest[start.end():])]
    for at, token in enumerate(tokens):
        word = token.lower()
        after = tokens[at + 1].lower() if at + 1 < len(tokens) else "."
        # "stumbles", "lit" end the look; "racing helmet", "bow tie" do not ("racing down the hill" does)
        acts = words and ((word.endswith(("s", "ed")) and verb_form(word))
                          or (word.endswith("ing") and (not after[0].isalnum() or after in _AFTER_VERB)))
        if not word[0].isalnum() or word in _WORN_STOP or acts or len(words) >= 14:
            break
        words.append(token)
    while words and words[-1].lower() in ("and", "a", "an", "the", "with"):
        words.pop()
    return f"{start[1]} {' '.join(words)}" if words else None


def _look_after(text: str, at: int) -> str | None:
    """A look right after a character's name: "(old woman, yellow coat)" or ", a girl with …"."""
    rest = re.sub(r"^\s+(?:[A-Z][\w'-]+|\d+)(?=[,(\s])", "", text[at:])  # "Ada Vance, a …", "Unit 7 (…)"
    epithet = re.match(rf"\s+the\s+((?:[\w-]+\s+){{0,2}}?(?:{PERSON_NOUNS}|[\w-]+))\b(?:\s*\(([^)]{{3,120}})\))?",
                       rest, re.I)
    if epithet and (epithet[2] or re.match(rf"(?:[\w-]+\s+){{0,2}}?(?:{PERSON_NOUNS})$", epithet[1], re.I)):
        return ", ".join(p.strip() for p in (epithet[1], epithet[2]) if p)  # "Otto the octopus (purple)"
    paren = re.match(r"\s*\(([^)]{3,120})\)", rest)
    if paren:
        return paren[1].strip()
    worn = _worn(rest)
    if worn:
        return worn
    sentence = re.match(r"\s+(?:is|has|wears|is wearing)\s+((?:a|an)\s+)?([^.;!?]{3,160})", rest) or \
        re.match(r"[^.;!?]{0,3}[.;!]\s+(?:he|she|they|it)(?:'s|’s| is| has| wears)\s+((?:a|an)\s+)?([^.;!?]{3,160})", rest, re.I)
    if sentence and (sentence[1] or re.search(rf"\b(?:{_CLOTHES})\b", sentence[2], re.I)):
        return f"{sentence[1] or ''}{sentence[2]}".strip()  # "Luna is a girl with dark curly hair, a yellow nightgown …"
    appositive = re.match(rf",?\s+(?:is\s+)?((?:a|an|my|our|with)\s+[^;:.!?()]{{3,120}}?){_LOOK_END}", rest)
    if appositive:
        return appositive[1].strip()
    colon = re.match(r"\s*:\s*([^.;\n]{3,160})", rest)
    if colon:
        return colon[1].strip()
    listed = re.match(rf",\s+({_LOOK_LIST}[^.;:!?]{{0,100}}?)(?=\s*[.;:!?]|$)", rest)
    if listed:  # "Priya, mid-30s, curly black hair, mint green blouse."; "Leo, number 9 in a green jersey, dribbles …"
        look = _until_verb(listed[1])
        if re.search(rf"\b(?:{_CLOTHES})\b", look, re.I):
            return look
    return None


def _until_verb(text: str) -> str:
    """``text`` up to its first verb form ("number 9 in a green jersey, dribbles past" → up to the comma)."""
    for word in re.finditer(r"[A-Za-z'-]+", text):
        if verb_form(word[0].lower()) or re.fullmatch(r"(?:is|are|was|were|has|have)", word[0], re.I):
            return text[: word.start()].strip(" ,;")
    return text.strip(" ,;")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "character"


def story_characters(prompt: str, named: list[Character], *, several: bool = True,
                     lead_anyway: bool = False) -> list[Character]:
    """The request's characters with their fixed look: the extractor's named ones, plus "my dog
    Biscuit (…)", "Juno, a girl with …", "two pigeons, Gus and Marge", "me (woman, …)", and an
    unnamed lead ("a knight in silver armor"), which must recur unless ``lead_anyway`` (every
    shot shows the one subject: views, times, an invented arc)."""
    characters = {c.name.lower(): c for c in named}
    # "two pigeons, Gus and Marge (Gus is grey, …)": a group of one kind, each named.
    for match in re.finditer(rf"\b(?i:two|three|four|\d)\s+((?:[a-z-]+\s+)?[a-z-]+?)(?:e?s),?\s+(?:named\s+|called\s+)?"
                             rf"((?:[A-Z][\w'-]+,\s+)*[A-Z][\w'-]+,?\s+(?:and|&)\s+[A-Z][\w'-]+)", prompt):
        kind = match[1].lower()
        for name in re.findall(r"[A-Z][\w'-]+", match[2]):
            own = re.search(rf"\b{re.escape(name)}\s+(?:is|has|wears)\s+([^,;.()]{{2,60}})", prompt)
            if name.lower() not in characters and name.lower() not in NOT_NAMES:
                characters[name.lower()] = Character(id=_slug(name), name=name, species=kind,
                                                     description=", ".join(p for p in (kind, own[1] if own else "") if p))
    me = re.search(r"\b(?:me|myself)\s*\(([^)]{3,120})\)", prompt)
    if me and not characters:  # "show me (woman, curly black hair)"
        noun = re.search(rf"\b({PERSON_NOUNS})\b", me[1], re.I)
        who = noun[1].lower() if noun else "person"
        characters[who] = Character(id=_slug(who), name=who, species=who, description=me[1].strip())
    owned = re.finditer(rf"\b(?:my|our)\s+(?:(?:little|old|new|pet)\s+)?(?:[\w-]+\s+)?((?i:{PERSON_NOUNS}|character|oc|"
                        r"mascot|son|daughter|baby|puppy|kitten|hero|heroine|protagonist)|[a-z]{3,}(?<!ing))\s+"
                        r"([A-Z][\w'-]*[\w](?:\s+\d+)?)", prompt)
    lower_named = re.finditer(rf"\b(?:my|our)\s+(?:(?:little|old|new|pet)\s+)?((?i:{PERSON_NOUNS})|[a-z]{{3,}})\s+([a-z]{{3,}})"
                              r"(?=\s*(?:[,(]|with\b|who\b|wearing\b|in\s+(?:a|an|his|her)\b))", prompt)
    for match in lower_named:  # "my corgi biscuit with his red collar": a name typed in lower case
        word = match[2]
        kind = match[1].lower()
        personal = re.match(r"\s*(?:\(|,|with\s+(?:his|her|their)\b|who\b)", prompt[match.end():])
        known_kind = re.fullmatch(PERSON_NOUNS, kind) or drawable(kind) or personal
        if known_kind and word not in NOT_NAMES and not verb_form(word) and not word.endswith("ing") \
                and word not in characters:
            characters[word] = Character(id=_slug(word), name=word, species=kind)
    for match in owned:
        name = match[2]
        if name.lower() not in characters:
            species = None if match[1].lower() in ("character", "oc", "mascot") else match[1].lower()
            characters[name.lower()] = Character(id=_slug(name), name=name, species=species)
    for match in re.finditer(rf"\b(?:named|called|name is|(?:mascot|hero|heroine|character|protagonist|lead) is)\s+"
                             rf"((?:(?:{TITLES})\.?\s+(?=[A-Z]))?[A-Z][\w'-]+(?:\s+\d+)?)",
                             prompt):
        name = match[1]
        if name.lower() not in characters:
            before = re.search(rf"\b({PERSON_NOUNS})\b(?:(?!\b(?:{PERSON_NOUNS})\b)[^.])*$", prompt[: match.start()], re.I)
            characters[name.lower()] = Character(id=_slug(name), name=name,
                                                 species=before[1].lower() if before else None)
    for match in re.finditer(rf"(?:^|(?<=[\s:(]))((?:(?:{TITLES})\.?\s+)?([A-Z][\w'-]*[a-zA-Z]))(\s+[A-Z][a-z]+)?"
                             rf"(?=\s*\(|,\s+(?:a|an|my|with)\s|\s+the\s+(?:[\w-]+\s+){{0,2}}?(?:{PERSON_NOUNS})\b"
                             rf"|\s+is\s+(?:a|an)\s|\s+(?:has|wears)\s+(?=[^.;!?]{{0,60}}\b(?:{_CLOTHES})\b)|,\s+{_LOOK_LIST})",
                             prompt):
        # "Captain Zorg" is one name; "Dr. Ada Vance" is Ada (a first name and a surname: the title goes).
        name = match[2] if match[3] else match[1]
        if match[3] and re.fullmatch(PERSON_NOUNS, match[2].lower()):  # "Astronaut Lena (…)": Lena
            name = match[3].strip()
        if name.lower() not in characters and name.lower() not in NOT_NAMES \
                and not re.fullmatch(TITLES, name):
            characters[name.lower()] = Character(id=_slug(name), name=name)
    out = []
    for character in characters.values():
        look = None
        for where in re.finditer(rf"\b{re.escape(character.name)}\b", prompt):  # "Gran's card …: Gran (silver curls)"
            look = _look_after(prompt, where.end())
            if look:
                break
        named_as = re.search(rf"\b(?:a|an)\s+((?:[\w-]+\s){{0,3}}?[\w-]+)\s+(?:named|called)\s+"
                             rf"{re.escape(character.name)}\b", prompt)
        parts = [p for p in (named_as[1] if named_as else None, look) if p]
        kind = character.species
        if kind and not any(re.search(rf"\b{re.escape(kind)}", p, re.I) for p in parts):
            parts.insert(0, kind)  # "my corgi Waffles (tan and white)": the look says corgi too
        description = ", ".join(dict.fromkeys(parts))
        out.append(character.model_copy(update={"description": character.description or description}))
    if not out and several:  # an unnamed lead across shots: "a knight in silver armor finds …"
        appositive = re.search(rf"\b(?:the|a|an)\s+((?:[\w-]+\s){{0,2}}?(?:{PERSON_NOUNS})),\s+((?:a|an)\s+[^,;:.!?()]{{3,100}})[,.]",
                               prompt, re.I)
        if appositive:  # "the owner, an old man in a green cardigan, flips …"
            noun = appositive[1].lower().split()[-1]
            return [Character(id=_slug(noun), name=noun, species=noun, description=appositive[2].strip())]
        leads = list(re.finditer(
            rf"(?:\b(?:a|an|the|same)\s+|(?:^|(?<=[.:;!?]\s)))((?:(?!(?:of|a|an|the|and|with|in|on|at|for|to)\b)[\w-]+\s){{0,3}}?)"
            rf"({PERSON_NOUNS})\b(?!\s+(?:{PERSON_NOUNS})\b)((?:\s+(?!(?:in|with|wearing|and|who|that)\b)"
            rf"[a-z]+(?<!ing)(?=\s+(?:in|with|wearing)\b))?)(\s*\([^)]{{3,120}}\))?", prompt, re.I))
        # The first one described wins: "Same model throughout: a woman in a teal sports bra …" is the woman.
        leads = [m for m in leads if not (m[3] and verb_form(m[3].strip().lower()))]  # "the fox sleeps in …"
        lead = next((m for m in leads if m[4] or _worn(prompt[m.end():])), leads[0] if leads else None)
        worn = _worn(prompt[lead.end():]) if lead and not lead[4] else None
        if lead and not lead[4] and not worn:  # "Same woman both times, mid-30s, short black bob."
            listed = re.match(rf"[^,.;:]{{0,20}},\s+({_LOOK_LIST}[^.;:!?]{{0,100}}?)(?=\s*[.;:!?]|$)", prompt[lead.end():])
            if listed and not any(verb_form(w) for w in re.findall(r"[a-z]+", listed[1].lower())):
                worn = listed[1].strip()
        recurs = lead and (lead_anyway or lead[4] or worn or PRONOUN.search(prompt[lead.end():])
                           or len(re.findall(rf"\b{lead[2]}\b", prompt, re.I)) > 1)
        if lead and recurs:
            noun = lead[2].lower()
            look = f"{lead[1]}{noun}{lead[3] or ''} {(lead[4] or '').strip(' ()') or worn or ''}".strip()
            out.append(Character(id=_slug(noun), name=noun, species=noun, description=look))
    return out


def mentions(text: str, character: Character) -> bool:
    """Does ``text`` name ``character`` (by name, or by its species noun for an unnamed lead)?"""
    names = [character.name] + ([character.species] if character.species and character.name == character.species else [])
    return any(re.search(rf"\b{re.escape(n)}\b", text, re.I) for n in names if n)


