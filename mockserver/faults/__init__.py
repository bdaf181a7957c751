"""Fault injection: rules set through the admin API, magic test values and their effects."""
