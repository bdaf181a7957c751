"""idempotency: a replay never credits twice, a conflict is reported, a rejection keeps the order free."""

from contracts.conformance.suite import CheckFailed, SuiteContext, conformance_check


@conformance_check("idempotency", "a replay returns the same transaction with replay=true and credits nothing")
def check_replay(context: SuiteContext) -> None:
    order = context.new_order()
    user = context.target.user_id
    first = context.signed("creditCoins", user_id=user, coin=2, out_order_no=order)
    context.expect_code(first, "OK", "the first credit of a new order")
    before = context.balance()
    replay = context.signed("creditCoins", user_id=user, coin=2, out_order_no=order)
    context.expect_code(replay, "OK", "a replay of the same order")
    after = context.balance()
    if replay.data["replay"] is not True:
        raise CheckFailed(f"the replay returned replay={replay.data['replay']!r}, expected true", first, replay)
    if replay.data["transaction_id"] != first.data["transaction_id"]:
        raise CheckFailed("the replay returned another transaction_id than the credit", first, replay)
    if after != before:
        raise CheckFailed(f"the replay changed the balance from {before} to {after}", replay)


@conformance_check("idempotency", "the same order with another coin is a conflict (3003) and credits nothing")
def check_conflict(context: SuiteContext) -> None:
    order = context.new_order()
    user = context.target.user_id
    first = context.signed("creditCoins", user_id=user, coin=3, out_order_no=order)
    context.expect_code(first, "OK", "the first credit of a new order")
    before = context.balance()
    conflict = context.signed("creditCoins", user_id=user, coin=4, out_order_no=order)
    context.expect_code(conflict, "ORDER_CONFLICT", "the same order with another coin")
    after = context.balance()
    if after != before:
        raise CheckFailed(f"the conflicting credit changed the balance from {before} to {after}", conflict)
    lookup = context.signed("getTransaction", out_order_no=order)
    context.expect_code(lookup, "OK", "the lookup of the credited order")
    if lookup.data["coin"] != 3:
        raise CheckFailed(f"the transaction now has coin {lookup.data['coin']}, expected the original 3", lookup)


@conformance_check("idempotency", "a rejected credit does not use up its order number")
def check_rejection_keeps_order(context: SuiteContext) -> None:
    order = context.new_order()
    rejected = context.signed("creditCoins", user_id=f"no-such-user-{order}", coin=1, out_order_no=order)
    context.expect_code(rejected, "USER_NOT_FOUND", "a credit to an unknown user")
    retry = context.signed("creditCoins", user_id=context.target.user_id, coin=1, out_order_no=order)
    context.expect_code(retry, "OK", "the same order number for an existing user")
    if retry.data["replay"] is not False:
        raise CheckFailed("the order's first successful credit was returned as a replay", rejected, retry)


@conformance_check(
    "idempotency", "a credit above the balance is rejected with 3002 and credits nothing (admin API)", needs_admin=True
)
def check_insufficient_balance(context: SuiteContext) -> None:
    admin = context.require_admin()
    original = context.balance()
    admin.set_balance(context.target.merchant_id, 5)
    try:
        exchange = context.signed("creditCoins", user_id=context.target.user_id, coin=6, out_order_no=context.new_order())
        context.expect_code(exchange, "INSUFFICIENT_MERCHANT_BALANCE", "a credit of 6 coins with a balance of 5")
        if context.balance() != 5:
            raise CheckFailed("a credit above the balance changed the balance", exchange)
    finally:
        admin.set_balance(context.target.merchant_id, original)
