"""docker-compose.yml, the Dockerfile and deploy/: every command, option, variable and file they name exists.

No Docker engine runs in the test environment, so nothing is started. The
checks parse the files and ask the project's own commands for their options.
"""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from mockserver.config import load_config
from tests.support.sandbox import REPO_ROOT

COMPOSE_PATH = REPO_ROOT / "docker-compose.yml"
DOCKERFILE_PATH = REPO_ROOT / "Dockerfile"
NGINX_CONF_PATH = REPO_ROOT / "deploy" / "nginx.conf"
DOCS_PATH = REPO_ROOT / "docs" / "postgres.md"
OWN_IMAGE = "partystar-sandbox:latest"
# Where the Dockerfile puts the repository; commands in the image name files below it.
IMAGE_APP_DIR = "/app"
# Variables that the official postgres image reads at its first start.
POSTGRES_IMAGE_VARIABLES = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}
SERVICES_WITH_HEALTHCHECK = ("postgres", "sandbox", "nginx", "locust-master")
SOURCE_FOLDERS = ("mockserver", "loadtests", "partystar_client")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_PATH.read_text(encoding="utf-8"))


def _own_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the services that run the project's image."""
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image") == OWN_IMAGE or "build" in service
    }


def _resolved(value: str) -> str:
    """Replace ${NAME:-default} with its default, as Compose does when NAME is unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def _options(command: list[str]) -> list[str]:
    return [argument for argument in command if argument.startswith("--")]


def _project_scripts() -> set[str]:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(pyproject["project"]["scripts"])


def _help_text(command: list[str]) -> str:
    """Run an installed command with --help; the project's scripts are installed beside the Python running the tests."""
    executable = Path(sys.executable).parent / command[0]
    assert executable.exists(), f"{command[0]} is not installed beside {sys.executable}"
    result = subprocess.run(
        [str(executable), *command[1:], "--help"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_compose_config_validates() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (Debian: apt-get install docker-compose)")

    result = subprocess.run(
        [binary, "-f", str(COMPOSE_PATH), "config", "-q"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr


def test_services_have_healthchecks(compose: dict[str, Any]) -> None:
    for name in SERVICES_WITH_HEALTHCHECK:
        assert compose["services"][name]["healthcheck"]["test"], name


def test_commands_are_project_scripts(compose: dict[str, Any]) -> None:
    allowed = _project_scripts() | {"locust"}
    for name, service in _own_services(compose).items():
        assert service["command"][0] in allowed, name
    assert any("locust" in requirement for requirement in _load_extra())


def _load_extra() -> list[str]:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["project"]["optional-dependencies"]["load"]


def test_command_options_exist(compose: dict[str, Any]) -> None:
    for name, service in _own_services(compose).items():
        command = [_resolved(argument) for argument in service["command"]]
        if command[0] == "locust":
            locustfile = command[command.index("-f") + 1]
            local_file = REPO_ROOT / Path(locustfile).relative_to(IMAGE_APP_DIR)
            assert local_file.exists(), f"{name}: {locustfile}"
            # locust --help leaves out the options a locustfile adds, so those are read from its source.
            help_text = _help_text(["locust"]) + local_file.read_text(encoding="utf-8")
        elif command[0] == "partystar-sandbox":
            help_text = _help_text(command[:2])
        else:
            help_text = _help_text(command[:1])
        for option in _options(command):
            assert re.search(rf"{re.escape(option)}\b", help_text), f"{name}: {option} is not an option"


def test_sandbox_config_loads(compose: dict[str, Any]) -> None:
    command = compose["services"]["sandbox"]["command"]
    config_path = command[command.index("--config") + 1]

    assert f"COPY deploy/sandbox.yaml {config_path}" in DOCKERFILE_PATH.read_text(encoding="utf-8")
    config = load_config(REPO_ROOT / "deploy" / "sandbox.yaml")
    assert [merchant.merchant_id for merchant in config.merchants] == [50]


def test_database_url_names_postgres_service(compose: dict[str, Any]) -> None:
    command = compose["services"]["sandbox"]["command"]
    url = urlsplit(_resolved(command[command.index("--database") + 1]))
    postgres = compose["services"]["postgres"]["environment"]

    assert url.scheme == "postgresql"
    assert url.hostname in compose["services"]
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == _resolved(postgres["POSTGRES_PASSWORD"])
    assert url.path.lstrip("/") == postgres["POSTGRES_DB"]


def test_environment_variables_are_read(compose: dict[str, Any]) -> None:
    sources = "\n".join(
        path.read_text(encoding="utf-8") for folder in SOURCE_FOLDERS for path in (REPO_ROOT / folder).rglob("*.py")
    )
    for name, service in compose["services"].items():
        for variable in service.get("environment", {}):
            if service.get("image", "").startswith("postgres:"):
                assert variable in POSTGRES_IMAGE_VARIABLES, f"{name}: {variable}"
            else:
                assert variable in sources, f"{name}: {variable} is read nowhere in {SOURCE_FOLDERS}"


def test_interpolated_variables_documented() -> None:
    variables = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE_PATH.read_text(encoding="utf-8")))
    docs = DOCS_PATH.read_text(encoding="utf-8")

    assert variables
    for variable in sorted(variables):
        assert variable in docs, f"{variable} is not described in {DOCS_PATH.name}"


def test_nginx_upstream_is_sandbox_port(compose: dict[str, Any]) -> None:
    command = compose["services"]["sandbox"]["command"]
    port = command[command.index("--port") + 1]
    mounts = compose["services"]["nginx"]["volumes"]

    assert any(mount.startswith("./deploy/nginx.conf:") for mount in mounts)
    assert f"server sandbox:{port};" in NGINX_CONF_PATH.read_text(encoding="utf-8")


def test_dockerfile_copies_existing_paths() -> None:
    copies = re.findall(r"^COPY (.+) \S+$", DOCKERFILE_PATH.read_text(encoding="utf-8"), flags=re.MULTILINE)

    assert copies
    for sources in copies:
        for source in sources.split():
            assert (REPO_ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
