"""Name the common signing mistake that a rejected sign matches.

Each candidate rebuilds the text the way a faulty signer would and signs it.
When the request's sign equals one of them, the sandbox names that mistake.
"""

from collections.abc import Callable, Mapping
from urllib.parse import quote, quote_plus

from mockserver import signing

Params = Mapping[str, object]
TextBuilder = Callable[[Params, str], str]


def _secret_named_secret(params: Params, secret: str) -> str:
    pairs = signing.sort_pairs(signing.signed_pairs(params))
    return signing.join_pairs(pairs, secret, secret_name="secret")


def _sent_order(params: Params, secret: str) -> str:
    return signing.join_pairs(signing.signed_pairs(params), secret)


def _no_secret(params: Params, secret: str) -> str:
    pairs = signing.sort_pairs(signing.signed_pairs(params))
    return "&".join(f"{name}={text}" for name, text in pairs)


def _encoded_with(encode: Callable[[str], str]) -> TextBuilder:
    def build(params: Params, secret: str) -> str:
        pairs = signing.sort_pairs(signing.signed_pairs(params))
        return signing.join_pairs(((name, encode(text)) for name, text in pairs), secret)

    return build


def _empty_values_included(params: Params, secret: str) -> str:
    pairs = [(name, "" if value is None else signing.value_text(value)) for name, value in params.items() if name != "sign"]
    return signing.join_pairs(signing.sort_pairs(pairs), secret)


def _sign_included(params: Params, secret: str) -> str:
    pairs = [(name, signing.value_text(value)) for name, value in params.items() if value not in (None, "")]
    return signing.join_pairs(signing.sort_pairs(pairs), secret)


def _sign_type_left_out(params: Params, secret: str) -> str:
    kept = {name: value for name, value in params.items() if name != "sign_type"}
    return signing.canonical_string(kept, secret)


# Each entry: the mistake as reported, and how a signer making it builds its text.
_TEXT_MISTAKES: tuple[tuple[str, TextBuilder], ...] = (
    ("the secret was appended as '&secret=' instead of '&secret_key='", _secret_named_secret),
    ("the parameters were not sorted by name (they were signed in the order sent)", _sent_order),
    ("the secret was not appended ('&secret_key=<secret>' is missing)", _no_secret),
    ("values were URL-encoded before signing (sign the raw values)", _encoded_with(lambda text: quote(text, safe=""))),
    ("values were form-encoded before signing (sign the raw values)", _encoded_with(lambda text: quote_plus(text, safe=""))),
    ("a parameter with an empty value was included (leave out empty and null values)", _empty_values_included),
    ("the sign parameter itself was included in the signed text", _sign_included),
    ("sign_type was left out of the signed text (it is signed like any parameter)", _sign_type_left_out),
)

LOWERCASE_MISTAKE = "the sign is in lowercase hex (send uppercase hex digits)"


def _other_algorithm(sign_type: str) -> str:
    return signing.HMAC_SHA256 if sign_type == signing.MD5 else signing.MD5


def find_mistake(params: Params, secret: str, received: str, sign_type: str) -> str | None:
    """Return the common mistake whose sign equals the received one, or None."""
    canonical = signing.canonical_string(params, secret)
    expected = signing.digest(canonical, secret, sign_type)
    if received != expected and received.upper() == expected:
        return LOWERCASE_MISTAKE
    other = _other_algorithm(sign_type)
    if received.upper() == signing.digest(canonical, secret, other):
        return f"the sign was computed with {other}, but sign_type says {sign_type}"
    for mistake, build in _TEXT_MISTAKES:
        text = build(params, secret)
        # A mistake that changes nothing for these parameters cannot be distinguished from a correct sign.
        if text != canonical and received.upper() == signing.digest(text, secret, sign_type):
            return mistake
    return None
