"""C2PA Content Credentials on limner's PNGs: sign, read back, verify, detect tampering."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("c2pa", reason="c2pa-python is not installed")
pytest.importorskip("cryptography", reason="cryptography is not installed (test certificates)")

from tools.c2pa_signing import (  # noqa: E402  (after the skips)
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
    Action,
    C2paError,
    C2paSigner,
    read_manifest,
    sign_png,
    verify,
)
from tools.provenance import read_png_metadata, save_png  # noqa: E402
from tools.testing.certificates import SigningChain, make_test_chain  # noqa: E402

METADATA = {"prompt": "a red café sign", "seed": 7, "backend": "sketch", "run_id": "r1",
            "limner_version": "0.1.0"}


@pytest.fixture(scope="module")
def chain() -> SigningChain:
    return make_test_chain()


@pytest.fixture(scope="module")
def signer(chain: SigningChain) -> C2paSigner:
    return C2paSigner(chain.chain_pem, chain.key_pem)


def _image() -> Image.Image:
    image = Image.new("RGB", (48, 32), (200, 30, 30))
    image.putpixel((5, 5), (0, 0, 255))
    return image


@pytest.fixture
def signed(tmp_path: Path, signer: C2paSigner) -> Path:
    src = save_png(_image(), tmp_path / "raw.png", METADATA)
    return signer.sign(src, tmp_path / "signed.png", title="01.png",
                       actions=[Action("c2pa.edited", "re-rendered the sign text",
                                       COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA)])


def _chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, offset of the length field, data length) of each PNG chunk."""
    out, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        out.append((data[pos + 4:pos + 8], pos, length))
        pos += 12 + length
    return out


def _with_chunk_edited(data: bytes, kind: bytes, edit, where=lambda body: True) -> bytes:
    """Edit the first ``kind`` chunk (``where`` its payload matches) and fix its CRC, so that
    only the C2PA data hash can tell."""
    for chunk_type, pos, length in _chunks(data):
        if chunk_type == kind and where(data[pos + 8:pos + 8 + length]):
            body = edit(data[pos + 8:pos + 8 + length])
            crc = struct.pack(">I", zlib.crc32(chunk_type + body))
            return data[:pos] + struct.pack(">I", len(body)) + chunk_type + body + crc \
                + data[pos + 12 + length:]
    raise AssertionError(f"no {kind!r} chunk")


