"""Request validation: every bad input is an InputError whose message says what to do."""

from __future__ import annotations

import pytest

from agent.errors import InputError
from agent.request import build_request, parse_size


@pytest.mark.parametrize("text", ["10x10", "abc", "512", "513x512", "4096x512", "0x0", "-8x64"])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(InputError, match="size"):
        parse_size(text)


@pytest.mark.parametrize(("text", "size"), [("512x512", (512, 512)), ("64X2048", (64, 2048)), (" 768 x 512 ", (768, 512))])
def test_good_sizes(text: str, size: tuple[int, int]) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prompt": ""}, "empty"),
        ({"prompt": "   "}, "empty"),
        ({"prompt": "x" * 5000}, "limit"),
        ({"n": 0}, "n must be"),
        ({"n": 9}, "n must be"),
        ({"backend": "nope"}, "unknown backend"),
        ({"seed": -1}, "seed"),
        ({"steps": 0}, "steps"),
        ({"max_rounds": 11}, "max_rounds"),
    ],
)
def test_bad_requests(settings, kwargs: dict, message: str) -> None:
    args = {"prompt": "a cow", **kwargs}
    with pytest.raises(InputError, match=message):
        build_request(args.pop("prompt"), settings=settings, **args)


def test_seeds_follow_the_base_seed(settings) -> None:
    request = build_request("a cow", settings=settings, n=4, seed=7)
    assert request.seeds(4) == [7, 8, 9, 10]
    assert request.out_dir.is_absolute() and request.out_dir.name == request.run_id


def test_settings_from_environment(monkeypatch) -> None:
    from agent.context import Settings

    monkeypatch.setenv("LIMNER_MAX_ROUNDS", "5")
    monkeypatch.setenv("LIMNER_BACKEND", "sketch")
    assert Settings().max_rounds == 5
    monkeypatch.setenv("LIMNER_MAX_ROUNDS", "lots")
    with pytest.raises(ValueError):
        Settings()


def test_settings_from_toml(tmp_path, monkeypatch) -> None:
    from agent.context import Settings

    (tmp_path / "limner.toml").write_text('size = "768x512"\nmax_rounds = 1\n')
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert (settings.size, settings.max_rounds) == ("768x512", 1)
    monkeypatch.setenv("LIMNER_MAX_ROUNDS", "3")  # the environment overrides the file
    assert Settings().max_rounds == 3
