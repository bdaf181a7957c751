"""Plain httpx requests to the server under test, each kept as an exchange that reports can show."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from contracts.signing import masked_params, sign
from contracts.spec import Spec
from contracts.target import Target

REQUEST_TIMEOUT = 10.0


@dataclass
class Exchange:
    """One request and its response, as a check saw them; the sign is masked in the description."""

    method: str
    path: str
    params: Mapping[str, Any]
    status: int
    text: str

    @property
    def body(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    @property
    def code(self) -> Any:
        body = self.body
        return body.get("code") if isinstance(body, dict) else None

    @property
    def data(self) -> Any:
        body = self.body
        return body.get("data") if isinstance(body, dict) else None

    def describe(self) -> str:
        return f"{self.method} {self.path} {masked_params(self.params)} -> HTTP {self.status} {self.text[:300]}"


class ApiClient:
    """Sends signed and deliberately wrong requests to the public API of one server."""

    def __init__(self, target: Target, spec: Spec, http: httpx.Client | None = None) -> None:
        assert target.base_url is not None
        self.target = target
        self.spec = spec
        self.http = http or httpx.Client(base_url=target.base_url, timeout=REQUEST_TIMEOUT)

    def close(self) -> None:
        self.http.close()

    def base_params(self, **params: Any) -> dict[str, Any]:
        """Return merchant_id and a fresh time_stamp, with the given parameters on top."""
        return {"merchant_id": self.target.merchant_id, "time_stamp": self.target.time_stamp(), **params}

    def signed(self, operation_id: str, **params: Any) -> Exchange:
        """Send a correctly signed request with a fresh time_stamp."""
        request = self.base_params(**params)
        return self.send(operation_id, self.with_sign(request))

    def with_sign(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {**params, "sign": sign(params, self.target.secret)}

    def send(self, operation_id: str, params: Mapping[str, Any]) -> Exchange:
        """Send parameters as they are: as JSON for a body operation, else in the query and path."""
        operation = self.spec.operations[operation_id]
        path, rest = _fill_path(operation.path, params)
        if operation.body_media_types:
            response = self.http.request(operation.method, path, json=rest)
        else:
            response = self.http.request(operation.method, path, params=rest)
        return Exchange(operation.method, path, dict(params), response.status_code, response.text)

    def raw(self, method: str, path: str, content: bytes | None = None, headers: Mapping[str, str] | None = None) -> Exchange:
        """Send a request built by hand, for malformed bodies and unknown routes."""
        response = self.http.request(method, path, content=content, headers=dict(headers or {}))
        return Exchange(method, path, {}, response.status_code, response.text)


def _fill_path(template: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    rest = dict(params)
    path = template
    for name in list(rest):
        placeholder = "{" + name + "}"
        if placeholder in path:
            path = path.replace(placeholder, httpx.URL(str(rest.pop(name))).raw_path.decode("ascii"))
    return path, rest
