"""Signed credit requests, prepared before the timed part of a benchmark.

Each request has its own order number, so every one is a fresh, durable
credit rather than a replay. time_stamp is the preparation time, which the
sandbox accepts for 600 s.
"""

import json
import time
from pathlib import Path

from partystar_client.signing import sign

MERCHANT_ID = 50
SECRET = "sandbox-secret-0050"
USER_IDS = tuple(str(user_id) for user_id in range(10001, 10021))


def credit_bodies(count: int, run_tag: str) -> list[bytes]:
    now = int(time.time())
    bodies = []
    for index in range(count):
        params: dict[str, object] = {
            "merchant_id": MERCHANT_ID,
            "user_id": USER_IDS[index % len(USER_IDS)],
            "coin": 1 + index % 100,
            "out_order_no": f"B{run_tag}-{index}",
            "time_stamp": now,
        }
        params["sign"] = sign(params, SECRET)
        bodies.append(json.dumps(params, separators=(",", ":")).encode("utf-8"))
    return bodies


def write_bodies(path: Path, bodies: list[bytes]) -> None:
    """Write one JSON body per line, for the wrk Lua script to read."""
    path.write_bytes(b"\n".join(bodies) + b"\n")
