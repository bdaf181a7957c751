"""Typed reads of the ``data`` object in a success envelope.

Each read checks that the field is present and has the JSON type the contract
gives it, and raises MalformedResponseError naming the field otherwise, so a
response that breaks the contract never surfaces as a KeyError or TypeError.
Values are not checked against patterns or ranges, and unknown fields are
ignored, so a server that adds a field does not break the client.
"""

from collections.abc import Mapping
from typing import Any

from partystar_client.errors import MalformedResponseError


# bool comes before int, because True is an int in Python but no integer in JSON.
JSON_TYPE_NAMES = (
    (bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"), (list, "an array"),
    (dict, "an object"), (type(None), "null"),
)  # fmt: skip


def json_type(value: object) -> str:
    """Name the JSON type of a decoded value, as JSON Schema does."""
    return next((name for kind, name in JSON_TYPE_NAMES if isinstance(value, kind)), type(value).__name__)


class DataReader:
    """Reader of the fields of one ``data`` object, which ``subject`` names in errors (e.g. "transaction")."""

    def __init__(self, data: Any, subject: str) -> None:
        self.subject = subject
        if not isinstance(data, Mapping):
            raise self._malformed(f"data is {json_type(data)}, expected an object")
        self.data = data

    def string(self, name: str) -> str:
        return self._read(name, str, "a string")

    def integer(self, name: str) -> int:
        return self._read(name, int, "an integer")

    def boolean(self, name: str) -> bool:
        return self._read(name, bool, "a boolean")

    def nullable_string(self, name: str) -> str | None:
        """Read a field that must be present and may be null."""
        if name in self.data and self.data[name] is None:
            return None
        return self._read(name, str, "a string or null")

    def _read(self, name: str, kind: type, expected: str) -> Any:
        if name not in self.data:
            raise self._malformed(f"data.{name} is missing")
        value = self.data[name]
        # bool is a subclass of int in Python, but JSON true is no integer.
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self._malformed(f"data.{name} is {json_type(value)}, expected {expected}")
        return value

    def _malformed(self, problem: str) -> MalformedResponseError:
        return MalformedResponseError(f"The {self.subject} in the response is malformed: {problem}.")
