"""signing: correctly signed requests pass, and every common signing mistake is rejected with 2001."""

import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from contracts.conformance.suite import CheckFailed, SuiteContext, conformance_check
from contracts.signing import canonical_string, sign

Params = dict[str, Any]


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


def _credit_params(context: SuiteContext, **extra: Any) -> Params:
    fields = {"user_id": context.target.user_id, "coin": 1, "out_order_no": context.new_order(), **extra}
    return context.client.base_params(**fields)


def _expect_rejected(context: SuiteContext, params: Params, sign_value: str, mistake: str) -> None:
    exchange = context.send("creditCoins", {**params, "sign": sign_value})
    context.expect_code(exchange, "INVALID_SIGNATURE", f"a credit whose sign has this mistake: {mistake}")


@conformance_check("signing", "a correctly signed request is accepted, with MD5 and with HMAC-SHA256")
def check_correct_sign_accepted(context: SuiteContext) -> None:
    context.expect_code(context.signed("merchantBalance"), "OK", "an MD5-signed balance lookup")
    exchange = context.signed("merchantBalance", sign_type="HMAC-SHA256")
    # A merchant may be limited to MD5; that answer is documented too.
    if exchange.code not in (context.code("OK"), context.code("SIGN_TYPE_NOT_ALLOWED")):
        raise CheckFailed(f"an HMAC-SHA256-signed balance lookup got code {exchange.code!r}", exchange)


@conformance_check("signing", "a request without a sign, or with an empty one, is rejected")
def check_missing_sign(context: SuiteContext) -> None:
    params = _credit_params(context)
    exchange = context.send("creditCoins", params)
    context.expect_code(exchange, "INVALID_SIGNATURE", "a credit without a sign")
    _expect_rejected(context, _credit_params(context), "", "empty sign")


def _joined(pairs: list[tuple[str, Any]], secret: str) -> str:
    return "&".join(f"{name}={value}" for name, value in pairs) + f"&secret_key={secret}"


def _sent_order(params: Params, secret: str) -> str:
    return _md5(_joined(list(params.items()), secret))


def _with_empty_values(params: Params, secret: str) -> str:
    return _md5(_joined(sorted(params.items()), secret))


def _url_encoded(params: Params, secret: str) -> str:
    return _md5(canonical_string({name: quote(str(value), safe="") for name, value in params.items()}, secret))


def _secret_named_secret(params: Params, secret: str) -> str:
    return _md5(canonical_string(params, secret).replace("&secret_key=", "&secret=", 1))


def _no_secret(params: Params, secret: str) -> str:
    return _md5(canonical_string(params, secret).rsplit("&secret_key=", 1)[0])


def _hmac_without_sign_type(params: Params, secret: str) -> str:
    text = canonical_string(params, secret).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), text, hashlib.sha256).hexdigest().upper()


# Each mistake, the extra parameters that make it show, and the sign it produces.
MISTAKES: dict[str, tuple[Params, Callable[[Params, str], str]]] = {
    "lowercase hex digest": ({}, lambda params, secret: sign(params, secret).lower()),
    "secret appended as '&secret='": ({}, _secret_named_secret),
    "secret not appended": ({}, _no_secret),
    "parameters in sent order, not sorted": ({}, _sent_order),
    "values URL-encoded before signing": ({"user_id": "player one"}, _url_encoded),
    "empty-valued parameter included": ({"remark": ""}, _with_empty_values),
    "wrong secret": ({}, lambda params, secret: sign(params, secret + "-wrong")),
    "HMAC-SHA256 digest without sign_type": ({}, _hmac_without_sign_type),
}


@conformance_check("signing", "each common signing mistake is rejected with 2001")
def check_common_mistakes(context: SuiteContext) -> None:
    for mistake, (extra, make_sign) in MISTAKES.items():
        params = _credit_params(context, **extra)
        _expect_rejected(context, params, make_sign(params, context.target.secret), mistake)


@conformance_check("signing", "changing any one signed parameter after signing is rejected")
def check_tampered_parameters(context: SuiteContext) -> None:
    params = _credit_params(context, remark="conformance")
    signed = context.client.with_sign(params)
    changes = {
        "user_id": params["user_id"] + "0",
        "coin": params["coin"] + 1,
        "out_order_no": params["out_order_no"] + "0",
        "time_stamp": params["time_stamp"] - 1,
        "remark": "changed",
        "sign_type": "MD5",
    }
    for name, value in changes.items():
        exchange = context.send("creditCoins", {**signed, name: value})
        context.expect_code(exchange, "INVALID_SIGNATURE", f"a credit whose {name} was changed after signing")


@conformance_check("signing", "the path parameter out_order_no is signed like a query parameter")
def check_path_parameter_signed(context: SuiteContext) -> None:
    order = context.new_order()
    signed = context.client.with_sign(context.client.base_params(out_order_no=order))
    exchange = context.send("getTransaction", {**signed, "out_order_no": order + "0"})
    context.expect_code(exchange, "INVALID_SIGNATURE", "a lookup whose path out_order_no was changed after signing")
