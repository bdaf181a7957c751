"""Admin endpoints that read the request journal: list, count and one entry."""

import math
import re
from collections import Counter
from typing import Any

from starlette.requests import Request

from mockserver.admin import bounds, ids
from mockserver.admin.access import invalid, not_found
from mockserver.admin.bounds import INT64_MAX, shown
from mockserver.storage import JournalFilter, Storage

MAX_LIMIT = 1000
# Result codes are stored as 32-bit integers.
MAX_CODE = 2**31 - 1
MAX_TEXT = 1024
_TEXT_FILTERS = ("operation", "out_order_no", "fault")
_TIME_FILTERS = ("since", "until")
_KNOWN = frozenset({"merchant_id", "code", *_TEXT_FILTERS, *_TIME_FILTERS, "limit"})
# Plain decimal notation only: no "1_000", "nan", "inf" or surrounding spaces, which int() and float() accept.
_INTEGER = re.compile(r"-?[0-9]{1,30}")
_NUMBER = re.compile(r"-?[0-9]{1,30}(\.[0-9]{1,30})?([eE][-+]?[0-9]{1,4})?")


def journal_filter(request: Request) -> JournalFilter:
    """Read the journal filters from the query string; every one is optional and may appear once."""
    names = Counter(name for name, _ in request.query_params.multi_items())
    unknown = sorted(set(names) - _KNOWN)
    if unknown:
        raise invalid(f"Unknown journal filters {shown(unknown)}; expected some of {sorted(_KNOWN)}.")
    repeated = sorted(name for name, count in names.items() if count > 1)
    if repeated:
        raise invalid(f"Journal filters {repeated} appear more than once; give each at most once.")
    query = request.query_params
    values: dict[str, Any] = {name: _text(query[name], name) for name in _TEXT_FILTERS if name in query}
    if "merchant_id" in query:
        values["merchant_id"] = ids.merchant_id(_integer(query["merchant_id"], "merchant_id"), "merchant_id")
    if "code" in query:
        values["code"] = bounds.integer(_integer(query["code"], "code"), "code", 0, MAX_CODE)
    for name in _TIME_FILTERS:
        if name in query:
            values[name] = _time(query[name], name)
    if "limit" in query:
        values["limit"] = bounds.integer(_integer(query["limit"], "limit"), "limit", 1, MAX_LIMIT)
    return JournalFilter(**values)


def _integer(text: str, name: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise invalid(f"{name} must be an integer in decimal digits, got {shown(text)}.")
    return int(text)


def _time(text: str, name: str) -> float:
    value = float(text) if _NUMBER.fullmatch(text) else math.nan
    if not math.isfinite(value):
        raise invalid(f"{name} must be a finite unix time in seconds, got {shown(text)}.")
    return value


def _text(text: str, name: str) -> str:
    # PostgreSQL text cannot hold NUL, so a filter with one would fail there instead of matching nothing.
    if not text or len(text) > MAX_TEXT or "\x00" in text:
        raise invalid(f"{name} must be 1 to {MAX_TEXT} characters without NUL, got {shown(text)}.")
    return text


class JournalEndpoints:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def list(self, request: Request) -> dict[str, Any]:
        entries = await self.storage.query_journal(journal_filter(request))
        return {"entries": [entry.to_dict() for entry in entries]}

    async def count(self, request: Request) -> dict[str, Any]:
        return {"count": await self.storage.count_journal(journal_filter(request))}

    async def entry(self, request: Request) -> dict[str, Any]:
        entry_id = bounds.integer(request.path_params["entry_id"], "entry_id", 1, INT64_MAX)
        entry = await self.storage.get_journal_entry(entry_id)
        if entry is None:
            raise not_found(f"Journal entry {entry_id} does not exist (it may have been pruned).")
        return entry.to_dict()
