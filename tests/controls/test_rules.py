"""Fault rules in-process: checking, matching and seeded draws."""

import pytest

from mockserver.faults.rules import FaultRule, RuleError, parse_rule

OPERATIONS = frozenset({"health", "creditCoins"})


def test_seeded_draws_depend_only_on_sequence():
    rule = parse_rule({"kind": "latency", "latency_ms": 10, "latency_ms_max": 500, "probability": 0.5, "seed": 9}, OPERATIONS)

    first = [rule.draw(sequence) for sequence in range(1, 50)]
    second = [rule.draw(sequence) for sequence in range(1, 50)]

    assert first == second
    assert any(fault is None for fault in first)
    assert all(0.01 <= fault.delay_seconds <= 0.5 for fault in first if fault is not None)


def test_rule_matches_only_its_scope():
    rule = FaultRule(kind="close_before", operation="creditCoins", merchant_id=50, user_id="7")

    assert rule.matches("creditCoins", {"merchant_id": 50, "user_id": "7"})
    assert not rule.matches("health", {"merchant_id": 50, "user_id": "7"})
    assert not rule.matches("creditCoins", {"merchant_id": 51, "user_id": "7"})
    assert not rule.matches("creditCoins", {"merchant_id": 50})


def test_fields_of_other_kinds_are_rejected():
    for raw in ({"kind": "close_before", "status": 500}, {"kind": "latency", "latency_ms": 1, "delay_ms": 5},
                {"kind": "malformed_body", "retry_after": 1}, {"kind": "http_error", "status": 500, "seed": True}):
        with pytest.raises(RuleError):
            parse_rule(raw, OPERATIONS)


def test_retry_after_as_http_date():
    from email.utils import parsedate_to_datetime

    from mockserver.faults.inject import retry_after_header

    rule = parse_rule({"kind": "rate_limited", "retry_after": 30, "retry_after_format": "http-date"}, OPERATIONS)

    header = retry_after_header(rule.draw(1))

    assert header.endswith(" GMT")
    assert parsedate_to_datetime(header).timestamp() > 0


def test_unknown_retry_after_format_rejected():
    with pytest.raises(RuleError, match="retry_after_format"):
        parse_rule({"kind": "rate_limited", "retry_after": 1, "retry_after_format": "minutes"}, OPERATIONS)
