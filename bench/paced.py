"""An open-loop load driver: send pre-signed credits at a fixed rate and time each one.

    python -m bench.paced --port P --bodies FILE --rate 1000 --duration 10

Latency runs from the moment a request was due, not from when a connection
was free to send it, so a stalled server shows up in the percentiles instead
of lowering the rate (no coordinated omission). Prints one JSON object.
"""

import argparse
import asyncio
import json
import time
from collections.abc import Sequence
from pathlib import Path

CONNECTIONS = 64


async def _send_all(port: int, bodies: list[bytes], rate: float) -> tuple[list[float], int, float]:
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while (item := await queue.get()) is not None:
            due, body = item
            writer.write(
                b"POST /api/v1/coins/credit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            answer = await reader.readexactly(length)
            latencies.append(time.perf_counter() - due)
            if not head.startswith(b"HTTP/1.1 200") or not answer.startswith(b'{"code":0'):
                errors += 1
        writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(CONNECTIONS)]
    start = time.perf_counter()
    for index, body in enumerate(bodies):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, body))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return latencies, errors, time.perf_counter() - start


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values sorted ascending."""
    rank = max(1, round(fraction * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.paced", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="sandbox port on 127.0.0.1")
    parser.add_argument("--bodies", type=Path, required=True, help="file of pre-signed JSON bodies, one a line")
    parser.add_argument("--rate", type=float, default=1000.0, help="requests per second (default: 1000)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds (default: 10)")
    args = parser.parse_args(argv)

    count = int(args.rate * args.duration)
    bodies = args.bodies.read_bytes().splitlines()
    if len(bodies) < count:
        parser.error(f"{args.bodies} has {len(bodies)} bodies, but {count} are needed")
    latencies, errors, elapsed = asyncio.run(_send_all(args.port, bodies[:count], args.rate))
    latencies.sort()
    print(json.dumps({
        "requests": len(latencies), "errors": errors, "elapsed_s": round(elapsed, 3),
        "achieved_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 3),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 3),
        "max_ms": round(latencies[-1] * 1000, 3),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
