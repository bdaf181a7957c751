"""Signed credit requests, prepared before the timed part of a benchmark.

Each request has its own order number, so every one is a fresh, durable
credit rather than a replay. The sandbox accepts a time_stamp within 600 s of
its clock. For runs longer than that, pass the rate at which the bodies will
be sent, and each time_stamp is set to when its request is due.
"""

import json
import time
from pathlib import Path

from partystar_client.signing import sign

MERCHANT_ID = 50
SECRET = "sandbox-secret-0050"
USER_IDS = tuple(str(user_id) for user_id in range(10001, 10021))


def credit_bodies(count: int, run_tag: str, rate: float | None = None) -> list[bytes]:
    now = time.time()
    bodies = []
    for index in range(count):
        due = now + index / rate if rate else now
        params: dict[str, object] = {
            "merchant_id": MERCHANT_ID,
            "user_id": USER_IDS[index % len(USER_IDS)],
            "coin": 1 + index % 100,
            "out_order_no": f"B{run_tag}-{index}",
            "time_stamp": int(due),
        }
        params["sign"] = sign(params, SECRET)
        bodies.append(json.dumps(params, separators=(",", ":")).encode("utf-8"))
    return bodies


def write_bodies(path: Path, bodies: list[bytes]) -> None:
    """Write one JSON body per line, for the wrk Lua script to read."""
    path.write_bytes(b"\n".join(bodies) + b"\n")
