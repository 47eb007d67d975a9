"""Password hashing with Argon2id (memory-hard) and the password policy."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from forum.services import ServiceError

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
MIN_LENGTH = 12
MAX_LENGTH = 256
_COMMON = {"password1234", "passwordpassword", "123456789012", "qwertyuiopas", "letmein12345"}
# A fixed hash to verify against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


def check_strength(password: str) -> None:
    """Refuse a weak password with a message saying why."""
    if len(password) < MIN_LENGTH:
        raise ServiceError(f"Password is too weak: use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ServiceError(f"Password is too long: use at most {MAX_LENGTH} characters.")
    if password.lower() in _COMMON or len(set(password)) < 5:
        raise ServiceError("Password is too weak: it is too common or repetitive.")


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; does the same work when there is no account."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
