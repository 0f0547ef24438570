"""The boundary between the store's queries and its backends.

Every query is written once, as a template in PostgreSQL's parameter style (`%(name)s`, a literal
percent sign written `%%`) with `{fragment}` fields where the dialects spell something differently;
a `Dialect` fills the fields and turns the parameters into its own style. Each backend hands the
queries a `Tx`, one transaction on one connection, which also does what has no common SQL:
advisory locks, bulk loads (Arrow or `COPY`) and the deduplicating insert of append-only facts.

The modules by concern (`facts`, `runs`, `jobs`, `parse_cache`, `reviews`) hold the queries, as
mixins over `Backend`, whose `_read` and `_write` each backend provides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

T = TypeVar("T")
Params = Mapping[str, Any]
Row = tuple[Any, ...]

_PARAM = re.compile(r"%\((\w+)\)s|%%")


@dataclass(frozen=True)
class Dialect:
    """How one backend spells what the dialects do not share.

    Fields a query template may name:
        text: the cast that makes a JSON column text (nothing where JSON reads as text already).
        collate: the collation clause for byte-wise ordering (nothing where that is the default).
        json_object: the function that builds a JSON object from key/value pairs.
        in_ids: membership of a column in the list parameter `ids`.
        detail_job: the `job` field of a run's JSON `detail`, as text.
        permissions: an edge's merged permissions, sorted and distinct, over the group.
        permissions_join: the join the `permissions` aggregate needs, if any.
    """

    name: str
    text: str
    collate: str
    json_object: str
    in_ids: str
    detail_job: str
    permissions: str
    permissions_join: str
    epoch_us: str
    """A time column (`{}`) as whole microseconds since 1970, UTC (a format string)."""
    named_params: str | None
    """How a named parameter is written (`${name}`), or None to keep `%(name)s` as it is."""
    loose_json: bool = False
    """Whether built JSON objects come back with spaces (to be made compact, as DuckDB writes them)."""
    _rendered: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def render(self, template: str) -> str:
        """`template` in this dialect: fields filled, parameters in the backend's style.

        Example:
            >>> from lineage.store.duckdb_adapter import DUCKDB
            >>> DUCKDB.render("SELECT {text} FROM t WHERE a LIKE '%%x' AND b = %(b)s")
            "SELECT  FROM t WHERE a LIKE '%x' AND b = $b"
        """
        done = self._rendered.get(template)
        if done is None:
            fields = {k: v for k, v in vars(self).items() if isinstance(v, str)}
            done = template.format(**fields)
            if self.named_params is not None:
                style = self.named_params
                done = _PARAM.sub(lambda m: style.format(name=m[1]) if m[1] else "%", done)
            self._rendered[template] = done
        return done


class Tx(Protocol):
    """One transaction (or one read-only snapshot) on one backend's connection."""

    dialect: Dialect

    def all(self, template: str, params: Params | None = None) -> list[Row]:
        """Every row `template` returns."""
        ...

    def bulk(self, template: str, params: Params | None = None) -> list[Row]:
        """Every row of a large result, fetched the backend's fastest way."""
        ...

    def one(self, template: str, params: Params | None = None) -> Row | None:
        """The first row, if any."""
        ...

    def execute(self, template: str, params: Params | None = None) -> None: ...

    def changed(self, template: str, params: Params | None = None) -> int:
        """Run a statement that inserts, updates or deletes rows; how many it changed."""
        ...

    def executemany(self, template: str, rows: Sequence[Params]) -> None: ...

    def lock(self, *parts: str) -> None:
        """Wait for and hold, until the transaction ends, the lock named by `parts` (a backend whose
        writers are serialised already needs none)."""
        ...

    def load(self, table: str, columns: Mapping[str, list[Any]], *, conflict: str = "") -> None:
        """Bulk-insert rows given as lists by column; `conflict` is an `ON CONFLICT` clause."""
        ...

    def insert_facts(self, table: str, parts: Sequence[Any], *, observed: bool) -> None:
        """Insert staged fact rows (each part as `Backend.stage_facts` made it, for one input or
        several); with `observed` (claims of an append-only source), a claim stored already gets the
        rows' observations instead (`OBSERVE_AGAIN`, then `INSERT_NEW_CLAIMS`)."""
        ...


OBSERVE_AGAIN = (
    "UPDATE {table} AS t SET observed_at = greatest(t.observed_at, s.observed_at), "
    "first_observed_at = least(t.first_observed_at, s.first_observed_at), times = t.times + s.times, "
    "line = CASE WHEN s.first_observed_at < t.first_observed_at THEN s.line ELSE t.line END, "
    "run_id = CASE WHEN s.first_observed_at < t.first_observed_at THEN s.run_id ELSE t.run_id END, "
    "last_run_id = CASE WHEN s.observed_at >= t.observed_at THEN s.last_run_id ELSE t.last_run_id END "
    "FROM {stage} s WHERE t.fact_key = s.fact_key"
)
"""Staged observations of claims a fact table has already: the first and last time, how many times,
the evidence of the first observation and the run of the last."""
INSERT_NEW_CLAIMS = ("INSERT INTO {table} SELECT s.* FROM {stage} s "
                     "WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.fact_key = s.fact_key)")
"""Staged claims a fact table has not yet (run after `OBSERVE_AGAIN`: the rest are observed)."""


class Backend:
    """What the query mixins need of a store: its dialect, reads and writes."""

    dialect: ClassVar[Dialect]

    def _read(self) -> AbstractContextManager[Tx]:
        """A consistent read-only view of the store."""
        raise NotImplementedError

    def _write(self, work: Callable[[Tx], T]) -> T:
        """`work` in one write transaction; its result."""
        raise NotImplementedError

    @staticmethod
    def stage_facts(table: str, columns: dict[str, list[Any]]) -> Any:
        """The rows of fact table `table`, by column, made ready for `Tx.insert_facts` before the store is
        opened (the default keeps them as they are)."""
        return columns


def upsert(table: str, keys: Sequence[str], columns: Sequence[str]) -> str:
    """The `ON CONFLICT` clause that replaces a row of `table` whose `keys` match.

    Example:
        >>> upsert("t", ["k"], ["k", "v"])
        'ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v'
    """
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys)
    return f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"


def insert(table: str, columns: Sequence[str], conflict: str = "") -> str:
    """The statement that inserts one row of `columns` into `table`, each value the parameter named
    after its column (unquoted), then `conflict`.

    Example:
        >>> insert("t", ["k", '"offset"'])
        'INSERT INTO t (k, "offset") VALUES (%(k)s, %(offset)s)'
    """
    params = ", ".join(f"%({c.strip(chr(34))})s" for c in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({params}) {conflict}".rstrip()  # noqa: S608
