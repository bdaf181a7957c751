from collections.abc import Iterator

import httpx
import pytest

from tests.controls.admin import admin
from tests.support.sandbox import SandboxProcess


@pytest.fixture(scope="module")
def controls_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with SandboxProcess(tmp_path_factory.mktemp("controls")) as server:
        yield server


@pytest.fixture
def client(controls_sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    """A client on a sandbox with no fault rules, no clock offset and maintenance off."""
    with httpx.Client(base_url=controls_sandbox.base_url, timeout=30) as http:
        admin(http, "DELETE", "/faults")
        admin(http, "DELETE", "/clock")
        admin(http, "PUT", "/maintenance", json={"enabled": False})
        yield http
