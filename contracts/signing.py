"""The harness's request signer: the reseller client's signer, plus masking for reports.

The harness signs with the client library's implementation, so a run checks
the client's reading of the signing rules against the server's as well.
"""

from collections.abc import Mapping

from partystar_client.signing import canonical_string, sign

__all__ = ["canonical_string", "sign", "masked_params", "MASK"]

MASK = "********"
# Parameters whose values must never appear in output: a valid sign lets anyone replay the request.
HIDDEN_PARAMETERS = frozenset({"sign", "secret", "secret_key"})


def masked_params(params: Mapping[str, object]) -> dict[str, object]:
    """Return a copy of the parameters that is safe to print: the sign is masked."""
    return {name: MASK if name in HIDDEN_PARAMETERS else value for name, value in params.items()}
