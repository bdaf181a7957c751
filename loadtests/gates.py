"""Pass or fail a load run: p95 response time, failure ratio and throughput.

The p95 and failure-ratio gates apply to every operation and to all of them
together. The throughput gate applies to the whole run, so that a slow server
cannot pass by serving fewer requests.
"""

from dataclasses import dataclass

from loadtests.recorder import OperationRecord, Recorder

OVERALL = "all operations"


@dataclass(frozen=True, slots=True)
class Gates:
    p95_ms: float = 500.0
    max_failure_ratio: float = 0.005
    min_rps: float | None = None


@dataclass(frozen=True, slots=True)
class GateResult:
    gate: str
    scope: str
    measured: float
    limit: float
    passed: bool

    def describe(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        if self.gate == "p95":
            relation = "<=" if self.passed else ">"
            return f"{verdict}: p95 of {self.scope} is {self.measured:.1f} ms {relation} {self.limit:g} ms"
        if self.gate == "failure ratio":
            relation = "<=" if self.passed else ">"
            return (
                f"{verdict}: failure ratio of {self.scope} is {self.measured:.4f} {relation} {self.limit:g}"
            )
        relation = ">=" if self.passed else "<"
        return f"{verdict}: throughput of {self.scope} is {self.measured:.1f} requests/s {relation} {self.limit:g}"


def overall_record(recorder: Recorder) -> OperationRecord:
    """Return one record that adds up every operation."""
    total = OperationRecord()
    for record in recorder.operations.values():
        total.add_payload(record.to_payload())
    return total


def evaluate(recorder: Recorder, gates: Gates) -> list[GateResult]:
    """Check every gate; an empty run fails, since it proves nothing."""
    results: list[GateResult] = []
    scopes = sorted(recorder.operations.items())
    scopes.append((OVERALL, overall_record(recorder)))
    for scope, record in scopes:
        results.append(_p95(scope, record, gates.p95_ms))
        results.append(_failure_ratio(scope, record, gates.max_failure_ratio))
    if gates.min_rps is not None:
        results.append(_throughput(recorder, gates.min_rps))
    return results


def _p95(scope: str, record: OperationRecord, limit: float) -> GateResult:
    if record.requests == 0:
        return GateResult("p95", scope, float("inf"), limit, False)
    measured = record.percentile_ms(95)
    return GateResult("p95", scope, measured, limit, measured <= limit)


def _failure_ratio(scope: str, record: OperationRecord, limit: float) -> GateResult:
    if record.requests == 0:
        return GateResult("failure ratio", scope, 1.0, limit, False)
    measured = record.failures / record.requests
    return GateResult("failure ratio", scope, measured, limit, measured <= limit)


def _throughput(recorder: Recorder, limit: float) -> GateResult:
    total = sum(record.requests for record in recorder.operations.values())
    duration = recorder.duration_s
    measured = total / duration if duration > 0 else 0.0
    return GateResult("min rps", OVERALL, measured, limit, measured >= limit)
