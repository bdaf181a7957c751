"""The admin API under /_sandbox/: state, journal, clock, faults and scenarios (sandbox mode only)."""
