import pytest

from loadtests.gates import OVERALL, Gates, evaluate
from loadtests.recorder import Recorder

START = 1_700_000_000.0


def recorder_with(samples_ms: dict[str, list[float]], failures: dict[str, int] | None = None) -> Recorder:
    """Build a recorder whose requests all start at START, with the first N of each operation failed."""
    recorder = Recorder()
    for operation, times in samples_ms.items():
        failed = (failures or {}).get(operation, 0)
        for index, milliseconds in enumerate(times):
            error = "code 5000" if index < failed else None
            recorder.record(operation, milliseconds, error, START)
    return recorder


def failed_gates(recorder: Recorder, gates: Gates) -> list[str]:
    return [result.describe() for result in evaluate(recorder, gates) if not result.passed]


def test_p95_of_true_505_ms_fails_500_ms_gate() -> None:
    recorder = recorder_with({"creditCoins": [10.0] * 94 + [505.0] * 6})

    failures = failed_gates(recorder, Gates(p95_ms=500))

    assert any(line.startswith("FAILED: p95 of creditCoins is 505.") for line in failures)
    assert any(line.startswith(f"FAILED: p95 of {OVERALL} is 505.") for line in failures)


def test_p95_just_below_gate_passes() -> None:
    recorder = recorder_with({"creditCoins": [10.0] * 94 + [499.0] * 6})

    assert failed_gates(recorder, Gates(p95_ms=500)) == []


def test_p95_ignores_slowest_five_percent() -> None:
    recorder = recorder_with({"creditCoins": [10.0] * 95 + [900.0] * 5})

    results = {(r.gate, r.scope): r for r in evaluate(recorder, Gates(p95_ms=500))}

    assert results[("p95", "creditCoins")].passed
    assert results[("p95", "creditCoins")].measured == pytest.approx(10.0, abs=0.01)


def test_p95_gate_applies_to_each_operation() -> None:
    fast = [5.0] * 1000
    slow = [10.0] * 90 + [700.0] * 10
    recorder = recorder_with({"verifyUser": fast, "creditCoins": slow})

    failures = failed_gates(recorder, Gates(p95_ms=500))

    assert len(failures) == 1
    assert failures[0].startswith("FAILED: p95 of creditCoins is 700.")


def test_failure_ratio_above_limit_fails() -> None:
    recorder = recorder_with({"creditCoins": [5.0] * 1000}, failures={"creditCoins": 6})

    failures = failed_gates(recorder, Gates(max_failure_ratio=0.005))

    assert "FAILED: failure ratio of creditCoins is 0.0060 > 0.005" in failures


def test_failure_ratio_at_limit_passes() -> None:
    recorder = recorder_with({"creditCoins": [5.0] * 1000}, failures={"creditCoins": 5})

    assert failed_gates(recorder, Gates(max_failure_ratio=0.005)) == []


def test_min_rps_counts_requests_over_run_window() -> None:
    recorder = Recorder()
    for second in range(100):
        recorder.record("verifyUser", 1.0, None, START + second / 10)

    results = {r.gate: r for r in evaluate(recorder, Gates(min_rps=11))}

    assert not results["min rps"].passed
    assert results["min rps"].measured == pytest.approx(100 / 9.901, rel=0.001)
    assert results["min rps"].describe().startswith("FAILED: throughput of all operations is 10.1 requests/s < 11")


def test_empty_run_fails() -> None:
    failures = failed_gates(Recorder(), Gates(min_rps=1))

    assert "FAILED: throughput of all operations is 0.0 requests/s < 1" in failures
    assert any(line.startswith(f"FAILED: p95 of {OVERALL}") for line in failures)


def test_merged_processes_gate_like_one() -> None:
    one = recorder_with({"creditCoins": [10.0] * 47 + [505.0] * 3})
    two = recorder_with({"creditCoins": [10.0] * 47 + [505.0] * 3})
    master = Recorder()

    master.merge(one.drain())
    master.merge(two.drain())

    assert master.operations["creditCoins"].requests == 100
    assert master.operations["creditCoins"].percentile_ms(95) == pytest.approx(505.0, rel=0.001)
    assert one.operations == {}
