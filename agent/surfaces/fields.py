"""The rules for what a client sends, shared by every surface (HTTP, MCP, the bots): text is
valid Unicode, numbers are ASCII digits bounded in length before they are parsed, ids and sizes
match one pattern, and empty strings are refused where they would mean nothing.

Each rule exists once, as a check with a message that names the field, and the same rule is a
JSON Schema fragment, so the HTTP API's OpenAPI document (and the MCP tools' schemas) say
exactly what the checks accept. Patterns use only what Python's ``re``, ECMAScript and Rust
regexes read alike (ASCII classes and ``\\uXXXX`` escapes), since clients, the server and
Schemathesis each check them with their own engine.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Callable

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from agent.context import Settings
from agent.errors import InputError
from agent.request import MAX_IMAGES, MAX_SEED, MAX_SIDE, MIN_INPUT_SIDE, MIN_SIDE, parse_size
from agent.surfaces.profiles import DEFAULT_PROFILE, means_default, openai_aliases, profile_names, resolve_profile
from tools.generators.base import available, options_model

# ---- the patterns --------------------------------------------------------------------------

_SPACES = "".join(chr(code) for code in range(0x110000) if chr(code).isspace())
"""What ``str.strip`` removes: a prompt of only these is empty."""
NOT_BLANK = "[^" + "".join(f"\\u{ord(c):04x}" for c in _SPACES) + "]"
"""A character that is not white space (searched for: the prompt holds at least one)."""


_EVEN_TAILS = "(?:00|08|16|24|32|40|48|56|64|72|80|88|96)"
_ODD_TAILS = "(?:04|12|20|28|36|44|52|60|68|76|84|92)"
SIDE = (f"(?:64|72|80|88|96|[13579]{_ODD_TAILS}|[2468]{_EVEN_TAILS}|1[02468]{_EVEN_TAILS}|1[13579]{_ODD_TAILS}"
        f"|20(?:00|08|16|24|32|40|48))")
"""A multiple of 8 from 64 to 2048, no zeros in front: a number is one when its last three
digits are, and ``d·100 + t`` is when ``t ≡ 4·d (mod 8)`` (the tails above); the unit tests
check it against every number."""
SIZE_PATTERN = f"^(?:auto|{SIDE}x{SIDE})$"
"""``WIDTHxHEIGHT`` with each side a multiple of 8 from 64 to 2048, or OpenAI's ``auto``."""
NAME_MAX = 63
"""Ids a client names (user, thread) are prefixed with the token's name (up to 64 characters
and a colon) on a server with tokens; 63 keeps the whole within the 128 the core allows."""
NAME_PATTERN = f"^[A-Za-z0-9_.@+-]{{1,{NAME_MAX}}}$"
NAME_CHARACTERS = f"1-{NAME_MAX} letters, digits or _.@+- characters"
DIGITS_MAX = 12
"""Longest number a client may send as text (query, header, chat command): bounded before
``int()`` reads it, far below Python's 4,300-digit limit and above any bound used here."""

_NAME = re.compile(NAME_PATTERN)
_SIZE = re.compile(SIZE_PATTERN)
_DIGITS = re.compile(f"[0-9]{{1,{DIGITS_MAX}}}")
_NOT_BLANK = re.compile(NOT_BLANK)


# ---- the checks (each raises InputError naming the field) ------------------------------------

