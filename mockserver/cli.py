"""The partystar-sandbox command: serve, sign and reset."""

import argparse
import asyncio
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

from starlette.routing import compile_path

from mockserver import signing
from mockserver.admin.token import ADMIN_TOKEN_VARIABLE, WELL_KNOWN_ADMIN_TOKEN, admin_token_for
from mockserver.config import ConfigError, SandboxConfig, load_config
from mockserver.contract import Contract
from mockserver.faults.magic import with_magic_users
from mockserver.metrics import MULTIPROCESS_VARIABLE
from mockserver.scenario import apply_scenario_file
from mockserver.server import CONFIG_VARIABLE, DATABASE_VARIABLE, DEFAULT_DATABASE
from mockserver.storage import open_storage
from mockserver.storage.urls import masked_url

DEFAULT_SECRET = "sandbox-secret-0050"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except ConfigError as exc:
        print(f"partystar-sandbox: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partystar-sandbox", description="Party Star API sandbox.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the sandbox server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8080, help="TCP port, 1 to 65535 (default: 8080)")
    _add_state_options(serve)
    serve.add_argument("--workers", type=int, default=1, help="worker processes sharing the database (default: 1)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--scenario", type=Path, help="scenario YAML to load at start: merchants, balances, clock, faults"
    )
    serve.set_defaults(run=_serve)

    sign = commands.add_parser("sign", help="print the canonical string and sign of name=value parameters")
    sign.add_argument("params", nargs="+", metavar="NAME=VALUE", help="request parameters, sign_type included")
    sign.add_argument("--secret", default=DEFAULT_SECRET, help="merchant secret (default: the sandbox's test secret)")
    sign.add_argument("--json-body", action="store_true", help="print only the signed JSON body, ready for curl -d")
    sign.add_argument("--query", action="store_true", help="print only the signed, URL-encoded query string")
    sign.add_argument(
        "--url",
        metavar="PATH",
        help="sign the path's parameters too and print PATH?QUERY, e.g. --url /api/v1/transactions/ORDER-1",
    )
    sign.set_defaults(run=_sign)

    reset = commands.add_parser("reset", help="empty the state and load the config afresh")
    _add_state_options(reset)
    reset.set_defaults(run=_reset)
    return parser


def _add_state_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", type=Path, help="merchants, users and settings YAML (default: built in)")
    command.add_argument(
        "--database", default=DEFAULT_DATABASE, help=f"SQLite file or postgresql:// URL (default: {DEFAULT_DATABASE})"
    )


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.workers < 1:
        raise SystemExit("partystar-sandbox: --workers must be at least 1.")
    config = load_config(args.config)
    admin_token = admin_token_for(config.settings, args.host)
    if args.scenario and config.settings.strict:
        raise ConfigError("--scenario needs sandbox mode; strict mode has no sandbox controls.")
    os.environ[CONFIG_VARIABLE] = str(args.config.resolve()) if args.config else ""
    os.environ[DATABASE_VARIABLE] = _database_location(args.database)
    # The workers read the token from here, so all of them agree on it.
    os.environ[ADMIN_TOKEN_VARIABLE] = admin_token
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.scenario:
        summary = asyncio.run(apply_scenario_file(args.scenario, config, os.environ[DATABASE_VARIABLE]))
        print(f"  scenario: {args.scenario} ({summary})", flush=True)
    _print_banner(config, args, admin_token)
    metrics_directory = _metrics_directory(args.workers)
    try:
        _run_uvicorn(uvicorn, args)
    finally:
        if metrics_directory is not None:
            shutil.rmtree(metrics_directory, ignore_errors=True)
    return 0


def _metrics_directory(workers: int) -> str | None:
    """Create the shared directory for prometheus-client's multiprocess mode, when several workers need one."""
    if workers == 1 or os.environ.get(MULTIPROCESS_VARIABLE):
        return None
    directory = tempfile.mkdtemp(prefix="partystar-metrics-")
    os.environ[MULTIPROCESS_VARIABLE] = directory
    return directory


def _run_uvicorn(uvicorn: Any, args: argparse.Namespace) -> None:
    uvicorn.run(
        "mockserver.server:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        # The access log would print query strings, and with them signs.
        access_log=False,
        # NOTE: uvicorn would otherwise trust X-Forwarded-For from 127.0.0.1 and rewrite the
        # peer address; the sandbox reads that header itself, only from configured proxies.
        proxy_headers=False,
        # Answers held back by commit_then_delay faults must not hold up a shutdown for long.
        timeout_graceful_shutdown=3,
    )


def _port(text: str) -> int:
    """Parse a TCP port for argparse, naming the value when it is out of range."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 1 to 65535")
    return port


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _database_location(database: str) -> str:
    if "://" in database:
        return database
    return str(Path(database).resolve())


def _print_banner(config: SandboxConfig, args: argparse.Namespace, admin_token: str) -> None:
    location = _database_location(args.database)
    if "://" in location:
        location = masked_url(location)
    base_url = _base_url(args.host, args.port)
    print(f"Party Star sandbox ({config.settings.mode} mode) on {base_url}", flush=True)
    print(f"  database: {location}", flush=True)
    print(f"  contract: {base_url}/openapi.yaml  docs: {base_url}/docs")
    now = time.time()
    for merchant in config.merchants:
        if config.settings.strict:
            secret = "(hidden in strict mode)"
        else:
            secret = ", ".join(s.value for s in merchant.active_secrets(now)) or "(none active)"
        print(f"  merchant_id: {merchant.merchant_id}  secret: {secret}", flush=True)
    if not config.settings.strict:
        # A configured token is a secret; only the documented well-known one is printed.
        shown = admin_token if admin_token == WELL_KNOWN_ADMIN_TOKEN else "(configured)"
        print(f"  admin API: {base_url}/_sandbox/  token: {shown}", flush=True)


def _sign(args: argparse.Namespace) -> int:
    params: dict[str, object] = {}
    integers = _integer_parameters()
    for item in args.params:
        name, separator, value = item.partition("=")
        if not separator or not name:
            print(f"partystar-sandbox: {item!r} is not NAME=VALUE.", file=sys.stderr)
            return 2
        if name in params:
            print(f"partystar-sandbox: {name} is given twice; the API rejects repeated parameters.", file=sys.stderr)
            return 2
        params[name] = int(value) if name in integers and value.lstrip("-").isdigit() else value
    path_params: dict[str, str] = {}
    if args.url:
        found = _path_parameters(args.url)
        if found is None:
            print(f"partystar-sandbox: {args.url!r} is not the path of an operation.", file=sys.stderr)
            return 2
        path_params = found
        params = {**path_params, **params}
    sign_type = str(params.get("sign_type") or signing.MD5)
    if sign_type not in signing.SIGN_TYPES:
        print(f"partystar-sandbox: sign_type must be one of {', '.join(signing.SIGN_TYPES)}.", file=sys.stderr)
        return 2
    sign_value = signing.sign(params, args.secret)
    if args.json_body:
        print(json.dumps({**params, "sign": sign_value}, ensure_ascii=False))
    elif args.query or args.url:
        query = {name: str(value) for name, value in params.items() if name not in path_params}
        encoded = urlencode({**query, "sign": sign_value})
        print(f"{args.url}?{encoded}" if args.url else encoded)
    else:
        print(f"canonical string: {signing.masked_canonical_string(params)}")
        print(f"sign ({sign_type}): {sign_value}")
    return 0


def _path_parameters(path: str) -> dict[str, str] | None:
    """Return the path parameters of the operation whose path template matches, or None."""
    for operation in Contract.load().operations.values():
        pattern, _, _ = compile_path(operation.path)
        match = pattern.match(path)
        if match:
            return {name: unquote(value) for name, value in match.groupdict().items()}
    return None


def _integer_parameters() -> set[str]:
    contract = Contract.load()
    return {name for op in contract.operations.values() for name in op.integer_parameters}


def _reset(args: argparse.Namespace) -> int:
    config = with_magic_users(load_config(args.config))

    async def reset() -> None:
        storage = open_storage(_database_location(args.database))
        await storage.open(config)
        try:
            await storage.reset(config)
        finally:
            await storage.close()

    asyncio.run(reset())
    print(f"Reset {_database_location(args.database)} to the config.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
