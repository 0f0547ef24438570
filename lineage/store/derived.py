"""What is worked out from the whole graph (the findings), kept with the generation of the graph it
was worked out from, and the nodes each change of the graph touched since: so that while nothing
changed it is read back, and after a small change it is worked out again for what the change
reaches only (`lineage.services.check`)."""

from __future__ import annotations

from datetime import UTC, datetime

from lineage.store.sql import Backend, Tx

EVERYTHING = "*"
"""What `graph_changes` records for a change that may have touched any node."""
NOTHING = ""
"""What `graph_changes` records for a change that touched no node (so that every change has rows)."""
KEPT_CHANGES = 64
"""How many of the latest changes `graph_changes` remembers the touched nodes of."""
LARGE_CHANGE = 50_000
"""A change touching more nodes than this is recorded as touching them all."""


def record_change(tx: Tx, touched: set[str] | None) -> None:
    """Record the nodes the change just counted in `graph_state` touched (None: any of them), and
    forget the changes older than the latest `KEPT_CHANGES`."""
    ids = (sorted(touched) or [NOTHING]) if touched is not None and len(touched) <= LARGE_CHANGE else [EVERYTHING]
    row = tx.one("SELECT generation FROM graph_state")
    tx.load("graph_changes", {"generation": [row[0] if row else 0] * len(ids), "node_id": ids})
    tx.execute("DELETE FROM graph_changes WHERE generation <= (SELECT generation FROM graph_state) - %(kept)s",
               {"kept": KEPT_CHANGES})


class Derived(Backend):
    """Results worked out from the whole graph, in `derived_results`, and the changes since, in
    `graph_changes`."""

    def derived(self, name: str, key: str) -> bytes | None:
        """What was kept as `name` for `key` (`keep_derived`), if the graph has not changed since."""
        with self._read() as tx:
            row = tx.one("SELECT d.payload FROM derived_results d JOIN graph_state g ON g.generation = d.generation "
                         "WHERE d.name = %(name)s AND d.key = %(key)s", {"name": name, "key": key})
        return bytes(row[0]) if row else None

    def keep_derived(self, name: str, key: str, generation: int, payload: bytes) -> None:
        """Keep `payload`, worked out from the graph of `generation`, as `name` for `key` (one per
        name: it replaces the one kept before)."""
        def write(tx: Tx) -> None:
            tx.execute("DELETE FROM derived_results WHERE name = %(name)s", {"name": name})
            tx.execute("INSERT INTO derived_results VALUES (%(name)s, %(key)s, %(generation)s, %(payload)s, %(now)s)",
                       {"name": name, "key": key, "generation": generation, "payload": payload,
                        "now": datetime.now(UTC)})

        self._write(write)

    def derived_before(self, name: str, key: str) -> tuple[int, bytes] | None:
        """What was kept as `name` for `key`, whatever has changed since, with the generation of the
        graph it was worked out from."""
        with self._read() as tx:
            row = tx.one("SELECT generation, payload FROM derived_results WHERE name = %(name)s AND key = %(key)s",
                         {"name": name, "key": key})
        return (int(row[0]), bytes(row[1])) if row else None

    def changed_since(self, generation: int) -> set[str] | None:
        """The nodes the changes of the current graph after `generation` touched (removed ones
        included); None when that is not known (a rebuild, a large change, or changes too old)."""
        with self._read() as tx:
            now = tx.one("SELECT generation FROM graph_state")
            rows = tx.all("SELECT DISTINCT generation, node_id FROM graph_changes WHERE generation > %(g)s",
                          {"g": generation})
        latest = int(now[0]) if now else 0
        if latest - generation > KEPT_CHANGES or {int(g) for g, _ in rows} != set(range(generation + 1, latest + 1)):
            return None  # a change of which nothing is recorded: it may have touched anything
        touched = {str(n) for _, n in rows}
        return None if EVERYTHING in touched else touched - {NOTHING}
