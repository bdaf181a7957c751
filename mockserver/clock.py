"""The sandbox's clock: real time plus an offset that the admin API can set."""

import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Clock:
    offset: float = 0.0

    def now(self) -> float:
        return time.time() + self.offset
