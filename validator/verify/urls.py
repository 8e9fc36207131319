"""Database URLs: validation, password masking and the two spellings verify needs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

_SCHEMES = ("postgresql", "postgres")


class UsageError(ValueError):
    """Bad input from the user: reported as one line, exit code 2."""


@dataclass(frozen=True)
class DatabaseUrl:
    raw: str

    @property
    def password(self) -> str | None:
        return urlsplit(self.raw).password

    @property
    def libpq(self) -> str:
        """For psycopg: libpq knows postgresql:// and postgres:// but no SQLAlchemy driver suffix."""
        scheme, _, rest = self.raw.partition("://")
        return "postgresql://" + rest if "+" in scheme else self.raw

    @property
    def sqlalchemy(self) -> str:
        """For SQLAlchemy: a bare postgresql:// would select psycopg2, which verify does not ship."""
        _, _, rest = self.raw.partition("://")
        return "postgresql+psycopg://" + rest

    @property
    def masked(self) -> str:
        return mask_url(self.raw)

    def scrub(self, text: str) -> str:
        """Remove the password from any message that might echo the URL or the connection string."""
        if self.password:
            text = text.replace(self.raw, self.masked).replace(self.password, "***")
        return text


def mask_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit((parts.scheme, f"{user}:***@{hostport}", parts.path, parts.query, parts.fragment))


def parse_database_url(url: str | None) -> DatabaseUrl:
    if not url or not url.strip():
        raise UsageError("no database URL: pass --database-url or set DATABASE_URL")
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError as exc:
        raise UsageError(f"invalid database URL {mask_url(url)}: {exc}") from None
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in _SCHEMES or "://" not in url:
        raise UsageError(
            f"invalid database URL {mask_url(url)}: expected postgresql://user:password@host:port/database"
        )
    return DatabaseUrl(url)
