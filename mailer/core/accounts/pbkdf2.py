"""PURE: the admin password hash format `pbkdf2_sha256$<iterations>$<salt>$<hash>` (standard
library PBKDF2-HMAC-SHA256, salt and hash base64 without padding). The caller brings the salt, so
nothing here draws randomness; `mailer admin hash-password` makes one and prints the hash, the
admin pages verify against it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from mailer.core.errors import ConfigError

__all__ = ["DEFAULT_ITERATIONS", "SCHEME", "hash_password", "parse_hash", "verify_password"]

SCHEME = "pbkdf2_sha256"
# OWASP Password Storage Cheat Sheet (2023): 600,000 iterations for PBKDF2-HMAC-SHA256.
DEFAULT_ITERATIONS = 600_000
# A hash from a typo'd setting could ask for any amount of work per login; far above any real one.
MAX_ITERATIONS = 10_000_000
_DIGEST_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def hash_password(password: str, *, salt: bytes, iterations: int = DEFAULT_ITERATIONS) -> str:
    """`pbkdf2_sha256$iterations$salt$hash` for a password and a fresh random salt."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def parse_hash(encoded: str) -> tuple[int, bytes, bytes]:
    """(iterations, salt, digest); ConfigError naming MAILER_ADMIN_PASSWORD_HASH when malformed."""
    parts = encoded.strip().split("$")
    try:
        if len(parts) != 4 or parts[0] != SCHEME:
            raise ValueError("expected pbkdf2_sha256$<iterations>$<salt>$<hash>")
        if not (parts[1].isascii() and parts[1].isdigit()):
            raise ValueError("the iterations are not a number")
        iterations = int(parts[1])
        if not 1 <= iterations <= MAX_ITERATIONS:
            raise ValueError(f"the iterations must be between 1 and {MAX_ITERATIONS}")
        salt, digest = _unb64(parts[2]), _unb64(parts[3])
        if not salt or len(digest) != _DIGEST_BYTES:
            raise ValueError("the salt is empty or the hash is not 32 bytes")
        return iterations, salt, digest
    except binascii.Error as err:
        # the value itself is never echoed: it is a secret (and could be one mistyped)
        raise ConfigError(
            "MAILER_ADMIN_PASSWORD_HASH", "not a password hash: the salt or hash is not base64"
        ) from err
    except ValueError as err:
        raise ConfigError("MAILER_ADMIN_PASSWORD_HASH", f"not a password hash: {err}") from err


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches the hash; raises ConfigError when the hash is malformed."""
    iterations, salt, expected = parse_hash(encoded)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(digest, expected)
