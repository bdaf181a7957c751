"""Capture the requests a client sends, so each can be checked against the spec's request schema."""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx

from contracts.spec import Spec


@dataclass(frozen=True)
class CapturedRequest:
    operation_id: str
    params: dict[str, Any]


class CapturingTransport(httpx.BaseTransport):
    """Wraps a real transport and keeps the parameters of every request that passes through it."""

    def __init__(self, inner: httpx.BaseTransport, spec: Spec) -> None:
        self.inner = inner
        self.spec = spec
        self.captured: list[CapturedRequest] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.captured.append(capture(self.spec, request))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def capture(spec: Spec, request: httpx.Request) -> CapturedRequest:
    """Gather path, query and body parameters of a request, typed as the server reads them."""
    path = request.url.path
    for operation in spec.operations.values():
        path_params = _match(operation.path, path)
        if operation.method == request.method and path_params is not None:
            params: dict[str, Any] = dict(path_params)
            for name, value in parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True):
                params[name] = int(value) if name in _integers(spec, operation.operation_id) and value.isdigit() else value
            if request.content:
                params.update(json.loads(request.content))
            return CapturedRequest(operation.operation_id, params)
    raise ValueError(f"{request.method} {path} is no operation of the spec")


def _integers(spec: Spec, operation_id: str) -> set[str]:
    operation = spec.operations[operation_id]
    return {name for name in operation.parameters if spec.parameter_schema(operation_id, name).get("type") == "integer"}


def _match(template: str, path: str) -> dict[str, str] | None:
    template_parts, path_parts = template.split("/"), path.split("/")
    if len(template_parts) != len(path_parts):
        return None
    found = {}
    for expected, actual in zip(template_parts, path_parts):
        if expected.startswith("{") and expected.endswith("}"):
            found[expected[1:-1]] = unquote(actual)
        elif expected != actual:
            return None
    return found
