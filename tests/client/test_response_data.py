"""Typed reads of a success envelope's data: every contract break is a MalformedResponseError naming the field."""

import pytest

from partystar_client.errors import MalformedResponseError
from partystar_client.response_data import DataReader, json_type


@pytest.mark.parametrize(("value", "name"), [
    (None, "null"), (True, "a boolean"), (3, "an integer"), (1.5, "a number"),
    ("x", "a string"), ([], "an array"), ({}, "an object"),
])  # fmt: skip
def test_json_type_names(value: object, name: str) -> None:
    assert json_type(value) == name


def test_reader_rejects_non_object() -> None:
    with pytest.raises(MalformedResponseError) as raised:
        DataReader(["coin"], "transaction")

    assert str(raised.value) == "The transaction in the response is malformed: data is an array, expected an object."


def test_reader_names_missing_field() -> None:
    with pytest.raises(MalformedResponseError) as raised:
        DataReader({}, "balance").integer("balance")

    assert str(raised.value) == "The balance in the response is malformed: data.balance is missing."


def test_integer_rejects_boolean() -> None:
    with pytest.raises(MalformedResponseError, match=r"data\.coin is a boolean, expected an integer"):
        DataReader({"coin": True}, "transaction").integer("coin")


def test_boolean_rejects_integer() -> None:
    with pytest.raises(MalformedResponseError, match=r"data\.exists is an integer, expected a boolean"):
        DataReader({"exists": 1}, "user check").boolean("exists")


def test_nullable_string_reads_null() -> None:
    fields = DataReader({"remark": None, "other": "x"}, "transaction")

    assert fields.nullable_string("remark") is None
    assert fields.nullable_string("other") == "x"


def test_nullable_string_needs_field() -> None:
    with pytest.raises(MalformedResponseError, match=r"data\.remark is missing"):
        DataReader({}, "transaction").nullable_string("remark")


def test_nullable_string_rejects_number() -> None:
    with pytest.raises(MalformedResponseError, match=r"data\.remark is an integer, expected a string or null"):
        DataReader({"remark": 5}, "transaction").nullable_string("remark")


def test_reader_ignores_unknown_fields() -> None:
    fields = DataReader({"balance": 10, "currency": "coin"}, "balance")

    assert fields.integer("balance") == 10
