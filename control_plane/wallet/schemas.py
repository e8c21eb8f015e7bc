"""Response bodies of the wallet endpoints."""

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec


class Balance(msgspec.Struct):
    """`available + reserved + spent == granted`, always."""

    granted: int
    available: int
    reserved: int
    spent: int


class Wallet(Balance):
    tokens_per_minute: int
    buy_tokens_url: str | None  # where to buy tokens, when the operator has set one up (BUY_TOKENS_URL)


class LedgerLine(msgspec.Struct):
    id: UUID
    kind: Literal["grant", "reserve", "charge", "release"]
    amount: int
    link: UUID | None
    detail: str
    created_at: datetime
