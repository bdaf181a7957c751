"""Request signing as the contract defines it.

The canonical string takes every parameter except ``sign`` and leaves out
values that are None or the empty string. It writes integers in base 10 and
strings exactly as given, sorts the names in ascending byte order, joins them
as ``name=value`` with ``&`` and appends ``&secret_key=<secret>``. The sign is the
MD5 of its UTF-8 bytes, or HMAC-SHA256 keyed with the secret when the
parameters carry ``sign_type=HMAC-SHA256``; both as uppercase hex.
"""

import hashlib
import hmac
from collections.abc import Mapping

MD5 = "MD5"
HMAC_SHA256 = "HMAC-SHA256"
SIGN_TYPES = (MD5, HMAC_SHA256)


def _text(name: str, value: object) -> str:
    # bool is a subclass of int, and "True" is never a valid parameter value.
    if isinstance(value, bool):
        raise TypeError(f"parameter {name!r} is a boolean, which the signing rules do not define")
    if isinstance(value, int | str):
        return str(value)
    raise TypeError(f"parameter {name!r} has type {type(value).__name__}, but only str and int can be signed")


def canonical_string(params: Mapping[str, object], secret: str) -> str:
    """Build the text that is signed for these parameters and this secret."""
    pairs = [
        (name, _text(name, value))
        for name, value in params.items()
        if name != "sign" and value is not None and value != ""
    ]
    pairs.sort(key=lambda pair: pair[0].encode("utf-8"))
    joined = "&".join(f"{name}={text}" for name, text in pairs)
    return f"{joined}&secret_key={secret}"


def sign(params: Mapping[str, object], secret: str) -> str:
    """Compute the sign of these parameters. Their ``sign_type`` picks the algorithm, MD5 if absent."""
    sign_type = params.get("sign_type") or MD5
    data = canonical_string(params, secret).encode("utf-8")
    if sign_type == MD5:
        return hashlib.md5(data).hexdigest().upper()
    if sign_type == HMAC_SHA256:
        return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest().upper()
    raise ValueError(f"invalid sign_type {sign_type!r}; expected one of {', '.join(SIGN_TYPES)}")
