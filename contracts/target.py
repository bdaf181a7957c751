"""The server under test and the merchant credentials the harness signs with."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Users every sandbox has; a conformance run against another server names its own with --user-id.
DEFAULT_USER_ID = "123"


@dataclass(frozen=True)
class Target:
    """A merchant account on the server under test."""

    merchant_id: int
    secret: str = field(repr=False)
    user_id: str = DEFAULT_USER_ID
    base_url: str | None = None
    # The clock that fills time_stamp; a seam for tests of the timestamp checks.
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def time_stamp(self) -> int:
        return int(self.clock())