def check_unicode(value: str, field: str) -> str:
    """``value`` unchanged when it is valid Unicode text; a lone surrogate (from a JSON ``\\ud800``
    escape or undecodable bytes on a command line) cannot be stored, drawn or sent back."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = ord(value[error.start])
        raise InputError(f"{field} is not valid Unicode text: it holds a lone surrogate (U+{bad:04X}) "
                         f"at character {error.start + 1}; send UTF-8", param=field) from None
    return value


def check_prompt(value: str, field: str = "prompt") -> str:
    check_unicode(value, field)
    if not _NOT_BLANK.search(value):
        raise InputError(f"the {field} is empty: describe the images you want", param=field)
    return value


def check_name(value: str, field: str) -> str:
    """A user or thread id as a client gives it."""
    check_unicode(value, field)
    if not _NAME.match(value):
        shown = value if len(value) <= 80 else value[:79] + "…"
        raise InputError(f"{field} id {shown!r} must be {NAME_CHARACTERS}", param=field)
    return value


def check_size(value: str, field: str = "size") -> str:
    """``WIDTHxHEIGHT`` written plainly (digits, a lowercase x), or ``auto``. Where the core's
    parser would say more (a side out of range), its message is the one given."""
    check_unicode(value, field)
    if not _SIZE.match(value):
        shown = value if len(value) <= 40 else value[:39] + "…"
        if not value:
            raise InputError(f"{field} is empty: leave it out for the default, or give WIDTHxHEIGHT, e.g. 512x512",
                             param=field)
        parse_size(value)  # raises with the core's own message when it can
        raise InputError(f"{field} {shown!r} must be written WIDTHxHEIGHT exactly (digits and a lowercase x, "
                         "e.g. 512x512) or 'auto'", param=field)
    return value


def requested_size(value: str | None) -> str | None:
    """The size asked for; None for the server's default (absent, or OpenAI's ``auto``)."""
    return None if value in (None, "auto") else value


def is_digits(text: str) -> bool:
    """ASCII digits, at most ``DIGITS_MAX`` of them (``'²'.isdigit()`` is true; ``int('²')`` fails)."""
    return isinstance(text, str) and _DIGITS.fullmatch(text) is not None


def whole_number(text: str, field: str, low: int, high: int) -> int:
    """ASCII digits only (``'²'.isdigit()`` is true, yet ``int('²')`` fails), at most
    ``DIGITS_MAX`` of them, then the bounds."""
    if not is_digits(text):
        shown = str(text) if len(str(text)) <= 20 else str(text)[:19] + "…"
        raise InputError(f"{field} {shown!r} must be a whole number from {low} to {high}", param=field)
    return bounded(int(text), field, low, high)


def bounded(value: int, field: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InputError(f"{field} must be from {low} to {high}, got {value}", param=field)
    return value


def check_image_size(size: tuple[int, int], field: str) -> None:
    """Images a client sends must be at least ``MIN_INPUT_SIDE`` pixels a side (the core's rule
    for edit inputs, checked here before anything is stored or run)."""
    width, height = size
    if min(width, height) < MIN_INPUT_SIDE:
        raise InputError(f"the '{field}' file is {width}x{height} pixels; images must be at least "
                         f"{MIN_INPUT_SIDE}x{MIN_INPUT_SIDE}", param=field)


# ---- the same rules as pydantic types (HTTP bodies, MCP tool arguments) ----------------------

def _after(check: Callable[[str, str], Any], field: str) -> AfterValidator:
    def validate(value: str) -> str:
        try:
            check(value, field)
        except InputError as error:
            raise ValueError(str(error)) from None
        return value
    return AfterValidator(validate)


def _number(field: str, low: int, high: int, *, from_text: bool) -> BeforeValidator:
    """An integer as JSON has it (a number without a fraction; never a boolean or a string), or,
    ``from_text`` (query, header, form field), as ASCII digits bounded in length before parsing."""
    def validate(value: Any) -> int:
        try:
            if from_text and isinstance(value, str):
                return whole_number(value, field, low, high)
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"{field} must be a whole number from {low} to {high}, "
                                 f"got {type(value).__name__ if not isinstance(value, str) else repr(value[:20])}",
                                 param=field)
            return bounded(value, field, low, high)
        except InputError as error:
            raise ValueError(str(error)) from None
    return BeforeValidator(validate)


def text(field: str, *, max_length: int | None = None, description: str | None = None) -> Any:
    """Any valid Unicode text (``max_length``: code points)."""
    schema: dict[str, Any] = {"type": "string"}
    if max_length is not None:
        schema["maxLength"] = max_length
    if description:
        schema["description"] = description
    checks: list[Any] = [_after(check_unicode, field)]
    if max_length is not None:
        checks.append(_after(_longest(max_length), field))
    return Annotated[(str, *checks, WithJsonSchema(schema))]


def _longest(limit: int) -> Callable[[str, str], None]:
    def check(value: str, field: str) -> None:
        if len(value) > limit:
            raise InputError(f"{field} has {len(value)} characters; the limit is {limit}", param=field)
    return check


def prompt_text(field: str = "prompt", description: str | None = None) -> Any:
    """A prompt: valid Unicode with at least one character that is not white space. Its length
    limit is the server's setting (``max_prompt_chars``), checked by ``build_request`` and put
    into the OpenAPI document when it is built."""
    schema = {"type": "string", "minLength": 1, "pattern": NOT_BLANK,
              "description": description or "What to draw; quote text that must appear exactly: 'OPEN'."}
    return Annotated[str, _after(check_prompt, field), WithJsonSchema(schema)]


def name_text(field: str, description: str) -> Any:
    schema = {"type": "string", "minLength": 1, "maxLength": NAME_MAX, "pattern": NAME_PATTERN,
              "description": description}
    return Annotated[str, _after(check_name, field), WithJsonSchema(schema)]


def size_text(field: str = "size") -> Any:
    schema = {"type": "string", "pattern": SIZE_PATTERN, "examples": ["512x512", "768x512"],
              "description": f"WIDTHxHEIGHT, each side a multiple of 8 from {MIN_SIDE} to {MAX_SIDE}, or 'auto' "
                             "(the server's default size)."}
    return Annotated[str, _after(check_size, field), WithJsonSchema(schema)]


def whole(field: str, low: int, high: int, description: str | None = None, *, from_text: bool = False) -> Any:
    """An integer from ``low`` to ``high`` (``from_text``: sent as plain ASCII digits)."""
    schema: dict[str, Any] = {"type": "integer", "minimum": low, "maximum": high}
    if description:
        schema["description"] = description
    return Annotated[int, _number(field, low, high, from_text=from_text), WithJsonSchema(schema)]


COUNT = (1, MAX_IMAGES)
SEED = (0, MAX_SEED)


# ---- the choices a server offers (model / profile / backend) ---------------------------------

def offered_backends(settings: Settings) -> list[str]:
    """The backends clients may choose: ``Settings.server_backends`` of the installed ones."""
    installed = available()
    if settings.server_backends is None:
        return installed
    return [name for name in installed if name in settings.server_backends]


def offered_profiles(settings: Settings) -> list[str]:
    """The names ``model`` (HTTP) and ``backend`` (MCP) may take: the default first, then the
    configured profiles and the backends themselves, each only when its backend is offered."""
    backends = set(offered_backends(settings))
    names = [name for name in profile_names(settings)
             if name == DEFAULT_PROFILE or name in backends
             or (name in settings.profiles and (settings.profiles[name].get("backend") or settings.backend) in backends)]
    return names


def check_offer(settings: Settings) -> None:
    """A server's configuration must offer its own default backend (checked at start)."""
    unknown = sorted(set(settings.server_backends or []) - set(available()))
    if unknown:
        raise InputError(f"LIMNER_SERVER_BACKENDS names backends that are not installed: {', '.join(unknown)}; "
                         f"installed: {', '.join(available())}")
    if settings.backend not in offered_backends(settings):
        raise InputError(f"the default backend {settings.backend!r} is not in LIMNER_SERVER_BACKENDS "
                         f"({', '.join(offered_backends(settings))})")


