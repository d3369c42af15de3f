"""Fakes shared by tests: scripted stand-ins for chat models (no network, no weights)."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import ChatResult
from langchain_core.runnables import RunnableLambda


class ScriptedChatModel(BaseChatModel):
    """Answers ``with_structured_output`` calls from a queue: objects are returned, exceptions raised."""

    script: list[Any] = []
    calls: list[Any] = []
    model_name: str = "scripted"

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        raise NotImplementedError("only structured output is scripted")

    def with_structured_output(self, schema: Any, **kwargs: Any) -> Any:
        def answer(messages: Any) -> Any:
            self.calls.append(messages)
            item = self.script.pop(0)
            if isinstance(item, BaseException):
                raise item
            return item

        return RunnableLambda(answer)
