"""What of a shot's description fits CLIP: ``Shot.prompt`` is the part a 77-token text encoder
reads, ``Shot.long_prompt`` the whole when it is longer. One count for every module that writes
or edits a prompt (story planning, follow-up revisions, search references)."""

from __future__ import annotations

import re

CLIP_TOKENS = 77

__all__ = ["CLIP_TOKENS", "cut_to_clip", "fits", "split_prompt"]


def cut_to_clip(prompt: str, limit: int = CLIP_TOKENS - 2) -> str:
    """The prompt cut to what CLIP reads (its tokens approximated by words and punctuation;
    two of the 77 are the start and end markers)."""
    tokens = list(re.finditer(r"\w+|[^\w\s]", prompt))
    if len(tokens) <= limit:
        return prompt
    return prompt[: tokens[limit - 1].end()].rstrip(" ,;")


def fits(text: str) -> bool:
    """Does ``text`` fit in CLIP's budget?"""
    return cut_to_clip(text) == text


def split_prompt(long_form: str) -> tuple[str, str | None]:
    """(prompt, long_prompt) for a full shot description: the prompt is what fits, the long form
    is kept only when it is longer (the convention of ``Shot.long_prompt``)."""
    prompt = cut_to_clip(long_form)
    return prompt, (long_form if prompt != long_form else None)
