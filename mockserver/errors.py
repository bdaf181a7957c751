"""The exception that carries a rejection to the envelope.

Handlers and checks raise ApiError; the application turns it into one envelope
in a single place (mockserver.envelope). ``details`` contains sandbox diagnostics,
which strict mode drops before answering.
"""

from collections.abc import Mapping
from typing import Any

from mockserver.codes import ResultCode


class ApiError(Exception):
    """A request rejected with a documented result code."""

    def __init__(
        self,
        code: ResultCode,
        message: str,
        details: Mapping[str, Any] | None = None,
        *,
        public_details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        strict_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # The message strict mode sends instead, where the message contains diagnostics.
        self.strict_message = strict_message or message
        # Diagnostics shown in sandbox mode only.
        self.details = dict(details or {})
        # Details that strict mode sends too (for example retry_after).
        self.public_details = dict(public_details or {})
        self.headers = dict(headers or {})
