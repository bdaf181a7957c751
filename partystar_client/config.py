"""Client settings, from keyword arguments or the environment, read once and checked."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from partystar_client.errors import ConfigurationError
from partystar_client.retry import RetryPolicy
from partystar_client.signing import SIGN_TYPES

BASE_URL_VARIABLE = "PARTYSTAR_BASE_URL"
MERCHANT_ID_VARIABLE = "PARTYSTAR_MERCHANT_ID"
SECRET_VARIABLE = "PARTYSTAR_SECRET"
DEFAULT_TIMEOUT = 10.0
MAX_MERCHANT_ID = 2_147_483_647


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Client settings: the API location, the merchant credentials, timeouts and retries."""

    base_url: str
    merchant_id: int
    secret: str = field(repr=False)
    sign_type: str = "MD5"
    timeout: float = DEFAULT_TIMEOUT  # seconds, for connect, read and write each
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        url = httpx.URL(self.base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ConfigurationError(
                f"Invalid base URL {self.base_url!r}: expected http:// or https:// and a host, "
                f"for example http://127.0.0.1:8080."
            )
        if not 1 <= self.merchant_id <= MAX_MERCHANT_ID:
            raise ConfigurationError(f"Invalid merchant id {self.merchant_id}: expected 1 to {MAX_MERCHANT_ID}.")
        if not self.secret:
            raise ConfigurationError(f"The merchant secret is missing: pass secret= or set {SECRET_VARIABLE}.")
        if self.sign_type not in SIGN_TYPES:
            raise ConfigurationError(f"Invalid sign_type {self.sign_type!r}: expected one of {', '.join(SIGN_TYPES)}.")
        if self.timeout <= 0:
            raise ConfigurationError(f"Invalid timeout {self.timeout}: expected a positive number of seconds.")

    @classmethod
    def resolve(
        cls,
        base_url: str | None = None,
        merchant_id: int | str | None = None,
        secret: str | None = None,
        environ: Mapping[str, str] | None = None,
        **options: object,
    ) -> "ClientConfig":
        """Take each credential from its argument, or else from its environment variable."""
        env = os.environ if environ is None else environ
        url = base_url or env.get(BASE_URL_VARIABLE)
        if not url:
            raise ConfigurationError(f"The base URL is missing: pass base_url= or set {BASE_URL_VARIABLE}.")
        raw_id = merchant_id if merchant_id is not None else env.get(MERCHANT_ID_VARIABLE)
        if raw_id is None or raw_id == "":
            raise ConfigurationError(f"The merchant id is missing: pass merchant_id= or set {MERCHANT_ID_VARIABLE}.")
        key = secret if secret is not None else env.get(SECRET_VARIABLE, "")
        return cls(base_url=url, merchant_id=_merchant_id(raw_id), secret=key, **options)  # type: ignore[arg-type]


def _merchant_id(raw: int | str) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    text = str(raw).strip()
    if not text.isdigit():
        raise ConfigurationError(f"Invalid merchant id {raw!r}: expected a positive integer.")
    return int(text)
