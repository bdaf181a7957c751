"""Column lists, account names and the parsed-merchant cache, shared by both ledger backends."""

import json

from mockserver.config import Merchant, parse_merchant

JOURNAL_COLUMNS = (
    "entry_id, at, operation, client_address, code, latency_ms, merchant_id, out_order_no, params, fault, diagnostics"
)
TRANSACTION_COLUMNS = "transaction_id, merchant_id, out_order_no, user_id, coin, remark, created_at"
# Journal entries between two prunes, at most.
PRUNE_EVERY = 1000


def merchant_account(merchant_id: int) -> str:
    return f"merchant:{merchant_id}"


def user_account(user_id: str) -> str:
    return f"user:{user_id}"


class MerchantCache:
    """Parsed merchants keyed by their stored settings text, so each is parsed once per change."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[str, Merchant]] = {}

    def parse(self, merchant_id: int, settings: str) -> Merchant:
        cached = self._entries.get(merchant_id)
        if cached is not None and cached[0] == settings:
            return cached[1]
        merchant = parse_merchant(json.loads(settings), f"stored merchant {merchant_id}")
        self._entries[merchant_id] = (settings, merchant)
        return merchant

    def clear(self) -> None:
        self._entries.clear()
