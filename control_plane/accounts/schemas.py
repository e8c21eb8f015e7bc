"""Request and response bodies of sign-up and sign-in."""

from typing import Annotated

import msgspec

Email = Annotated[str, msgspec.Meta(max_length=254)]
Password = Annotated[str, msgspec.Meta(max_length=1024)]


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
