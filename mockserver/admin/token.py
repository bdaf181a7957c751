"""Where the admin token comes from, and when serving without one is unsafe."""

import ipaddress
import os

from mockserver.config import ConfigError, Settings

ADMIN_TOKEN_VARIABLE = "PARTYSTAR_SANDBOX_ADMIN_TOKEN"
WELL_KNOWN_ADMIN_TOKEN = "sandbox-admin-token"


def configured_admin_token(settings: Settings) -> str | None:
    """Return the token from the environment, else from the config, else None."""
    return os.environ.get(ADMIN_TOKEN_VARIABLE) or settings.admin_token


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def admin_token_for(settings: Settings, host: str) -> str:
    """Return the admin token to serve with; reject a non-loopback address without a configured one."""
    token = configured_admin_token(settings)
    if token:
        return token
    if not settings.strict and not is_loopback(host):
        raise ConfigError(
            f"The admin API needs a token on the non-loopback address {host}: set {ADMIN_TOKEN_VARIABLE} "
            "or settings.admin_token, or serve on 127.0.0.1."
        )
    return WELL_KNOWN_ADMIN_TOKEN
