"""Benchmark the sandbox against a bare Starlette app on the same core.

    python -m bench.run [--duration 10] [--connections 16] [--paced-rate 1000] [--profile FILE] [--soak SECONDS]

One run starts a bare Starlette hello-world on uvicorn, then the sandbox with
a fresh SQLite file, each pinned to core 0 where the machine has two cores or
more. wrk, pinned to core 1, drives each at a fixed number of connections:
health on both, then signed credits (prepared before the timed part) on the
sandbox. An open-loop driver then sends credits at --paced-rate for p99 at a
fixed rate. The run prints throughput, p50 and p99 for each, the ratio of
credit throughput to the bare baseline, and the sandbox's memory.
"""

import argparse
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.prepared import credit_bodies, write_bodies

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# Credits per second that wrk could reach on one core, with a wide margin, so
# that every credit of the run is a fresh order.
MAX_CREDIT_RATE = 5000
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True, slots=True)
class Measurement:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int

    def row(self) -> str:
        return f"{self.name:<34} {self.requests_per_s:>10.0f} {self.p50_ms:>8.2f} {self.p99_ms:>8.2f} {self.errors:>7}"


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    server_core, driver_core = _cores()
    print(_machine(server_core, driver_core), flush=True)
    with tempfile.TemporaryDirectory(prefix="partystar-bench-") as folder:
        workdir = Path(folder)
        results = _benchmark(args, workdir, server_core, driver_core)
    print(_table(results), flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.run", description="Benchmark the sandbox against bare Starlette.")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (default: 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default: 16)")
    parser.add_argument("--paced-rate", type=float, default=1000.0, help="credits/s of the paced run (default: 1000)")
    parser.add_argument("--profile", type=Path, help="write a py-spy profile (raw stacks) of the wrk credit run")
    parser.add_argument("--soak", type=int, default=0, help="then send paced credits for this many seconds")
    return parser


def _cores() -> tuple[str | None, str | None]:
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None, None
    return str(allowed[0]), str(allowed[1])


def _machine(server_core: str | None, driver_core: str | None) -> str:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    pinning = f"server on core {server_core}, driver on core {driver_core}" if server_core else "no pinning (1 core)"
    return f"machine: nproc {os.cpu_count()}, CPU {model}; {pinning}; {time.strftime('%Y-%m-%d %H:%M %Z')}"


def _benchmark(args: argparse.Namespace, workdir: Path, server_core: str | None, driver_core: str | None) -> dict:
    results: dict = {"measurements": []}
    with _Server(_bare_command(), server_core, workdir / "bare.log") as bare:
        results["measurements"].append(_wrk("bare Starlette: health", bare.port, args, driver_core))
    tag = secrets.token_hex(3)
    wrk_bodies = workdir / "wrk-bodies.txt"
    write_bodies(wrk_bodies, credit_bodies(MAX_CREDIT_RATE * args.duration, f"{tag}w"))
    paced_bodies = workdir / "paced-bodies.txt"
    paced_count = int(args.paced_rate * (10 + args.soak))
    write_bodies(paced_bodies, credit_bodies(paced_count, f"{tag}p", rate=args.paced_rate))
    with _Server(_sandbox_command(workdir), server_core, workdir / "sandbox.log") as sandbox:
        results["measurements"].append(_wrk("sandbox: health", sandbox.port, args, driver_core))
        profiler = _start_profiler(args.profile, sandbox.pid, args.duration)
        credits = _wrk("sandbox: signed credit (wrk)", sandbox.port, args, driver_core, wrk_bodies)
        results["measurements"].append(credits)
        _finish_profiler(profiler)
        results["paced"] = _paced(sandbox.port, paced_bodies, args.paced_rate, 10, driver_core)
        results["rss_mb"] = sandbox.rss_mb()
        if args.soak:
            results["soak"] = _paced(sandbox.port, paced_bodies, args.paced_rate, args.soak, driver_core, skip=10)
            results["soak_rss_mb"] = sandbox.rss_mb()
    return results


def _bare_command() -> list[str]:
    return [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1", "--log-level", "warning",
            "--no-access-log"]  # fmt: skip


