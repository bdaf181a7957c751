from loadtests.reconcile import reconcile
from loadtests.recorder import CreditConfirmation, Recorder


def test_replayed_retry_counts_once() -> None:
    recorder = Recorder()
    recorder.record_credit(CreditConfirmation("A-1", 40, "t1", replay=False))
    recorder.record_credit(CreditConfirmation("A-1", 40, "t1", replay=True))
    recorder.record_credit(CreditConfirmation("A-2", 2, "t2", replay=False))

    book = recorder.credit_book()

    assert book.credited_coins == 42
    assert book.double_credits == {}


def test_second_fresh_credit_is_double_credit() -> None:
    recorder = Recorder()
    recorder.record_credit(CreditConfirmation("A-1", 40, "t1", replay=False))
    recorder.record_credit(CreditConfirmation("A-1", 40, "t9", replay=False))

    book = recorder.credit_book()

    assert book.double_credits == {"A-1": ["t1", "t9"]}
    assert book.credited_coins == 40


def test_reconciliation_fails_when_debit_exceeds_credits() -> None:
    recorder = Recorder()
    recorder.record_credit(CreditConfirmation("A-1", 40, "t1", replay=False))

    result = reconcile(recorder.credit_book(), 1000, 920, lambda order: None)

    assert not result.passed
    assert result.describe().startswith(
        "FAILED: reconciliation: the merchant was debited 80 coins; the load users recorded 40 coins "
        "over 1 unique credited orders (difference 40)"
    )


def test_reconciliation_reports_double_credit_even_when_sums_agree() -> None:
    recorder = Recorder()
    recorder.record_credit(CreditConfirmation("A-1", 40, "t1", replay=False))
    recorder.record_credit(CreditConfirmation("A-1", 40, "t2", replay=False))

    result = reconcile(recorder.credit_book(), 1000, 960, lambda order: None)

    assert not result.passed
    assert "A-1: transactions t1, t2" in result.describe()


def test_unanswered_order_is_looked_up() -> None:
    recorder = Recorder()
    recorder.record_credit(CreditConfirmation("A-1", 40, "t1", replay=False))
    recorder.record_unresolved("A-2")
    recorder.record_unresolved("A-3")
    credited = {"A-2": 7}

    result = reconcile(recorder.credit_book(), 1000, 953, credited.get)

    assert result.passed
    assert result.looked_up == 2
    assert result.orders == 2


def test_unresolved_order_answered_later_needs_no_lookup() -> None:
    recorder = Recorder()
    recorder.record_unresolved("A-1")
    recorder.record_credit(CreditConfirmation("A-1", 40, "t1", replay=True))

    book = recorder.credit_book()

    assert book.unresolved == set()
    assert book.credited_coins == 40
