"""Run schemathesis against one target: each operation on generated data, then linked sequences."""

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import checks  # noqa: F401  (registers the harness's checks with schemathesis)
from contracts.signed_cases import SigningSession, session_for_schema


class NothingAccepted(AssertionError):
    """A run in which no signed request was accepted tested nothing but the rejection path."""


def hypothesis_settings(max_examples: int, seed: int | None = None) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=seed is not None,
        suppress_health_check=list(HealthCheck),
    )


def fuzz_operations(
    schema: schemathesis.BaseSchema, mode: schemathesis.GenerationMode, max_examples: int, seed: int | None = None
) -> None:
    """Send generated requests to every operation and run all checks on each response."""
    for result in schema.get_all_operations():
        operation = result.ok()
        if mode.is_negative and not _has_parameters(operation):
            continue
        strategy = operation.as_strategy(mode, hooks=schema.hooks)
        _run_cases(strategy, hypothesis_settings(max_examples, seed))


def _run_cases(strategy: st.SearchStrategy[schemathesis.Case], config: settings) -> None:
    @given(case=strategy)
    @config
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate()

    run()


def _has_parameters(operation: Any) -> bool:
    return bool(list(operation.iter_parameters())) or operation.body is not None and len(operation.body) > 0


def require_accepted(schema: schemathesis.BaseSchema, operations: tuple[str, ...]) -> None:
    """Fail unless each named operation accepted at least one generated request with code 0.

    Without this guard a broken signer would pass: every request would be
    rejected with the signature error, a documented code in a valid envelope.
    """
    session = session_for_schema(schema)
    accepted = {operation for (operation, code) in session.codes if code == 0}
    missing = [operation for operation in operations if operation not in accepted]
    if missing:
        seen = dict(session.codes)
        raise NothingAccepted(f"no generated request to {', '.join(missing)} was accepted; codes seen: {seen}")


def run_stateful(schema: schemathesis.BaseSchema, max_examples: int, step_count: int = 6) -> None:
    """Run sequences along the spec's links, checking the merchant balance after every step."""
    session = session_for_schema(schema)
    machine = balance_tracking(schema.as_state_machine(), session)
    machine.run(
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=step_count,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def balance_tracking(base: type, session: SigningSession) -> type:
    """Extend a schemathesis state machine with the balance arithmetic of credits."""

    class BalanceTrackingMachine(base):  # type: ignore[misc, valid-type]
        expected_balance: int | None = None

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            body = response.json()
            operation_id = case.operation.definition.raw["operationId"]
            if body.get("code") != 0:
                return
            if operation_id == "merchantBalance":
                balance = body["data"]["balance"]
                if self.expected_balance is not None and balance != self.expected_balance:
                    raise AssertionError(
                        f"merchant balance is {balance}, expected {self.expected_balance} after the credits "
                        "of this sequence"
                    )
                self.expected_balance = balance
            elif operation_id == "creditCoins" and self.expected_balance is not None:
                if not body["data"]["replay"]:
                    self.expected_balance -= body["data"]["coin"]

    return BalanceTrackingMachine
