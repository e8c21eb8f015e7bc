"""The researcher's wallet: balances and the ledger."""

from litestar import Controller, get

from control_plane.accounts.services import Principal
from control_plane.settings import Settings
from control_plane.wallet import services


class WalletController(Controller):
    path = "/api/wallet"

    @get("/")
    async def balance(self, principal: Principal, settings: Settings) -> dict:
        return {**await services.balance(principal.account_id), "tokens_per_minute": settings.tokens_per_minute}

    @get("/ledger")
    async def ledger(self, principal: Principal) -> list[dict]:
        return await services.ledger(principal.account_id)
