from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.asgi import from_loopback, sandbox_app
from contracts.signing import sign
from contracts.target import Target
from tests.support.signer import MERCHANT_ID, SECRET

# Small enough for CI's time budget, large enough that each operation sees varied data.
MAX_EXAMPLES = 15
SEED = 20251104


@pytest.fixture
def sandbox_target() -> Target:
    return Target(merchant_id=MERCHANT_ID, secret=SECRET)


@pytest.fixture
def in_process_app(tmp_path: Path) -> Iterator[object]:
    """The sandbox application on a fresh SQLite file, seen from 127.0.0.1."""
    yield from_loopback(sandbox_app(tmp_path / "sandbox.db"))


def lowercase_signer(params, secret):  # type: ignore[no-untyped-def]
    """A signer with a common mistake: lowercase hex digits."""
    return sign(params, secret).lower()
