"""RSA key pairs for the Alipay emulation, made once per keys directory.

The app signs with app_private.pem and verifies with alipay_public.pem; the sandbox does the
opposite. Private keys are PKCS#1 ("BEGIN RSA PRIVATE KEY") so pycryptodome reads them too.
"""

from __future__ import annotations

import base64
import fcntl
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

PAIRS = ("app", "alipay")


@dataclass(frozen=True)
class SandboxKeys:
    app_public: rsa.RSAPublicKey
    alipay_private: rsa.RSAPrivateKey

    def verify_app(self, message: str, signature_b64: str) -> bool:
        """RSA2 (SHA256withRSA, PKCS#1 v1.5) over the UTF-8 message."""
        try:
            signature = base64.b64decode(signature_b64, validate=False)
            self.app_public.verify(signature, message.encode(), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True

    def sign_as_alipay(self, message: str) -> str:
        signature = self.alipay_private.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _make_pair(directory: Path, name: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,  # PKCS#1
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # Public first: a reader that sees the private key also sees its matching public key.
    _write_atomic(directory / f"{name}_public.pem", public_pem, 0o644)
    _write_atomic(directory / f"{name}_private.pem", private_pem, 0o600)


def ensure_keys(directory: Path | str) -> None:
    """Create the directory and any missing key pair; safe when processes race."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the loser waits, then finds the keys made
        try:
            for name in PAIRS:
                private, public = (
                    directory / f"{name}_private.pem",
                    directory / f"{name}_public.pem",
                )
                if not (private.exists() and public.exists()):
                    _make_pair(directory, name)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_keys(directory: Path | str) -> SandboxKeys:
    directory = Path(directory)
    app_public = serialization.load_pem_public_key((directory / "app_public.pem").read_bytes())
    alipay_private = serialization.load_pem_private_key(
        (directory / "alipay_private.pem").read_bytes(), password=None
    )
    if not isinstance(app_public, rsa.RSAPublicKey) or not isinstance(
        alipay_private, rsa.RSAPrivateKey
    ):
        raise TypeError(f"{directory}: expected RSA keys")
    return SandboxKeys(app_public=app_public, alipay_private=alipay_private)
