"""Schemathesis over HTTP against a sandbox process, and a run that must fail when spec and server drift."""

from pathlib import Path

import pytest
import schemathesis
import yaml
from schemathesis.core.failures import FailureGroup

from contracts.fuzzing import fuzz_operations, require_accepted, run_stateful
from contracts.loading import load_schema
from contracts.spec import SPEC_PATH
from contracts.target import Target
from tests.contracts.conftest import MAX_EXAMPLES, SEED
from tests.support.sandbox import SandboxProcess
from tests.support.signer import MERCHANT_ID, SECRET


def test_positive_and_stateful_runs_over_http(sandbox: SandboxProcess) -> None:
    target = Target(merchant_id=MERCHANT_ID, secret=SECRET, base_url=sandbox.base_url)
    schema = load_schema(target, seed=SEED)

    fuzz_operations(schema, schemathesis.GenerationMode.POSITIVE, MAX_EXAMPLES, seed=SEED)
    run_stateful(schema, max_examples=5)

    require_accepted(schema, ("verifyUser", "creditCoins", "merchantBalance", "getTransaction"))


def test_run_fails_when_response_shape_drifts(in_process_app: object, sandbox_target: Target, tmp_path: Path) -> None:
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    # The copy no longer documents `replay`, which the server still sends with every credit.
    del document["components"]["schemas"]["CreditResult"]["properties"]["replay"]
    document["components"]["schemas"]["CreditResult"]["required"].remove("replay")
    drifted = tmp_path / "drifted.yaml"
    drifted.write_text(yaml.safe_dump(document), encoding="utf-8")
    schema = load_schema(sandbox_target, app=in_process_app, spec_path=drifted, seed=SEED)

    with pytest.raises(FailureGroup, match="replay"):
        fuzz_operations(schema, schemathesis.GenerationMode.POSITIVE, MAX_EXAMPLES, seed=SEED)


def test_run_fails_when_a_code_is_undocumented(in_process_app: object, sandbox_target: Target, tmp_path: Path) -> None:
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    codes = document["components"]["schemas"]["ResultCode"]["oneOf"]
    document["components"]["schemas"]["ResultCode"]["oneOf"] = [entry for entry in codes if entry["const"] != 3004]
    drifted = tmp_path / "drifted.yaml"
    drifted.write_text(yaml.safe_dump(document), encoding="utf-8")
    schema = load_schema(sandbox_target, app=in_process_app, spec_path=drifted, seed=SEED)

    with pytest.raises(FailureGroup, match="3004"):
        fuzz_operations(schema, schemathesis.GenerationMode.POSITIVE, MAX_EXAMPLES, seed=SEED)
