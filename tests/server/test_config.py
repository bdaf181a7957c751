"""Reading the config: the documented defaults, and errors that name the key."""

import pytest

from mockserver.config import ConfigError, load_config, parse_config


def test_default_config_has_documented_credentials():
    config = load_config()
    merchant = config.merchants[0]

    assert merchant.merchant_id == 50
    assert [s.value for s in merchant.secrets] == ["sandbox-secret-0050"]
    assert merchant.balance == 1_000_000_000
    assert {str(n) for n in merchant.ip_allowlist} == {"127.0.0.0/8", "::1/128"}
    assert {u.user_id for u in config.users} == {"123", *(str(n) for n in range(10001, 10021))}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"merchants": [{"name": "x"}]}, "merchants[0].merchant_id is missing"),
        ({"merchants": [{"merchant_id": 1, "secrets": [{"secret": ""}]}]}, "secrets[0].secret"),
        ({"merchants": [{"merchant_id": 1, "ip_allowlist": ["not-an-ip"]}]}, "ip_allowlist[0]"),
        ({"merchants": [{"merchant_id": 1, "sign_types": ["SHA1"]}]}, "sign_types"),
        ({"merchants": [{"merchant_id": 1, "colour": "red"}]}, "unknown keys ['colour']"),
        ({"merchants": [{"merchant_id": 1}, {"merchant_id": 1}]}, "must be unique"),
        ({"settings": {"mode": "production"}}, "settings.mode"),
        ({"settings": {"timestamp_skew": -1}}, "settings.timestamp_skew"),
        ({"settings": {"mode": "strict", "broken_rules": ["signature"]}}, "strict mode"),
        ({"users": [{"balance": 5}]}, "users[0].user_id is missing"),
        ({"merchants": [{"merchant_id": 1, "balance": 10**23}]}, "balance must be at most"),
        ({"users": [{"user_id": "u", "balance": 10**30}]}, "balance must be at most"),
    ],
)
def test_invalid_config_names_the_key(raw, fragment):
    with pytest.raises(ConfigError) as raised:
        parse_config(raw)

    assert fragment in str(raised.value)


def test_secret_not_in_repr():
    merchant = load_config().merchants[0]

    assert "sandbox-secret-0050" not in repr(merchant)
