"""The exact-timing table that partystar-load prints and keeps beside locust's reports."""

from loadtests.gates import OVERALL, overall_record
from loadtests.recorder import OperationRecord, Recorder

HEADER = f"{'operation':<18} {'requests':>9} {'failures':>9} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'max ms':>9}"


def summary_table(recorder: Recorder) -> str:
    rows = [HEADER]
    for name, record in sorted(recorder.operations.items()):
        rows.append(_row(name, record))
    rows.append(_row(OVERALL, overall_record(recorder)))
    requests = sum(record.requests for record in recorder.operations.values())
    duration = recorder.duration_s
    rate = requests / duration if duration > 0 else 0.0
    rows.append(f"{requests} requests in {duration:.1f} s: {rate:.1f} requests/s")
    return "\n".join(rows)


def _row(name: str, record: OperationRecord) -> str:
    if record.requests == 0:
        return f"{name:<18} {0:>9} {0:>9}"
    p50, p95, p99 = (record.percentile_ms(p) for p in (50, 95, 99))
    maximum = record.histogram.get_max_value() / 1000
    return (
        f"{name:<18} {record.requests:>9} {record.failures:>9} "
        f"{p50:>9.1f} {p95:>9.1f} {p99:>9.1f} {maximum:>9.1f}"
    )
