"""The signing rules: canonical string, MD5 or HMAC-SHA256 sign, constant-time check.

The canonical string takes every parameter but ``sign``, leaves out null and
empty-string values, writes integers in base 10 and strings exactly as sent,
sorts by name in byte order, joins ``name=value`` pairs with ``&`` and appends
``&secret_key=<secret>``.
"""

import hashlib
import hmac
from collections.abc import Iterable, Mapping

MD5 = "MD5"
HMAC_SHA256 = "HMAC-SHA256"
SIGN_TYPES = (MD5, HMAC_SHA256)
SIGN_LENGTHS = {MD5: 32, HMAC_SHA256: 64}
SECRET_MASK = "********"
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def value_text(value: object) -> str:
    """Write a parameter value as the signing rules do."""
    if isinstance(value, bool):
        # Booleans never pass validation; refuse rather than sign "True".
        raise TypeError("boolean parameters cannot be signed")
    return str(value)


def signed_pairs(params: Mapping[str, object]) -> list[tuple[str, str]]:
    """Return the (name, text) pairs that are signed, in the order given."""
    pairs = []
    for name, value in params.items():
        if name == "sign" or value is None or value == "":
            continue
        pairs.append((name, value_text(value)))
    return pairs


def join_pairs(pairs: Iterable[tuple[str, str]], secret: str, secret_name: str = "secret_key") -> str:
    """Join pairs as name=value with '&' and append the secret."""
    body = "&".join(f"{name}={text}" for name, text in pairs)
    return f"{body}&{secret_name}={secret}"


def sort_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Sort by name in ascending byte order of the UTF-8 names."""
    return sorted(pairs, key=lambda pair: pair[0].encode("utf-8"))


def canonical_string(params: Mapping[str, object], secret: str) -> str:
    """Build the text that is signed for these parameters and secret."""
    return join_pairs(sort_pairs(signed_pairs(params)), secret)


def digest(text: str, secret: str, sign_type: str = MD5) -> str:
    """Sign the canonical text with the given algorithm, as uppercase hex."""
    data = text.encode("utf-8")
    if sign_type == MD5:
        return hashlib.md5(data).hexdigest().upper()
    if sign_type == HMAC_SHA256:
        return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest().upper()
    raise ValueError(f"unknown sign_type {sign_type!r}; expected one of {', '.join(SIGN_TYPES)}")


def sign(params: Mapping[str, object], secret: str) -> str:
    """Compute the sign of a request's parameters; sign_type among them picks the algorithm."""
    sign_type = params.get("sign_type") or MD5
    return digest(canonical_string(params, secret), secret, str(sign_type))


def is_well_formed(sign_value: str, sign_type: str) -> bool:
    """Tell whether a sign has the length of its algorithm and only hex digits."""
    return len(sign_value) == SIGN_LENGTHS[sign_type] and all(c in _HEX_DIGITS for c in sign_value)


def signs_equal(expected: str, received: str) -> bool:
    """Compare two signs in constant time."""
    return hmac.compare_digest(expected.encode("ascii"), received.encode("utf-8"))


def masked_canonical_string(params: Mapping[str, object]) -> str:
    """Build the canonical string with the secret replaced by a mask, for diagnostics."""
    return canonical_string(params, SECRET_MASK)
