"""Load tests for the Party Star API: signed locust users, exact latency gates and reconciliation."""
