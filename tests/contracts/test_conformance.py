"""The conformance suite against real sandbox processes: intact, and with one rule broken each."""

from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from contracts.cli import main
from contracts.conformance.suite import CLASSES, run_suite
from contracts.target import Target
from tests.support.sandbox import SandboxProcess, default_config
from tests.support.signer import MERCHANT_ID, SECRET

ADMIN_TOKEN = "sandbox-admin-token"
# Each rule a sandbox can break, and the one conformance class that must report it.
BROKEN_RULE_CLASS = {
    "signature": "signing",
    "timestamp": "timestamps",
    "idempotency": "idempotency",
    "envelope": "contract",
}


def _target(server: SandboxProcess) -> Target:
    return Target(merchant_id=MERCHANT_ID, secret=SECRET, base_url=server.base_url)


def test_intact_sandbox_passes_every_check(sandbox: SandboxProcess) -> None:
    report = run_suite(_target(sandbox), admin_token=ADMIN_TOKEN)

    assert not report.failed, report.summary()
    assert {report.class_outcome(name).name for name in CLASSES} == {"PASS"}


@pytest.mark.parametrize("rule", sorted(BROKEN_RULE_CLASS))
def test_broken_rule_fails_its_class(start_sandbox: Any, rule: str) -> None:
    config = default_config()
    config["settings"]["broken_rules"] = [rule]
    server = start_sandbox(config=config)

    report = run_suite(_target(server), admin_token=ADMIN_TOKEN)

    assert report.failing_classes() == {BROKEN_RULE_CLASS[rule]}, report.summary()


def test_output_never_shows_secret_or_sign(start_sandbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = default_config()
    config["settings"]["broken_rules"] = ["signature"]
    server = start_sandbox(config=config)
    junit = tmp_path / "conformance.xml"

    exit_code = main(["--base-url", server.base_url, "--merchant-id", str(MERCHANT_ID), "--secret", SECRET,
                      "--junit-xml", str(junit)])  # fmt: skip

    output = capsys.readouterr().out
    assert exit_code == 1
    assert "signing      FAIL" in output
    assert "request: POST /api/v1/coins/credit" in output
    assert SECRET not in output
    assert SECRET not in junit.read_text(encoding="utf-8")
    assert "'sign': '********'" in output


def test_junit_xml_has_a_suite_per_class(sandbox: SandboxProcess, tmp_path: Path) -> None:
    junit = tmp_path / "conformance.xml"

    exit_code = main(["--base-url", sandbox.base_url, "--merchant-id", str(MERCHANT_ID), "--secret", SECRET,
                      "--junit-xml", str(junit)])  # fmt: skip

    root = ElementTree.parse(junit).getroot()
    assert exit_code == 0
    assert [suite.get("name") for suite in root.iter("testsuite")] == list(CLASSES)
    assert sum(int(suite.get("failures", "0")) for suite in root.iter("testsuite")) == 0
    # Without --admin-token the checks that move the clock or set balances are skipped, not failed.
    assert int(root.find("testsuite[@name='timestamps']").get("skipped")) == 1


def test_unreachable_server_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = main(["--base-url", "http://127.0.0.1:9", "--merchant-id", "50", "--secret", SECRET])

    assert exit_code == 2
    assert SECRET not in capsys.readouterr().err
