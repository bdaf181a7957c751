"""concurrency: identical credits sent at the same time credit once."""

from concurrent.futures import ThreadPoolExecutor

from contracts.conformance.client import Exchange
from contracts.conformance.suite import CheckFailed, SuiteContext, conformance_check

PARALLEL_REQUESTS = 8


def _send_together(context: SuiteContext, coins: list[int], order: str) -> list[Exchange]:
    requests = [
        context.client.with_sign(
            context.client.base_params(user_id=context.target.user_id, coin=coin, out_order_no=order)
        )
        for coin in coins
    ]
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda params: context.send("creditCoins", params), requests))


@conformance_check("concurrency", f"{PARALLEL_REQUESTS} identical credits at once credit exactly once")
def check_identical_credits(context: SuiteContext) -> None:
    before = context.balance()
    exchanges = _send_together(context, [5] * PARALLEL_REQUESTS, context.new_order())
    after = context.balance()
    for exchange in exchanges:
        context.expect_code(exchange, "OK", "one of the identical concurrent credits")
    originals = [exchange for exchange in exchanges if exchange.data["replay"] is False]
    if len(originals) != 1:
        raise CheckFailed(f"{len(originals)} of the identical credits were answered replay=false, expected 1", *exchanges)
    if len({exchange.data["transaction_id"] for exchange in exchanges}) != 1:
        raise CheckFailed("the identical credits returned different transaction_ids", *exchanges)
    # NOTE: another client crediting for this merchant during the run would also move the balance.
    if after != before - 5:
        raise CheckFailed(f"the balance went from {before} to {after}, expected one debit of 5", *exchanges)


@conformance_check("concurrency", "concurrent credits of one order with different coins credit once, the rest conflict")
def check_conflicting_credits(context: SuiteContext) -> None:
    order = context.new_order()
    exchanges = _send_together(context, list(range(1, PARALLEL_REQUESTS + 1)), order)
    ok, conflict = context.code("OK"), context.code("ORDER_CONFLICT")
    unexpected = [exchange for exchange in exchanges if exchange.code not in (ok, conflict)]
    if unexpected:
        raise CheckFailed("a concurrent credit got neither code 0 nor 3003", *unexpected)
    credited = [exchange for exchange in exchanges if exchange.code == ok]
    if len(credited) != 1:
        raise CheckFailed(f"{len(credited)} credits of different coins for one order succeeded, expected 1", *exchanges)
    lookup = context.signed("getTransaction", out_order_no=order)
    context.expect_code(lookup, "OK", "the lookup of the order")
    if lookup.data["coin"] != credited[0].data["coin"]:
        raise CheckFailed("the recorded transaction is not the credit that succeeded", credited[0], lookup)
