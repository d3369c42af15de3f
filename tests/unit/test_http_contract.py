"""The rules for client input (agent.surfaces.fields) and the OpenAPI document built from them:
each rule accepts exactly what its schema fragment says, and the document states every route's
body, security, statuses and media types. The live server is tested in tests/e2e."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent.context import Settings
from agent.errors import InputError
from agent.request import MAX_SEED
from agent.surfaces import fields
from agent.surfaces.bots.common import parse_command
from agent.surfaces.http.app import create_app
from agent.surfaces.http.document import default_document
from agent.surfaces.http.support import public_data, public_text, validation_message
from agent.surfaces.profiles import OPENAI_IMAGE_MODELS

ROOT = Path(__file__).resolve().parents[2]


# ---- the rules ---------------------------------------------------------------------------------

def test_the_size_pattern_is_exactly_the_multiples_of_8_from_64_to_2048() -> None:
    side = re.compile(f"^{fields.SIDE}$")
    assert [n for n in range(100_000) if side.match(str(n))] == list(range(64, 2049, 8))
    assert not side.match("0512") and not side.match("512 ")
    size = re.compile(fields.SIZE_PATTERN)
    assert size.match("512x512") and size.match("2048x64") and size.match("auto")
    for text in ("", "512", "512X512", " 512x512", "512x512 ", "512×512", "0512x512", "520x7", "4096x64", "auto "):
        assert not size.match(text), text
        with pytest.raises(InputError) as caught:
            fields.check_size(text)
        assert caught.value.param == "size"


def test_a_prompt_is_blank_exactly_when_str_strip_empties_it() -> None:
    blank = re.compile(fields.NOT_BLANK)
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        assert (blank.search(char) is None) == (char.strip() == ""), hex(code)
    with pytest.raises(InputError, match="the prompt is empty") as caught:
        fields.check_prompt(" \t\u3000\u2028")
    assert caught.value.param == "prompt"
    assert fields.check_prompt("  a  ") == "  a  "


def test_a_lone_surrogate_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError, match=r"lone surrogate \(U\+D800\) at character 3") as caught:
        fields.check_prompt("ab\ud800")
    assert caught.value.param == "prompt"
    with pytest.raises(InputError, match="not valid Unicode"):
        fields.check_unicode("\udfff", "model")
    fields.check_unicode("emoji 😀 and ‮ right-to-left", "prompt")


@pytest.mark.parametrize("text", ["²", "٣", "1e3", "+5", " 5", "5_0", "-1", "", "1" * 13, "1" * 5000])
def test_numbers_sent_as_text_are_ascii_digits_bounded_before_parsing(text: str) -> None:
    with pytest.raises(InputError, match="must be a whole number") as caught:
        fields.whole_number(text, "expires", 0, 10**11)
    assert caught.value.param == "expires"


def test_numbers_in_range_parse_and_out_of_range_say_the_range() -> None:
    assert fields.whole_number("0042", "limit", 1, 100) == 42
    with pytest.raises(InputError, match="limit must be from 1 to 100, got 101"):
        fields.whole_number("101", "limit", 1, 100)


def test_names_are_short_plain_and_never_empty() -> None:
    assert fields.check_name("kid.2@home", "user") == "kid.2@home"
    for bad in ("", "a b", "a:b", "../etc", "x" * 64, "é"):
        with pytest.raises(InputError, match="must be 1-63 letters") as caught:
            fields.check_name(bad, "thread")
        assert caught.value.param == "thread"


def test_bots_read_only_ascii_digits_as_counts_and_seeds() -> None:
    with pytest.raises(InputError, match="n=²: n must be a whole number from 1 to 8"):
        parse_command("n=² a fox")
    with pytest.raises(InputError, match=f"seed must be a whole number from 0 to {MAX_SEED}"):
        parse_command("seed=" + "9" * 5000 + " a fox")
    assert parse_command("n=2 seed=7 a fox") == ("a fox", {"n": 2, "seed": 7})


def test_validation_errors_from_the_rules_keep_their_own_message() -> None:
    message, param = validation_message([{"type": "value_error", "loc": ("body", "size"),
                                          "msg": "Value error, size '' is empty"}])
    assert (message, param) == ("size '' is empty", "size")


# ---- what a client may choose -----------------------------------------------------------------

def test_a_server_offers_only_the_backends_it_is_configured_for(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, server_backends=["sketch"],
                        profiles={"turbo": {"backend": "diffusers"}, "draft": {"backend": "sketch"}})
    assert fields.offered_backends(settings) == ["sketch"]
    assert fields.offered_profiles(settings) == ["limner", "draft", "sketch"]
    assert fields.offered_profile("draft", settings) == {"backend": "sketch", "model": None, "steps": None,
                                                         "backend_options": {}}
    for name in ("turbo", "diffusers", "openai"):
        with pytest.raises(InputError, match="unknown model .*choose one of: limner, draft, sketch") as caught:
            fields.offered_profile(name, settings)
        assert caught.value.param == "model"
    fields.check_offer(settings)
    with pytest.raises(InputError, match="default backend 'openai' is not in LIMNER_SERVER_BACKENDS"):
        fields.check_offer(settings.model_copy(update={"backend": "openai"}))
    with pytest.raises(InputError, match="not installed: nope"):
        fields.check_offer(settings.model_copy(update={"server_backends": ["sketch", "nope"]}))
    assert "diffusers" in fields.offered_backends(Settings(home=tmp_path))


def test_clients_send_options_only_for_a_named_backend_and_never_the_operators() -> None:
    fields.check_client_options(None, {})
    with pytest.raises(InputError, match="options need 'backend'"):
        fields.check_client_options(None, {"quality": "high"})
    with pytest.raises(InputError, match=r"option\(s\) api_key_env, base_url are set by the server.s operator"):
        fields.check_client_options("openai", {"api_key_env": "AWS_SECRET_ACCESS_KEY", "base_url": "http://x"})
    with pytest.raises(InputError, match="unknown option"):
        fields.check_client_options("sketch", {"colour": "red"})
    fields.check_client_options("openai", {"quality": "high"})
    assert fields.client_options("sketch") == {"type": "object", "properties": {}, "additionalProperties": False,
                                               "maxProperties": 0}
    assert not set(fields.client_options("openai")["properties"]) & fields.OPERATOR_OPTIONS


# ---- what a client is told ----------------------------------------------------------------------

def test_messages_and_reports_carry_no_server_path() -> None:
    assert public_text("mask: the mask /srv/limner/home/uploads/ab12/mask selects nothing") == \
        "mask: the mask …/mask selects nothing"
    assert public_text("OSError: /root/.cache/huggingface/hub: no snapshot") == "OSError: …/hub: no snapshot"
    assert public_text("see http://127.0.0.1:8000/v1/files/a/b.png") == "see http://127.0.0.1:8000/v1/files/a/b.png"
    assert public_text("bad \ud800") == "bad \\ud800"
    assert public_data({"a": ["/home/me/out/run/01.png", 3], "b": {"c": "~/.limner/x"}}) == \
        {"a": ["…/01.png", 3], "b": {"c": "…/x"}}


# ---- the document ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def document() -> dict:
    return default_document()


def _operations(document: dict) -> dict[str, dict]:
    return {f"{method.upper()} {path}": operation for path, item in document["paths"].items()
            for method, operation in item.items()}


def test_every_protected_route_names_the_bearer_scheme_and_its_401(document: dict) -> None:
    operations = _operations(document)
    assert set(operations) == {"GET /v1/models", "POST /v1/images/generations", "POST /v1/images/edits",
                               "POST /v1/runs", "GET /v1/runs", "GET /v1/runs/{run_id}", "GET /v1/runs/{run_id}/events",
                               "GET /v1/files/{run_id}/{name}", "GET /health"}
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearer"] == {**document["components"]["securitySchemes"]["bearer"],
                                                                   "type": "http", "scheme": "bearer"}
    for name, operation in operations.items():
        if name == "GET /health":
            assert "security" not in operation and set(operation["responses"]) == {"200"}
            continue
        expected = [{"bearer": []}, {"signedLink": []}] if name.startswith("GET /v1/files") else [{"bearer": []}]
        assert operation["security"] == expected, name
        assert operation["responses"]["401"]["headers"]["WWW-Authenticate"], name
        assert "403" in operation["responses"], name
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert "operationId" in operation


def test_the_document_states_bodies_statuses_and_media_types(document: dict) -> None:
    operations = _operations(document)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert [name for name, op in operations.items() if "422" in op["responses"]] == ["POST /v1/images/edits"]
    assert set(operations["POST /v1/images/generations"]["responses"]) == {"200", "400", "401", "403", "413", "429",
                                                                            "500", "502"}
    assert set(operations["POST /v1/runs"]["responses"]) == {"200", "202", "400", "401", "403", "413", "429"}
    for name in ("POST /v1/images/generations", "POST /v1/runs"):
        assert operations[name]["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert operations["POST /v1/images/generations"]["requestBody"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/GenerationBody"}
    multipart = operations["POST /v1/images/edits"]["requestBody"]["content"]["multipart/form-data"]
    assert multipart["schema"]["required"] == ["image", "prompt"]
    assert multipart["schema"]["properties"]["image"]["format"] == "binary"
    assert multipart["encoding"]["image"]["contentType"] == "image/png, image/jpeg, image/webp"
    assert "null" not in json.dumps(multipart["schema"]["properties"])  # a form has no null: optional is absent
    assert list(operations["GET /v1/runs/{run_id}/events"]["responses"]["200"]["content"]) == ["text/event-stream"]
    assert list(operations["GET /v1/files/{run_id}/{name}"]["responses"]["200"]["content"]) == ["image/png"]
    limit = next(p for p in operations["GET /v1/runs"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    last = next(p for p in operations["GET /v1/runs/{run_id}/events"]["parameters"] if p["name"] == "Last-Event-ID")
    assert last["in"] == "header" and last["schema"]["type"] == "integer"
    assert operations["POST /v1/runs"]["responses"]["202"]["links"]["GetRun"]["parameters"] == {"run_id": "$response.body#/id"}


def test_the_document_says_what_this_server_takes(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, max_prompt_chars=100, server_backends=["sketch"])
    document = create_app(settings).openapi()
    body = document["components"]["schemas"]["GenerationBody"]["properties"]
    assert body["prompt"]["maxLength"] == 100 and body["prompt"]["minLength"] == 1
    assert body["model"]["anyOf"][0]["enum"] == ["", "limner", "sketch", *OPENAI_IMAGE_MODELS]  # those mean limner
    run = document["components"]["schemas"]["RunBody"]
    assert "anyOf" not in run and run["additionalProperties"] is False  # sketch takes no options
    assert run["properties"]["options"]["maxProperties"] == 0
    full = default_document()["components"]["schemas"]["RunBody"]
    variants = {variant["title"]: variant for variant in full["anyOf"]}
    assert {"RunBody (no options)", "RunBody (diffusers)", "RunBody (openai)"} <= set(variants)
    openai = variants["RunBody (openai)"]["properties"]
    assert openai["backend"] == {"const": "openai"} and "base_url" not in openai["options"]["properties"]


def test_docs_openapi_json_is_the_generated_document() -> None:
    """Generated in a process of its own: backends other tests register here would show in it."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "agent.surfaces.http.document"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    committed = (ROOT / "docs" / "openapi.json").read_text()
    assert done.stdout == committed, "regenerate: python -m agent.surfaces.http.document > docs/openapi.json"


