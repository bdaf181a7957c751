"""Shared sandbox controls kept in storage: the clock offset, maintenance and fault rules.

They live in the database rather than in memory so that every worker process
of `serve --workers N` sees the same rules, and "the next N calls" counts
across workers. A request reads all of them with one query.
"""

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.admin import bounds
from mockserver.admin.bounds import MAX_RETRY_AFTER, shown
from mockserver.clock import Clock
from mockserver.config import ConfigError
from mockserver.faults.magic import magic_fault
from mockserver.faults.rules import Fault, FaultRule
from mockserver.storage import Storage

CLOCK_OFFSET_KEY = "clock_offset"
MAINTENANCE_KEY = "maintenance"
RULES_KEY = "fault_rules"
RULE_ID_KEY = "fault_rule_id"
# About a century either way: far enough for any expiry test, near enough to stay a valid unix time.
MAX_CLOCK_OFFSET = 100 * 365 * 24 * 3600
# Compare-and-set retries before an admin change gives up; only concurrent admin calls contend.
MAX_SWAPS = 50


def matched_key(rule_id: int) -> str:
    return f"fault_rule:{rule_id}:matched"


def fired_key(rule_id: int) -> str:
    return f"fault_rule:{rule_id}:fired"


@dataclass(frozen=True, slots=True)
class Maintenance:
    enabled: bool = False
    retry_after: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "retry_after": self.retry_after}


def parse_maintenance(raw: Any, where: str) -> Maintenance:
    """Check a maintenance setting, {enabled: bool, retry_after: seconds}, from the admin API or a scenario."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("enabled"), bool):
        raise ConfigError(f"{where} must be {{enabled: true|false, retry_after: seconds}}, got {shown(raw)}.")
    unknown = sorted(map(str, set(raw) - {"enabled", "retry_after"}))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {shown(unknown)}; expected enabled and retry_after.")
    retry_after = raw.get("retry_after")
    if retry_after is not None:
        bounds.integer(retry_after, f"{where}.retry_after", 0, MAX_RETRY_AFTER)
    return Maintenance(enabled=raw["enabled"], retry_after=retry_after)


def parse_clock_offset(raw: Any, where: str) -> float:
    # Compare before math.isfinite, which cannot convert an int beyond the float range.
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not -math.inf < raw < math.inf:
        raise ConfigError(f"{where} must be a number of seconds, got {shown(raw)}.")
    if abs(raw) > MAX_CLOCK_OFFSET:
        raise ConfigError(f"{where} must lie within ±{MAX_CLOCK_OFFSET} seconds, got {shown(raw)}.")
    return float(raw)


@dataclass(frozen=True, slots=True)
class ControlState:
    """The controls as one request sees them."""

    clock: Clock = field(default_factory=Clock)
    maintenance: Maintenance = field(default_factory=Maintenance)
    rules: tuple[FaultRule, ...] = ()


class SandboxControls:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        # Parsed rules by their stored text, so that requests do not parse JSON again.
        self._parsed: tuple[str, tuple[FaultRule, ...]] = ("", ())

    async def load(self) -> ControlState:
        values = await self.storage.get_states([CLOCK_OFFSET_KEY, MAINTENANCE_KEY, RULES_KEY])
        offset = values.get(CLOCK_OFFSET_KEY)
        maintenance = values.get(MAINTENANCE_KEY)
        return ControlState(
            clock=Clock(float(offset) if offset else 0.0),
            maintenance=Maintenance(**json.loads(maintenance)) if maintenance else Maintenance(),
            rules=self._rules(values.get(RULES_KEY) or ""),
        )

    def _rules(self, text: str) -> tuple[FaultRule, ...]:
        if text != self._parsed[0]:
            rules = tuple(FaultRule(**item) for item in json.loads(text)) if text else ()
            self._parsed = (text, rules)
        return self._parsed[1]

    async def pick(self, state: ControlState, operation: str, params: dict[str, Any], magic: bool) -> Fault | None:
        """Choose the fault for one request: maintenance, then the first rule that fires, then a magic value."""
        if state.maintenance.enabled:
            return Fault("maintenance", retry_after=state.maintenance.retry_after)
        for rule in state.rules:
            if rule.id is None or not rule.matches(operation, params):
                continue
            sequence = await self.storage.increment_counter(matched_key(rule.id))
            fault = rule.draw(sequence or 0)
            if fault is None:
                continue
            # The fired counter doubles as the times limit: a spent rule lets the request through.
            if await self.storage.increment_counter(fired_key(rule.id), rule.times) is None:
                continue
            return fault
        return magic_fault(params) if magic else None

    # Admin changes

    async def set_clock_offset(self, offset: float) -> None:
        await self.storage.set_state(CLOCK_OFFSET_KEY, repr(offset) if offset else None)

    async def set_maintenance(self, maintenance: Maintenance) -> None:
        value = json.dumps(maintenance.to_dict()) if maintenance.enabled else None
        await self.storage.set_state(MAINTENANCE_KEY, value)

    async def add_rule(self, rule: FaultRule) -> FaultRule:
        rule_id = await self.storage.increment_counter(RULE_ID_KEY)
        assert rule_id is not None
        added = rule.with_id(rule_id)
        await self._swap_rules(lambda rules: [*rules, added.to_dict()])
        return added

    async def delete_rules(self, rule_id: int | None = None) -> int:
        """Delete one rule, or every rule when rule_id is None; return how many were deleted."""
        deleted = 0

        def without(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
            nonlocal deleted
            kept = [rule for rule in rules if rule_id is not None and rule["id"] != rule_id]
            deleted = len(rules) - len(kept)
            return kept

        await self._swap_rules(without)
        return deleted

    async def list_rules(self) -> list[dict[str, Any]]:
        """Return every rule with its counters: requests matched, faults fired and faults remaining."""
        rules = (await self.load()).rules
        keys = [key for rule in rules for key in (matched_key(rule.id or 0), fired_key(rule.id or 0))]
        counters = await self.storage.get_states(keys)
        listed = []
        for rule in rules:
            rule_id = rule.id or 0
            fired = int(counters.get(fired_key(rule_id), 0))
            listed.append(
                {
                    **rule.to_dict(),
                    "matched": int(counters.get(matched_key(rule_id), 0)),
                    "fired": fired,
                    "remaining": None if rule.times is None else max(rule.times - fired, 0),
                }
            )
        return listed

    async def _swap_rules(self, change: Any) -> None:
        for _ in range(MAX_SWAPS):
            current = await self.storage.get_state(RULES_KEY)
            rules = json.loads(current) if current else []
            updated = change(rules)
            if await self.storage.compare_and_set_state(RULES_KEY, current, json.dumps(updated) if updated else None):
                return
        raise RuntimeError(f"fault rules changed concurrently {MAX_SWAPS} times in a row; try again")
