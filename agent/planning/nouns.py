"""The things a story beat names: "Otto juggling shells on the seabed" → shell, seabed.

A story's props rarely come with a count or an article ("hiding in a shipwreck", "on wet
black rocks", "pours syrup"), so the object extractor (planning/objects.py, which wants
"a", "two", "the … on") misses most of them. Here a beat is cut into runs of content words
at function words, punctuation and verbs; the last word of each run is its head noun. Heads
that are not things (times, weather, colours, camera words, abstract words) are dropped.
Pure Python, no tagger: a verb is a word whose stem is a common verb and that does not
follow an article or an adjective ("she plants a tree" vs "the plants").
"""

from __future__ import annotations

import re

from agent.planning.objects import drawable, singular
from agent.planning.vocab import COLOURS, COMMON_VERBS, IMAGE_NOUNS, NUMBER_WORDS, STOP

_TOKEN = re.compile(r"[a-z][a-z'-]*|\d+|[^\sa-z\d]")
_DETERMINERS = {"a", "an", "the", "his", "her", "their", "its", "my", "our", "your", "some", "this",
                "these", "those", "each", "every", "another", "one", "no", "any", "several", "many", "few"}
_NEGATIONS = {"no", "not", "without", "never", "nothing", "avoid", "avoiding", "excluding", "except", "nor"}
_ARTICLES_AND = {"a", "an", "the", "and", "with", "but", "plus", "some", "one", "two", "three", ""}
_BREAK = STOP | {"then", "when", "while", "until", "before", "after", "during", "through", "across", "around",
                 "toward", "towards", "inside", "outside", "between", "among", "along", "past", "up", "down", "off",
                 "out", "away", "back", "again", "also", "too", "now", "finally", "first", "next", "later", "still",
                 "just", "only", "even", "so", "he", "she", "they", "we", "i", "you", "him", "them", "me", "us",
                 "there", "here", "where", "what", "how", "why", "not", "don't", "can't", "won't", "should",
                 "would", "could", "can", "will", "must", "has", "have", "had", "does", "do", "did", "gets", "get",
                 "being", "been", "am", "whose", "about", "like", "as", "per", "via", "vs", "versus", "over",
                 "under", "beside", "behind", "above", "below", "near", "onto", "into", "upon", "within", "without",
                 "same", "other", "own", "such", "please", "pls", "plz", "lol", "ok", "okay", "yes", "maybe"}
NOT_THINGS = set(
    # times, weather, light: typed fields of the shot, not objects
    "dawn sunrise daybreak morning noon midday afternoon evening dusk sunset twilight night midnight nighttime "
    "day days week weekend hour hours minute minutes moment moments time times today tonight tomorrow yesterday "
    "rain drizzle downpour snow snowfall storm thunderstorm fog mist haze weather wind breeze sunshine sunlight "
    "light lighting glow shadow shadows golden hour season spring summer autumn fall winter "
    # camera and picture words
    "close-up closeup close shot shots view views angle angles wide side front back top bottom profile "
    "perspective framing frame frames panel panels slide slides page pages image images picture pictures pic pics "
    "photo photos illustration illustrations version versions variation variations variant variants concept "
    "concepts direction directions option options idea ideas take takes sketch sketches render renders style "
    "styles look looks vibe vibes mood aesthetic theme palette colour color colours colors tone texture "
    "series sequence story stories comic comics strip storyboard beat beats step steps stage stages part parts "
    "scene scenes shot series set sets cover spread carousel post posts thumbnail thumbnails mockup mockups "
    # abstract or vague
    "thing things stuff way ways lot lots bit kind sort type piece end beginning middle start finish rest "
    "first second third last next same other everything something nothing anything everyone someone "
    "problem idea feeling happiness joy fear surprise life world journey adventure trip day-in-the-life "
    "moment attempt try progress process result results detail details background foreground center centre "
    "left right corner edge distance midst half whole full focus quality size shape version product brand "
    "text word words caption title headline font quote message name names "
    "everywhere alone asleep awake afterward afterwards late early done made lit nite bright together inside outside "
    "upstairs downstairs home order design designs layout mood version hurricane makeover turnaround "
    "medium level eye gimme lol pls plz thx doing going overhead step-by-step recipe cutscene thumbs-up "
    "interior exterior grid object item row column "
    # occasions, and relation words that can look like nouns ("leaning against a wall")
    "birthday wedding christmas halloween anniversary easter valentine graduation against bunch bouquet handful".split()
)
_ADJECTIVE_END = re.compile(r"(?:ly|ous|ful|ish|ive|able|ible|less|ical|ic)$")
_ADJECTIVES_Y = set(
    "sunny rainy snowy foggy cloudy stormy windy misty happy sleepy grumpy spooky cozy cosy messy tiny shiny fluffy "
    "dirty empty crazy busy lazy angry hungry scary pretty heavy early silly funny sandy rocky muddy icy juicy fuzzy "
    "furry dusty rusty creepy cute chubby skinny tidy sticky soggy salty spicy sweety gloomy dreamy moody snowy "
    "starry leafy grassy hilly bumpy shaggy scruffy curly wavy hairy bushy lucky ready steady sorry worthy giddy "
    "jolly merry lonely lovely ugly holy only daily weekly every very".split()
)
_NOUN_EXCEPTIONS = {"picnic", "clinic", "music", "comic", "attic", "mosaic", "tunic", "garlic", "traffic", "plastic",
                    "fabric", "olive", "beehive", "archive", "table", "cable", "vegetable", "relish", "radish", "dish",
                    "fish", "polish", "knive", "mural", "coral", "festival", "carnival", "animal", "hospital"}


