"""Accounts, their credentials and their browser sessions.

Secrets are stored only as hashes: passwords with scrypt, API keys and session tokens with SHA-256 (they are long
random strings, so a fast hash is enough).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from control_plane.accounts.schemas import SignedUp
from control_plane.db import transaction
from control_plane.errors import EmailTaken, InvalidInput, NotFound, Unauthorized
from control_plane.tables import Account, Session
from control_plane.timeutil import aware, utcnow
from control_plane.wallet import services as wallet

SESSION_LIFETIME = timedelta(days=14)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass(frozen=True)
class Principal:
    """The researcher a request acts for."""

    account_id: UUID
    email: str
    via_session: bool = False
    csrf_token: str | None = None


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise InvalidInput("email: enter a valid email address, like name@example.com")
    return email


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
    except ValueError:
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest)


def check_password(password: str) -> str:
    if len(password) < 8:
        raise InvalidInput("password: use at least 8 characters")
    if len(password) > 1024:
        raise InvalidInput("password: use at most 1024 characters")
    return password


async def create_account(email: str, password: str, starter_tokens: int) -> SignedUp:
    """Create an account with its starter grant; answer the row and the API key (shown once)."""
    email = normalise_email(email)
    check_password(password)
    api_key = "ak_" + secrets.token_urlsafe(32)
    password_hash = hash_password(password)
    async with transaction():
        if await Account.exists().where(Account.email == email):
            raise EmailTaken()
        account = Account(email=email, password_hash=password_hash, api_key_hash=sha256(api_key))
        await account.save()
        if starter_tokens:
            await wallet.grant(account.id, starter_tokens, "starter tokens")
    return SignedUp(account_id=account.id, email=email, api_key=api_key)


async def account_by_email(email: str) -> Account:
    account = await Account.objects().where(Account.email == email.strip().lower()).first()
    if account is None:
        raise NotFound(f"No account with email {email.strip().lower()}.")
    return account


async def authenticate_password(email: str, password: str) -> Account:
    account = await Account.objects().where(Account.email == email.strip().lower()).first()
    if account is None or not verify_password(password, account.password_hash):
        raise Unauthorized("The email or the password is wrong.")
    return account


async def principal_for_api_key(api_key: str) -> Principal | None:
    row = await Account.select(Account.id, Account.email).where(Account.api_key_hash == sha256(api_key)).first()
    return Principal(row["id"], row["email"]) if row else None


async def open_session(account: Account) -> tuple[str, str]:
    """Start a browser session; answer the session token and its CSRF token."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    await Session(
        account=account.id, token_hash=sha256(token), csrf_token=csrf, expires_at=utcnow() + SESSION_LIFETIME
    ).save()
    return token, csrf


async def principal_for_session(token: str) -> Principal | None:
    row = (
        await Session.select(Session.account.id, Session.account.email, Session.csrf_token, Session.expires_at)
        .where(Session.token_hash == sha256(token))
        .first()
    )
    if row is None or aware(row["expires_at"]) <= utcnow():
        return None
    return Principal(row["account.id"], row["account.email"], via_session=True, csrf_token=row["csrf_token"])


async def close_session(token: str) -> None:
    await Session.delete().where(Session.token_hash == sha256(token))
