"""The LLM planner: any langchain chat model adds composition, camera, light, palette, per-shot
variety, the beats of shots the request left open (a vague "four-panel comic about a lost
umbrella" gets four invented moments) and the search decision on top of the rule plan.

The model is named by a ``provider:model`` string (``Settings.planner_model``) and built with
langchain's ``init_chat_model``: ``openai:gpt-4o-mini``, ``anthropic:claude-3-5-haiku-latest``,
``ollama:llama3.2``, or any OpenAI-compatible server via ``openai:<model>`` plus
``Settings.planner_base_url``. The provider packages (langchain-openai, langchain-anthropic,
langchain-ollama…) are optional; a missing one is a :class:`PlannerConfigError` that names it.

The model answers in a small, creative-only schema (:class:`~agent.planning.merge.LlmPlan`)
through ``with_structured_output``; :func:`~agent.planning.merge.merge` folds it into the rule
plan so that no hard constraint is dropped or changed; the prompt shows the model the rule
plan's shots, which beats are fixed and which are open, and the texts of each shot. With
langchain-openai the structured output goes out as a ``json_schema`` response format, so an
OpenAI-compatible server must accept that (aimock does: tests/e2e/test_llm_story_aimock.py).
Invalid output (or an error) is retried once; after a second failure the rule plan is used and
the fallback is recorded in ``plan.notes``. The prompt is ``prompts/planner.md``
(overridable in ``$LIMNER_HOME/prompts``).

Providers limner builds itself are registered chat providers (:func:`register_chat_provider`):
``llamacpp:<smollm2 | path.gguf>`` runs a local GGUF model through llama.cpp
(agent/planning/local_gguf.py, the optional ``[local-llm]`` extra). Tests register scripted
fakes the same way, so a whole agent run can be driven by a fake planner.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Sequence

from pydantic import ValidationError

import prompts
from agent.errors import PlannerConfigError, one_line
from agent.planning.local_gguf import gguf_chat_model
from agent.planning.merge import TIMES_OF_DAY, WEATHERS, LlmPlan, is_stock, merge, open_shots, plan_schema
from agent.context import Settings
from tools.search import Note, quote_for_prompt

if TYPE_CHECKING:  # pragma: no cover - types only
    from langchain_core.language_models import BaseChatModel

    from agent.planning.rules import Constraints
    from tools.scene import ScenePlan

log = logging.getLogger("limner.planner")

ATTEMPTS = 2
"""One try and one retry; then the rule plan."""

# Provider prefix → the pip package init_chat_model needs for it.
PROVIDER_PACKAGES = {
    "openai": "langchain-openai",
    "azure_openai": "langchain-openai",
    "anthropic": "langchain-anthropic",
    "ollama": "langchain-ollama",
    "google_genai": "langchain-google-genai",
    "mistralai": "langchain-mistralai",
    "groq": "langchain-groq",
    "deepseek": "langchain-deepseek",
    "fireworks": "langchain-fireworks",
    "together": "langchain-together",
    "huggingface": "langchain-huggingface",
}


ChatProvider = Callable[[str, "Settings"], Any]
"""(model part of ``provider:model``, settings) → an object with ``with_structured_output``."""


def _llamacpp(model: str, settings: "Settings") -> Any:
    return gguf_chat_model(model, settings)


CHAT_PROVIDERS: dict[str, ChatProvider] = {"llamacpp": _llamacpp}


def register_chat_provider(name: str, factory: ChatProvider) -> None:
    """Make ``name:<model>`` build its chat model with ``factory`` instead of ``init_chat_model``."""
    CHAT_PROVIDERS[name] = factory
    _cached_model.cache_clear()


def chat_model_from(settings: "Settings") -> "BaseChatModel":
    """The chat model ``settings.planner_model`` names, built with ``init_chat_model``."""
    spec = (settings.planner_model or "").strip()
    provider, sep, model = spec.partition(":")
    if not sep or not provider or not model:
        raise PlannerConfigError(
            f"planner_model {spec!r} is not 'provider:model' (e.g. openai:gpt-4o-mini, "
            "anthropic:claude-3-5-haiku-latest, ollama:llama3.2); set LIMNER_PLANNER_MODEL"
        )
    if provider in CHAT_PROVIDERS:
        return CHAT_PROVIDERS[provider](model, settings)
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as error:  # pragma: no cover - langchain is a dependency
        raise PlannerConfigError("the LLM planner needs langchain: pip install 'langchain>=1.0'") from error
    kwargs: dict[str, Any] = {"timeout": settings.planner_timeout_s}
    if settings.planner_base_url:
        kwargs["base_url"] = settings.planner_base_url
    package = PROVIDER_PACKAGES.get(provider, f"langchain-{provider.replace('_', '-')}")
    try:
        return init_chat_model(model, model_provider=provider, **kwargs)
    except ImportError as error:
        raise PlannerConfigError(
            f"planner_model {spec!r} needs the {package} package: pip install {package}"
        ) from error
    except ValueError as error:
        if "provider" in str(error).lower():
            known = ", ".join(sorted({*PROVIDER_PACKAGES, *CHAT_PROVIDERS}))
            raise PlannerConfigError(
                f"unknown planner provider {provider!r} in {spec!r}; use one of {known} "
                "(an OpenAI-compatible server: openai:<model> with LIMNER_PLANNER_BASE_URL)"
            ) from error
        raise PlannerConfigError(f"cannot build planner model {spec!r}: {_one_line(error)}") from error
    except Exception as error:  # noqa: BLE001 - e.g. a provider client refusing a missing API key
        raise PlannerConfigError(
            f"cannot build planner model {spec!r}: {_one_line(error)} "
            "(check the provider's API key variable or LIMNER_PLANNER_BASE_URL)"
        ) from error


@lru_cache(maxsize=4)
def _cached_model(spec: str, base_url: str | None, timeout_s: float) -> "BaseChatModel":
    return chat_model_from(
        Settings.model_construct(planner_model=spec, planner_base_url=base_url, planner_timeout_s=timeout_s)
    )


def planner_from(settings: "Settings") -> "LlmPlanner | None":
    """The LLM planner the settings configure, or None for rules only (nothing imported then)."""
    if not settings.planner_model:
        return None
    model = _cached_model(settings.planner_model, settings.planner_base_url, settings.planner_timeout_s)
    # Small local models only follow a prompt with worked examples.
    prompt = "planner_small" if settings.planner_model.startswith("llamacpp:") else "planner"
    return LlmPlanner(model, model_id=settings.planner_model, prompt=prompt)


def _one_line(error: BaseException) -> str:
    return one_line(error) or type(error).__name__


def _model_id(model: Any) -> str:
    for attribute in ("model_name", "model", "model_id"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


def describe_constraints(constraints: "Constraints", shot_count: int) -> str:
    """The hard constraints as JSON for the prompt: the LLM must keep them, not decide them."""
    data = {
        "images": shot_count,
        "exact_texts": [{"text": t.text, "role": t.role} for t in constraints.texts],
        "objects": [
            {
                "name": o.name,
                "count": o.count,
                "color": o.color,
                "relation": o.relation.model_dump() if o.relation else None,
            }
            for o in constraints.objects
        ],
        "characters": [c.name for c in constraints.characters],
        "negatives": constraints.negatives,
        "style": constraints.style,
        "setting": constraints.setting,
        "light": constraints.light,
        "camera": constraints.camera,
        "per_shot": constraints.shots,
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


def describe_shots(rule_plan: "ScenePlan") -> str:
    """The rule plan's shots as JSON for the prompt: which beats are fixed (the request's own)
    and which are open for the LLM to write, and the quoted texts that belong to each shot."""
    rows = []
    for shot, is_open in zip(rule_plan.shots, open_shots(rule_plan)):
        rows.append({
            "shot": shot.index + 1,
            "beat": None if is_open else shot.beat,
            "beat_is": "open" if is_open else "fixed",
            "prompt_says": None if is_stock(shot.variation) else shot.variation,
            "texts": [element.text for element in shot.texts],
            "characters": [c.name for c in rule_plan.characters if c.id in shot.characters],
            "time_of_day": shot.time_of_day,
            "weather": shot.weather,
            "view": shot.view,
        })
    return json.dumps(rows, ensure_ascii=False, indent=1)


class LlmPlanner:
    """Asks a chat model for the creative part of a plan and merges it under the merge rule."""

    def __init__(self, model: "BaseChatModel", *, model_id: str | None = None, prompt: str = "planner") -> None:
        self.model = model
        self.model_id = model_id or _model_id(model)
        self.prompt = prompt
        """The prompt file (prompts/<name>.md): ``planner``, or ``planner_small`` with worked
        examples for small local models."""
        self.failure: str | None = None
        """Why the last :meth:`propose` gave up, or None when it succeeded."""

    def messages(
        self,
        request_text: str,
        constraints: "Constraints",
        shot_count: int,
        notes: Sequence[Note] = (),
        rule_plan: "ScenePlan | None" = None,
    ) -> list[tuple[str, str]]:
        """The system prompt (``prompts/planner.md``) and the request as the user's message;
        ``rule_plan`` gives the per-shot table (fixed beats, open ones, each shot's texts)."""
        system = prompts.load(
            self.prompt,
            shot_count=str(shot_count),
            constraints=describe_constraints(constraints, shot_count),
            shots=describe_shots(rule_plan) if rule_plan is not None else "(no rule shots)",
            times=", ".join(TIMES_OF_DAY),
            weathers=", ".join(WEATHERS),
            notes=quote_for_prompt(list(notes)) or "(no search results)",
        )
        return [("system", system), ("human", request_text)]

    def propose(
        self,
        request_text: str,
        constraints: "Constraints",
        shot_count: int,
        notes: Sequence[Note] = (),
        rule_plan: "ScenePlan | None" = None,
    ) -> LlmPlan | None:
        """The model's creative part, retried once on invalid output or error; None after two failures."""
        self.failure = None
        messages = self.messages(request_text, constraints, shot_count, notes, rule_plan)
        structured = self.model.with_structured_output(plan_schema(shot_count))
        reasons = []
        for attempt in range(1, ATTEMPTS + 1):
            try:
                answer = structured.invoke(messages)
                if answer is None:
                    raise ValueError("the model returned no structured output")
                if isinstance(answer, LlmPlan):
                    return answer
                if hasattr(answer, "model_dump"):  # another pydantic schema a provider handed back
                    answer = answer.model_dump()
                return LlmPlan.model_validate(answer)
            except ValidationError as error:
                reason = f"invalid output ({error.error_count()} error(s): {_one_line(error)[:160]})"
            except Exception as error:  # noqa: BLE001 - any model failure falls back to the rules
                reason = f"{type(error).__name__}: {_one_line(error)[:200]}"
            log.info("llm planner attempt %d failed: %s", attempt, reason)
            reasons.append(reason)
        self.failure = f"{ATTEMPTS} attempts failed; last: {reasons[-1]}"
        return None

    def plan(
        self, rule_plan: "ScenePlan", constraints: "Constraints", notes: Sequence[Note] = ()
    ) -> "ScenePlan":
        """``rule_plan`` with the model's additions, or unchanged with the fallback noted."""
        part = self.propose(rule_plan.request, constraints, len(rule_plan.shots), notes, rule_plan)
        if part is None:
            note = f"llm planner fell back to rules: {self.failure}"
            return rule_plan.model_copy(update={"planner": "rules", "notes": [*rule_plan.notes, note]})
        return merge(rule_plan, part, model_id=self.model_id)

