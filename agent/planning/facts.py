"""Does the plan need facts from the web? The rules decide it too, without any model: proper
names (landmarks, brands, product models, people), years and events, logos, "real" things "as
they look today" and species by their Latin name ask for a search, one focused query per thing.
Fictional names (a fox named Mira, Captain Bramble, a pirate hedgehog), weekdays, months,
holidays, styles and quoted sign text do not."""

from __future__ import annotations

import re

_CAP = r"(?:[A-Z][\w'’.&-]*|[a-z]+[A-Z][\w-]*|\d{1,4})"
_RUN = re.compile(rf"(?<![\w'’])({_CAP}(?:\s+(?:of\s+the\s+|of\s+|de\s+|la\s+)?{_CAP})*)")
_CALENDAR = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
             "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
             "christmas", "eve", "easter", "halloween", "new", "year", "year's", "valentine's", "day", "thanksgiving"}
_STYLES = {"art", "deco", "nouveau", "renaissance", "baroque", "gothic", "victorian", "bauhaus", "pop", "ukiyo-e",
           "impressionist", "cubist", "surrealist", "kawaii", "chibi", "pixar", "disney", "ghibli", "i", "a", "an",
           "the", "ok", "okay", "please"}
_ROLES = r"(?:queen|king|princess|prince|lord|lady|sir|captain|dr|doctor|professor|uncle|aunt|grandma|grandpa|" \
         r"elf|wizard|witch|planet|kingdom|land|realm|city|village|agent|officer|mr|mrs|ms|miss|little)"
_FICTION = re.compile(r"\b(?:fantasy|sci-?fi|fictional|imaginary|made[- ]up|fairy[- ]?tale|wizard|elf|elven|dragon|"
                      r"magic(?:al)?|alien|kingdom of)\b", re.I)
_STRONG = re.compile(r"\b(?:logo|crest|badge|emblem|flag of|as (?:it|they) looks? today|in real life|"
                     r"real[- ]world|the real|historic(?:al)?|landmark|famous)\b|\b(?:1[5-9]|20)\d{2}\b", re.I)
_LANDMARK = re.compile(r"\b(?:Tower|Bridge|House|Square|Wall|Castle|Cathedral|Church|Temple|Palace|Museum|Park|"
                       r"Telescope|Station|Stadium|Fountain|Olympics|Games|Cup|Festival|Abbey|Basilica|Mosque|"
                       r"Falls|Mountain|Mount|Canyon|Island|Street|Avenue|Building|Center|Centre|Statue|Gate)\b")
_LOGO_OF = re.compile(r"\b(?:the\s+)?([a-z][\w'’&-]+(?:\s+[a-z][\w'’&-]+)?)\s+(?:logo|crest|badge|emblem)\b"
                      r"|\b(?:logo|crest|badge|emblem)\s+of\s+((?:the\s+)?[\w'’&. -]{2,40}?)(?=[,.;]|\s+(?:on|in|at|with)\b|$)")
_BINOMIAL = re.compile(r"\b([A-Z][a-z]{3,})\s+([a-z]{4,}(?:ii|i|ae|us|um|is|a|ensis))\b")


def _entities(text: str, characters: set[str]) -> list[str]:
    found = []
    for sentence in re.split(r"(?<=[.!?:;])\s+|\n", text):
        for match in _RUN.finditer(sentence):
            words = match[1].split()
            if match.start() == len(sentence) - len(sentence.lstrip()) and len(words) == 1:
                continue  # a sentence's first word is capitalised anyway
            if match.start() == len(sentence) - len(sentence.lstrip()) and words[0].lower() in _STYLES | {"draw", "make", "paint", "show", "create", "generate"}:
                words = words[1:]
            words = [w for w in words if w.strip("'’s").lower() not in _CALENDAR]
            words = [w for w in words if not (w.lower().strip(".") in _STYLES or re.fullmatch(r"[A-Z][a-z]+(?:ian|ish|ese|ic)(?:-style)?", w))]
            if not words or all(w.isdigit() for w in words):
                continue
            name = " ".join(words).strip("'’.")
            if name.lower() in characters or any(w.lower() in characters for w in words):
                continue
            before = sentence[: match.start()]
            if re.search(rf"\b{_ROLES}\.?\s*$", before, re.I) or re.search(r"\b(?:named|called|name is)\s*$", before):
                continue
            after = sentence[match.end():]
            if re.match(r"\s*(?:,\s*(?:a|an|my|our)\s|\()", after):  # "Captain Bramble, a pirate hedgehog"
                continue
            found.append(name)
    return found


def search_decision(prompt: str, unquoted: str, characters: list[str]) -> tuple[bool, list[str]]:
    """(needs a search, one focused query per thing to look up) for a request; ``unquoted`` is
    the request with quoted text blanked (sign text is drawn, never looked up)."""
    names = {c.lower() for c in characters}
    entities = _entities(unquoted, names)
    fiction = bool(_FICTION.search(unquoted))
    strong = bool(_STRONG.search(unquoted))
    queries = []
    for entity in entities:
        model_like = bool(re.search(r"\d|[a-z][A-Z]", entity)) or len(entity.split()) >= 2
        if fiction and not (_LANDMARK.search(entity) or strong):
            continue
        if model_like or strong or _LANDMARK.search(entity) or len(entity) > 3:
            queries.append(entity)
    for match in _LOGO_OF.finditer(unquoted):
        owner = (match[1] or match[2] or "").strip()
        if owner and owner.lower() not in {"a", "the", "my", "our", "your", "new", "company", "shop", "brand"} \
                and not any(owner.lower() in q.lower() for q in queries):
            queries.append(f"{owner} logo")
    for match in _BINOMIAL.finditer(unquoted):
        species = f"{match[1]} {match[2]}"
        queries = [q for q in queries if q != match[1]] + [species]
    queries = list(dict.fromkeys(q for q in queries if q))
    return bool(queries), [f"{q} appearance" if not q.endswith("logo") else q for q in queries][:5]
