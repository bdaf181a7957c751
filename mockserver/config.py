"""Sandbox configuration: settings, merchants and users, read once from YAML.

A missing file means the built-in default (default_config.yaml beside this
module). Every value is checked at load time; ConfigError names the key.
"""

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mockserver.signing import SIGN_TYPES

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_config.yaml")
OPERATIONS = frozenset({"verifyUser", "creditCoins", "merchantBalance", "getTransaction"})
MODES = ("sandbox", "strict")
# Largest balance a merchant or user may hold: far below SQLite's and PostgreSQL's
# 64-bit integers, so that no sum of credits can overflow them.
MAX_BALANCE = 10**15
INT64_MAX = 2**63 - 1
# Rules that a sandbox can be configured to break, so that test suites can show they detect it.
BREAKABLE_RULES = frozenset({"signature", "timestamp", "idempotency", "envelope"})

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(ValueError):
    """The configuration file has a missing or invalid value."""


@dataclass(frozen=True, slots=True)
class Secret:
    value: str
    expires_at: int | None = None

    def __repr__(self) -> str:
        return f"Secret(value='********', expires_at={self.expires_at!r})"

    def is_active(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True, slots=True)
class RateLimit:
    rate: float  # tokens added per second
    burst: int  # bucket size


@dataclass(frozen=True, slots=True)
class Merchant:
    merchant_id: int
    name: str
    secrets: tuple[Secret, ...]
    sign_types: frozenset[str]
    ip_allowlist: tuple[IPNetwork, ...]
    trusted_proxies: tuple[IPNetwork, ...]
    rate_limit: RateLimit
    balance: int
    operations: frozenset[str] = OPERATIONS

    def active_secrets(self, now: float) -> list[Secret]:
        return [secret for secret in self.secrets if secret.is_active(now)]

    def to_dict(self) -> dict[str, Any]:
        """Return the merchant as the plain mapping its YAML and storage use."""
        return {
            "merchant_id": self.merchant_id,
            "name": self.name,
            "secrets": [{"secret": s.value, "expires_at": s.expires_at} for s in self.secrets],
            "sign_types": sorted(self.sign_types),
            "ip_allowlist": [str(n) for n in self.ip_allowlist],
            "trusted_proxies": [str(n) for n in self.trusted_proxies],
            "rate_limit": {"rate": self.rate_limit.rate, "burst": self.rate_limit.burst},
            "balance": self.balance,
            "operations": sorted(self.operations),
        }


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    balance: int = 0


@dataclass(frozen=True, slots=True)
class Settings:
    mode: str = "sandbox"
    timestamp_skew: int = 600
    max_body_bytes: int = 16384
    journal_max_entries: int = 100_000
    journal_max_age_seconds: int = 7 * 24 * 3600
    admin_token: str | None = None
    # NOTE: only for testing test suites; a sandbox with a broken rule is wrong on purpose.
    broken_rules: frozenset[str] = frozenset()

    @property
    def strict(self) -> bool:
        return self.mode == "strict"

    def enforces(self, rule: str) -> bool:
        return rule not in self.broken_rules

    def __repr__(self) -> str:
        token = None if self.admin_token is None else "********"
        return (
            f"Settings(mode={self.mode!r}, timestamp_skew={self.timestamp_skew}, "
            f"max_body_bytes={self.max_body_bytes}, journal_max_entries={self.journal_max_entries}, "
            f"journal_max_age_seconds={self.journal_max_age_seconds}, admin_token={token!r}, "
            f"broken_rules={sorted(self.broken_rules)!r})"
        )


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    settings: Settings = field(default_factory=Settings)
    merchants: tuple[Merchant, ...] = ()
    users: tuple[User, ...] = ()


def load_config(path: Path | str | None = None) -> SandboxConfig:
    """Read and check a configuration file; None reads the built-in default."""
    source = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read config file {source}: {exc.strerror}.") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"Config file {source} is not valid YAML: {exc}") from exc
    return parse_config(raw or {}, str(source))


def parse_config(raw: Any, source: str = "config") -> SandboxConfig:
    """Check a configuration mapping and turn it into typed values."""
    root = _mapping(raw, source)
    settings = parse_settings(root.get("settings") or {}, f"{source}: settings")
    merchants = tuple(
        parse_merchant(item, f"{source}: merchants[{index}]")
        for index, item in enumerate(_list(root.get("merchants") or [], f"{source}: merchants"))
    )
    ids = [m.merchant_id for m in merchants]
    if len(ids) != len(set(ids)):
        raise ConfigError(f"{source}: merchants: merchant_id values must be unique, got {ids}.")
    users = tuple(
        parse_user(item, f"{source}: users[{index}]")
        for index, item in enumerate(_list(root.get("users") or [], f"{source}: users"))
    )
    return SandboxConfig(settings=settings, merchants=merchants, users=users)


