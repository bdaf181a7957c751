"""The OpenAPI document as the server's only source of request schemas.

Each operation's parameters (query and path) and request body are gathered
into one JSON Schema object, validated with jsonschema against the document's
own component schemas. No request schema is written twice.
"""

import difflib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError


def find_spec_path() -> Path:
    """Locate openapi/partystar.yaml: in the source tree, or where a wheel install puts it."""
    candidates = (
        Path(__file__).resolve().parent.parent / "openapi" / "partystar.yaml",
        Path(sys.prefix) / "share" / "partystar-sandbox" / "partystar.yaml",
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[0]


SPEC_PATH = find_spec_path()
MAX_REPR = 60
INT64_LIMIT = 2**63


def _is_strict_integer(checker: object, instance: object) -> bool:
    # JSON Schema counts 1000.0 as an integer; the API does not.
    return isinstance(instance, int) and not isinstance(instance, bool)


StrictValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
)


class TooLargeNumber:
    """A JSON number with more digits than any parameter allows."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"a {self.digits}-digit number"


@dataclass(frozen=True, slots=True)
class ParameterProblem:
    parameter: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"parameter": self.parameter, "message": self.message}


@dataclass(frozen=True)
class OperationContract:
    operation_id: str
    method: str
    path: str
    signed: bool
    path_parameters: frozenset[str]
    body_media_types: frozenset[str]
    schema: Mapping[str, Any]

    @cached_property
    def validator(self) -> Draft202012Validator:
        return StrictValidator(self.schema)

    @cached_property
    def properties(self) -> Mapping[str, Any]:
        """Each known parameter's schema, with references resolved."""
        root = self.schema
        target = resolve_ref(root, root) if "$ref" in root else root
        return {name: resolve_ref(root, sub) for name, sub in target.get("properties", {}).items()}

    @cached_property
    def integer_parameters(self) -> frozenset[str]:
        return frozenset(name for name, sub in self.properties.items() if sub.get("type") == "integer")

    @cached_property
    def fast_validator(self) -> Any:
        """The same schema compiled by jsonschema-rs, which checks a valid request about 80 times faster."""
        return jsonschema_rs.validator_for(dict(self.schema))

    def problems(self, params: Mapping[str, Any]) -> list[ParameterProblem]:
        """Validate parameters against the operation's schema; return one problem per finding.

        Requests that pass the compiled check skip the slower validator, which
        is kept for describing what is wrong.
        """
        if _plain_values(params) and self.fast_validator.is_valid(params):
            return []
        found = [self._describe(error, params) for error in self.validator.iter_errors(dict(params))]
        return sorted({p.parameter + p.message: p for p in _flatten(found)}.values(), key=lambda p: p.parameter)

    def _describe(self, error: ValidationError, params: Mapping[str, Any]) -> list[ParameterProblem]:
        if error.validator == "required":
            missing = [name for name in error.validator_value if name not in params]
            return [ParameterProblem(name, f"{name} is missing.") for name in missing]
        if error.validator in ("additionalProperties", "unevaluatedProperties"):
            return [self._unknown(name) for name in params if name not in self.properties]
        name = str(error.absolute_path[0]) if error.absolute_path else "request"
        value = _short_repr(error.instance)
        rule = error.schema
        messages = {
            "type": lambda: f"{name} must be of type {_type_name(rule.get('type'))}, got {value}.",
            "pattern": lambda: f"{name} {value} does not match the pattern {rule.get('pattern')}.",
            "minLength": lambda: f"{name} must be at least {rule.get('minLength')} characters long.",
            "maxLength": lambda: f"{name} must be at most {rule.get('maxLength')} characters long.",
            "minimum": lambda: f"{name} must be at least {rule.get('minimum')}, got {value}.",
            "maximum": lambda: f"{name} must be at most {rule.get('maximum')}, got {value}.",
            "enum": lambda: f"{name} must be one of {_choices(rule.get('enum'))}, got {value}.",
        }
        build = messages.get(str(error.validator))
        message = build() if build else f"{name} is invalid: {error.message[:200]}"
        return [ParameterProblem(name, message)]

    def _unknown(self, name: str) -> ParameterProblem:
        close = difflib.get_close_matches(name, list(self.properties), n=1, cutoff=0.75)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        shown = _short_repr(name)
        return ParameterProblem(name, f"{shown} is not a parameter of {self.operation_id}.{hint}")


