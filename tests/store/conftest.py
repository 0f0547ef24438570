"""Store tests run on both backends: `store` is a DuckDB file, then a schema on a throwaway
PostgreSQL server (tests/pg.py)."""

from tests.pg import pg_schema_url, pg_server, store

__all__ = ["pg_schema_url", "pg_server", "store"]
