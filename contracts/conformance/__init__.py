"""Black-box conformance suite: any implementation of the API, checked through its public endpoints."""
