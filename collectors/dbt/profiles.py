"""Dataset namespaces from a dbt profile target, as dbt-ol (openlineage-dbt) builds them.

| adapter | namespace |
| --- | --- |
| snowflake | `snowflake://{account}` (account normalised as OpenLineage's `fix_account_name`) |
| bigquery | `bigquery` |
| postgres, redshift, trino, clickhouse | `{type}://{host}:{port}` |
| databricks | `databricks://{host}` |
| sqlserver | `mssql://{server}:{port}` (normalised to `sqlserver://`) |
| athena | `awsathena://athena.{region_name}.amazonaws.com` |
| glue | `arn:aws:glue:{region}:{account_id}` |
| duckdb | `duckdb://{path}` |
| spark | `spark://{host}:{port}` |

`{{ env_var('X') }}` and `{{ env_var('X', 'default') }}` take the default (the environment is not read:
a collector's result depends on its input only); a value still templated is an error.

Example:
    >>> namespace_of({"type": "postgres", "host": "DB.internal", "port": 5432})
    'postgres://db.internal:5432'
    >>> namespace_of({"type": "duckdb", "path": "warehouse.duckdb"})
    'duckdb://warehouse.duckdb'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lineage.naming import normalize

_ENV = re.compile(r"\{\{\s*env_var\(\s*['\"][^'\"]+['\"]\s*(?:,\s*['\"]([^'\"]*)['\"]\s*)?\)\s*(?:\|\s*\w+\s*)?\}\}")
DIALECTS = {"snowflake": "snowflake", "bigquery": "bigquery", "postgres": "postgres", "redshift": "redshift",
            "duckdb": "duckdb", "databricks": "databricks", "spark": "spark", "trino": "trino",
            "sqlserver": "tsql", "athena": "athena", "clickhouse": "clickhouse", "glue": "spark"}


def render(value: Any) -> Any:
    """`value` with `env_var()` templates replaced by their defaults (unchanged when there is none)."""
    if isinstance(value, str):
        return _ENV.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(0), value)
    return value


def namespace_of(target: Mapping[str, Any]) -> str:
    """The dataset namespace of a profile target.

    Raises:
        ValueError: the adapter is not supported, or a value it needs is missing or templated.
    """
    t = {k: render(v) for k, v in target.items()}
    kind = str(t.get("type", "")).lower()

    def need(key: str) -> str:
        value = t.get(key)
        if value is None or "{{" in str(value) or str(value).strip() == "":
            raise ValueError(f"the {kind} target needs a literal {key!r} (found {'a template' if value else 'none'})")
        return str(value)

    if kind == "snowflake":
        ns = f"snowflake://{need('account')}"
    elif kind == "bigquery":
        ns = "bigquery"
    elif kind in ("postgres", "redshift", "trino", "clickhouse"):
        port = t.get("port")
        ns = f"{kind}://{need('host')}" + (f":{port}" if port and "{{" not in str(port) else "")
    elif kind == "databricks":
        ns = f"databricks://{need('host')}"
    elif kind == "sqlserver":
        ns = f"mssql://{need('server')}" + (f":{t['port']}" if t.get("port") else "")
    elif kind == "athena":
        ns = f"awsathena://athena.{need('region_name')}.amazonaws.com"
    elif kind == "glue":
        account = t.get("account_id") or str(need("role_arn")).split(":")[4]
        ns = f"arn:aws:glue:{need('region')}:{account}"
    elif kind == "duckdb":
        ns = f"duckdb://{need('path')}"
    elif kind == "spark":
        ns = f"spark://{need('host')}" + (f":{t['port']}" if t.get("port") else "")
    else:
        raise ValueError(f"dbt adapter {kind or '(none)'!r} has no OpenLineage namespace rule")
    return normalize(ns, "x")[0]