def verb_form(word: str) -> bool:
    """Is ``word`` a form of an everyday verb ("kneads", "hides", "carries", "danced", "running")?"""
    if word in COMMON_VERBS:
        return True
    stems = []
    if word.endswith("ies"):
        stems.append(word[:-3] + "y")
    if word.endswith("es"):
        stems.append(word[:-2])
    if word.endswith("s"):
        stems.append(word[:-1])
    if word.endswith("ed"):
        stems += [word[:-2], word[:-1], word[:-3] if len(word) > 5 and word[-3] == word[-4] else word[:-2]]
    if word.endswith("ing"):
        stems += [word[:-3], word[:-3] + "e", word[:-4] if len(word) > 6 and word[-4] == word[-5] else word[:-3]]
    if any(s in COMMON_VERBS for s in stems):
        return True
    return word.startswith("re") and len(word) > 5 and verb_form(word[2:])  # repaints, relights, rebuilds


_ADJECTIVES_PLAIN = set(
    "calm safe clear quiet dark cold warm hot wet dry full big small tall short long old new young little tiny huge "
    "giant wide narrow deep high low bright dim soft hard loud sweet sour fresh ripe raw golden wooden gentle "
    "violent heavy light thick thin fat slim round square flat smooth rough sharp dull clean neat proud brave shy "
    "sad glad mad kind cruel rich poor strong weak fast slow quick late early last next same other whole lone "
    "lost broken open closed empty ready alive dead free busy favorite favourite vintage retro modern classic "
    "cute cozy cosy fancy plain simple busy main final extreme single double triple far near distant".split()
)


def _adjective(word: str) -> bool:
    if word in COLOURS or word in _ADJECTIVES_Y or word in _ADJECTIVES_PLAIN:
        return True
    return word not in _NOUN_EXCEPTIONS and len(word) > 4 and bool(_ADJECTIVE_END.search(word))


