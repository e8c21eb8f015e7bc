"""The wallet: the only writer of balances and of the append-only ledger.

Each movement is one conditional UPDATE of the account row plus one ledger entry, in one transaction: the movement
opens its own, which joins the caller's when there is one (so a link created or completed together with its tokens
is still all-or-nothing) and stands alone when there is not. The UPDATE's WHERE clause is what keeps two concurrent
requests from spending the same tokens: the database applies it atomically, on SQLite and PostgreSQL alike. So
`available + reserved + spent == granted` holds after any sequence of calls.
"""

from __future__ import annotations

from uuid import UUID

from control_plane.db import transaction
from control_plane.errors import InsufficientTokens, InvalidInput
from control_plane.tables import Account, LedgerEntry, LedgerKind
from control_plane.timeutil import aware
from control_plane.wallet.schemas import Balance, LedgerLine


async def _entry(account_id: UUID, kind: LedgerKind, amount: int, detail: str, link: UUID | None, key: str | None):
    await LedgerEntry(account=account_id, kind=kind, amount=amount, detail=detail, link=link, key=key).save()


async def grant(account_id: UUID, amount: int, detail: str, key: str | None = None) -> bool:
    """Add `amount` to the account; answer whether this call did. With a `key`, a grant happens at most once: a
    second call with the same key (a double submit, a retry) grants nothing and answers False."""
    if amount <= 0:
        raise InvalidInput("amount: grant a positive number of tokens")
    async with transaction():
        if key is not None:
            # the unique key decides between concurrent calls: one inserts, the others insert nothing
            entry = LedgerEntry(account=account_id, kind=LedgerKind.grant, amount=amount, detail=detail, key=key)
            if (
                not await LedgerEntry.insert(entry)
                .on_conflict(target=LedgerEntry.key, action="DO NOTHING")
                .returning(LedgerEntry.id)
            ):
                return False
        else:
            await _entry(account_id, LedgerKind.grant, amount, detail, None, None)
        await Account.update(
            {Account.granted: Account.granted + amount, Account.available: Account.available + amount}
        ).where(Account.id == account_id)
    return True


async def reserve(account_id: UUID, amount: int, detail: str) -> None:
    """Move `amount` from available to reserved, or raise InsufficientTokens and move nothing."""
    if amount <= 0:
        return
    async with transaction():
        moved = (
            await Account.update(
                {Account.available: Account.available - amount, Account.reserved: Account.reserved + amount}
            )
            .where((Account.id == account_id) & (Account.available >= amount))
            .returning(Account.id)
        )
        if not moved:
            available = await Account.select(Account.available).where(Account.id == account_id).first()
            raise InsufficientTokens(required=amount, available=available["available"] if available else 0)
        await _entry(account_id, LedgerKind.reserve, amount, detail, None, None)


async def settle(account_id: UUID, link_id: UUID, reserved: int, charge: int, detail: str) -> None:
    """End a link's reservation: charge `charge` of it and release the rest. Runs once per link (ledger keys)."""
    charge = max(0, min(charge, reserved))
    release = reserved - charge
    async with transaction():
        await Account.update(
            {
                Account.reserved: Account.reserved - reserved,
                Account.spent: Account.spent + charge,
                Account.available: Account.available + release,
            }
        ).where(Account.id == account_id)
        if charge:
            await _entry(account_id, LedgerKind.charge, charge, detail, link_id, f"charge:{link_id}")
        if release:
            await _entry(account_id, LedgerKind.release, release, detail, link_id, f"release:{link_id}")


async def balance(account_id: UUID) -> Balance:
    row = (
        await Account.select(Account.granted, Account.available, Account.reserved, Account.spent)
        .where(Account.id == account_id)
        .first()
    )
    return Balance(**row)


async def ledger(account_id: UUID, limit: int = 500) -> list[LedgerLine]:
    rows = (
        await LedgerEntry.select(
            LedgerEntry.id,
            LedgerEntry.kind,
            LedgerEntry.amount,
            LedgerEntry.link,
            LedgerEntry.detail,
            LedgerEntry.created_at,
        )
        .where(LedgerEntry.account == account_id)
        .order_by(LedgerEntry.created_at, ascending=False)
        .limit(limit)
    )
    return [LedgerLine(**{**r, "created_at": aware(r["created_at"])}) for r in rows]
