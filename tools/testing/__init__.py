"""Helpers for tests, benchmarks and local trials — never used by a run: a random-weight tiny
diffusion pipeline (tiny_pipeline) and a throwaway C2PA certificate chain (certificates)."""
