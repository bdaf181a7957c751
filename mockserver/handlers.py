"""The operations themselves, run after the request passed every check."""

from collections.abc import Mapping
from typing import Any

from mockserver import __version__
from mockserver.auth import rate_limited
from mockserver.codes import ResultCode
from mockserver.errors import ApiError
from mockserver.storage import CreditOutcome, CreditRequest, Storage, TokenRequest


async def health(storage: Storage, params: Mapping[str, Any], now: float) -> dict[str, Any]:
    return {"status": "ok", "time": int(now), "version": __version__}


async def verify_user(storage: Storage, params: Mapping[str, Any], now: float) -> dict[str, Any]:
    user_id = params["user_id"]
    return {"user_id": user_id, "exists": await storage.user_exists(user_id)}


async def merchant_balance(storage: Storage, params: Mapping[str, Any], now: float) -> dict[str, Any]:
    merchant_id = params["merchant_id"]
    balance = await storage.merchant_balance(merchant_id)
    if balance is None:
        raise ApiError(ResultCode.UNKNOWN_MERCHANT, f"Merchant {merchant_id} does not exist.")
    return {"merchant_id": merchant_id, "balance": balance}


async def get_transaction(storage: Storage, params: Mapping[str, Any], now: float) -> dict[str, Any]:
    order = params["out_order_no"]
    transaction = await storage.get_transaction(params["merchant_id"], order)
    if transaction is None:
        raise ApiError(
            ResultCode.TRANSACTION_NOT_FOUND,
            f"No credit exists for order {order}.",
            public_details={"out_order_no": order},
        )
    return transaction.to_dict()


async def credit_coins(
    storage: Storage,
    params: Mapping[str, Any],
    now: float,
    enforce_idempotency: bool = True,
    token: TokenRequest | None = None,
) -> dict[str, Any]:
    request = CreditRequest(
        merchant_id=params["merchant_id"],
        out_order_no=params["out_order_no"],
        user_id=params["user_id"],
        coin=params["coin"],
        remark=params.get("remark") or None,
        now=int(now),
        enforce_idempotency=enforce_idempotency,
        token=token,
    )
    result = await storage.credit(request)
    if result.outcome is CreditOutcome.RATE_LIMITED:
        raise rate_limited(request.merchant_id, result.retry_after)
    order = request.out_order_no
    if result.outcome in (CreditOutcome.CREDITED, CreditOutcome.REPLAY):
        assert result.transaction is not None
        return {**result.transaction.to_dict(), "replay": result.outcome is CreditOutcome.REPLAY}
    if result.outcome is CreditOutcome.CONFLICT:
        assert result.transaction is not None
        earlier = result.transaction
        raise ApiError(
            ResultCode.ORDER_CONFLICT,
            f"Order {order} was already credited with other details "
            f"(user_id {earlier.user_id}, coin {earlier.coin}); nothing was credited.",
            public_details={"out_order_no": order},
        )
    if result.outcome is CreditOutcome.USER_NOT_FOUND:
        raise ApiError(
            ResultCode.USER_NOT_FOUND,
            f"User {request.user_id} does not exist; nothing was credited.",
            public_details={"user_id": request.user_id},
        )
    if result.outcome is CreditOutcome.INSUFFICIENT_BALANCE:
        raise ApiError(
            ResultCode.INSUFFICIENT_MERCHANT_BALANCE,
            f"Merchant {request.merchant_id}'s prepaid balance is lower than {request.coin} coins; "
            "nothing was credited.",
            public_details={"out_order_no": order},
        )
    raise ApiError(ResultCode.UNKNOWN_MERCHANT, f"Merchant {request.merchant_id} does not exist.")


HANDLERS = {
    "health": health,
    "verifyUser": verify_user,
    "creditCoins": credit_coins,
    "merchantBalance": merchant_balance,
    "getTransaction": get_transaction,
}
