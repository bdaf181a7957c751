import json

import pytest

from mockserver.contract import Contract, inline_refs

ROOT = {
    "components": {
        "schemas": {
            "Coin": {"type": "integer", "minimum": 1},
            "Order": {"type": "object", "properties": {"coin": {"$ref": "#/components/schemas/Coin"}}},
            "Loop": {"$ref": "#/components/schemas/Loop"},
        }
    }
}


def test_inline_refs_replaces_nested_references() -> None:
    inlined = inline_refs(ROOT, {"$ref": "#/components/schemas/Order"})

    assert inlined == {"type": "object", "properties": {"coin": {"type": "integer", "minimum": 1}}}


def test_inline_refs_keeps_sibling_keywords_as_all_of() -> None:
    inlined = inline_refs(ROOT, {"$ref": "#/components/schemas/Coin", "maximum": 5})

    assert inlined == {"allOf": [{"type": "integer", "minimum": 1}], "maximum": 5}


def test_inline_refs_rejects_cycle() -> None:
    with pytest.raises(ValueError, match="reference cycle through #/components/schemas/Loop"):
        inline_refs(ROOT, {"$ref": "#/components/schemas/Loop"})


def test_operation_schemas_hold_no_references() -> None:
    contract = Contract.load()

    for operation in contract.operations.values():
        assert "$ref" not in json.dumps(operation.schema), operation.operation_id
