"""Request bodies of the respondent's and the agent's endpoints."""

from datetime import datetime
from typing import Annotated, Literal

import msgspec


class RespondentEmail(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]


class TurnIn(msgspec.Struct, forbid_unknown_fields=True):
    speaker: Literal["agent", "respondent"]
    text: Annotated[str, msgspec.Meta(max_length=20_000)]
    started_at: datetime
    ended_at: datetime


class Completion(msgspec.Struct, forbid_unknown_fields=True):
    reason: Literal["timer", "left", "agent_end"]
