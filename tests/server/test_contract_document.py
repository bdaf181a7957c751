"""The OpenAPI document: valid, complete, and in step with the server's code table."""

from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from mockserver.codes import ResultCode
from mockserver.contract import SPEC_PATH, Contract

README = Path(__file__).resolve().parents[2] / "README.md"


def load_document() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def documented_codes(document: dict) -> dict[int, dict]:
    return {entry["const"]: entry for entry in document["components"]["schemas"]["ResultCode"]["oneOf"]}


def test_document_passes_spec_validator():
    validate(load_document())


def test_server_codes_match_document():
    codes = documented_codes(load_document())

    assert {code.value: code.name for code in ResultCode} == {number: e["title"] for number, e in codes.items()}


def test_server_http_statuses_match_document():
    codes = documented_codes(load_document())

    for code in ResultCode:
        assert code.http_status == codes[code.value]["x-http-status"], code.name


def test_every_code_says_whether_retry_helps():
    for number, entry in documented_codes(load_document()).items():
        assert isinstance(entry["x-retryable"], bool), number
        assert entry["description"], number


def test_every_operation_has_examples():
    document = load_document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation["responses"]["200"]["content"]["application/json"]

            assert content.get("examples"), f"{method.upper()} {path} has no response example"


def test_examples_match_their_schemas():
    document = load_document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation["responses"]["200"]["content"]["application/json"]
            schema = {"components": document["components"], **content["schema"]}
            validator = Draft202012Validator(schema)
            for name, example in content["examples"].items():
                errors = [e.message for e in validator.iter_errors(example["value"])]

                assert not errors, f"{method.upper()} {path} example {name}: {errors}"


def test_identifiers_cannot_carry_separators():
    schemas = load_document()["components"]["schemas"]
    for name in ("UserId", "OutOrderNo"):
        validator = Draft202012Validator(schemas[name])
        for bad in ("a&b", "a=b"):
            assert not validator.is_valid(bad), (name, bad)


def test_server_reads_every_operation():
    contract = Contract.load()

    assert set(contract.operations) == {"health", "verifyUser", "creditCoins", "merchantBalance", "getTransaction"}


def test_readme_lists_every_code():
    readme = README.read_text(encoding="utf-8")
    for code in ResultCode:
        assert f"| {code.value} | `{code.name}`" in readme, code.name
