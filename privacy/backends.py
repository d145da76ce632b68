"""Which backend keeps the features' data: SQLite files under var/ (the embedded default), or one PostgreSQL
database shared by every instance (``PRIVACY_DATABASE_URL=postgresql://…``)."""

from __future__ import annotations

from .migrations import Applied
from .settings import Settings
from .stores import Stores


def open_stores(settings: Settings, *, check: bool = True) -> Stores:
    """Both features' databases at the latest schema: a new database is created, one that lacks migrations
    refuses (``stores.StorageRefused``). ``check``: the server's start also refuses a damaged one (reading
    every page: the DPO's commands leave that to it)."""
    if settings.database_url:
        from .postgres.backend import open_postgres

        return open_postgres(settings.database_url)
    from .sqlite.backend import open_sqlite

    return open_sqlite(settings, check=check)


def migrate(settings: Settings) -> list[Applied]:
    """``server.py migrate``: each database brought to the latest schema."""
    if settings.database_url:
        from .postgres.backend import migrate_postgres

        return migrate_postgres(settings.database_url)
    from .sqlite.backend import migrate_sqlite

    return migrate_sqlite(settings)
