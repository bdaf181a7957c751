"""The CI-size load run: a fresh sandbox on loopback, 50 users for 60 s, every gate on.

    python -m loadtests.ci_run [--report-dir DIR] [extra partystar-load options]

Starts `partystar-sandbox serve` on a free loopback port with its own
database in a temporary folder, runs partystar-load against it, stops the
sandbox and exits with partystar-load's status.
"""

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from loadtests import cli

CI_OPTIONS = ["--users", "50", "--spawn-rate", "25", "--run-time", "60s", "--p95-ms", "500",
              "--max-failure-ratio", "0.005", "--min-rps", "100"]  # fmt: skip
STARTUP_TIMEOUT_S = 30.0


def main(argv: Sequence[str] | None = None) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    if "--report-dir" not in extra:
        extra += ["--report-dir", "load-report-ci"]
    with tempfile.TemporaryDirectory(prefix="partystar-load-ci-") as workdir:
        port = _free_port()
        server = _start_sandbox(Path(workdir), port)
        try:
            return cli.main(["--base-url", f"http://127.0.0.1:{port}", *CI_OPTIONS, *extra])
        finally:
            server.terminate()
            server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_sandbox(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port),
               "--database", str(workdir / "sandbox.db"), "--log-level", "warning"]  # fmt: skip
    log = (workdir / "sandbox.log").open("wb")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"loadtests.ci_run: the sandbox exited at start with status {server.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1.0)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"loadtests.ci_run: the sandbox did not respond within {STARTUP_TIMEOUT_S:g} s")


if __name__ == "__main__":
    sys.exit(main())
