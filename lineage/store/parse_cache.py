"""The SQL parse cache: analyses of SQL statements (JSON text) by fingerprint, so a statement seen
again is not parsed again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lineage.store.sql import Backend, upsert

_COLUMNS = ("fingerprint", "analysis", "cached_at")
_REPLACE = upsert("sql_parse_cache", ["fingerprint"], _COLUMNS)
_CACHED = "SELECT fingerprint, analysis FROM sql_parse_cache WHERE fingerprint {in_ids}"


class ParseCache(Backend):
    """The parse cache, in `sql_parse_cache`."""

    def cached_parses(self, fingerprints: list[str]) -> dict[str, str]:
        """Cached SQL analyses (JSON text) by fingerprint, for the fingerprints that have one."""
        if not fingerprints:
            return {}
        with self._read() as tx:
            rows = tx.all(_CACHED, {"ids": list(fingerprints)})
        return {r[0]: r[1] for r in rows}

    def cache_parses(self, entries: Mapping[str, str]) -> None:
        """Remember SQL analyses by fingerprint; an existing entry is replaced."""
        if not entries:
            return
        keys = sorted(entries)  # in key order, so concurrent writers cannot deadlock
        rows: dict[str, list[Any]] = {"fingerprint": keys, "analysis": [entries[k] for k in keys],
                "cached_at": [datetime.now(UTC)] * len(keys)}
        self._write(lambda tx: tx.load("sql_parse_cache", rows, conflict=_REPLACE))
