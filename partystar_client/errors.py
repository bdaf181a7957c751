"""The client's exceptions: one root, and one class per documented result code.

    PartyStarError                 code, message, out_order_no, details
    ├── InvalidInputError          a value failed a check before anything was sent
    ├── ConfigurationError         base URL, merchant id or secret missing or invalid
    ├── TransportError             no usable response after every retry
    ├── MalformedResponseError     a response that breaks the contract: no JSON
    │                              envelope, or a success ``data`` of the wrong shape
    ├── OutcomeUnknownError        a credit whose outcome could not be found out
    └── ApiError                   Party Star returned a non-zero code
        ├── InvalidParameterError, MalformedBodyError, ... (one per code)
        └── UndocumentedCodeError  a code the contract does not list (also a
                                   MalformedResponseError)

``details`` is the ``data`` object of an error envelope (the sandbox's
diagnostics, such as the canonical string it signed with the secret masked),
or None.

Messages come from Party Star or from the client's own checks, never with the
secret or a sign in them.
"""

from collections.abc import Mapping
from typing import Any

from partystar_client.codes import describe


class PartyStarError(Exception):
    """Root of every error the client raises."""

    def __init__(
        self,
        message: str,
        code: int | None = None,
        out_order_no: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.out_order_no = out_order_no
        self.details = details

    def __str__(self) -> str:
        prefix = f"[{self.code}] " if self.code is not None else ""
        order = f" (order {self.out_order_no})" if self.out_order_no else ""
        return f"{prefix}{self.message}{order}"


class InvalidInputError(PartyStarError, ValueError):
    """A value failed the client's checks, so nothing was sent."""


class ConfigurationError(PartyStarError):
    """The base URL, merchant id or secret is missing or invalid."""


class TransportError(PartyStarError):
    """Every attempt failed to get a usable response (connection error, timeout)."""


class MalformedResponseError(PartyStarError):
    """The response breaks the contract: no valid JSON envelope, or a success ``data`` of the wrong shape."""


class OutcomeUnknownError(PartyStarError):
    """A credit whose outcome the client could not find out; it may or may not have been applied."""


class ApiError(PartyStarError):
    """Party Star returned a non-zero result code."""

    @property
    def retryable(self) -> bool:
        return self.code is not None and describe(self.code).retryable


class InvalidParameterError(ApiError): ...
class MalformedBodyError(ApiError): ...
class UnsupportedContentTypeError(ApiError): ...
class BodyTooLargeError(ApiError): ...
class InvalidSignatureError(ApiError): ...
class SignTypeNotAllowedError(ApiError): ...
class TimestampOutOfWindowError(ApiError): ...
class IpNotAllowedError(ApiError): ...
class UnknownMerchantError(ApiError): ...
class MerchantNoSecretError(ApiError): ...
class OperationNotEnabledError(ApiError): ...
class UserNotFoundError(ApiError): ...
class InsufficientMerchantBalanceError(ApiError): ...
class OrderConflictError(ApiError): ...
class TransactionNotFoundError(ApiError): ...
class RouteNotFoundError(ApiError): ...
class MethodNotAllowedError(ApiError): ...
class AdminInvalidRequestError(ApiError): ...
class AdminUnauthorizedError(ApiError): ...
class AdminNotFoundError(ApiError): ...
class RateLimitedError(ApiError): ...
class InternalError(ApiError): ...
class BadGatewayError(ApiError): ...
class ServiceUnavailableError(ApiError): ...
class GatewayTimeoutError(ApiError): ...
class UndocumentedCodeError(ApiError, MalformedResponseError):
    """Party Star returned a code that the contract's result code table does not list."""


ERRORS_BY_CODE: dict[int, type[ApiError]] = {
    1001: InvalidParameterError,
    1002: MalformedBodyError,
    1003: UnsupportedContentTypeError,
    1004: BodyTooLargeError,
    2001: InvalidSignatureError,
    2002: SignTypeNotAllowedError,
    2003: TimestampOutOfWindowError,
    2004: IpNotAllowedError,
    2005: UnknownMerchantError,
    2006: MerchantNoSecretError,
    2007: OperationNotEnabledError,
    3001: UserNotFoundError,
    3002: InsufficientMerchantBalanceError,
    3003: OrderConflictError,
    3004: TransactionNotFoundError,
    4004: RouteNotFoundError,
    4005: MethodNotAllowedError,
    4000: AdminInvalidRequestError,
    4001: AdminUnauthorizedError,
    4040: AdminNotFoundError,
    4029: RateLimitedError,
    5000: InternalError,
    5002: BadGatewayError,
    5003: ServiceUnavailableError,
    5004: GatewayTimeoutError,
}


def error_for_code(
    code: int, message: str, out_order_no: str | None = None, details: Mapping[str, Any] | None = None
) -> ApiError:
    """Build the exception for a result code, UndocumentedCodeError for a code the contract lacks."""
    error_class = ERRORS_BY_CODE.get(code, UndocumentedCodeError)
    return error_class(message, code=code, out_order_no=out_order_no, details=details)
