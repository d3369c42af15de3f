"""The load benchmark's own checks, on a small burst: a real `limner serve` process, several
tokens, concurrent requests; every answer is the caller's own image and no token reads another's run."""

from __future__ import annotations

import pytest

from evals.server_load import measure, to_markdown


@pytest.mark.slow
def test_a_small_burst_has_no_errors_and_no_cross_token_reads() -> None:
    result = measure(requests=8)
    assert result["errors"] == 0, result["error_samples"]
    assert result["cross_token_reads"] == 0 and result["checked_reads"] == 8 * 3
    assert 0 < result["p50_s"] <= result["p95_s"] <= result["max_s"]
    assert result["memory_peak_mb"] >= result["memory_idle_mb"] > 0
    assert "| errors (non-200 or someone else's image) | 0 |" in to_markdown(result)