def _plain_values(params: Mapping[str, Any]) -> bool:
    """Tell whether every value is text, null or an integer that the compiled check reads as the API does.

    The compiled check counts 1000.0 as an integer, as JSON Schema does; the API
    does not, so floats and anything else take the slower validator.
    """
    for value in params.values():
        kind = type(value)
        if kind is int:
            if not -INT64_LIMIT <= value < INT64_LIMIT:
                return False
        elif kind is not str and value is not None:
            return False
    return True


def _flatten(groups: list[list[ParameterProblem]]) -> list[ParameterProblem]:
    return [problem for group in groups for problem in group]


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 3] + "..."


def _type_name(declared: object) -> str:
    if isinstance(declared, list):
        return " or ".join(str(t) for t in declared if t != "null")
    return str(declared)


def _choices(values: object) -> str:
    return ", ".join(str(v) for v in values or [] if v is not None)


def resolve_ref(root: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow local '#/...' references until a schema without $ref."""
    while "$ref" in node:
        node = _follow(root, node["$ref"])
    return node


def _follow(root: Mapping[str, Any], reference: str) -> Any:
    """Return the node that one local '#/...' reference points to."""
    target: Any = root
    for part in reference.removeprefix("#/").split("/"):
        target = target[part]
    return target


def inline_refs(root: Mapping[str, Any], node: Any, seen: tuple[str, ...] = ()) -> Any:
    """Return a copy of the schema with every local $ref replaced by its target.

    Raises ValueError on a reference cycle, which a request schema cannot have.
    """
    if isinstance(node, list):
        return [inline_refs(root, item, seen) for item in node]
    if not isinstance(node, Mapping):
        return node
    if "$ref" in node:
        reference = node["$ref"]
        if reference in seen:
            raise ValueError(f"request schema reference cycle through {reference}")
        target = inline_refs(root, _follow(root, reference), (*seen, reference))
        siblings = {key: inline_refs(root, value, seen) for key, value in node.items() if key != "$ref"}
        # Keywords beside a $ref apply together with its target, as allOf does.
        return {"allOf": [target], **siblings} if siblings else target
    return {key: inline_refs(root, value, seen) for key, value in node.items()}


class Contract:
    """The parsed OpenAPI document and a contract per operation."""

    def __init__(self, document: Mapping[str, Any], text: bytes) -> None:
        self.document = document
        self.text = text
        self.operations = {op.operation_id: op for op in self._operations()}

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> "Contract":
        text = path.read_bytes()
        return cls(yaml.safe_load(text), text)

    def _operations(self) -> list[OperationContract]:
        components = self.document["components"]
        found = []
        for path, item in self.document["paths"].items():
            for method, operation in item.items():
                # The admin API is described in the same document but is not a signed public operation.
                if "sandbox" in operation.get("tags", ()):
                    continue
                found.append(self._operation(path, method, operation, components))
        return found

    def _operation(self, path: str, method: str, operation: Mapping[str, Any], components: Any) -> OperationContract:
        root = {"components": components}
        properties: dict[str, Any] = {}
        required: list[str] = []
        path_parameters = set()
        for reference in operation.get("parameters", []):
            parameter = resolve_ref(root, reference)
            properties[parameter["name"]] = parameter["schema"]
            if parameter.get("required"):
                required.append(parameter["name"])
            if parameter["in"] == "path":
                path_parameters.add(parameter["name"])
        body = operation.get("requestBody", {}).get("content", {})
        if body:
            schemas = {_canonical_ref(media["schema"]) for media in body.values()}
            if len(schemas) != 1:
                raise ValueError(f"{operation['operationId']}: every media type must share one body schema")
            schema: dict[str, Any] = {"$ref": schemas.pop()}
        else:
            schema = {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            }
        security = operation.get("security", self.document.get("security", []))
        return OperationContract(
            operation_id=operation["operationId"],
            method=method.upper(),
            path=path,
            signed=bool(security),
            path_parameters=frozenset(path_parameters),
            body_media_types=frozenset(body),
            # Inlined, because resolving $ref through the whole document on
            # every request took about a fifth of a credit's server time.
            schema=inline_refs(root, schema),
        )


def _canonical_ref(schema: Mapping[str, Any]) -> str:
    if "$ref" not in schema:
        raise ValueError("request bodies must reference a component schema")
    return str(schema["$ref"])

