"""Request and response bodies of sign-up and sign-in."""

from typing import Annotated
from uuid import UUID

import msgspec

Email = Annotated[str, msgspec.Meta(max_length=254)]
Password = Annotated[str, msgspec.Meta(max_length=1024)]


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password


class AccountOut(msgspec.Struct):
    account_id: UUID
    email: str


class SignedUp(AccountOut):
    api_key: str  # shown once: only its hash is stored


class SignedOut(msgspec.Struct):
    signed_out: bool
