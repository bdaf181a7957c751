from pathlib import Path

import pytest

from loadtests.cli import RunError, main, parse_run_time


@pytest.mark.parametrize(("text", "seconds"), [("45", 45), ("30s", 30), ("2m", 120), ("1h30m", 5400), ("1m5s", 65)])
def test_run_time_accepts_locust_spans(text: str, seconds: int) -> None:
    assert parse_run_time(text) == seconds


@pytest.mark.parametrize("text", ["", "x", "5ms", "1.5s", "0s"])
def test_run_time_rejects_invalid_span(text: str) -> None:
    with pytest.raises(RunError, match="--run-time"):
        parse_run_time(text)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--users", "0"], "--users must be at least 1, got 0"),
        (["--retry-share", "1.5"], "--retry-share must be between 0 and 1, got 1.5"),
        (["--max-failure-ratio", "-0.1"], "--max-failure-ratio must be between 0 and 1, got -0.1"),
        (["--processes", "0"], "--processes must be at least 1, got 0"),
    ],
)
def test_out_of_range_option_exits_with_usage_error(
    option: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--base-url", "http://127.0.0.1:9", *option])

    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_unreachable_server_exits_2_without_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--base-url", "http://127.0.0.1:9", "--secret", "do-not-print-me", "--report-dir", str(tmp_path)])

    error = capsys.readouterr().err
    assert status == 2
    assert "partystar-load: GET /api/v1/merchant/balance on http://127.0.0.1:9 failed" in error
    assert "do-not-print-me" not in error