def _sandbox_command(workdir: Path) -> list[str]:
    return [sys.executable, "-m", "mockserver", "serve", "--host", "127.0.0.1", "--database",
            str(workdir / "sandbox.db"), "--log-level", "warning"]  # fmt: skip


class _Server:
    """A server process on a free loopback port, pinned to one core when there is one to spare."""

    def __init__(self, command: list[str], core: str | None, log_path: Path) -> None:
        self.port = _free_port()
        self.command = [*_pin(core), *command, "--port", str(self.port)]
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> "_Server":
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(self.command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/api/v1/health", timeout=1.0)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.__exit__()
        raise SystemExit(f"bench: {' '.join(self.command)} did not start; see {self.log_path}")

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text(encoding="utf-8")
        kilobytes = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
        return kilobytes / 1024

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pin(core: str | None) -> list[str]:
    return ["taskset", "-c", core] if core is not None else []


def _wrk(
    name: str, port: int, args: argparse.Namespace, core: str | None, bodies: Path | None = None
) -> Measurement:
    command = [*_pin(core), "wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    env = dict(os.environ)
    if bodies is not None:
        command += ["-s", str(BENCH_DIR / "credits.lua")]
        env["BODIES_FILE"] = str(bodies)
        url = f"http://127.0.0.1:{port}/api/v1/coins/credit"
    else:
        url = f"http://127.0.0.1:{port}/api/v1/health"
    output = subprocess.run([*command, url], env=env, capture_output=True, text=True, check=True).stdout
    return _parse_wrk(name, output)


def _parse_wrk(name: str, output: str) -> Measurement:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    percentiles = {
        int(match.group(1)): float(match.group(2)) * _UNITS_MS[match.group(3)]
        for match in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    }
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Measurement(name, rate, percentiles[50], percentiles[99], int(errors.group(1)) if errors else 0)


def _paced(port: int, bodies: Path, rate: float, duration: int, core: str | None, skip: int = 0) -> dict:
    body_file = bodies
    if skip:
        # The paced run before used the first bodies; take the ones after them.
        body_file = bodies.with_suffix(".rest")
        lines = bodies.read_bytes().splitlines()[int(rate * skip) :]
        body_file.write_bytes(b"\n".join(lines) + b"\n")
    command = [*_pin(core), sys.executable, "-m", "bench.paced", "--port", str(port), "--bodies", str(body_file),
               "--rate", str(rate), "--duration", str(duration)]  # fmt: skip
    output = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def _start_profiler(path: Path | None, pid: int, duration: int) -> subprocess.Popen[bytes] | None:
    if path is None:
        return None
    beside_python = Path(sys.executable).with_name("py-spy")
    py_spy = str(beside_python) if beside_python.exists() else "py-spy"
    command = [py_spy, "record", "--pid", str(pid), "--duration", str(duration), "--rate", "200",
               "--format", "raw", "--output", str(path.resolve()), "--nonblocking"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _finish_profiler(profiler: subprocess.Popen[bytes] | None) -> None:
    if profiler is not None:
        profiler.wait(timeout=60)


def _table(results: dict) -> str:
    rows = [f"{'run':<34} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"]
    measurements: list[Measurement] = results["measurements"]
    rows += [measurement.row() for measurement in measurements]
    bare, health, credit = measurements
    rows.append(f"credit / bare throughput: {credit.requests_per_s / bare.requests_per_s:.1%}")
    rows.append(f"sandbox health / bare throughput: {health.requests_per_s / bare.requests_per_s:.1%}")
    paced = results["paced"]
    rows.append(
        f"paced credits at {paced['achieved_rps']:.0f}/s for {paced['elapsed_s']:.0f} s: p50 {paced['p50_ms']:.2f} ms, "
        f"p99 {paced['p99_ms']:.2f} ms, max {paced['max_ms']:.2f} ms, errors {paced['errors']}"
    )
    rows.append(f"sandbox RSS after the runs: {results['rss_mb']:.1f} MB")
    if "soak" in results:
        soak = results["soak"]
        rows.append(
            f"soak: {soak['requests']} credits in {soak['elapsed_s']:.0f} s: p50 {soak['p50_ms']:.2f} ms, "
            f"p99 {soak['p99_ms']:.2f} ms, errors {soak['errors']}; RSS after {results['soak_rss_mb']:.1f} MB"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    main()
