"""Load several sandbox instances that share one PostgreSQL ledger, through nginx.

    python -m bench.shared_ledger --database postgresql://postgres@127.0.0.1:5432/test
        [--instances 2] [partystar-load options, e.g. --users 50 --run-time 60s]

Resets the database to the built-in config, starts the instances and an nginx
round-robin balancer on free loopback ports, and runs partystar-load against
nginx with its gates and its reconciliation of the merchant's ledger. It then
prints how many requests each instance served and exits with partystar-load's
status. Needs the nginx binary (Debian: apt-get install nginx-light).
"""

import argparse
import collections
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from loadtests import cli

STARTUP_TIMEOUT_S = 30.0
NGINX_CONFIG = """
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$upstream_addr';
    access_log {workdir}/upstream.log upstream;
    client_body_temp_path {workdir}/client-body;
    proxy_temp_path {workdir}/proxy;
    upstream sandbox {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://sandbox;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.shared_ledger", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="postgresql:// URL that every instance shares")
    parser.add_argument("--instances", type=int, default=2, help="sandbox instances (default: 2)")
    args, load_options = parser.parse_known_args(argv)
    nginx = shutil.which("nginx")
    if nginx is None:
        parser.error("nginx is not installed; on Debian run apt-get install nginx-light")
    if args.instances < 1:
        parser.error(f"--instances must be at least 1, got {args.instances}")

    subprocess.run([sys.executable, "-m", "mockserver", "reset", "--database", args.database], check=True)
    with tempfile.TemporaryDirectory(prefix="partystar-shared-ledger-") as name:
        workdir = Path(name)
        ports = [_free_port() for _ in range(args.instances)]
        processes = [_start_sandbox(workdir, port, args.database) for port in ports]
        try:
            balancer_port = _free_port()
            processes.append(_start_nginx(nginx, workdir, balancer_port, ports))
            if "--report-dir" not in load_options:
                load_options += ["--report-dir", "load-report-shared-ledger"]
            status = cli.main(["--base-url", f"http://127.0.0.1:{balancer_port}", *load_options])
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
        _print_spread(workdir / "upstream.log", ports)
    return status


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_sandbox(workdir: Path, port: int, database: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port),
               "--database", database, "--log-level", "warning"]  # fmt: skip
    log = (workdir / f"sandbox-{port}.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    _wait_for(f"http://127.0.0.1:{port}/api/v1/health", process, f"sandbox on port {port}")
    return process


def _start_nginx(nginx: str, workdir: Path, port: int, upstream_ports: list[int]) -> subprocess.Popen[bytes]:
    servers = "\n".join(f"        server 127.0.0.1:{upstream};" for upstream in upstream_ports)
    config = workdir / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(workdir=workdir, servers=servers, port=port), encoding="utf-8")
    command = [nginx, "-p", str(workdir), "-c", str(config), "-g", "daemon off;"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    _wait_for(f"http://127.0.0.1:{port}/api/v1/health", process, "nginx")
    return process


def _wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bench.shared_ledger: {what} exited at start with status {process.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"bench.shared_ledger: {what} did not respond at {url} within {STARTUP_TIMEOUT_S} s")


def _print_spread(upstream_log: Path, ports: list[int]) -> None:
    """Print the requests nginx sent to each instance, read from its upstream log."""
    served = collections.Counter(
        line.strip() for line in upstream_log.read_text(encoding="utf-8").splitlines() if line.strip()
    )
    for port in ports:
        print(f"instance 127.0.0.1:{port} served {served.get(f'127.0.0.1:{port}', 0)} requests")


if __name__ == "__main__":
    sys.exit(main())
