"""A throwaway C2PA certificate chain for tests and local trials: never for production."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any, NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


class SigningChain(NamedTuple):
    chain_pem: bytes  # leaf, then CA: what C2paSigner takes
    key_pem: bytes    # the leaf's private key (PKCS#8)
    ca_pem: bytes     # the root, to pass to verify(trust_anchors_pem=...)


def make_test_chain(out_dir: str | Path | None = None, *, alg: str = "es256",
                    days: int = 30) -> SigningChain:
    """A CA and a leaf signing certificate it issued (C2PA refuses self-signed signers).

    Never for production: the CA key is thrown away and no one trusts it. With ``out_dir``
    also writes chain.pem, key.pem and ca.pem there. ``alg`` es256 gives P-256 keys, ps256 RSA.
    """
    def new_key() -> Any:
        if alg.lower() == "ps256":
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return ec.generate_private_key(ec.SECP256R1())

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "limner test")])

    def usage(*, signer: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=signer, content_commitment=False,
                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                             key_cert_sign=not signer, crl_sign=not signer,
                             encipher_only=False, decipher_only=False)

    now = datetime.datetime.now(datetime.timezone.utc)
    # Backdated a little so a verifier whose clock lags does not see "not yet valid".
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=days)
    ca_key, leaf_key = new_key(), new_key()
    ca = (x509.CertificateBuilder()
          .subject_name(name("limner test CA")).issuer_name(name("limner test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(usage(signer=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder()
            .subject_name(name("limner test signer")).issuer_name(ca.subject)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(signer=True), critical=True)
            # C2PA accepts a signer only with one of a few EKUs; emailProtection is the usual one.
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_pem = ca.public_bytes(pem)
    chain = SigningChain(
        chain_pem=leaf.public_bytes(pem) + ca_pem,
        key_pem=leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()),
        ca_pem=ca_pem)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "chain.pem").write_bytes(chain.chain_pem)
        (out / "key.pem").write_bytes(chain.key_pem)
        os.chmod(out / "key.pem", 0o600)
        (out / "ca.pem").write_bytes(chain.ca_pem)
    return chain
