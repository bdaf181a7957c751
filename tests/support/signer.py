"""Build signed requests for tests of the server, with the sandbox's test merchant."""

import time
from collections.abc import Mapping
from typing import Any

from mockserver import signing

MERCHANT_ID = 50
SECRET = "sandbox-secret-0050"


def signed(params: Mapping[str, Any], secret: str = SECRET, **overrides: Any) -> dict[str, Any]:
    """Return the parameters with merchant_id and time_stamp filled in and a valid sign."""
    request: dict[str, Any] = {"merchant_id": MERCHANT_ID, "time_stamp": int(time.time()), **params, **overrides}
    request["sign"] = signing.sign(request, secret)
    return request
