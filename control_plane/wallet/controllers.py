"""The researcher's wallet: balances and the ledger."""

import msgspec
from litestar import Controller, get

from control_plane.accounts.services import Principal
from control_plane.errors import RESEARCHER, documented
from control_plane.settings import Settings
from control_plane.wallet import services
from control_plane.wallet.schemas import LedgerLine, Wallet


class WalletController(Controller):
    path = "/api/wallet"

    @get("/", responses=documented(*RESEARCHER))
    async def balance(self, principal: Principal, settings: Settings) -> Wallet:
        balance = await services.balance(principal.account_id)
        return Wallet(
            **msgspec.structs.asdict(balance),
            tokens_per_minute=settings.tokens_per_minute,
            buy_tokens_url=settings.buy_tokens_url or None,
        )

    @get("/ledger", responses=documented(*RESEARCHER))
    async def ledger(self, principal: Principal) -> list[LedgerLine]:
        return await services.ledger(principal.account_id)
