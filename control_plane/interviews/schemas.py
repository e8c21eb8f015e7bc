"""Request bodies of the respondent's and the agent's endpoints."""

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar.params import Parameter

# Turns are numbered from 1; the column is a 32-bit integer on every database.
Seq = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="The turn's number, from 1, assigned by the agent.")]


class RespondentEmail(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]


class TurnIn(msgspec.Struct, forbid_unknown_fields=True):
    speaker: Literal["agent", "respondent"]
    text: Annotated[str, msgspec.Meta(max_length=20_000)]
    started_at: Annotated[datetime, msgspec.Meta(tz=True)]
    ended_at: Annotated[datetime, msgspec.Meta(tz=True)]


class Completion(msgspec.Struct, forbid_unknown_fields=True):
    reason: Literal["timer", "left", "agent_end"]
