"""The overhead suite's arithmetic: paired loop cost per repeat, medians, node breakdown, report."""

from __future__ import annotations

from evals import overhead


def _sample(raw: float, agent: float, critique: float, repeat: int) -> dict:
    return {"prompt": "p", "repeat": repeat, "raw_s": raw, "agent_s": agent,
            "loop_ms_per_image": 1000 * (agent - raw) / overhead.IMAGES,
            "nodes": {"plan": 0.01, "generate": 0.2, "critique": critique, "finalize": 0.04},
            "raw_nodes": {"generate": 0.2, "finalize": 0.04}, "passed": True, "rounds": 0, "texts_planned": 8}


def test_loop_cost_is_the_median_of_paired_differences_not_a_difference_of_medians():
    # A load spike hits one repeat's raw and agent alike: pairing cancels it.
    samples = [_sample(1.0, 1.4, 0.30, 0), _sample(3.0, 3.4, 0.32, 1), _sample(1.1, 1.5, 0.28, 2)]
    summary = overhead._summary(samples)
    assert round(summary["loop_ms_per_image"]) == 50
    assert summary["critique_s"] == 0.30 and summary["nodes"]["generate"] == 0.2
    assert summary["passed"] == 3 and summary["repaired"] == 0


def test_report_flags_each_target_and_compares_before_with_after():
    slow = overhead._summary([_sample(1.0, 3.0, 1.5, 0)])
    fast = overhead._summary([_sample(1.0, 1.5, 0.3, 0)])
    result = {"date": "d", "cpus": 2, "load_average": [0.1, 0.2, 0.3], "images": 8, "size": "512x512", "repeats": 1,
              "trees": {"before": "/b", "after": "/a"}, "baseline_label": "commit abc", "prompts": {"p": "a prompt"},
              "summary": {"before": {"p": slow}, "after": {"p": fast}}, "seconds": 1.0}
    text = overhead.processes_markdown(result)
    assert "| before | p | 1.00 | 3.00 | **250** ✗ |" in text and "**1.50** ✗" in text
    assert "| after | p | 1.00 | 1.50 | **62** ✓ |" in text and "**0.30** ✓" in text
    assert "| p | 250 → **62** | 1.50 → **0.30** | 3.00 → 1.50 |" in text and "Before: commit abc" in text
