"""The retry policy: whether to try again and how long to wait, as pure functions.

Nothing here sleeps or draws random numbers: the caller passes in the jitter
fraction and the current time, so tests can check every decision directly.
"""

import email.utils
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from partystar_client.codes import describe


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by attempts and by total time (seconds)."""

    max_attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_elapsed: float = 60.0
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if min(self.base_delay, self.max_delay, self.max_elapsed, self.max_retry_after) < 0:
            raise ValueError("retry delays and time limits must not be negative")


@dataclass(frozen=True, slots=True)
class AttemptFailure:
    """Why one attempt did not succeed.

    ``code`` is Party Star's result code, or None when no envelope arrived
    (connection error, timeout, dropped or malformed response). ``may_be_applied``
    tells whether the server may have carried out the request anyway.
    ``malformed`` is True when a response arrived but was no valid envelope,
    and ``details`` is the error envelope's ``data`` object.
    """

    message: str
    code: int | None = None
    may_be_applied: bool = False
    retry_after: str | None = None
    malformed: bool = False
    details: Mapping[str, Any] | None = None

    @property
    def retryable(self) -> bool:
        return self.code is None or describe(self.code).retryable


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Read a Retry-After header given in seconds or as an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        # RFC 9110 dates are always GMT; a date without a zone is read as GMT too.
        return None
    return max(0.0, (moment - now).total_seconds())


def backoff_delay(policy: RetryPolicy, attempt: int, jitter: float) -> float:
    """Return the backoff after the given attempt (1-based); ``jitter`` is a fraction in [0, 1)."""
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return ceiling * jitter


def next_delay(
    policy: RetryPolicy,
    attempt: int,
    failure: AttemptFailure,
    elapsed: float,
    jitter: float,
    now: datetime,
) -> float | None:
    """Return the seconds to wait before the next attempt, or None when the client must stop.

    ``attempt`` is the number of attempts made so far and ``elapsed`` the
    seconds since the first one started. A Retry-After header sets the lowest
    wait, capped at ``policy.max_retry_after``.
    """
    if not failure.retryable or attempt >= policy.max_attempts:
        return None
    delay = backoff_delay(policy, attempt, jitter)
    server_wait = parse_retry_after(failure.retry_after, now)
    if server_wait is not None:
        delay = max(delay, min(server_wait, policy.max_retry_after))
    if elapsed + delay > policy.max_elapsed:
        return None
    return delay
