"""The OpenAPI document as the harness reads it: result codes, operations and response schemas."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from mockserver.contract import SPEC_PATH

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# Operations with this tag are the sandbox's admin API, not part of the public contract.
SANDBOX_TAG = "sandbox"


@dataclass(frozen=True, slots=True)
class ResultCodeEntry:
    code: int
    title: str
    http_status: int
    retryable: bool


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    signed: bool
    parameters: tuple[str, ...]
    body_media_types: tuple[str, ...]


class Spec:
    """One parsed OpenAPI document; every harness check reads the contract from here."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> "Spec":
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    @cached_property
    def result_codes(self) -> dict[int, ResultCodeEntry]:
        """The documented result codes, from the oneOf entries of components.schemas.ResultCode."""
        entries = self.document["components"]["schemas"]["ResultCode"]["oneOf"]
        return {
            entry["const"]: ResultCodeEntry(
                code=entry["const"],
                title=entry["title"],
                http_status=entry["x-http-status"],
                retryable=entry["x-retryable"],
            )
            for entry in entries
        }

    def code_named(self, title: str) -> int:
        """Return the code with this title, e.g. INVALID_SIGNATURE."""
        for entry in self.result_codes.values():
            if entry.title == title:
                return entry.code
        raise KeyError(f"no result code has the title {title!r}")

    @cached_property
    def operations(self) -> dict[str, Operation]:
        found = {}
        default_security = self.document.get("security", [])
        for path, item in self.document["paths"].items():
            for method, operation in _operations_of(item):
                if SANDBOX_TAG in operation.get("tags", ()):
                    continue
                names = [self._parameter(ref)["name"] for ref in operation.get("parameters", [])]
                content = operation.get("requestBody", {}).get("content", {})
                for media in content.values():
                    body_schema = self.resolve(media["schema"])
                    names += [name for name in body_schema.get("properties", {}) if name not in names]
                found[operation["operationId"]] = Operation(
                    operation_id=operation["operationId"],
                    method=method.upper(),
                    path=path,
                    signed=bool(operation.get("security", default_security)),
                    parameters=tuple(names),
                    body_media_types=tuple(content),
                )
        return found

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow local '#/...' references until a node without $ref."""
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _parameter(self, reference: Mapping[str, Any]) -> Mapping[str, Any]:
        return self.resolve(reference)

    def parameter_schema(self, operation_id: str, name: str) -> Mapping[str, Any]:
        """Return the JSON Schema of one request parameter, query, path or body."""
        operation = self._raw_operation(operation_id)
        for reference in operation.get("parameters", []):
            parameter = self._parameter(reference)
            if parameter["name"] == name:
                return self.resolve(parameter["schema"])
        for media in operation.get("requestBody", {}).get("content", {}).values():
            properties = self.resolve(media["schema"]).get("properties", {})
            if name in properties:
                return self.resolve(properties[name])
        raise KeyError(f"{operation_id} has no parameter {name!r}")

    def request_validator(self, operation_id: str) -> Draft202012Validator:
        """Return a validator for all of an operation's parameters (path, query and body) as one object."""
        operation = self.operations[operation_id]
        raw = self._raw_operation(operation_id)
        required = [self._parameter(ref)["name"] for ref in raw.get("parameters", []) if self._parameter(ref).get("required")]
        for media in raw.get("requestBody", {}).get("content", {}).values():
            required += self.resolve(media["schema"]).get("required", [])
        schema = {
            "type": "object",
            "properties": {name: self.parameter_schema(operation_id, name) for name in operation.parameters},
            "required": sorted(set(required)),
            "additionalProperties": False,
        }
        return Draft202012Validator(schema)

    def response_validator(self, operation_id: str, status: int) -> Draft202012Validator | None:
        """Return a validator for the operation's response body at this HTTP status; None when undocumented."""
        schema = self.response_schema(operation_id, status)
        return None if schema is None else Draft202012Validator(schema)

    def response_schema(self, operation_id: str, status: int) -> dict[str, Any] | None:
        """Return the JSON body schema at this HTTP status, with the components its references need."""
        responses = self._raw_operation(operation_id)["responses"]
        response = responses.get(str(status))
        if response is None:
            return None
        media = self.resolve(response).get("content", {}).get("application/json")
        if media is None:
            return None
        return {"components": self.document["components"], **media["schema"]}

    def response_statuses(self, operation_id: str) -> list[int]:
        """Return the HTTP statuses documented for the operation with a JSON body, in ascending order."""
        responses = self._raw_operation(operation_id)["responses"]
        # "default" and ranges such as "5XX" name no single status.
        statuses = [int(status) for status in responses if status.isdigit()]
        return sorted(status for status in statuses if self.response_schema(operation_id, status) is not None)

    def _raw_operation(self, operation_id: str) -> Mapping[str, Any]:
        for item in self.document["paths"].values():
            for _, operation in _operations_of(item):
                if operation["operationId"] == operation_id:
                    return operation
        raise KeyError(f"the spec has no operation {operation_id!r}")


def _operations_of(path_item: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(method, operation) for method, operation in path_item.items() if method in HTTP_METHODS]
