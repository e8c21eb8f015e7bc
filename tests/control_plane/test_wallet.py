"""The wallet: every movement in the ledger, and `available + reserved + spent == granted` always."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from control_plane.tables import Account, LedgerEntry
from tests.control_plane.conftest import token_of


async def assert_invariant(researcher) -> dict:
    wallet = await researcher.wallet()
    assert wallet["available"] + wallet["reserved"] + wallet["spent"] == wallet["granted"]
    assert min(wallet["available"], wallet["reserved"], wallet["spent"]) >= 0
    sums = Counter()
    for entry in await LedgerEntry.select().where(LedgerEntry.account == researcher.account_id):
        sums[entry["kind"]] += entry["amount"]
    assert wallet["granted"] == sums["grant"]
    assert wallet["spent"] == sums["charge"]
    assert wallet["reserved"] == sums["reserve"] - sums["charge"] - sums["release"]
    return wallet


async def test_twenty_concurrent_creations_never_overspend(researcher):
    project = await researcher.project()
    body = {"count": 1, "duration_minutes": 45, "expires_in_days": 1, "voice": "alloy", "language": "en"}
    answers = await asyncio.gather(*(researcher.post(f"/api/projects/{project['id']}/links", body) for _ in range(20)))
    codes = Counter(a.status_code for a in answers)
    assert codes == {201: 13, 402: 7}  # 600 tokens fit 13 links of 45
    for refused in (a for a in answers if a.status_code == 402):
        assert refused.json()["code"] == "insufficient_tokens"
        assert refused.json()["required"] == 45
    links = (await researcher.get(f"/api/projects/{project['id']}/links")).json()
    assert len(links) == 13
    wallet = await assert_invariant(researcher)
    assert wallet == {
        "granted": 600,
        "available": 15,
        "reserved": 585,
        "spent": 0,
        "tokens_per_minute": 1,
        "buy_tokens_url": None,
    }


async def test_invariant_holds_through_every_kind_of_movement(researcher, client):
    project = await researcher.project()
    links = (await researcher.links(project["id"], count=4, duration_minutes=20))["links"]
    await assert_invariant(researcher)
    await researcher.post(f"/api/links/{links[0]['id']}/cancel")
    await assert_invariant(researcher)
    token = token_of(links[1])
    await client.post(f"/api/interview/{token}/join", json={"email": "r@example.com"})
    await assert_invariant(researcher)
    await client.post(f"/api/interview/{token}/leave", json={"email": "r@example.com"})
    await client.post(f"/api/interview/{token}/leave", json={"email": "r@example.com"})
    wallet = await assert_invariant(researcher)
    assert wallet["spent"] == 1
    assert wallet["reserved"] == 40


async def test_operator_grant_adds_to_the_balance(researcher):
    from control_plane.__main__ import main

    assert await asyncio.to_thread(main, ["grant-tokens", researcher.email, "250"]) == 0
    wallet = await assert_invariant(researcher)
    assert wallet["granted"] == 850
    assert wallet["available"] == 850


async def test_balances_live_only_on_the_account_row(researcher):
    row = await Account.select(Account.granted).where(Account.id == researcher.account_id).first()
    assert row["granted"] == 600


async def test_a_movement_without_a_callers_transaction_is_still_all_or_nothing(researcher):
    from uuid import UUID

    from control_plane.wallet import services as wallet

    link = await researcher.link(duration_minutes=10)
    account, link_id = UUID(researcher.account_id), UUID(link["id"])
    await wallet.settle(account, link_id, 10, 4, "first settlement")
    before = await assert_invariant(researcher)
    # The same link's charge again: the ledger's unique key refuses it, so the balance must not move either.
    with pytest.raises(Exception):  # noqa: B017 - the database's own unique-violation error, which differs by engine
        await wallet.settle(account, link_id, 10, 4, "settled twice")
    assert await assert_invariant(researcher) == before
