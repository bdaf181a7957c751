"""Fault rules: what to inject, into which requests, how often.

A rule is checked and typed once, when it is added; the request path only
matches and draws. RuleError names the invalid field.
"""

import random
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from mockserver.admin import ids
from mockserver.admin.bounds import INT64_MAX, MAX_RETRY_AFTER, MAX_TIMES, shown
from mockserver.codes import ResultCode
from mockserver.config import ConfigError

KINDS = (
    "latency",
    "http_error",
    "rate_limited",
    "close_before",
    "commit_then_drop",
    "commit_then_delay",
    "malformed_body",
    "truncated_body",
    "maintenance",
)
# Kinds that run the operation before they change the answer.
AFTER_OPERATION = frozenset({"commit_then_drop", "commit_then_delay", "malformed_body", "truncated_body"})
HTTP_ERROR_CODES = {
    500: ResultCode.INTERNAL_ERROR,
    502: ResultCode.BAD_GATEWAY,
    503: ResultCode.SERVICE_UNAVAILABLE,
    504: ResultCode.GATEWAY_TIMEOUT,
}
RETRY_AFTER_FORMATS = ("seconds", "http-date")
DEFAULT_DELAY_MS = 30_000
MAX_DELAY_MS = 600_000
SCOPE_FIELDS = ("operation", "merchant_id", "user_id", "out_order_no")
_FIELDS = frozenset(
    {"kind", *SCOPE_FIELDS, "probability", "times", "seed", "status", "retry_after", "retry_after_format", "commit"}
    | {"latency_ms", "latency_ms_max", "delay_ms", "id"}
)


class RuleError(ValueError):
    """A fault rule has a missing or invalid field."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault chosen for one request."""

    kind: str
    status: int | None = None
    retry_after: int | None = None
    commit: bool = False
    delay_seconds: float = 0.0
    # Retry-After is sent as delta-seconds or as an HTTP date (RFC 9110, section 10.2.3).
    retry_after_format: str = "seconds"

    @property
    def runs_operation(self) -> bool:
        return self.kind in AFTER_OPERATION or self.kind == "latency" or (self.kind == "http_error" and self.commit)

    @property
    def code(self) -> ResultCode:
        """Return the result code an error-answering fault sends."""
        if self.kind == "http_error" and self.status is not None:
            return HTTP_ERROR_CODES[self.status]
        if self.kind == "rate_limited":
            return ResultCode.RATE_LIMITED
        # maintenance, and close_before, which sends nothing and is journalled as "not applied".
        return ResultCode.SERVICE_UNAVAILABLE


