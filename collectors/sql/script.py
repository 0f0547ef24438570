"""A script's statements analysed in order, each knowing what the earlier ones created.

Tables and views created in the script (CREATE TABLE with columns, CREATE TABLE AS, CREATE VIEW,
SELECT INTO, temporary tables) have known columns for the statements after them, as if they were
in the schema: `SELECT *` over one expands, an unqualified column is placed among its sources by
them, and an INSERT without a column list fills the target's known columns by position. A
statement whose column lineage could use them is analysed again with them in the schema (the
first analysis, cached by fingerprint, cannot depend on the script). A DROP forgets a table.

A temporary table created and then read within the script is replaced, for the readers, by what
it was built from (the temporary table itself is still a cache dataset written by its statement),
and a column read through it keeps the stronger of the two transformations (a masked column
copied as is stays masked).

Example:
    >>> from collectors.sql.analyzer import Analyzer
    >>> from collectors.sql.guard import split_statements
    >>> sql = "CREATE TABLE s.t (a INT, b INT); INSERT INTO s.t SELECT x, y FROM raw.r"
    >>> done = list(analyse_script(split_statements(sql), Analyzer.for_dialect("postgres")))
    >>> [(c.target, c.sources[0][1]) for c in done[1].resolved[0].columns]
    [('a', 'x'), ('b', 'y')]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from collectors.sql.analyzer import Analyzer
from collectors.sql.fingerprint import digest
from collectors.sql.guard import RawStatement
from collectors.sql.pool import ParseCache, analyse_many
from collectors.sql.result import IDENTITY, StatementResult, TableRef
from collectors.sql.schema import SchemaIndex
from collectors.sql.statements import analyse_text

_INSERTS = ("insert", "insert_overwrite")


@dataclass(frozen=True)
class Analysed:
    """One statement of a script: its text-hash key, its results as analysed (notes, defines), and
    the same with reads of the script's temporary tables replaced by what they were built from."""

    statement: RawStatement
    key: str
    results: list[StatementResult]
    resolved: list[StatementResult]


def analyse_script(
    statements: Sequence[RawStatement], analyzer: Analyzer, cache: ParseCache | None = None
) -> Iterator[Analysed]:
    """The statements' results in order, each analysed knowing what the earlier ones created."""
    script = Script()
    keys = [digest(" ".join(s.text.split())) for s in statements]  # exact text: cheaper than fingerprint()
    plain = not any(k in s.text.upper() for s in statements for k in ("EXTERNAL FUNCTION", "REMOTE WITH"))
    analysed = analyse_many([s.text for s in statements], keys, analyzer, cache)[0] if plain else []
    for i, (stmt, key) in enumerate(zip(statements, keys, strict=True)):
        results = analysed[i] if plain else analyse_text(stmt.text, analyzer)
        if analyzer.options.columns and any(script.could_use(r) for r in results):
            results = analyse_text(stmt.text, replace(analyzer, schema=script.schema(analyzer.schema)))
        resolved = []
        for result in results:
            external = {value for kind, value in result.defines if kind == "external_function"}
            if external:
                analyzer = replace(analyzer, external=analyzer.external | external)
            resolved.append(script.resolve(result))
            script.remember(result)
        yield Analysed(stmt, key, results, resolved)


TempColumns = dict[str, tuple[tuple[tuple[TableRef, str], ...], int]]


@dataclass
class Script:
    """What earlier statements of one source tell the later ones.

    `known` holds the columns, in order, of each table or view created so far. `temp` holds, per
    temporary table, what it was built from and, per column, its direct sources and the strongest
    transformation on the way (a later reader's transformation is composed with it: an identity
    copy of a masked column stays masked).
    """

    temp: dict[TableRef, tuple[tuple[TableRef, ...], TempColumns]] = field(default_factory=dict)
    known: dict[TableRef, tuple[str, ...]] = field(default_factory=dict)
    _schema: tuple[SchemaIndex | None, SchemaIndex] | None = field(default=None, repr=False)

    def schema(self, base: SchemaIndex | None) -> SchemaIndex | None:
        """`base` plus the columns of the tables created so far (they shadow same-named tables),
        for analysing the statements that read or fill them."""
        if not self.known:
            return base
        if self._schema is None or self._schema[0] is not base:
            tables = {**(base.tables if base is not None else {}), **{r.parts: c for r, c in self.known.items()}}
            self._schema = (base, SchemaIndex(tables))
        return self._schema[1]

    def could_use(self, result: StatementResult) -> bool:
        """Whether another analysis knowing the created tables' columns could improve `result`: it
        reads one and its column lineage is incomplete (a `SELECT *` or a column it could not
        place), or it is an INSERT into one whose output names are not the table's columns."""
        if result.column_confidence < 0.9 and any(r in self.known for r in result.inputs):
            return True
        if result.kind not in _INSERTS or not result.outputs or result.outputs[0] not in self.known:
            return False
        names = result.output_columns
        return names != self.known[result.outputs[0]][: len(names)]

    def resolve(self, result: StatementResult) -> StatementResult:
        """Replace reads of this script's temporary tables by what they were built from."""
        if not self.temp or not any(i in self.temp for i in result.inputs):
            return result
        inputs: list[TableRef] = []
        for ref in result.inputs:
            inputs.extend(self.temp[ref][0] if ref in self.temp else (ref,))
        columns = []
        for c in result.columns:
            sources: list[tuple[TableRef, str]] = []
            rank = c.rank
            for ref, col in c.sources:
                if ref in self.temp:
                    found, step = self.temp[ref][1].get(col, ((), IDENTITY))
                    sources.extend(found)
                    if found and not c.indirect:  # the stronger of the two steps
                        rank = max(rank, step)
                else:
                    sources.append((ref, col))
            columns.append(replace(c, sources=tuple(dict.fromkeys(sources)), rank=rank))
        calls = []
        for call in result.ai_calls:
            refs: list[TableRef] = []
            for ref in call.inputs:
                refs.extend(self.temp[ref][0] if ref in self.temp else (ref,))
            calls.append(replace(call, inputs=tuple(dict.fromkeys(refs))))
        return replace(result, inputs=tuple(dict.fromkeys(inputs)), columns=tuple(columns), ai_calls=tuple(calls))

    def remember(self, result: StatementResult) -> None:
        """Record the tables `result` creates (and the temporary tables it writes); forget the
        ones it drops."""
        if result.temporary or result.retired or result.creates:
            self._schema = None
        names = result.output_columns
        complete = bool(names) and "*" not in names
        for ref in result.temporary:
            cols: TempColumns = {}
            for c in result.columns:
                if not c.indirect:
                    had, rank = cols.get(c.target, ((), IDENTITY))
                    cols[c.target] = (had + c.sources, max(rank, c.rank))
            self.temp[ref] = (result.inputs, cols)
            if complete and len(result.outputs) == 1:
                self.known[ref] = names
            else:
                self.known.pop(ref, None)
        for ref in result.creates:
            if complete:
                self.known[ref] = names
            else:
                self.known.pop(ref, None)
        for ref in result.retired:
            self.temp.pop(ref, None)
            self.known.pop(ref, None)
