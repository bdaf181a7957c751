"""Load the spec into schemathesis, aimed at an in-process app or a server's base URL."""

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from contracts import signed_cases
from contracts.signed_cases import Signer, SigningSession
from contracts.signing import sign
from contracts.spec import SANDBOX_TAG, SPEC_PATH, Spec
from contracts.target import Target

# Built-in checks that assume errors come as 4xx. Here a rejection is HTTP 200 with a non-zero
# code, so the harness's own checks (contracts.checks) judge acceptance and rejection instead.
STATUS_BASED_CHECKS = ("positive_data_acceptance", "negative_data_rejection", "ignored_auth", "unsupported_method")
MAX_ORDER_PREFIX = 40
# Failure reports and reproduction commands must not show a valid sign: it lets anyone replay the request.
SANITIZED_KEYS = ("sign", "secret", "secret_key", "authorization", "cookie", "set-cookie", "x-api-key")
SANITIZED_MARKERS = ("sign", "secret", "token", "key", "password", "auth", "session", "credential")
# The sandbox answers these documented user ids with injected faults (HTTP 5xx, dropped connections).
MAGIC_USER_PREFIX = "fault-"


def load_schema(
    target: Target,
    *,
    app: Any = None,
    mode: str = "positive",
    max_examples: int = 25,
    spec_path: Path = SPEC_PATH,
    signer: Signer = sign,
    seed: int | None = None,
) -> schemathesis.BaseSchema:
    """Load the spec, register the signer for it and steer generation towards the target's accounts."""
    settings: dict[str, Any] = {
        # The sign is a signed parameter of every operation, not an API key that schemathesis can fill in.
        "generation": {"mode": mode, "max-examples": max_examples, "with-security-parameters": False},
        "checks": {name: {"enabled": False} for name in STATUS_BASED_CHECKS},
        "output": {"sanitization": {"keys-to-sanitize": list(SANITIZED_KEYS), "sensitive-markers": list(SANITIZED_MARKERS)}},
    }
    if target.base_url is not None:
        settings["base-url"] = target.base_url
    if seed is not None:
        settings["seed"] = seed
    config = schemathesis.Config.from_dict(settings)
    schema = schemathesis.openapi.from_path(spec_path, config=config).exclude(tag=SANDBOX_TAG)
    if app is not None:
        schema.app = app
    spec = Spec.load(spec_path)
    signed_cases.register(schema, SigningSession(target=target, spec=spec, signer=signer))
    _steer_generation(schema, target, spec)
    return schema


def _steer_generation(schema: schemathesis.BaseSchema, target: Target, spec: Spec) -> None:
    """Point generated requests at the target's merchant, often at an existing user, with unique orders.

    Only values that are valid for their schema are replaced, so negative cases keep their mutation.
    """
    is_valid = _validity(spec)
    orders = _order_numbers()

    def steer(params: dict[str, Any] | None, operation_id: str) -> st.SearchStrategy[Any]:
        if not params:
            return st.just(params)
        # JSON Schema counts 35017.0 as an integer, but the signing rules write only strings and
        # integers as text, so a request carrying such a number has no defined sign.
        steered = {name: _integral(value) for name, value in params.items()}
        if is_valid(operation_id, "merchant_id", steered.get("merchant_id")):
            steered["merchant_id"] = target.merchant_id
        if operation_id == "creditCoins" and is_valid(operation_id, "out_order_no", steered.get("out_order_no")):
            steered["out_order_no"] = f"{steered['out_order_no'][:MAX_ORDER_PREFIX]}.{next(orders)}"
        if is_valid(operation_id, "user_id", steered.get("user_id")):
            if steered["user_id"].startswith(MAGIC_USER_PREFIX):
                steered["user_id"] = target.user_id
            return st.sampled_from([{**steered, "user_id": target.user_id}, steered])
        return st.just(steered)

    @schema.hook("flatmap_query")
    def steer_query(context: schemathesis.HookContext, query: dict[str, Any] | None) -> st.SearchStrategy[Any]:
        return steer(query, _operation_id(context))

    @schema.hook("flatmap_body")
    def steer_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
        if not isinstance(body, dict):
            return st.just(body)
        return steer(body, _operation_id(context))


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _operation_id(context: schemathesis.HookContext) -> str:
    assert context.operation is not None
    return str(context.operation.definition.raw["operationId"])


def _validity(spec: Spec) -> Any:
    def is_valid(operation_id: str, name: str, value: object) -> bool:
        if value is None or isinstance(value, bool):
            return False
        try:
            schema = spec.parameter_schema(operation_id, name)
        except KeyError:
            return False
        return Draft202012Validator(schema).is_valid(value)

    return is_valid


def _order_numbers() -> Iterator[str]:
    """Yield order-number suffixes unique across runs: a random run token and a counter."""
    token = uuid.uuid4().hex[:8]
    return (f"{token}{n}" for n in itertools.count())
