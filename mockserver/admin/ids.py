"""Ids the admin API and scenarios accept: exactly those the public API can name.

The schemas come from the contract (components.schemas of
openapi/partystar.yaml), so a user id that the admin API creates can always be
sent to verifyUser and creditCoins.
"""

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from mockserver.admin.bounds import has_lone_surrogate, shown
from mockserver.config import ConfigError
from mockserver.contract import Contract


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    return Draft202012Validator(Contract.load().document["components"]["schemas"][schema_name])


def _check(schema_name: str, value: Any, where: str) -> Any:
    # Lone surrogates match a pattern such as [^&=] but cannot be sent as UTF-8.
    if isinstance(value, str) and has_lone_surrogate(value):
        raise ConfigError(f"{where} contains a lone UTF-16 surrogate (such as \\ud800), which is not text.")
    error = best_match(_validator(schema_name).iter_errors(value))
    if error is not None:
        rule = f"{error.validator} {shown(error.validator_value)}"
        raise ConfigError(f"{where} breaks the contract's {schema_name} schema ({rule}), got {shown(value)}.")
    return value


def user_id(value: Any, where: str) -> str:
    return _check("UserId", value, where)


def merchant_id(value: Any, where: str) -> int:
    # JSON Schema counts 50.0 as an integer; the ledger must get the int 50.
    if isinstance(value, float):
        raise ConfigError(f"{where} must be an integer, got {shown(value)}.")
    return _check("MerchantId", value, where)


def out_order_no(value: Any, where: str) -> str:
    return _check("OutOrderNo", value, where)
