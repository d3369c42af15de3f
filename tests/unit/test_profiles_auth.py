"""Backend profiles (the HTTP `model`, the MCP `backend`) and the servers' token rules."""

from __future__ import annotations

import pytest

from agent.surfaces.auth import AuthError, check_bind, check_tokens, is_loopback, memory_user, owned_thread, principal
from agent.context import Settings
from agent.errors import InputError
from agent.surfaces.profiles import profile_names, resolve_profile

TOKENS = {"alice": "a" * 20, "bob": "b" * 20}


def test_profiles_resolve_to_build_request_keywords() -> None:
    settings = Settings(profiles={"turbo": {"backend": "diffusers", "model": "stabilityai/sd-turbo", "steps": 1,
                                            "options": {"guidance_scale": 0}}})
    assert resolve_profile(None, settings) == {} and resolve_profile("limner", settings) == {}
    assert resolve_profile("sketch", settings) == {"backend": "sketch"}
    assert resolve_profile("turbo", settings) == {"backend": "diffusers", "model": "stabilityai/sd-turbo",
                                                  "steps": 1, "backend_options": {"guidance_scale": 0}}
    assert profile_names(settings)[0] == "limner" and {"turbo", "sketch", "openai"} <= set(profile_names(settings))
    with pytest.raises(InputError, match="unknown model 'dall-e-3'; choose one of: limner") as caught:
        resolve_profile("dall-e-3", settings)
    assert caught.value.param == "model"


def test_a_misconfigured_profile_says_which() -> None:
    settings = Settings(profiles={"broken": {"backend": "sketch", "sampler": "euler"}})
    with pytest.raises(InputError, match="profile 'broken' is misconfigured"):
        resolve_profile("broken", settings)


def test_profiles_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMNER_PROFILES", '{"fast": {"backend": "sketch"}}')
    assert resolve_profile("fast", Settings()) == {"backend": "sketch", "model": None, "steps": None,
                                                   "backend_options": {}}


def test_without_tokens_only_loopback_is_served_and_bound() -> None:
    settings = Settings()
    assert principal(settings, None, "127.0.0.1") == "local"
    assert principal(settings, "Bearer anything", "::1") == "local"
    with pytest.raises(AuthError) as caught:
        principal(settings, None, "192.168.1.20")
    assert caught.value.status == 403
    check_bind("127.0.0.1", settings)
    check_bind("localhost", settings)
    for host in ("0.0.0.0", "::", "192.168.1.20"):
        with pytest.raises(InputError, match="without tokens"):
            check_bind(host, settings)
    assert [is_loopback(h) for h in ("127.0.0.2", "[::1]", "localhost", "example.com", None)] == [True, True, True, False, False]


def test_tokens_name_the_caller_and_namespace_memory_and_threads() -> None:
    settings = Settings(server_tokens=TOKENS)
    check_bind("0.0.0.0", settings)
    assert principal(settings, f"Bearer {'b' * 20}", "203.0.113.9") == "bob"
    assert principal(settings, f"bearer {'a' * 20}", "127.0.0.1") == "alice"  # the scheme is case-insensitive
    for header, code in ((None, "missing_api_key"), ("Basic abc", "missing_api_key"), ("Bearer " + "c" * 20, "invalid_api_key")):
        with pytest.raises(AuthError) as caught:
            principal(settings, header, "127.0.0.1")
        assert (caught.value.status, caught.value.code) == (401, code)
    assert memory_user(settings, "alice", "kid") == "alice:kid" and memory_user(settings, "alice", None) == "alice"
    assert owned_thread(settings, "alice", "t1") == "alice:t1" and owned_thread(settings, "alice", None) is None
    plain = Settings()
    assert memory_user(plain, "local", "kid") == "kid" and owned_thread(plain, "local", "t1") == "t1"


@pytest.mark.parametrize("tokens, words", [({"al:ice": "a" * 20}, "token name"), ({"alice": "short"}, "shorter than 16")])
def test_bad_token_configuration_is_refused(tokens: dict[str, str], words: str) -> None:
    with pytest.raises(InputError, match=words):
        check_tokens(Settings(server_tokens=tokens))
