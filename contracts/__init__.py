"""Contract harness: schemathesis runs against the sandbox and a conformance suite for any server."""
