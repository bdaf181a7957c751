"""Compare what the sandbox debited with the credits the load users saw.

Every coin the merchant lost must belong to exactly one order that some user
saw credited. More coins debited than recorded means a credit was applied
twice or behind the users' backs; fewer means a recorded credit was not
applied. An order that returned a fresh credit twice is a double credit,
even when the sums happen to agree.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from loadtests.recorder import CreditBook

# Orders whose credit never got a response are looked up one by one. Past
# this many, the run is too broken to reconcile order by order.
MAX_LOOKUPS = 1000


@dataclass(frozen=True, slots=True)
class Reconciliation:
    debited: int
    credited: int
    orders: int
    double_credits: dict[str, list[str]] = field(default_factory=dict)
    looked_up: int = 0
    not_looked_up: int = 0

    @property
    def passed(self) -> bool:
        return self.debited == self.credited and not self.double_credits and not self.not_looked_up

    def describe(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"{verdict}: reconciliation: the merchant was debited {self.debited} coins; the load users "
            f"recorded {self.credited} coins over {self.orders} unique credited orders"
            + ("" if self.debited == self.credited else f" (difference {self.debited - self.credited})")
        ]
        if self.looked_up:
            lines.append(f"  {self.looked_up} orders without a response were looked up after the run")
        if self.not_looked_up:
            lines.append(f"  {self.not_looked_up} orders without a response were too many to look up")
        if self.double_credits:
            shown = sorted(self.double_credits.items())[:5]
            lines.append(f"  {len(self.double_credits)} orders were credited more than once, for example:")
            lines.extend(f"    {order}: transactions {', '.join(ids)}" for order, ids in shown)
        return "\n".join(lines)


def reconcile(
    book: CreditBook, balance_before: int, balance_after: int, credited_coin: Callable[[str], int | None]
) -> Reconciliation:
    """Settle the orders without a response with `credited_coin`, then compare the sums."""
    coins = dict(book.coins)
    unresolved = sorted(book.unresolved)
    for order in unresolved[:MAX_LOOKUPS]:
        coin = credited_coin(order)
        if coin is not None:
            coins[order] = coin
    return Reconciliation(
        debited=balance_before - balance_after,
        credited=sum(coins.values()),
        orders=len(coins),
        double_credits=dict(book.double_credits),
        looked_up=min(len(unresolved), MAX_LOOKUPS),
        not_looked_up=max(0, len(unresolved) - MAX_LOOKUPS),
    )
