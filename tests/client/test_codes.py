from pathlib import Path

import yaml

from partystar_client.codes import RESULT_CODES
from partystar_client.errors import ERRORS_BY_CODE

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "partystar.yaml"


def spec_codes() -> dict[int, tuple[str, bool]]:
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    entries = spec["components"]["schemas"]["ResultCode"]["oneOf"]
    return {entry["const"]: (entry["title"], entry["x-retryable"]) for entry in entries}


def test_code_table_equals_spec() -> None:
    table = {code: (info.name, info.retryable) for code, info in RESULT_CODES.items()}

    assert table == spec_codes()


def test_every_error_code_has_class() -> None:
    expected = set(spec_codes()) - {0}

    assert set(ERRORS_BY_CODE) == expected


def test_error_class_names_follow_codes() -> None:
    for code, error_class in ERRORS_BY_CODE.items():
        words = RESULT_CODES[code].name.split("_")
        camel = "".join(word.capitalize() for word in words)

        assert error_class.__name__ in (camel + "Error", camel), code