# ---- the same rules on the other surfaces ----------------------------------------------------------

def test_the_core_refuses_a_lone_surrogate_and_a_tiny_edit_input(settings, tmp_path: Path) -> None:
    from PIL import Image

    from agent.request import build_request

    with pytest.raises(InputError, match="lone surrogate at character 3") as caught:
        build_request("a \udcff fox", settings=settings)  # what undecodable argv bytes become
    assert caught.value.param == "prompt"
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (200, 16), "white").save(tiny)
    with pytest.raises(InputError, match="edits need at least 32x32") as caught:
        build_request("add a sign that says 'OPEN'", settings=settings, mode="edit", inputs=[tiny])
    assert caught.value.param == "image"


def test_mcp_arguments_follow_the_same_rules() -> None:
    from pydantic import TypeAdapter, ValidationError

    from agent.surfaces.mcp import tools

    for kind, bad in ((tools.Size, ""), (tools.Size, "512X512"), (tools.Thread, ""), (tools.User, "a:b"),
                      (tools.Prompt, " "), (tools.Prompt, "\ud800")):
        with pytest.raises(ValidationError):
            TypeAdapter(kind).validate_python(bad)
    assert TypeAdapter(tools.Size).validate_python("auto") == "auto" and fields.requested_size("auto") is None
    assert TypeAdapter(tools.Thread).validate_python("shop") == "shop"
