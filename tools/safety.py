"""Safety: a prompt policy checked before anything is planned or drawn, and an optional check
of the finished images.

- **Prompt policies** (:class:`PromptPolicy`): ``rules`` (the default; the small rule set in
  :data:`RULES`, for clearly disallowed requests only — it is not a content filter for taste),
  ``moderation`` (a provider's ``/moderations`` endpoint, OpenAI-compatible), ``off``. A refusal
  is a result with a reason and a category, never an exception.
- **Output checks** (:class:`OutputCheck`): ``moderation`` sends each image to the same
  endpoint; a flagged image is *marked* (in run.json and its PNG metadata), never replaced.

Register more with :func:`register_policy` / :func:`register_output_check`.
"""

from __future__ import annotations

import base64
import io
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from PIL import Image


@dataclass(frozen=True)
class Verdict:
    """What a policy decided about a prompt or an image."""

    allowed: bool
    reason: str = ""
    categories: list[str] = field(default_factory=list)
    policy: str = ""


class PromptPolicy(Protocol):
    name: str

    def check(self, prompt: str) -> Verdict: ...


class OutputCheck(Protocol):
    name: str

    def check(self, image: Image.Image, prompt: str) -> Verdict: ...


@dataclass(frozen=True)
class Rule:
    """Refuse when every pattern of ``all_of`` matches the lower-cased prompt."""

    category: str
    reason: str
    all_of: tuple[str, ...]


_MINOR = r"\b(child|children|kid|kids|minor|minors|underage|under-age|toddler|preteen|pre-teen|schoolgirl|schoolboy|" \
         r"(?:[1-9]|1[0-7])[- ]?(?:yo|year[- ]old)s?|teen|teens|teenager|loli|shota)\b"
_SEXUAL = r"\b(nude|naked|nsfw|sexual|sexually|sexy|erotic|porn\w*|lingerie|topless|undress\w*|stripper|striptease|hentai)\b"
_REAL_PERSON = r"\b(my (?:ex|boss|coworker|colleague|classmate|neighbou?r|teacher|sister|brother|wife|girlfriend|" \
               r"boyfriend|husband)|real person|celebrity|actress|actor|politician|of (?:this|that) (?:woman|man|girl|guy) " \
               r"from the photo|deepfake)\b"

RULES: tuple[Rule, ...] = (
    Rule("sexual/minors", "sexual content involving minors is never generated", (_SEXUAL, _MINOR)),
    Rule("sexual/non-consensual", "sexualised images of real, identifiable people are not generated "
         "(non-consensual intimate imagery)", (_SEXUAL, _REAL_PERSON)),
    Rule("violent-extremism", "propaganda or recruitment material for violent extremist groups is not generated",
         (r"\b(isis|isil|al[- ]qaeda|daesh|nazi|neo-nazi|kkk|ku klux klan)\b",
          r"\b(recruit\w*|propaganda|glorif\w*|join (?:us|the)|heroic|celebrat\w*)\b")),
    Rule("self-harm", "instructional images of self-harm are not generated",
         (r"\b(how to|step[- ]by[- ]step|diagram|guide|tutorial)\b",
          r"\b(self[- ]harm|cut(?:ting)? (?:myself|yourself)|suicide method|kill (?:myself|yourself))\b")),
)
"""The default rule set. Deliberately small and specific: it refuses requests that are clearly
disallowed and lets everything else through to the planner."""


class RulePolicy:
    """The built-in rule set (:data:`RULES`)."""

    name = "rules"

    def __init__(self, rules: tuple[Rule, ...] = RULES) -> None:
        self.rules = rules
        self._compiled = [(rule, [re.compile(p) for p in rule.all_of]) for rule in rules]

    def check(self, prompt: str) -> Verdict:
        text = " ".join(prompt.lower().split())
        for rule, patterns in self._compiled:
            if all(p.search(text) for p in patterns):
                return Verdict(False, rule.reason, [rule.category], self.name)
        return Verdict(True, policy=self.name)


class AllowAll:
    """``off``: no prompt policy (the operator takes responsibility)."""

    name = "off"

    def check(self, prompt: str) -> Verdict:
        return Verdict(True, policy=self.name)


class ModerationApi:
    """A provider's moderation endpoint (``POST {base}/moderations``, OpenAI-compatible) for
    prompts and images. The rule set runs first: clearly disallowed requests never leave."""

    name = "moderation"

    def __init__(self, base_url: str | None = None, model: str = "omni-moderation-latest",
                 api_key_env: str = "OPENAI_API_KEY", timeout_s: float = 30.0) -> None:
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1").rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.timeout_s = timeout_s
        self.rules = RulePolicy()

    def _ask(self, items: list[dict[str, Any]]) -> Verdict:
        import httpx

        key = os.environ.get(self.api_key_env)
        if not key:
            return Verdict(False, f"the moderation policy needs an API key: set {self.api_key_env}", ["unavailable"],
                           self.name)
        try:
            response = httpx.post(f"{self.base_url}/moderations", json={"model": self.model, "input": items},
                                  headers={"Authorization": f"Bearer {key}"}, timeout=self.timeout_s)
            response.raise_for_status()
            results = response.json().get("results") or []
        except Exception as error:  # noqa: BLE001 - fail closed, with the reason
            return Verdict(False, f"moderation endpoint unavailable ({type(error).__name__}); refusing rather "
                                  "than generating unchecked", ["unavailable"], self.name)
        flagged = sorted({name for r in results for name, hit in (r.get("categories") or {}).items() if hit})
        if any(r.get("flagged") for r in results):
            return Verdict(False, f"flagged by {self.model}: {', '.join(flagged) or 'unspecified'}", flagged, self.name)
        return Verdict(True, policy=self.name)

    def check(self, prompt: str, image: Image.Image | None = None) -> Verdict:  # type: ignore[override]
        if image is None:
            verdict = self.rules.check(prompt)
            if not verdict.allowed:
                return verdict
            return self._ask([{"type": "text", "text": prompt}])
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG")
        url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        return self._ask([{"type": "image_url", "image_url": {"url": url}}])


class ModerationOutputCheck:
    """``moderation`` output check: each finished image through the moderation endpoint."""

    name = "moderation"

    def __init__(self, api: ModerationApi | None = None) -> None:
        self.api = api or ModerationApi()

    def check(self, image: Image.Image, prompt: str) -> Verdict:
        return self.api.check(prompt, image)


_POLICIES: dict[str, Callable[[], PromptPolicy]] = {"rules": RulePolicy, "off": AllowAll, "moderation": ModerationApi}
_OUTPUT_CHECKS: dict[str, Callable[[], OutputCheck]] = {"moderation": ModerationOutputCheck}


def register_policy(name: str, factory: Callable[[], PromptPolicy]) -> None:
    _POLICIES[name] = factory


def register_output_check(name: str, factory: Callable[[], OutputCheck]) -> None:
    _OUTPUT_CHECKS[name] = factory


def policy(name: str) -> PromptPolicy:
    if name not in _POLICIES:
        raise ValueError(f"unknown safety policy {name!r}; choose one of: {', '.join(sorted(_POLICIES))}")
    return _POLICIES[name]()


def output_check(name: str) -> OutputCheck:
    if name not in _OUTPUT_CHECKS:
        raise ValueError(f"unknown output check {name!r}; choose one of: {', '.join(sorted(_OUTPUT_CHECKS))}")
    return _OUTPUT_CHECKS[name]()
