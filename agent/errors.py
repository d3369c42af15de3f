"""Errors a user can cause. Every surface maps ``InputError`` to its "bad request" answer
(CLI exit code 2, HTTP 400) and shows the message, which says what to do."""


class InputError(ValueError):
    """The request itself is wrong (empty prompt, n out of range, bad size...)."""
