"""Copies of a schemathesis case with changed parameters, sent again by the harness's checks."""

from collections.abc import Mapping
from typing import Any

import schemathesis

from contracts.signed_cases import SigningSession, case_params
from contracts.signing import masked_params


def copy_case(case: schemathesis.Case, changes: Mapping[str, Any], removed: tuple[str, ...] = ()) -> schemathesis.Case:
    """Return a new case of the same operation with some parameters changed or removed."""
    path_parameters = dict(case.path_parameters or {})
    query = dict(case.query or {})
    body = dict(case.body) if isinstance(case.body, dict) else case.body
    for name, value in changes.items():
        if name in path_parameters:
            path_parameters[name] = value
        elif isinstance(body, dict) and case.operation.method.upper() == "POST":
            body[name] = value
        else:
            query[name] = value
    for name in removed:
        for container in (path_parameters, query, body):
            if isinstance(container, dict):
                container.pop(name, None)
    kwargs: dict[str, Any] = {"path_parameters": path_parameters, "query": query, "media_type": case.media_type}
    if isinstance(body, dict):
        kwargs["body"] = body
    return case.operation.Case(**kwargs)


def send_as_built(session: SigningSession, case: schemathesis.Case) -> schemathesis.Response:
    """Send a case without signing it afresh, as a tampered request must go out."""
    session.presigned.add(case.id)
    try:
        return case.call()
    finally:
        session.presigned.discard(case.id)


def send_signed(case: schemathesis.Case) -> schemathesis.Response:
    """Send a case; the before_call hook gives it a fresh time_stamp and sign."""
    return case.call()


def describe(case: schemathesis.Case) -> str:
    """Describe the request a case sends, with the sign masked."""
    return f"{case.method} {case.formatted_path} {masked_params(case_params(case))}"


def call_operation(
    session: SigningSession, schema: Any, operation_id: str, params: Mapping[str, Any]
) -> schemathesis.Response:
    """Send a signed request to another operation of the same schema, e.g. the balance lookup."""
    spec_operation = session.spec.operations[operation_id]
    operation = schema[spec_operation.path][spec_operation.method]
    path_names = [name for name in params if "{" + name + "}" in spec_operation.path]
    path_parameters = {name: params[name] for name in path_names}
    rest = {name: value for name, value in params.items() if name not in path_names}
    if spec_operation.method == "POST":
        case = operation.Case(path_parameters=path_parameters, body=rest, media_type="application/json")
    else:
        case = operation.Case(path_parameters=path_parameters, query=rest)
    return send_signed(case)