@dataclass(frozen=True, slots=True)
class FaultRule:
    kind: str
    operation: str | None = None
    merchant_id: int | None = None
    user_id: str | None = None
    out_order_no: str | None = None
    probability: float = 1.0
    times: int | None = None
    seed: int | None = None
    status: int | None = None
    retry_after: int | None = None
    retry_after_format: str = "seconds"
    commit: bool = False
    latency_ms: int | None = None
    latency_ms_max: int | None = None
    delay_ms: int | None = None
    id: int | None = None

    def matches(self, operation: str, params: Mapping[str, Any]) -> bool:
        if self.operation is not None and self.operation != operation:
            return False
        for name in ("merchant_id", "user_id", "out_order_no"):
            wanted = getattr(self, name)
            if wanted is not None and params.get(name) != wanted:
                return False
        return True

    def draw(self, sequence: int) -> Fault | None:
        """Decide the fault for the rule's sequence-th matching request, or None when it does not fire.

        With a seed, the decision and any latency depend only on the seed and the
        sequence number, so a run repeats exactly, whichever worker serves it.
        """
        generator = random.Random(f"{self.seed}:{sequence}") if self.seed is not None else random.Random()
        if self.probability < 1.0 and generator.random() >= self.probability:
            return None
        return Fault(
            kind=self.kind,
            status=self.status,
            retry_after=self.retry_after,
            retry_after_format=self.retry_after_format,
            commit=self.commit,
            delay_seconds=self._delay_ms(generator) / 1000,
        )

    def _delay_ms(self, generator: random.Random) -> float:
        if self.kind == "commit_then_delay":
            return float(self.delay_ms if self.delay_ms is not None else DEFAULT_DELAY_MS)
        if self.kind != "latency":
            return 0.0
        low = self.latency_ms or 0
        if self.latency_ms_max is None:
            return float(low)
        return generator.uniform(low, self.latency_ms_max)

    def with_id(self, rule_id: int) -> "FaultRule":
        return replace(self, id=rule_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_rule(raw: Any, operations: frozenset[str]) -> FaultRule:
    """Check a rule as sent to the admin API or written in a scenario."""
    if not isinstance(raw, Mapping):
        raise RuleError(f"A fault rule must be a JSON object, got {type(raw).__name__}.")
    unknown = sorted(map(str, set(raw) - _FIELDS))
    if unknown:
        raise RuleError(f"Unknown fault rule fields {shown(unknown)}; expected some of {sorted(_FIELDS - {'id'})}.")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise RuleError(f"kind must be one of {', '.join(KINDS)}, got {shown(kind)}.")
    operation = raw.get("operation")
    if operation is not None and operation not in operations:
        raise RuleError(f"operation must be one of {', '.join(sorted(operations))}, got {shown(operation)}.")
    rule = FaultRule(
        kind=kind,
        operation=operation,
        merchant_id=_contract_id(raw, "merchant_id", ids.merchant_id),
        user_id=_contract_id(raw, "user_id", ids.user_id),
        out_order_no=_contract_id(raw, "out_order_no", ids.out_order_no),
        probability=_probability(raw.get("probability", 1.0)),
        times=_integer(raw, "times", 1, MAX_TIMES),
        seed=_integer(raw, "seed", 0, INT64_MAX),
        status=_integer(raw, "status", 0, 999),
        retry_after=_integer(raw, "retry_after", 0, MAX_RETRY_AFTER),
        retry_after_format=_retry_after_format(raw.get("retry_after_format", "seconds")),
        commit=_boolean(raw, "commit"),
        latency_ms=_integer(raw, "latency_ms", 0, MAX_DELAY_MS),
        latency_ms_max=_integer(raw, "latency_ms_max", 0, MAX_DELAY_MS),
        delay_ms=_integer(raw, "delay_ms", 0, MAX_DELAY_MS),
    )
    _check_kind_fields(rule)
    return rule


def _check_kind_fields(rule: FaultRule) -> None:
    if rule.kind == "http_error" and rule.status not in HTTP_ERROR_CODES:
        raise RuleError(f"status must be one of 500, 502, 503, 504 for http_error, got {shown(rule.status)}.")
    if rule.kind != "http_error" and (rule.status is not None or rule.commit):
        raise RuleError("status and commit apply only to kind http_error.")
    if rule.kind == "latency":
        if rule.latency_ms is None:
            raise RuleError("latency_ms is missing; kind latency needs it.")
        if rule.latency_ms_max is not None and rule.latency_ms_max < rule.latency_ms:
            raise RuleError(f"latency_ms_max ({rule.latency_ms_max}) must not be below latency_ms ({rule.latency_ms}).")
    elif rule.latency_ms is not None or rule.latency_ms_max is not None:
        raise RuleError("latency_ms and latency_ms_max apply only to kind latency.")
    if rule.delay_ms is not None and rule.kind != "commit_then_delay":
        raise RuleError("delay_ms applies only to kind commit_then_delay.")
    if rule.retry_after is not None and rule.kind not in ("http_error", "rate_limited", "maintenance"):
        raise RuleError("retry_after applies only to kinds http_error, rate_limited and maintenance.")


def _retry_after_format(value: Any) -> str:
    if value not in RETRY_AFTER_FORMATS:
        raise RuleError(f"retry_after_format must be one of {', '.join(RETRY_AFTER_FORMATS)}, got {shown(value)}.")
    return str(value)


def _integer(raw: Mapping[str, Any], name: str, minimum: int, maximum: int) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(f"{name} must be an integer, got {shown(value)}.")
    if not minimum <= value <= maximum:
        raise RuleError(f"{name} must lie between {minimum} and {maximum}, got {shown(value)}.")
    return value


def _contract_id(raw: Mapping[str, Any], name: str, check: Callable[[Any, str], Any]) -> Any:
    """Check a scope field against the contract's schema: a rule that no request can match is a mistake."""
    value = raw.get(name)
    if value is None:
        return None
    try:
        return check(value, name)
    except ConfigError as exc:
        raise RuleError(str(exc)) from exc


def _boolean(raw: Mapping[str, Any], name: str) -> bool:
    value = raw.get(name, False)
    if not isinstance(value, bool):
        raise RuleError(f"{name} must be true or false, got {shown(value)}.")
    return value


def _probability(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise RuleError(f"probability must be a number above 0 and at most 1, got {shown(value)}.")
    return float(value)
