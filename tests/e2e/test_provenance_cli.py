"""C2PA through the CLI: a run signs every PNG when a certificate and key are configured,
`limner inspect` reads and verifies it, and a tampered file fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

pytest.importorskip("c2pa", reason="c2pa-python is not installed")

from tools.c2pa_signing import TRAINED_ALGORITHMIC_MEDIA  # noqa: E402
from tools.testing.certificates import make_test_chain  # noqa: E402

LIMNER = str(Path(sys.executable).with_name("limner"))


def limner(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([LIMNER, *args], cwd=cwd, capture_output=True, text=True, timeout=180,
                          env={**os.environ, **(env or {})})


def _with_seed_changed(png: bytes) -> bytes:
    """The PNG with its recorded seed edited and the chunk's CRC fixed: a valid PNG that lies."""
    out, at = bytearray(png[:8]), 8
    while at < len(png):
        length = int.from_bytes(png[at : at + 4], "big")
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if kind in (b"tEXt", b"iTXt") and body.startswith(b"limner:seed"):
            body = body.replace(b"3", b"4")
        out += len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
        at += 12 + length
    return bytes(out)


def test_signed_run_inspect_and_tamper(tmp_path: Path) -> None:
    chain = make_test_chain()
    (tmp_path / "chain.pem").write_bytes(chain.chain_pem)
    (tmp_path / "key.pem").write_bytes(chain.key_pem)
    (tmp_path / "ca.pem").write_bytes(chain.ca_pem)
    env = {"LIMNER_C2PA_CERT": str(tmp_path / "chain.pem"), "LIMNER_C2PA_KEY": str(tmp_path / "key.pem")}
    run = limner("generate", "a poster that says 'MAKER FAIR' with two blue kites", "-n", "2", "--seed", "3",
                 "--json", "--out", str(tmp_path / "out"), cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["c2pa"] is True and not any(line.startswith("c2pa") for line in report["log"])
    first = report["images"][0]["path"]

    shown = limner("inspect", first, "--json", "--trust", str(tmp_path / "ca.pem"), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    info = json.loads(shown.stdout)
    assert info["metadata"]["prompt"] == report["prompt"] and info["metadata"]["seed"] == 3
    c2pa = info["c2pa"]
    assert c2pa["present"] and c2pa["valid"] and c2pa["trusted"]
    assert c2pa["actions"][0] == "c2pa.created" and c2pa["digital_source_type"] == TRAINED_ALGORITHMIC_MEDIA
    assert c2pa["claim_generator"].startswith("limner/")

    text = limner("inspect", first, cwd=tmp_path)
    assert text.returncode == 0 and "c2pa: valid (signer not in the trust anchors)" in text.stdout

    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(_with_seed_changed(Path(first).read_bytes()))
    bad = limner("inspect", str(tampered), cwd=tmp_path)
    assert bad.returncode == 1 and "INVALID" in bad.stdout


def test_unsigned_image_and_bad_input(tmp_path: Path) -> None:
    run = limner("generate", "a red kite", "--seed", "1", "--json", "--out", str(tmp_path / "out"), cwd=tmp_path)
    path = json.loads(run.stdout)["images"][0]["path"]
    shown = limner("inspect", path, "--json", cwd=tmp_path)
    assert shown.returncode == 0 and json.loads(shown.stdout)["c2pa"]["present"] is False
    (tmp_path / "junk.png").write_bytes(b"not a png")
    bad = limner("inspect", str(tmp_path / "junk.png"), cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and "Traceback" not in bad.stderr
