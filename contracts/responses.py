"""Response bodies for testing a client's parsing: allowed by the spec's response schemas, or forbidden by them.

Allowed bodies come from hypothesis-jsonschema, which reads the document's
if/then/else on ``code`` as it is. Forbidden bodies are allowed ones with one
thing broken. Each broken JSON body is checked against the spec's validator, so
a change the spec in fact allows (say, null in a nullable field) is never
offered as forbidden.
"""

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from contracts.spec import Spec

SUCCESS_CODE = {"properties": {"code": {"const": 0}}}
ERROR_CODE = {"properties": {"code": {"not": {"const": 0}}}}
# One value of each JSON type. A field is broken by giving it a value of another type.
VALUES_BY_TYPE: tuple[Any, ...] = ("12", 12, 1.5, True, None, [], {})
GATEWAY_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
)


@dataclass(frozen=True, slots=True)
class ForbiddenBody:
    """A response body the spec forbids, and the words a clear client error about it contains."""

    content: bytes
    content_type: str
    problem: str


NOT_JSON_BODIES = (
    ForbiddenBody(GATEWAY_ERROR_PAGE, "text/html", "not JSON"),
    ForbiddenBody(b"OK", "text/plain", "not JSON"),
    ForbiddenBody(b"", "application/json", "not JSON"),
)


@cache
def allowed_bodies(spec: Spec, operation_id: str, status: int, code_zero: bool | None = None) -> st.SearchStrategy[Any]:
    """Generate bodies valid at this status, restricted to code 0 (``code_zero=True``) or to other codes (False)."""
    schema = spec.response_schema(operation_id, status)
    if schema is None:
        raise KeyError(f"{operation_id} documents no JSON response for HTTP {status}")
    if code_zero is not None:
        components = schema.pop("components")
        schema = {"components": components, "allOf": [schema, SUCCESS_CODE if code_zero else ERROR_CODE]}
    return from_schema(schema)


@st.composite
def forbidden_bodies(draw: st.DrawFn, spec: Spec, operation_id: str) -> ForbiddenBody:
    """Draw a body that breaks the operation's HTTP 200 response schema in one way."""
    body = draw(allowed_bodies(spec, operation_id, 200, code_zero=True))
    undocumented = draw(st.integers(min_value=-(2**31), max_value=2**31).filter(lambda c: c not in spec.result_codes))
    validator = spec.response_validator(operation_id, 200)
    assert validator is not None
    broken = [*_broken_envelopes(body, undocumented), *_broken_data(body)]
    candidates = [*NOT_JSON_BODIES, _truncated(body)]
    candidates += [_as_json(value, problem) for value, problem in broken if not validator.is_valid(value)]
    return draw(st.sampled_from(candidates))


def _broken_envelopes(body: dict[str, Any], undocumented: int) -> list[tuple[Any, str]]:
    cases: list[tuple[Any, str]] = [([body], "body is an array"), ("OK", "body is a string"), (None, "body is null")]
    for name in ("code", "msg", "data"):
        cases.append(({key: value for key, value in body.items() if key != name}, f"{name} is missing"))
    cases += [({**body, "code": value}, "code is") for value in ("0", True, None, 1.5)]
    cases += [({**body, "msg": value}, "msg is") for value in (None, 0, ["OK"])]
    cases.append(({**body, "code": undocumented}, "does not document"))
    return cases


def _broken_data(body: dict[str, Any]) -> list[tuple[Any, str]]:
    """Break the success ``data``: replace it, drop one field, or give one field a value of another JSON type."""
    data = body["data"]
    cases: list[tuple[Any, str]] = [({**body, "data": value}, "data is") for value in (None, [data], "OK")]
    for name, current in data.items():
        without = {key: value for key, value in data.items() if key != name}
        cases.append(({**body, "data": without}, f"data.{name} is missing"))
        for value in VALUES_BY_TYPE:
            if _json_type(value) != _json_type(current):
                cases.append(({**body, "data": {**data, name: value}}, f"data.{name} is"))
    return cases


# bool comes before int, because True is an int in Python but not in JSON.
JSON_TYPES = (
    ("boolean", bool), ("integer", int), ("number", float), ("string", str), ("array", list), ("object", dict),
)


def _json_type(value: Any) -> str:
    return next((name for name, kind in JSON_TYPES if isinstance(value, kind)), "null")


def _as_json(value: Any, problem: str) -> ForbiddenBody:
    return ForbiddenBody(json.dumps(value).encode(), "application/json", problem)


def _truncated(body: dict[str, Any]) -> ForbiddenBody:
    """Cut a valid body in half, as a connection closed mid-body leaves it. No half of a JSON object parses."""
    content = json.dumps(body).encode()
    return ForbiddenBody(content[: len(content) // 2], "application/json", "not JSON")
