"""Result codes of the envelope, as listed in the contract's ResultCode schema."""

from enum import IntEnum


class ResultCode(IntEnum):
    OK = 0
    INVALID_PARAMETER = 1001
    MALFORMED_BODY = 1002
    UNSUPPORTED_CONTENT_TYPE = 1003
    BODY_TOO_LARGE = 1004
    INVALID_SIGNATURE = 2001
    SIGN_TYPE_NOT_ALLOWED = 2002
    TIMESTAMP_OUT_OF_WINDOW = 2003
    IP_NOT_ALLOWED = 2004
    UNKNOWN_MERCHANT = 2005
    MERCHANT_NO_SECRET = 2006
    OPERATION_NOT_ENABLED = 2007
    USER_NOT_FOUND = 3001
    INSUFFICIENT_MERCHANT_BALANCE = 3002
    ORDER_CONFLICT = 3003
    TRANSACTION_NOT_FOUND = 3004
    ROUTE_NOT_FOUND = 4004
    METHOD_NOT_ALLOWED = 4005
    RATE_LIMITED = 4029
    INTERNAL_ERROR = 5000
    BAD_GATEWAY = 5002
    SERVICE_UNAVAILABLE = 5003
    GATEWAY_TIMEOUT = 5004

    @property
    def http_status(self) -> int:
        """Return the HTTP status this code is sent with."""
        return _HTTP_STATUS.get(self, 200)


_HTTP_STATUS = {
    ResultCode.ROUTE_NOT_FOUND: 404,
    ResultCode.METHOD_NOT_ALLOWED: 405,
    ResultCode.RATE_LIMITED: 429,
    ResultCode.INTERNAL_ERROR: 500,
    ResultCode.BAD_GATEWAY: 502,
    ResultCode.SERVICE_UNAVAILABLE: 503,
    ResultCode.GATEWAY_TIMEOUT: 504,
}
