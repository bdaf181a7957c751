"""Sign every request schemathesis sends, right before it is sent.

Schema-based generators know nothing of signatures, so without this hook
every generated request would be rejected with the signature error and a
run would test nothing. The ``before_call`` hook of schemathesis 4 runs on
each ``Case.call``, also for the requests that checks and state machines
send, so each one gets a fresh ``time_stamp`` and a fresh ``sign``.

A schema is signed only after ``register`` was called for it; other
schemathesis runs in the same process are left alone.
"""

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import schemathesis
from jsonschema import Draft202012Validator

from contracts.signing import sign
from contracts.spec import Spec
from contracts.target import Target

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
Signer = Callable[[Mapping[str, object], str], str]


@dataclass
class SigningSession:
    """What the hook needs for one schema: the credentials, the signer and a tally of outcomes."""

    target: Target
    spec: Spec
    signer: Signer = sign
    # Ids of cases that must go out exactly as built, such as tampered copies of a signed request.
    presigned: set[str] = field(default_factory=set)
    # (operationId, result code) of every generated request sent, to tell a run that tested nothing.
    codes: Counter[tuple[str, int | None]] = field(default_factory=Counter)

    def sign_case(self, case: schemathesis.Case) -> None:
        operation = self.spec.operations[case.operation.definition.raw["operationId"]]
        if not operation.signed:
            return
        container = _signed_container(case)
        if container is None:
            return
        if case.media_type == FORM_MEDIA_TYPE:
            # Form data has no null; schemathesis would send the text "null". The signing rules skip
            # null values, so leaving them out keeps the request and its sign the same.
            for name in [name for name, value in container.items() if value is None]:
                del container[name]
        params = case_params(case)
        if self._is_valid(operation.operation_id, "time_stamp", params.get("time_stamp")):
            container["time_stamp"] = params["time_stamp"] = self.target.time_stamp()
        # A negative case whose mutation is the sign itself keeps it, so the mutation reaches the server.
        if "sign" in params and not self._is_valid(operation.operation_id, "sign", params["sign"]):
            return
        try:
            container["sign"] = self.signer(params, self.target.secret)
        except (TypeError, ValueError):
            # Values the signing rules do not define (lists, booleans, unknown sign_type) belong to
            # negative cases; the server must reject them before it looks at the sign.
            return

    def _is_valid(self, operation_id: str, name: str, value: object) -> bool:
        if value is None:
            return False
        schema = self.spec.parameter_schema(operation_id, name)
        return Draft202012Validator(schema).is_valid(value) and not isinstance(value, bool)


_SESSIONS: dict[int, SigningSession] = {}


def register(schema: schemathesis.BaseSchema, session: SigningSession) -> SigningSession:
    """Sign the requests of this schema (and of its clones) with the session's credentials."""
    _SESSIONS[id(schema.raw_schema)] = session
    return session


def unregister(schema: schemathesis.BaseSchema) -> None:
    _SESSIONS.pop(id(schema.raw_schema), None)


def session_for_schema(schema: schemathesis.BaseSchema) -> SigningSession:
    session = _SESSIONS.get(id(schema.raw_schema))
    if session is None:
        raise LookupError("this schema was not registered with contracts.signed_cases.register")
    return session


def session_for(case: schemathesis.Case) -> SigningSession | None:
    return _SESSIONS.get(id(case.operation.schema.raw_schema))


def case_params(case: schemathesis.Case) -> dict[str, Any]:
    """Gather the request parameters of a case: path, query and body fields."""
    params: dict[str, Any] = {}
    # Schemathesis keeps path parameters percent-encoded, as they go on the wire; the server signs them decoded.
    for name, value in (case.path_parameters or {}).items():
        params[name] = unquote(value) if isinstance(value, str) else value
    params.update(case.query or {})
    if isinstance(case.body, dict):
        params.update(case.body)
    return params


def _signed_container(case: schemathesis.Case) -> dict[str, Any] | None:
    if case.operation.method.upper() == "POST":
        return case.body if isinstance(case.body, dict) else None
    if case.query is None:
        case.query = {}
    return case.query


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    session = session_for(case)
    if session is None or case.id in session.presigned:
        return
    session.sign_case(case)


@schemathesis.hook
def after_call(context: schemathesis.HookContext, case: schemathesis.Case, response: schemathesis.Response) -> None:
    session = session_for(case)
    if session is None or case.id in session.presigned:
        return
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        code = None
    session.codes[(str(case.operation.definition.raw["operationId"]), code)] += 1
