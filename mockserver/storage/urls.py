"""Database locations: tell PostgreSQL URLs from SQLite paths, and hide passwords."""

from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(database: str) -> bool:
    return database.startswith(POSTGRES_SCHEMES)


def masked_url(url: str) -> str:
    """Return the URL with its password replaced by ***, for logs, reprs and errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
