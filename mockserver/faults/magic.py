"""Magic test user ids: each one always exists and answers with a fixed fault, no admin call needed.

They work in sandbox mode only, like the test card numbers of payment sandboxes.
"""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from mockserver.config import SandboxConfig, User
from mockserver.faults.rules import Fault

MAGIC_USERS: Mapping[str, Fault] = {
    "fault-500": Fault("http_error", status=500),
    "fault-502": Fault("http_error", status=502),
    "fault-503": Fault("http_error", status=503, retry_after=1),
    "fault-504": Fault("http_error", status=504),
    "fault-429": Fault("rate_limited", retry_after=1),
    "fault-429-date": Fault("rate_limited", retry_after=2, retry_after_format="http-date"),
    "fault-maintenance": Fault("maintenance", retry_after=1),
    "fault-close-before": Fault("close_before"),
    "fault-drop-after-commit": Fault("commit_then_drop"),
    "fault-timeout": Fault("commit_then_delay", delay_seconds=30.0),
    "fault-malformed": Fault("malformed_body"),
    "fault-truncated": Fault("truncated_body"),
    "fault-slow": Fault("latency", delay_seconds=2.0),
}


def magic_fault(params: Mapping[str, Any]) -> Fault | None:
    user_id = params.get("user_id")
    return MAGIC_USERS.get(user_id) if isinstance(user_id, str) else None


def with_magic_users(config: SandboxConfig) -> SandboxConfig:
    """Return the config with every magic user added, in sandbox mode; strict mode gets none."""
    if config.settings.strict:
        return config
    known = {user.user_id for user in config.users}
    extra = tuple(User(user_id) for user_id in MAGIC_USERS if user_id not in known)
    return replace(config, users=config.users + extra)
