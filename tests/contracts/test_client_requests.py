"""Every request the reseller client sends matches the spec's request schema and carries a valid sign."""

import httpx

from contracts.capture import CapturingTransport
from contracts.signing import sign
from contracts.spec import Spec
from partystar_client.client import PartyStarClient
from tests.support.sandbox import SandboxProcess
from tests.support.signer import MERCHANT_ID, SECRET


def test_client_requests_match_spec(sandbox: SandboxProcess) -> None:
    spec = Spec.load()
    transport = CapturingTransport(httpx.HTTPTransport(), spec)

    with PartyStarClient(sandbox.base_url, MERCHANT_ID, SECRET, transport=transport) as client:
        client.health()
        client.verify_user("123")
        client.credit("123", 7, "CAPTURE-0001", remark="nächste Bestellung")
        client.credit("123", 7, "CAPTURE-0001", remark="nächste Bestellung")
        client.merchant_balance()
        client.transaction("CAPTURE-0001")

    operations = [request.operation_id for request in transport.captured]
    assert operations == ["health", "verifyUser", "creditCoins", "creditCoins", "merchantBalance", "getTransaction"]
    for request in transport.captured:
        errors = [error.message for error in spec.request_validator(request.operation_id).iter_errors(request.params)]
        assert errors == [], request.operation_id
        if spec.operations[request.operation_id].signed:
            assert request.params["sign"] == sign(request.params, SECRET), request.operation_id
