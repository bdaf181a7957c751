"""The conformance checks, one module per conformance class; importing this registers them all."""

from contracts.conformance.checks import concurrency, contract, errors, idempotency, signing, timestamps

__all__ = ["concurrency", "contract", "errors", "idempotency", "signing", "timestamps"]
