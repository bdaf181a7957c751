"""Stateful sandbox of Party Star's coin-crediting API."""

__version__ = "1.0.0"
