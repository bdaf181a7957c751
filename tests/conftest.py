import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.sandbox import SandboxProcess

VECTORS_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "signature-vectors.json"


@pytest.fixture(scope="session")
def signature_vectors() -> dict[str, Any]:
    """The known-answer vectors beside the repository (../shared/signature-vectors.json)."""
    return json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A sandbox with the built-in config, shared by the tests of one module."""
    with SandboxProcess(tmp_path_factory.mktemp("sandbox")) as server:
        yield server


@pytest.fixture
def start_sandbox(tmp_path: Path) -> Iterator[Any]:
    """Start sandboxes with a chosen config; each is stopped after the test."""
    started: list[SandboxProcess] = []

    def start(**options: Any) -> SandboxProcess:
        server = SandboxProcess(tmp_path, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
