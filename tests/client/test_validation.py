import pytest

from partystar_client.errors import InvalidInputError
from partystar_client.validation import check_coin, check_order_no, check_remark, check_user_id, parse_coin


@pytest.mark.parametrize("user_id", ["123", "000123", "لاعب_٤٢", "a" * 64, "user with spaces"])
def test_user_id_accepted(user_id: str) -> None:
    assert check_user_id(user_id) == user_id


@pytest.mark.parametrize(
    ("user_id", "rule"),
    [
        ("", "1 to 64 characters"),
        ("a" * 65, "1 to 64 characters"),
        ("a&b", "'&', '='"),
        ("a=b", "'&', '='"),
        ("a\nb", "control characters"),
        (123, "expected a string"),
    ],
)
def test_user_id_rejected(user_id: object, rule: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_user_id(user_id)

    assert repr(user_id) in raised.value.message
    assert rule in raised.value.message


@pytest.mark.parametrize("coin", [1, 1000, 10_000_000])
def test_coin_accepted(coin: int) -> None:
    assert check_coin(coin) == coin


@pytest.mark.parametrize("coin", [0, -1, 10_000_001, True, 1.5, "5"])
def test_coin_rejected(coin: object) -> None:
    with pytest.raises(InvalidInputError, match="expected an integer from 1 to 10,000,000"):
        check_coin(coin)


@pytest.mark.parametrize(("text", "coin"), [("5", 5), (" 42 ", 42), ("10000000", 10_000_000)])
def test_parse_coin_accepts_digits(text: str, coin: int) -> None:
    assert parse_coin(text) == coin


@pytest.mark.parametrize("text", ["", "x", "1.0", "-3", "+3", "1e3", "٣", "0", "10000001"])
def test_parse_coin_rejects_text(text: str) -> None:
    with pytest.raises(InvalidInputError, match="Invalid coin"):
        parse_coin(text)


@pytest.mark.parametrize("order", ["OC67-20251104-0001", "a.b:c_d-e", "x" * 64])
def test_order_no_accepted(order: str) -> None:
    assert check_order_no(order) == order


@pytest.mark.parametrize("order", ["", "x" * 65, "has space", "a/b", "ü", None])
def test_order_no_rejected(order: object) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_order_no(order)

    assert repr(order) in raised.value.message


def test_remark_rules() -> None:
    assert check_remark(None) is None
    assert check_remark("gift") == "gift"
    with pytest.raises(InvalidInputError, match="at most 128"):
        check_remark("x" * 129)
    with pytest.raises(InvalidInputError, match="control characters"):
        check_remark("tab\there")
