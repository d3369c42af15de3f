"""Benchmark suites: `limner eval NAME` runs one and writes evals/results/NAME.md (+ .png)."""
