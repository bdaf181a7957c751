"""Client library for Party Star's coin-crediting API."""

from partystar_client.client import AsyncPartyStarClient, PartyStarClient
from partystar_client.config import ClientConfig
from partystar_client.models import Balance, CreditOutcome, CreditStatus, Health, Transaction, UserCheck
from partystar_client.retry import RetryPolicy

__all__ = [
    "AsyncPartyStarClient",
    "Balance",
    "ClientConfig",
    "CreditOutcome",
    "CreditStatus",
    "Health",
    "PartyStarClient",
    "RetryPolicy",
    "Transaction",
    "UserCheck",
]