def parse_settings(raw: Any, where: str) -> Settings:
    data = _mapping(raw, where)
    journal = _mapping(data.get("journal") or {}, f"{where}.journal")
    mode = data.get("mode", "sandbox")
    if mode not in MODES:
        raise ConfigError(f"{where}.mode must be one of {', '.join(MODES)}, got {mode!r}.")
    defaults = Settings()
    token = data.get("admin_token")
    if token is not None and (not isinstance(token, str) or not token):
        raise ConfigError(f"{where}.admin_token must be a non-empty string.")
    broken = frozenset(_list(data.get("broken_rules") or [], f"{where}.broken_rules"))
    if not broken <= BREAKABLE_RULES:
        raise ConfigError(f"{where}.broken_rules must be a list of {', '.join(sorted(BREAKABLE_RULES))}.")
    if broken and mode == "strict":
        raise ConfigError(f"{where}.broken_rules cannot be used in strict mode.")
    return Settings(
        mode=mode,
        broken_rules=broken,
        timestamp_skew=_int(data.get("timestamp_skew", defaults.timestamp_skew), f"{where}.timestamp_skew", 0),
        max_body_bytes=_int(data.get("max_body_bytes", defaults.max_body_bytes), f"{where}.max_body_bytes", 256),
        journal_max_entries=_int(
            journal.get("max_entries", defaults.journal_max_entries), f"{where}.journal.max_entries", 1
        ),
        journal_max_age_seconds=_int(
            journal.get("max_age_seconds", defaults.journal_max_age_seconds), f"{where}.journal.max_age_seconds", 1
        ),
        admin_token=token,
    )


def parse_merchant(raw: Any, where: str) -> Merchant:
    """Check one merchant entry, as found in a config file or an admin request."""
    data = _mapping(raw, where)
    known = {
        "merchant_id", "name", "secrets", "sign_types", "ip_allowlist",
        "trusted_proxies", "rate_limit", "balance", "operations",
    }  # fmt: skip
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; expected some of {sorted(known)}.")
    if "merchant_id" not in data:
        raise ConfigError(f"{where}.merchant_id is missing.")
    secrets = tuple(
        _secret(item, f"{where}.secrets[{index}]")
        for index, item in enumerate(_list(data.get("secrets") or [], f"{where}.secrets"))
    )
    sign_types = frozenset(_list(data.get("sign_types", list(SIGN_TYPES)), f"{where}.sign_types"))
    if not sign_types or not sign_types <= set(SIGN_TYPES):
        raise ConfigError(f"{where}.sign_types must be a non-empty list of {', '.join(SIGN_TYPES)}.")
    operations = frozenset(_list(data.get("operations", sorted(OPERATIONS)), f"{where}.operations"))
    if not operations <= OPERATIONS:
        raise ConfigError(f"{where}.operations must be a list of {', '.join(sorted(OPERATIONS))}.")
    rate = _mapping(data.get("rate_limit") or {}, f"{where}.rate_limit")
    return Merchant(
        merchant_id=_int(data["merchant_id"], f"{where}.merchant_id", 1, 2147483647),
        name=str(data.get("name", "")),
        secrets=secrets,
        sign_types=sign_types,
        ip_allowlist=_networks(data.get("ip_allowlist", ["127.0.0.0/8", "::1/128"]), f"{where}.ip_allowlist"),
        trusted_proxies=_networks(data.get("trusted_proxies") or [], f"{where}.trusted_proxies"),
        rate_limit=RateLimit(
            rate=_number(rate.get("rate", 100), f"{where}.rate_limit.rate"),
            burst=_int(rate.get("burst", 100), f"{where}.rate_limit.burst", 1),
        ),
        balance=_int(data.get("balance", 0), f"{where}.balance", 0, MAX_BALANCE),
        operations=operations,
    )


def parse_user(raw: Any, where: str) -> User:
    if isinstance(raw, str):
        return User(user_id=_user_id(raw, where))
    data = _mapping(raw, where)
    if "user_id" not in data:
        raise ConfigError(f"{where}.user_id is missing.")
    return User(
        user_id=_user_id(data["user_id"], f"{where}.user_id"),
        balance=_int(data.get("balance", 0), f"{where}.balance", 0, MAX_BALANCE),
    )


def _user_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 64:
        raise ConfigError(f"{where}: a user id must be a string of 1 to 64 characters, got {value!r}.")
    return value


def _secret(raw: Any, where: str) -> Secret:
    data = _mapping(raw, where)
    value = data.get("secret")
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}.secret must be a non-empty string.")
    expires_at = data.get("expires_at")
    if expires_at is not None:
        expires_at = _int(expires_at, f"{where}.expires_at", 0)
    return Secret(value=value, expires_at=expires_at)


def _networks(raw: Any, where: str) -> tuple[IPNetwork, ...]:
    networks = []
    for index, item in enumerate(_list(raw, where)):
        try:
            networks.append(ipaddress.ip_network(str(item), strict=False))
        except ValueError as exc:
            raise ConfigError(f"{where}[{index}]: {item!r} is not an IPv4 or IPv6 address or CIDR.") from exc
    return tuple(networks)


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping, got {type(raw).__name__}.")
    return raw


def _list(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be a list, got {type(raw).__name__}.")
    return raw


def _int(raw: Any, where: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ConfigError(f"{where} must be an integer, got {raw!r}.")
    if minimum is not None and raw < minimum:
        raise ConfigError(f"{where} must be at least {minimum}, got {raw}.")
    if maximum is not None and raw > maximum:
        raise ConfigError(f"{where} must be at most {maximum}, got {raw}.")
    return raw


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise ConfigError(f"{where} must be a positive number, got {raw!r}.")
    return float(raw)