def offered_profile(name: str | None, settings: Settings, *, field: str = "model") -> dict[str, Any]:
    """``build_request`` keywords for the profile ``name`` (None: the default), when offered;
    InputError naming the choices otherwise."""
    if name is not None and name not in offered_profiles(settings):
        shown = name if len(name) <= 40 else name[:39] + "…"
        raise InputError(f"unknown {field} {shown!r}; choose one of: {', '.join(offered_profiles(settings))}",
                         param=field)
    return resolve_profile(name, settings, field=field)


def offered_models(settings: Settings) -> list[str]:
    """The names the OpenAI images routes' ``model`` takes (``GET /v1/models``): the offered
    profiles, then OpenAI's own image model names, which mean the default profile."""
    return [*offered_profiles(settings), *openai_aliases(settings)]


def offered_model(name: str | None, settings: Settings) -> dict[str, Any]:
    """``build_request`` keywords for an OpenAI client's ``model``: missing, empty or one of
    OpenAI's names is the default profile (what OpenAI clients send when their user picked
    none); anything else must be an offered profile."""
    return {} if means_default(name, settings) else offered_profile(name, settings)


def offered_backend(name: str | None, settings: Settings, *, field: str = "backend") -> str | None:
    if name is not None and name not in offered_backends(settings):
        shown = name if len(name) <= 40 else name[:39] + "…"
        raise InputError(f"unknown {field} {shown!r}; choose one of: {', '.join(offered_backends(settings))}",
                         param=field)
    return name


OPERATOR_OPTIONS = frozenset({"model", "steps", "base_url", "api_key_env", "device", "dtype", "cpu_offload",
                              "attention_slicing", "reference_images", "ip_adapter", "max_batch", "max_n"})
"""Backend options only the server's operator sets (settings, profiles): where a backend
connects and with which key, which files and devices it uses, how much it batches. A client
naming them could point the server at its own endpoint with the server's key."""


def client_options(backend: str) -> dict[str, Any]:
    """The JSON Schema of the options a client may send for ``backend``."""
    schema = options_model(backend).model_json_schema()
    properties = {key: value for key, value in schema.get("properties", {}).items() if key not in OPERATOR_OPTIONS}
    result: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if not properties:
        result["maxProperties"] = 0
    if schema.get("$defs"):
        result["$defs"] = schema["$defs"]
    return result


def check_client_options(backend: str | None, options: dict[str, Any]) -> None:
    """Options need the backend they are for, named in the request, and none of the operator's."""
    if not options:
        return
    if backend is None:
        raise InputError("options need 'backend': name the backend they are for", param="options")
    reserved = sorted(set(options) & OPERATOR_OPTIONS)
    if reserved:
        raise InputError(f"option(s) {', '.join(reserved)} are set by the server's operator, not per request",
                         param="options")
    allowed = set(client_options(backend)["properties"])
    unknown = sorted(set(options) - allowed)
    if unknown:
        shown = ", ".join(repr(key[:40]) for key in unknown[:5])
        raise InputError(f"unknown option(s) for backend {backend!r}: {shown}; it takes "
                         f"{', '.join(sorted(allowed)) or 'none'}", param="options")
