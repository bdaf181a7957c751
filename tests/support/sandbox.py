"""Start a real sandbox server (uvicorn in a child process) on a free loopback port."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def default_config() -> dict[str, Any]:
    """Return the built-in config as a mapping that tests can change."""
    text = (REPO_ROOT / "mockserver" / "default_config.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def sqlite_database(workdir: Path) -> str:
    return str(workdir / "sandbox.db")


class SandboxProcess:
    """A `partystar-sandbox serve` child process with its own database and config."""

    # Where a sandbox started without database= keeps its ledger. Suites that run
    # on several backends replace it (tests/server/conftest.py does).
    database_factory: Callable[[Path], str] = staticmethod(sqlite_database)

    def __init__(
        self,
        workdir: Path,
        config: dict[str, Any] | None = None,
        database: str | None = None,
        workers: int = 1,
        host: str = "127.0.0.1",
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.config = config if config is not None else default_config()
        self.database = database or self.database_factory(workdir)
        self.workers = workers
        self.host = host
        self.extra_args = extra_args or []
        self.env = env or {}
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"sandbox-{self.port}.log"

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> "SandboxProcess":
        config_path = self.workdir / f"config-{self.port}.yaml"
        config_path.write_text(yaml.safe_dump(self.config), encoding="utf-8")
        command = [
            sys.executable, "-m", "mockserver", "serve",
            "--host", self.host, "--port", str(self.port),
            "--config", str(config_path), "--database", self.database,
            "--workers", str(self.workers), "--log-level", "warning",
            *self.extra_args,
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env}
        )
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"sandbox exited at start:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sandbox did not answer within {STARTUP_TIMEOUT} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def kill(self) -> None:
        """Kill the server with SIGKILL, as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def __enter__(self) -> "SandboxProcess":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
