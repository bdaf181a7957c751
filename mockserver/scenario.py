"""Scenario files: merchants, users, balances, clock offset, maintenance and fault rules in one YAML file.

`partystar-sandbox serve --scenario FILE` loads one at start, and
POST /_sandbox/scenario loads one into a running sandbox. Every value is
checked before anything changes; ConfigError names the invalid key.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from mockserver.admin import bounds, ids
from mockserver.admin.bounds import shown
from mockserver.config import ConfigError, Merchant, SandboxConfig, User, parse_merchant, parse_user
from mockserver.contract import Contract
from mockserver.faults.controls import Maintenance, SandboxControls, parse_clock_offset, parse_maintenance
from mockserver.faults.magic import with_magic_users
from mockserver.faults.rules import FaultRule, RuleError, parse_rule
from mockserver.storage import Storage, open_storage

T = TypeVar("T")
FIELDS = frozenset(
    {"name", "description", "reset", "merchants", "users", "balances", "clock_offset", "maintenance", "faults"}
)


# A name or description longer than this is a mistake, and the summary echoes the name.
MAX_TEXT = 1000


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str | None = None
    reset: bool = True
    merchants: tuple[Merchant, ...] = ()
    users: tuple[User, ...] = ()
    balances: Mapping[int, int] = field(default_factory=dict)
    clock_offset: float | None = None
    maintenance: Maintenance | None = None
    faults: tuple[FaultRule, ...] = ()


def load_scenario(path: Path, operations: frozenset[str]) -> Scenario:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"Cannot read scenario file {path}: {exc.strerror}.") from exc
    return parse_scenario(text, operations, str(path))


def parse_scenario(text: bytes | str, operations: frozenset[str], source: str) -> Scenario:
    try:
        raw = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:
        # ValueError: an integer of more than 4300 digits, which Python refuses to convert.
        raise ConfigError(f"{source} is not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise ConfigError(f"{source} nests too deeply.") from exc
    if raw is None:
        # An empty body is more likely a mistake than a request to reset everything (reset defaults to true).
        raise ConfigError(f"{source} is empty; to go back to the config alone, send reset: true.")
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source} must be a mapping, got {type(raw).__name__}.")
    # Before anything echoes a value: aliases can make a small file expand to gigabytes.
    bounds.plain_tree(raw, source)
    unknown = sorted(map(str, set(raw) - FIELDS))
    if unknown:
        raise ConfigError(f"{source}: unknown keys {shown(unknown)}; expected some of {sorted(FIELDS)}.")
    _optional_text(raw.get("description"), f"{source}.description")
    return Scenario(
        name=_optional_text(raw.get("name"), f"{source}.name"),
        reset=_boolean(raw.get("reset", True), f"{source}.reset"),
        merchants=tuple(
            _merchant(item, f"{source}: merchants[{index}]")
            for index, item in enumerate(_list(raw.get("merchants"), f"{source}.merchants"))
        ),
        users=tuple(
            _user(item, f"{source}: users[{index}]")
            for index, item in enumerate(_list(raw.get("users"), f"{source}.users"))
        ),
        balances=_balances(raw.get("balances"), f"{source}.balances"),
        clock_offset=_optional(parse_clock_offset, raw.get("clock_offset"), f"{source}.clock_offset"),
        maintenance=_optional(parse_maintenance, raw.get("maintenance"), f"{source}.maintenance"),
        faults=tuple(
            _rule(item, operations, f"{source}: faults[{index}]")
            for index, item in enumerate(_list(raw.get("faults"), f"{source}.faults"))
        ),
    )


async def apply_scenario(
    scenario: Scenario, config: SandboxConfig, storage: Storage, controls: SandboxControls
) -> dict[str, Any]:
    """Apply a checked scenario and return a summary of what it set."""
    await _check_balances_name_merchants(scenario, config, storage)
    if scenario.reset:
        await storage.reset(config)
    for merchant in scenario.merchants:
        await storage.put_merchant(merchant)
    for user in scenario.users:
        await storage.put_user(user)
    for merchant_id, balance in scenario.balances.items():
        current = await storage.merchant_balance(merchant_id)
        changed = None
        if current is not None:
            changed = await storage.adjust_merchant_balance(
                merchant_id, balance - current, "sandbox_set", int(time.time())
            )
        if changed is None:
            raise ConfigError(f"balances: merchant {merchant_id} vanished or changed while the scenario loaded.")
    if scenario.clock_offset is not None:
        await controls.set_clock_offset(scenario.clock_offset)
    if scenario.maintenance is not None:
        await controls.set_maintenance(scenario.maintenance)
    rule_ids = [(await controls.add_rule(rule)).id for rule in scenario.faults]
    state = await controls.load()
    return {
        "name": scenario.name,
        "merchants": len(scenario.merchants),
        "users": len(scenario.users),
        "balances": len(scenario.balances),
        "faults": rule_ids,
        "clock_offset": state.clock.offset,
        "maintenance": state.maintenance.enabled,
    }


async def _check_balances_name_merchants(scenario: Scenario, config: SandboxConfig, storage: Storage) -> None:
    """Reject balances of merchants that will not exist, before anything changes."""
    created = {merchant.merchant_id for merchant in scenario.merchants}
    if scenario.reset:
        created |= {merchant.merchant_id for merchant in config.merchants}
    for merchant_id in scenario.balances:
        if merchant_id not in created and (scenario.reset or await storage.merchant_balance(merchant_id) is None):
            raise ConfigError(f"balances: merchant {merchant_id} does not exist; add it under merchants.")


def _merchant(raw: Any, where: str) -> Merchant:
    bounds.balance_field(raw, where)
    if isinstance(raw, Mapping) and "merchant_id" in raw:
        ids.merchant_id(raw["merchant_id"], f"{where}.merchant_id")
    return parse_merchant(raw, where)


def _user(raw: Any, where: str) -> User:
    bounds.balance_field(raw, where)
    ids.user_id(raw.get("user_id") if isinstance(raw, Mapping) else raw, f"{where}.user_id")
    return parse_user(raw, where)


def _rule(raw: Any, operations: frozenset[str], where: str) -> FaultRule:
    try:
        return parse_rule(raw, operations)
    except RuleError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _balances(raw: Any, where: str) -> dict[int, int]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must map merchant_id to a balance, got {type(raw).__name__}.")
    return {
        ids.merchant_id(key, f"{where}: key {shown(key)}"): bounds.balance(value, f"{where}.{shown(key)}")
        for key, value in raw.items()
    }


def _optional(parse: Callable[[Any, str], T], raw: Any, where: str) -> T | None:
    return None if raw is None else parse(raw, where)


def _list(raw: Any, where: str) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be a list, got {type(raw).__name__}.")
    return raw


def _boolean(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise ConfigError(f"{where} must be true or false, got {shown(raw)}.")
    return raw


def _optional_text(raw: Any, where: str) -> str | None:
    if raw is not None and (not isinstance(raw, str) or len(raw) > MAX_TEXT):
        raise ConfigError(f"{where} must be text of at most {MAX_TEXT} characters, got {shown(raw)}.")
    return raw


async def apply_scenario_file(path: Path, config: SandboxConfig, database: str) -> dict[str, Any]:
    """Load a scenario file into a database before the server starts, so that only one process applies it."""
    scenario = load_scenario(path, frozenset(Contract.load().operations))
    config = with_magic_users(config)
    storage = open_storage(database)
    await storage.open(config)
    try:
        return await apply_scenario(scenario, config, storage, SandboxControls(storage))
    finally:
        await storage.close()
