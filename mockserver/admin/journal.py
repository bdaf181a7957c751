"""Admin endpoints that read the request journal: list, count and one entry."""

from typing import Any

from starlette.requests import Request

from mockserver.admin.access import invalid, not_found
from mockserver.storage import JournalFilter, Storage

MAX_LIMIT = 1000
_INTEGER_FILTERS = ("merchant_id", "code")
_TEXT_FILTERS = ("operation", "out_order_no", "fault")
_TIME_FILTERS = ("since", "until")
_KNOWN = frozenset({*_INTEGER_FILTERS, *_TEXT_FILTERS, *_TIME_FILTERS, "limit"})


def journal_filter(request: Request) -> JournalFilter:
    """Read the journal filters from the query string; every one is optional."""
    query = request.query_params
    unknown = sorted(set(query) - _KNOWN)
    if unknown:
        raise invalid(f"Unknown journal filters {unknown}; expected some of {sorted(_KNOWN)}.")
    values: dict[str, Any] = {name: query[name] for name in _TEXT_FILTERS if name in query}
    for name in _INTEGER_FILTERS:
        if name in query:
            values[name] = _parse(query[name], int, name, "an integer")
    for name in _TIME_FILTERS:
        if name in query:
            values[name] = _parse(query[name], float, name, "a unix time in seconds")
    if "limit" in query:
        limit = _parse(query["limit"], int, "limit", "an integer")
        if not 1 <= limit <= MAX_LIMIT:
            raise invalid(f"limit must lie between 1 and {MAX_LIMIT}, got {limit}.")
        values["limit"] = limit
    return JournalFilter(**values)


def _parse(text: str, kind: type, name: str, description: str) -> Any:
    try:
        return kind(text)
    except ValueError as exc:
        raise invalid(f"{name} must be {description}, got {text!r}.") from exc


class JournalEndpoints:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def list(self, request: Request) -> dict[str, Any]:
        entries = await self.storage.query_journal(journal_filter(request))
        return {"entries": [entry.to_dict() for entry in entries]}

    async def count(self, request: Request) -> dict[str, Any]:
        return {"count": await self.storage.count_journal(journal_filter(request))}

    async def entry(self, request: Request) -> dict[str, Any]:
        entry_id = request.path_params["entry_id"]
        entry = await self.storage.get_journal_entry(entry_id)
        if entry is None:
            raise not_found(f"Journal entry {entry_id} does not exist (it may have been pruned).")
        return entry.to_dict()
