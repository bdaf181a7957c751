"""The audit journal: one entry per request, no sign or secret, bounded retention."""

import httpx

from tests.server import ledger
from tests.server.api import credit, envelope, order_number
from tests.support.sandbox import SandboxProcess, default_config
from tests.support.signer import SECRET


def journal(database, after: int = 0) -> list[tuple]:
    return ledger.query(
        database,
        "SELECT operation, merchant_id, out_order_no, code, client_address, params FROM journal "
        "WHERE entry_id > ? ORDER BY entry_id",
        after,
    )


def last_entry_id(database) -> int:
    return ledger.query(database, "SELECT COALESCE(MAX(entry_id), 0) FROM journal")[0][0]


def test_every_request_is_journalled(tmp_path):
    with SandboxProcess(tmp_path) as server, httpx.Client(base_url=server.base_url) as client:
        start = last_entry_id(server.database)
        order = order_number()
        credit(client, out_order_no=order)
        credit(client, out_order_no=order, secret="wrong")
        client.get("/api/v1/health")
        client.post("/api/v1/coins/credit", content=b"{", headers={"content-type": "application/json"})
        entries = journal(server.database, after=start)

    assert [(e[0], e[3]) for e in entries] == [
        ("creditCoins", 0),
        ("creditCoins", 2001),
        ("health", 0),
        ("creditCoins", 1002),
    ]
    assert entries[0][1:3] == (50, order)
    assert entries[0][4] == "127.0.0.1"


def test_journal_keeps_no_sign_or_secret(tmp_path):
    with SandboxProcess(tmp_path) as server, httpx.Client(base_url=server.base_url) as client:
        response = credit(client)
        sign_value = response.request.content.decode()
        sent_sign = httpx.Response(200, content=sign_value).json()["sign"]
        client.post(
            "/api/v1/coins/credit", json={"merchant_id": 50, "secret_key": SECRET, "sign": "0" * 32}
        )
        rows = ledger.query(server.database, "SELECT params, diagnostics FROM journal")

    text = repr(rows)
    assert sent_sign not in text
    assert SECRET not in text


def test_journal_is_bounded(tmp_path):
    config = default_config()
    config["settings"]["journal"] = {"max_entries": 20, "max_age_seconds": 3600}
    with SandboxProcess(tmp_path, config=config) as server, httpx.Client(base_url=server.base_url) as client:
        for _ in range(120):
            client.get("/api/v1/health")
        count = ledger.query(server.database, "SELECT COUNT(*) FROM journal")[0][0]

    assert count <= 40


def test_journal_entry_has_latency(tmp_path):
    with SandboxProcess(tmp_path) as server, httpx.Client(base_url=server.base_url) as client:
        envelope(client.get("/api/v1/health"))
        latency = ledger.query(server.database, "SELECT latency_ms FROM journal")[0][0]

    assert latency > 0
