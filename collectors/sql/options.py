"""The SQL collector's options: dialect, naming defaults, schema, conventions and limits.

Every label set of SQL lineage disagrees on a few conventions, so they are explicit here rather
than tuned to one set:

- `drop_is_output`: a DROP TABLE writes (destroys) its table; by default it only retires it.
- `truncate_is_output`: TRUNCATE writes its table (default: yes, it removes every row).
- `delete_is_output`: DELETE writes its table (default: yes; the tables it reads are inputs either way).
- `swap_both_ways`: `ALTER TABLE a SWAP WITH b` (Snowflake) moves b's data into a and a's into b
  (default: yes); when no, only b -> a, the usual "build in staging, then swap in" reading.
- `alter_is_output`: ALTER TABLE (other than RENAME) writes its table (default: no).
- `update_target_is_input`: UPDATE/MERGE also read their target (default: only when the SET or
  ON clauses read the target's columns, which is when the old values matter).
- `ddl_is_output`: CREATE TABLE without AS writes its table (default: yes).
- `rename_is_lineage`: ALTER TABLE a RENAME TO b reads a and writes b (default: yes).
- `count_star_reads_columns`: `COUNT(*)` reads every column of its sources (`t.*`), as sqllineage
  has it (default: no, it counts rows and reads no column, as DataHub has it).
- `select_is_read`: a plain SELECT in a script is a process that reads its tables (default: no;
  always yes in query logs, where the user who ran it is known).

Example:
    >>> o = SqlOptions.from_mapping({"dialect": "snowflake", "drop_is_output": True})
    >>> (o.dialect, o.conventions.drop_is_output)
    ('snowflake', True)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from collectors.sql.ai_functions import DEFAULT_AI_FUNCTIONS, AIFunction, load_ai_functions
from collectors.sql.guard import Limits
from lineage.errors import CollectorError

ANALYSIS_VERSION = "10"
"""Bumped whenever analysis output changes, so cached parses of older versions are not reused."""


@dataclass(frozen=True)
class Conventions:
    drop_is_output: bool = False
    truncate_is_output: bool = True
    delete_is_output: bool = True
    swap_both_ways: bool = True
    alter_is_output: bool = False
    update_target_is_input: bool = False
    ddl_is_output: bool = True
    select_is_read: bool = False
    rename_is_lineage: bool = True
    count_star_reads_columns: bool = False


@dataclass(frozen=True)
class SqlOptions:
    """How to read one SQL source. `schema` maps table names to column lists (see `schema.py`)."""

    dialect: str = "generic"
    namespace: str | None = None
    job_namespace: str = "sql"
    default_database: str | None = None
    default_schema: str | None = None
    schema: Mapping[str, Any] | None = None  # read once per object: do not mutate it after passing it
    columns: bool = True
    conventions: Conventions = field(default_factory=Conventions)
    ai_functions: tuple[AIFunction, ...] = DEFAULT_AI_FUNCTIONS
    limits: Limits = field(default_factory=Limits)
    workers: int = 0  # 0: one per core
    parallel_threshold: int = 1500  # distinct statements before parsing fans out over processes
    cache: Any = None  # an object with cached_parses/cache_parses (the store), or None
    select_target: str | None = None
    """The table a bare `SELECT` writes (its columns by position, when the schema knows them): the
    one output of a job whose query the SQL is, as dbt-ol sends a model's compiled `SELECT`."""

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> SqlOptions:
        """Options from a flat mapping (CLI flags, a project file's source entry); None values ignored.

        Raises:
            CollectorError: an unknown option name.
        """
        values = {k.replace("-", "_"): v for k, v in values.items() if v is not None}
        conv_names = {f.name for f in fields(Conventions)}
        limit_names = {f.name for f in fields(Limits)}
        own = {f.name for f in fields(cls)}
        unknown = set(values) - conv_names - limit_names - own
        if unknown:
            raise CollectorError(f"unknown sql option(s): {', '.join(sorted(unknown))}")
        conventions = Conventions(**{k: bool(values[k]) for k in conv_names & set(values)})
        limits = Limits(**{k: values[k] for k in limit_names & set(values)})
        rest = {k: values[k] for k in own & set(values) if k not in ("conventions", "limits", "ai_functions")}
        ai = load_ai_functions(values.get("ai_functions") or ())
        return cls(conventions=conventions, limits=limits, ai_functions=ai, **rest)

    def with_(self, **changes: Any) -> SqlOptions:
        return replace(self, **changes)

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    def analysis_key(self) -> str:
        """What, besides a statement's text, decides its analysis: part of every cache key."""
        blob = json.dumps(
            [
                ANALYSIS_VERSION,
                self.dialect.lower(),
                self.default_database,
                self.default_schema,
                self.columns,
                repr(self.conventions),
                [repr(f) for f in self.ai_functions],
                json.dumps(self.schema, sort_keys=True, default=str) if self.schema else None,
            ]
        )
        return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()