def _self_signed(key_pem: bytes) -> bytes:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = serialization.load_pem_private_key(key_pem, password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "self-signed")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def test_sign_read_verify_round_trip(signed: Path, tmp_path: Path) -> None:
    manifest = read_manifest(signed)
    assert manifest is not None
    assert manifest["title"] == "01.png"
    assert manifest["claim_generator_info"][0]["name"] == "limner"
    (actions_assertion,) = [a for a in manifest["assertions"]
                            if a["label"].startswith("c2pa.actions")]  # c2pa.actions.v2
    created, edited = actions_assertion["data"]["actions"]
    assert created == {"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA}
    assert edited["action"] == "c2pa.edited"
    assert edited["parameters"]["description"] == "re-rendered the sign text"

    result = verify(signed)
    assert result.ok and result.has_manifest and result.issues == []
    assert result.state == "Valid"
    # The test CA is on no trust list: reported apart from integrity, not as a failure.
    assert not result.trusted and result.status_codes == ["signingCredential.untrusted"]
    assert result.claim_generator.startswith("limner/")
    assert result.actions == ["c2pa.created", "c2pa.edited"]
    assert result.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert result.signer == "limner test signer"

    # Signing only inserts a caBX chunk: limner's text metadata and the pixels are untouched.
    assert read_png_metadata(signed) == read_png_metadata(tmp_path / "raw.png") == METADATA
    with Image.open(signed) as png:
        assert png.text["Software"] == "limner 0.1.0"
        assert png.convert("RGB").tobytes() == _image().tobytes()


def test_trusted_with_the_ca_as_anchor(signed: Path, chain: SigningChain) -> None:
    result = verify(signed, trust_anchors_pem=chain.ca_pem)
    assert result.ok and result.trusted and result.state == "Trusted" and result.status_codes == []
    other_ca = make_test_chain().ca_pem
    assert not verify(signed, trust_anchors_pem=other_ca).trusted


def _flip_idat_byte(data: bytes) -> bytes:
    return _with_chunk_edited(data, b"IDAT", lambda b: b[:10] + bytes([b[10] ^ 1]) + b[11:])


def _repaint_pixel(data: bytes) -> bytes:
    """Re-encode the pixels with one changed, keep every other chunk (the manifest included)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image.putpixel((0, 0), (0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    fresh = buf.getvalue()
    idat = b"".join(fresh[p:p + 12 + n] for t, p, n in _chunks(fresh) if t == b"IDAT")
    out, placed = bytearray(data[:8]), False
    for chunk_type, pos, length in _chunks(data):
        if chunk_type != b"IDAT":
            out += data[pos:pos + 12 + length]
        elif not placed:
            out += idat
            placed = True
    return bytes(out)


def _edit_seed_text(data: bytes) -> bytes:
    """limner's own metadata is covered by the data hash too: "seed": 7 becomes 8."""
    return _with_chunk_edited(data, b"iTXt", lambda body: body.replace(b"7", b"8"),
                              where=lambda body: body.startswith(b"limner:seed\x00"))


@pytest.mark.parametrize("tamper", [_flip_idat_byte, _repaint_pixel, _edit_seed_text],
                         ids=["idat-byte", "pixel", "text-chunk"])
def test_tampering_fails_verification(signed: Path, tmp_path: Path, tamper) -> None:
    bad = tmp_path / "tampered.png"
    bad.write_bytes(tamper(signed.read_bytes()))
    if tamper is _edit_seed_text:
        assert read_png_metadata(bad)["seed"] == 8  # still a well-formed PNG
    result = verify(bad)
    assert result.has_manifest and not result.ok and result.state == "Invalid"
    assert "assertion.dataHash.mismatch" in result.status_codes
    assert any(issue.startswith("assertion.dataHash.mismatch") for issue in result.issues)


def test_corrupt_manifest_is_reported_not_raised(signed: Path, tmp_path: Path) -> None:
    data = signed.read_bytes()
    bad = tmp_path / "corrupt.png"
    bad.write_bytes(_with_chunk_edited(data, b"caBX",
                                       lambda b: b[:200] + bytes([b[200] ^ 0xFF]) + b[201:]))
    result = verify(bad)
    assert not result.ok and result.issues
    with pytest.raises(C2paError):
        read_manifest(bad)


def test_unsigned_png(tmp_path: Path) -> None:
    plain = save_png(_image(), tmp_path / "plain.png", METADATA)
    assert read_manifest(plain) is None
    result = verify(plain)
    assert not result.ok and not result.has_manifest and result.issues == ["no C2PA manifest"]
    with pytest.raises(FileNotFoundError):
        verify(tmp_path / "missing.png")


def test_sign_in_place_and_refuse_non_png(tmp_path: Path, signer: C2paSigner) -> None:
    path = save_png(_image(), tmp_path / "a.png", METADATA)
    mode = path.stat().st_mode
    assert signer.sign(path, title="a") == path
    assert path.stat().st_mode == mode  # not the 0600 of the temporary file
    assert verify(path).ok and read_png_metadata(path) == METADATA
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]  # no temp file left behind
    jpeg = tmp_path / "b.png"
    _image().save(jpeg, format="JPEG")
    with pytest.raises(C2paError, match="not a PNG"):
        signer.sign(jpeg, title="b")


def test_ps256_one_shot(tmp_path: Path) -> None:
    rsa = make_test_chain(alg="ps256")
    src = save_png(_image(), tmp_path / "a.png", METADATA)
    sign_png(src, tmp_path / "b.png", cert_chain_pem=rsa.chain_pem, private_key_pem=rsa.key_pem,
             title="b", alg="ps256")
    result = verify(tmp_path / "b.png")
    assert result.ok and result.manifest["signature_info"]["alg"].lower() == "ps256"


@pytest.mark.parametrize("case", ["garbage key", "garbage certificate", "key of another chain",
                                  "self-signed", "algorithm for another key type"])
def test_bad_credentials_raise_clear_errors(chain: SigningChain, case: str) -> None:
    cert, key, alg = {
        "garbage key": (chain.chain_pem, b"not a key", "es256"),
        "garbage certificate": (b"not a certificate", chain.key_pem, "es256"),
        "key of another chain": (chain.chain_pem, make_test_chain().key_pem, "es256"),
        "self-signed": (_self_signed(chain.key_pem), chain.key_pem, "es256"),
        "algorithm for another key type": (chain.chain_pem, chain.key_pem, "ps256"),
    }[case]
    with pytest.raises(C2paError, match="rejected the certificate/key"):
        C2paSigner(cert, key, alg=alg)


def test_signer_arguments(chain: SigningChain) -> None:
    with pytest.raises(C2paError, match="unknown signing algorithm"):
        C2paSigner(chain.chain_pem, chain.key_pem, alg="md5")
    # str PEM works as well as bytes; the CA may be left out of the chain (verifiers then lack it).
    leaf_only = chain.chain_pem[:-len(chain.ca_pem)]
    C2paSigner(leaf_only.decode(), chain.key_pem.decode())


def test_make_test_chain_writes_pem_files(tmp_path: Path) -> None:
    chain = make_test_chain(tmp_path / "certs")
    assert (tmp_path / "certs" / "chain.pem").read_bytes() == chain.chain_pem
    assert chain.chain_pem.count(b"BEGIN CERTIFICATE") == 2
    assert chain.chain_pem.endswith(chain.ca_pem)  # leaf first, then the CA
    assert (tmp_path / "certs" / "key.pem").stat().st_mode & 0o077 == 0
