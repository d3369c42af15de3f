"""C2PA Content Credentials for the PNGs limner writes: sign, read back, verify.

``tools.provenance`` writes limner's own record (prompt, seed, backend, model, run id) as PNG
text chunks; anyone can edit those. A C2PA manifest adds a *signed* statement: who made the
file ("limner/<version>"), that it was created by a generative model (IPTC digital source type
``trainedAlgorithmicMedia``), which edits followed, and a hash of every byte outside the
manifest. Order of operations: write the PNG with ``save_png`` first, then sign. Signing keeps
the text chunks (c2pa-rs only inserts a ``caBX`` chunk), and the data hash covers them too, so
editing the metadata after signing makes ``verify`` fail.

Integrity and trust are separate: ``VerificationResult.ok`` says the manifest and the pixels are
intact; ``trusted`` says the signing certificate chains to an anchor the caller supplied. A dev
or test CA is never on the C2PA trust list, so its files verify ``ok`` but not ``trusted``
(status code ``signingCredential.untrusted``).

Everything is offline: no timestamp authority unless ``tsa_url`` is given, and reading never
fetches remote manifests or OCSP responses. Without a timestamp the signing time is not
attested, so validators check the certificate against the *current* time: files signed with a
short-lived certificate stop verifying once it expires.

Built on c2pa-python 0.38 (c2pa-rs 0.91); its API changed a lot across versions.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import c2pa

from tools.version import __version__

# IPTC digital source types (https://cv.iptc.org/newscodes/digitalsourcetype/).
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
"""Created by a generative model: what every limner image is."""
COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = (
    "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia")
"""For an edit that pastes model output into part of an image (e.g. an inpainting repair)."""

GENERATOR = "limner"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Failure codes about *who* signed (or stamped the time), not about whether the file is intact.
TRUST_CODES = frozenset({"signingCredential.untrusted", "timeStamp.untrusted"})


class C2paError(RuntimeError):
    """Signing or reading Content Credentials failed (bad certificate or key, unreadable file)."""


@dataclass(frozen=True)
class Action:
    """One entry of the ``c2pa.actions`` assertion after the implicit ``c2pa.created``.

    ``Action("c2pa.edited", "re-rendered the sign text")`` for a repaired image; add
    ``digital_source_type=COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA`` when a model painted it.
    """

    action: str
    description: str | None = None
    digital_source_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action}
        if self.digital_source_type:
            out["digitalSourceType"] = self.digital_source_type
        if self.description:
            out["parameters"] = {"description": self.description}
        return out


def manifest_definition(title: str, actions: Sequence[Action] = (), *,
                        source_type: str = TRAINED_ALGORITHMIC_MEDIA) -> dict[str, Any]:
    """The manifest c2pa-rs builds from: claim generator, title, and the actions assertion."""
    created = Action("c2pa.created", digital_source_type=source_type)
    return {
        # C2PA 2.x claims carry claim_generator_info; the old "claim_generator" string is dropped
        # by c2pa-rs, so the "limner/<version>" form only exists in VerificationResult.
        "claim_generator_info": [{"name": GENERATOR, "version": __version__}],
        "title": title,
        "format": "image/png",
        "assertions": [{"label": "c2pa.actions",
                        "data": {"actions": [a.to_json() for a in (created, *actions)]}}],
    }


def _pem(value: bytes | str) -> bytes:
    return value.encode("ascii") if isinstance(value, str) else value  # c2pa wants bytes


def _tiny_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buf, format="PNG")
    return buf.getvalue()


class C2paSigner:
    """Signs PNGs with one certificate chain (leaf first, then intermediates/CA) and its key.

    Built once per run; the constructor signs a 1x1 PNG in memory because c2pa-rs checks a
    garbage certificate or a key that does not match it only when it signs, and a bad
    configuration should fail at startup, not after the images are generated. (With a
    ``tsa_url`` that check already asks the timestamp authority.)
    """

    def __init__(self, cert_chain_pem: bytes | str, private_key_pem: bytes | str, *,
                 alg: str = "es256", tsa_url: str | None = None, thumbnail: bool = False) -> None:
        try:
            alg_enum = c2pa.C2paSigningAlg[alg.upper()]
        except KeyError:
            raise C2paError(f"unknown signing algorithm {alg!r}; use es256 or ps256") from None
        try:
            info = c2pa.C2paSignerInfo(alg_enum, _pem(cert_chain_pem), _pem(private_key_pem),
                                       tsa_url)
            self._signer = c2pa.Signer.from_info(info)
        except (c2pa.C2paError, ValueError, TypeError) as e:
            raise C2paError(f"C2PA signer rejected the certificate/key: {e}") from e
        # The claim thumbnail is a JPEG copy of the image inside the manifest (25 KB on a 64x48
        # PNG); the PNG itself is the preview, so it is off unless asked for.
        self._settings = {"builder": {"thumbnail": {"enabled": thumbnail}}}
        try:
            self._sign_stream(manifest_definition("limner signer check"),
                              io.BytesIO(_tiny_png()), io.BytesIO())
        except C2paError as e:
            raise C2paError(f"C2PA signer rejected the certificate/key: {e}") from e

    def _sign_stream(self, definition: dict[str, Any], source: Any, dest: Any) -> None:
        try:
            with c2pa.Context.from_dict(self._settings) as context, \
                    c2pa.Builder(definition, context) as builder:
                builder.sign(self._signer, "image/png", source, dest)
        except c2pa.C2paError as e:
            raise C2paError(str(e)) from e

    def sign(self, src: str | Path, dest: str | Path | None = None, *, title: str,
             actions: Sequence[Action] = (), source_type: str = TRAINED_ALGORITHMIC_MEDIA) -> Path:
        """Write ``src`` with a signed manifest to ``dest`` (default: in place); returns ``dest``.

        The manifest says ``c2pa.created`` with ``source_type``, then ``actions`` in order.
        An existing manifest in ``src`` is replaced, not chained (no ingredient is recorded).
        """
        src = Path(src)
        dest = Path(dest) if dest is not None else src
        data = src.read_bytes()
        if not data.startswith(PNG_SIGNATURE):
            raise C2paError(f"{src} is not a PNG")
        # Write beside dest and rename: a failed signature never leaves half a file, and
        # src == dest works (c2pa would otherwise read from the file it is truncating).
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        try:
            os.chmod(tmp, src.stat().st_mode & 0o777)  # mkstemp makes it 0600
            with os.fdopen(fd, "w+b") as out:
                self._sign_stream(manifest_definition(title, actions, source_type=source_type),
                                  io.BytesIO(data), out)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return dest


def sign_png(src: str | Path, dest: str | Path | None = None, *, cert_chain_pem: bytes | str,
             private_key_pem: bytes | str, title: str, actions: Sequence[Action] = (),
             source_type: str = TRAINED_ALGORITHMIC_MEDIA, alg: str = "es256",
             tsa_url: str | None = None) -> Path:
    """One-shot ``C2paSigner(...).sign(...)``; build a ``C2paSigner`` to sign many files."""
    signer = C2paSigner(cert_chain_pem, private_key_pem, alg=alg, tsa_url=tsa_url)
    return signer.sign(src, dest, title=title, actions=actions, source_type=source_type)


# --- reading and verifying ------------------------------------------------------------------

def _reader_settings(trust_anchors_pem: bytes | str | None) -> dict[str, Any]:
    # Offline: c2pa-rs would otherwise follow a remote-manifest URL found in a file.
    settings: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if trust_anchors_pem:
        anchors = trust_anchors_pem.decode("ascii") if isinstance(trust_anchors_pem, bytes) \
            else trust_anchors_pem
        settings["trust"] = {"trust_anchors": anchors}
    return settings


def _read_store(path: Path, trust_anchors_pem: bytes | str | None = None) -> dict[str, Any] | None:
    """The manifest store as c2pa-rs reports it (with validation), or None without one."""
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        with c2pa.Context.from_dict(_reader_settings(trust_anchors_pem)) as context, \
                path.open("rb") as stream:
            reader = c2pa.Reader.try_create("image/png", stream, None, context)
            if reader is None:
                return None
            with reader:
                store: dict[str, Any] = json.loads(reader.json())
                return store
    except c2pa.C2paError as e:
        raise C2paError(f"cannot read the C2PA manifest of {path}: {e}") from e


def read_manifest(path: str | Path) -> dict[str, Any] | None:
    """The active manifest of ``path`` as a dict, or None when it has no C2PA manifest."""
    store = _read_store(Path(path))
    if store is None:
        return None
    manifest: dict[str, Any] | None = store.get("manifests", {}).get(store.get("active_manifest"))
    return manifest


@dataclass
class VerificationResult:
    """What ``verify`` found. ``ok``: a manifest is present and nothing in it or the file fails
    validation, apart from trust. ``trusted``: the signer chains to a supplied trust anchor."""

    ok: bool
    trusted: bool = False
    has_manifest: bool = False
    issues: list[str] = field(default_factory=list)      # integrity failures, "code: explanation"
    status_codes: list[str] = field(default_factory=list)  # every failure code, trust included
    state: str | None = None        # c2pa-rs validation_state: Invalid / Valid / Trusted
    title: str | None = None
    claim_generator: str | None = None  # "limner/0.1.0"
    actions: list[str] = field(default_factory=list)
    digital_source_type: str | None = None
    signer: str | None = None       # signing certificate common name
    issuer: str | None = None
    manifest: dict[str, Any] | None = None


def _failures(store: dict[str, Any]) -> list[dict[str, Any]]:
    # validation_status is the flat list; validation_results splits per manifest. Older and newer
    # c2pa-rs fill one or both, so take the union.
    found = list(store.get("validation_status") or [])
    found += (store.get("validation_results") or {}).get("activeManifest", {}).get("failure", [])
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for item in found:
        unique.setdefault((item.get("code", ""), item.get("url", "")), item)
    return list(unique.values())


def _actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for assertion in manifest.get("assertions", []):
        if str(assertion.get("label", "")).startswith("c2pa.actions"):  # c2pa.actions(.v2)
            out += assertion.get("data", {}).get("actions", [])
    return out


def verify(path: str | Path, *, trust_anchors_pem: bytes | str | None = None) -> VerificationResult:
    """Validate the manifest of ``path``: signature, hashes of the manifest and of the file.

    Never raises for a bad or unsigned file (``ok`` is False, ``issues`` says why); a missing
    path raises FileNotFoundError. Pass ``trust_anchors_pem`` (PEM roots: the C2PA trust list,
    or your own CA) to learn whether the signer is trusted.
    """
    try:
        store = _read_store(Path(path), trust_anchors_pem)
    except C2paError as e:
        return VerificationResult(ok=False, issues=[str(e)])
    if store is None:
        return VerificationResult(ok=False, issues=["no C2PA manifest"])
    manifest = store.get("manifests", {}).get(store.get("active_manifest"))
    if manifest is None:
        return VerificationResult(ok=False, has_manifest=True, issues=["no active manifest"])
    failures = _failures(store)
    codes = [f.get("code", "") for f in failures]
    issues = [f"{f.get('code')}: {f.get('explanation', '')}" for f in failures
              if f.get("code") not in TRUST_CODES]
    if store.get("validation_state") == "Invalid" and not codes:  # failed without a listed code
        issues.append("validation_state: Invalid")
    info = (manifest.get("claim_generator_info") or [{}])[0]
    generator = manifest.get("claim_generator") or "/".join(
        str(info[k]) for k in ("name", "version") if info.get(k))
    actions = _actions(manifest)
    created = next((a for a in actions if a.get("action") == "c2pa.created"), {})
    signature = manifest.get("signature_info") or {}
    return VerificationResult(
        ok=not issues,
        trusted=store.get("validation_state") == "Trusted" and not TRUST_CODES & set(codes),
        has_manifest=True,
        issues=issues,
        status_codes=codes,
        state=store.get("validation_state"),
        title=manifest.get("title"),
        claim_generator=generator or None,
        actions=[str(a.get("action")) for a in actions],
        digital_source_type=created.get("digitalSourceType"),
        signer=signature.get("common_name"),
        issuer=signature.get("issuer"),
        manifest=manifest,
    )
