"""Reading a live catalog into a snapshot (I/O at the edge), always over a read-only connection:
DuckDB opened with `read_only=True`, PostgreSQL in a read-only transaction that is rolled back.

Example:
    >>> postgres_namespace("postgresql://reader:pw@DB.internal/shop")
    ('postgres://db.internal:5432', 'shop')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from collectors.catalog.snapshot import FORMAT
from lineage.errors import CollectorError
from lineage.naming import normalize

MAX_RELATIONS = 50_000
_SKIP_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


def read_duckdb(path: Path, namespace: str | None = None) -> dict[str, Any]:
    """A snapshot of a DuckDB file's tables and views.

    Raises:
        CollectorError: the file cannot be opened as a DuckDB database.
    """
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise CollectorError(f"cannot open the DuckDB file read-only: {exc}") from exc
    try:
        columns: dict[tuple[str, str, str], list[list[str]]] = {}
        for db, schema, table, column, dtype in con.execute(
                "SELECT database_name, schema_name, table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE NOT internal ORDER BY database_name, schema_name, table_name, column_index").fetchall():
            columns.setdefault((db, schema, table), []).append([column, dtype])
        relations: list[dict[str, Any]] = []
        for db, schema, name, comment, rows in con.execute(
                "SELECT database_name, schema_name, table_name, comment, estimated_size FROM duckdb_tables() "
                "WHERE NOT internal AND NOT temporary ORDER BY 1, 2, 3").fetchall():
            relations.append({"database": db, "schema": schema, "name": name, "kind": "table", "comment": comment,
                              "rows": rows, "columns": columns.get((db, schema, name), [])})
        for db, schema, name, comment, sql in con.execute(
                "SELECT database_name, schema_name, view_name, comment, sql FROM duckdb_views() "
                "WHERE NOT internal AND NOT temporary ORDER BY 1, 2, 3").fetchall():
            relations.append({"database": db, "schema": schema, "name": name, "kind": "view", "comment": comment,
                              "sql": sql, "columns": columns.get((db, schema, name), [])})
    except duckdb.Error as exc:
        raise CollectorError(f"cannot read the DuckDB catalog: {exc}") from exc
    finally:
        con.close()
    return {"format": FORMAT, "platform": "duckdb", "namespace": namespace or f"duckdb://{path}",
            "relations": relations[:MAX_RELATIONS]}


def postgres_namespace(url: str) -> tuple[str, str | None]:
    """The namespace of a PostgreSQL URL (credentials dropped) and its database name."""
    parts = urlsplit(url)
    return normalize(url, "x")[0], parts.path.strip("/") or None


_PG_RELATIONS = """
SELECT c.oid, current_database(), n.nspname, c.relname,
       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' ELSE 'table' END,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END,
       obj_description(c.oid, 'pg_class'), GREATEST(c.reltuples, 0)::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg_temp%%'
ORDER BY 3, 4 LIMIT %s
"""
_PG_COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname <> ALL(%s)
ORDER BY a.attrelid, a.attnum
"""


def read_postgres(url: str, *, connect_timeout: int = 10) -> dict[str, Any]:
    """A snapshot of a PostgreSQL database's tables, views and materialized views.

    Raises:
        CollectorError: the server cannot be reached or the catalog cannot be read (the message
            never repeats the URL, which may hold a password).
    """
    import psycopg

    namespace, _ = postgres_namespace(url)
    try:
        with psycopg.connect(url, connect_timeout=connect_timeout, autocommit=False) as con:
            con.read_only = True
            with con.cursor() as cur:
                cur.execute(_PG_COLUMNS, (list(_SKIP_SCHEMAS),))
                columns: dict[int, list[list[str]]] = {}
                for oid, name, dtype in cur.fetchall():
                    columns.setdefault(oid, []).append([name, dtype])
                cur.execute(_PG_RELATIONS, (list(_SKIP_SCHEMAS), MAX_RELATIONS))
                relations = [{"database": db, "schema": schema, "name": name, "kind": kind, "sql": sql,
                              "comment": comment, "rows": rows or None, "columns": columns.get(oid, [])}
                             for oid, db, schema, name, kind, sql, comment, rows in cur.fetchall()]
            con.rollback()
    except psycopg.Error as exc:
        reason = str(exc).split("\n")[0].replace(url, "<url>")
        raise CollectorError(f"cannot read the PostgreSQL catalog at {namespace}: {reason}") from None
    return {"format": FORMAT, "platform": "postgres", "namespace": namespace, "relations": relations}
