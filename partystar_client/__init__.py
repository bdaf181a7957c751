"""Client library for Party Star's coin-crediting API."""