def scene_nouns(text: str, exclude: set[str] = frozenset()) -> list[str]:
    """The head nouns of ``text`` (singular, in order), without the words in ``exclude``
    (character names and species, lower case)."""
    words = _TOKEN.findall(text.lower())
    runs: list[list[str]] = []
    run: list[str] = []
    after_determiner = negated = after_verb = False
    for at, word in enumerate(words):
        if not word[0].isalpha() or word in _BREAK or word in NUMBER_WORDS or word in exclude:
            if run and not negated:
                runs.append(run)
            if word in _NEGATIONS:  # "no people, cars or dogs": what follows is not drawn
                negated = True
            elif negated and run:  # the list goes on over "or" and a bare ", cars"; "and a dog" ends it
                following = words[at + 1] if at + 1 < len(words) else ""
                negated = word in ("or", "nor") or (word == "," and following not in _ARTICLES_AND)
            run = []
            after_determiner = word in _DETERMINERS or word in NUMBER_WORDS or word.isdigit()
            after_verb = False
            continue
        plural_before = bool(run) and run[-1].endswith("s") and not run[-1].endswith("ss")
        noun_after_article = after_determiner and not plural_before and (not run or not word.endswith(("s", "ed", "ing")))
        # "cutting blocks of limestone": right after a verb, a bare -s word is its object, not a verb
        object_of_verb = after_verb and not run and not word.endswith(("ed", "ing"))
        if verb_form(word) and not noun_after_article and not object_of_verb:
            if run and not negated:
                runs.append(run)
            negated = False
            run = []
            after_determiner = False
            after_verb = True
            continue
        after_verb = False
        run.append(word)
    if run and not negated:
        runs.append(run)
    found: list[str] = []
    for chunk in runs:
        if len(chunk) >= 2 and singular(" ".join(chunk[-2:])) in _COMPOUNDS:
            found.append(singular(" ".join(chunk[-2:])))
            continue
        heads = [w for w in chunk if _thing(w, exclude)]
        if not heads:
            continue
        # The head is the last thing-word ("my tiny house design" → house); a drawable noun in
        # front of it is a thing too ("the temple gate" → temple, gate; "a cafe street" → cafe, street).
        found += [singular(w) for w in heads[:-1] if drawable(singular(w))]
        found.append(singular(heads[-1]))
    return list(dict.fromkeys(found))


def _framing(name: str) -> bool:
    """A time, camera, picture or abstract word, or a clipped token ("morning", "panel", "idea", "mid-")."""
    return name in NOT_THINGS or name in IMAGE_NOUNS or name.endswith("-")


def is_thing(name: str) -> bool:
    """Not a framing, time or abstract word, nor a function word ("about")."""
    return not _framing(name) and name not in _BREAK and singular(name) not in NOT_THINGS


def _thing(word: str, exclude: set[str]) -> bool:
    """A run's word that can head a prop: not a framing word, nor a character's word,
    an adjective, a colour, a participle or a clipped token."""
    name = singular(word)
    return (not _framing(name) and word not in NOT_THINGS and len(name) >= 3 and name not in exclude
            and word not in exclude and not _adjective(word) and name not in COLOURS and "'" not in name
            and not (word.endswith(("ing", "ed")) and word not in _ING_NOUNS) and word not in _PARTICIPLES)


_PARTICIPLES = set("thrown torn worn broken frozen fallen hidden eaten given taken written shaken stolen chosen drawn grown "
                   "blown flown sewn shown sworn sunk spun stuck lit held built kept caught left brought bought sold "
                   "refuse".split())
_ING_NOUNS = {  # nouns that end like participles: "a seabed", "the building", "her earring"
    "seabed", "flowerbed", "riverbed", "bed", "shed", "sled", "bobsled", "seed", "reed", "weed", "steed", "bread",
    "thread", "head", "bead", "feed", "speed", "tweed", "homestead", "sheepdog", "spreadsheet",
    "building", "painting", "ceiling", "wedding", "ring", "king", "wing", "swing", "string", "spring", "pudding",
    "stuffing", "clothing", "sibling", "seedling", "duckling", "dumpling", "sapling", "earring", "railing", "icing",
    "frosting", "filling", "stocking", "drawing", "carving", "landing", "clearing", "crossing", "dwelling", "awning",
    "lightning", "offering", "bedding", "topping", "lining", "skyline", "scaffolding", "wedding", "ironing",
    "sting", "sling", "ping", "thing", "pudding"}
_COMPOUNDS = {"hot dog", "lunar module", "command module", "bar chart", "ice cream", "teddy bear", "fire truck",
              "traffic light", "street lamp", "coffee cup", "tea cup", "hot air balloon", "air balloon",
              "stop sign", "parking meter", "fire hydrant", "tennis racket", "baseball bat", "baseball glove",
              "cell phone", "wine glass", "dining table", "potted plant", "hair drier", "light bulb", "pie chart",
              "line chart", "christmas tree", "palm tree", "sand castle", "snow globe", "treasure chest"}
