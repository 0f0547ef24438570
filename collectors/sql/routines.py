"""Routine bodies: the statements a stored procedure or SQL function runs, as steps of its process.

A routine's body is read as a script: its statements in order, found through BEGIN ... END,
IF, WHILE and LOOP blocks (control flow does not change what a statement can read or write), and
each one analysed by the statement handlers, so each step keeps its own column lineage (a body
that fills two tables gives each its columns) and later steps see what earlier ones created.
Every step belongs to the statement's one process.

Queries in a body that write nothing (`IF EXISTS (SELECT ...)`, a SELECT into variables) still
feed the routine's writes: when the routine writes, their reads are moved onto the nearest
writing step before them (else the first one), so the process reads them whatever the
`select_is_read` convention says.

Example:
    >>> from collectors.sql.statements import Analyzer, analyse_text
    >>> sql = "CREATE PROCEDURE p() AS BEGIN INSERT INTO b (x) SELECT x FROM a; INSERT INTO c (y) SELECT y FROM b; END"
    >>> steps = analyse_text(sql, Analyzer.for_dialect("tsql"))
    >>> [(s.outputs[0].key, s.columns[0].sources[0][0].key) for s in steps if s.outputs]
    [('b', 'a'), ('c', 'b')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from collectors.sql._compat import command_parts, exp
from collectors.sql.result import StatementResult

if TYPE_CHECKING:
    from collectors.sql.analyzer import Analyzer

Analyse = Callable[[exp.Expression, "Analyzer"], list[StatementResult]]
AnalyseText = Callable[[str, "Analyzer"], list[StatementResult]]

_ROUTINES = ("PROCEDURE", "FUNCTION")
# Statements with a lineage handler; anything else in a body (blocks, IF, WHILE, SET) is looked into.
_STEPS = (exp.Query, exp.DML, exp.Create, exp.Drop, exp.Alter, exp.TruncateTable, exp.Command)


def body(tree: exp.Expression) -> exp.Expression | None:
    """The body of a CREATE PROCEDURE or FUNCTION when it is parsed SQL (a block, a BEGIN ... END
    command, a query or a RETURN), else None (a body given as a string)."""
    if not isinstance(tree, exp.Create) or str(tree.args.get("kind") or "").upper() not in _ROUTINES:
        return None
    found = tree.expression
    if not isinstance(found, exp.Expression) or isinstance(found, exp.Literal | exp.Heredoc | exp.RawString):
        return None
    return found


def steps(
    tree: exp.Create, found: exp.Expression, an: Analyzer, analyse: Analyse, text: AnalyseText
) -> list[StatementResult]:
    """The results of a routine's statements in order (`analyse` and `text` are the statement
    handlers for a tree and for text); one empty result when the body has none."""
    if isinstance(found, exp.Command) and str(found.this).upper() == "BEGIN":  # an opaque BEGIN ... END
        results = text(command_parts(found)[1], an)
    else:
        results = [r for node in _statements(found) for r in analyse(node, an)]
    if not results:
        return [StatementResult(kind=f"create_{str(tree.args.get('kind')).lower()}")]
    return fold_reads(results)


def _statements(node: exp.Expression) -> Iterator[exp.Expression]:
    """The statements under `node` in document order, not looking inside a statement."""
    if isinstance(node, exp.Command) and str(node.this).upper() == "END":
        return  # the end of a nested block that sqlglot did not pair with its BEGIN
    if isinstance(node, _STEPS):
        yield node
        return
    for child in node.iter_expressions():
        yield from _statements(child)


def fold_reads(results: list[StatementResult]) -> list[StatementResult]:
    """Move the reads (and AI calls) of steps that write nothing onto a writing step."""
    writing = [i for i, r in enumerate(results) if r.outputs]
    if not writing:
        return results
    out = list(results)
    for i, r in enumerate(results):
        if r.outputs or not (r.inputs or r.ai_calls):
            continue
        j = max((w for w in writing if w < i), default=writing[0])
        out[j] = replace(
            out[j], inputs=tuple(dict.fromkeys(out[j].inputs + r.inputs)), ai_calls=out[j].ai_calls + r.ai_calls
        )
        out[i] = replace(r, inputs=(), ai_calls=(), columns=())
    return out
