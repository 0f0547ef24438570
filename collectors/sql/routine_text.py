"""Routine bodies written as strings: `AS $$ ... $$`, `AS $tag$ ... $tag$` and `AS '...'`.

Snowflake (`LANGUAGE SQL`, Snowflake Scripting, the default) and PostgreSQL (`LANGUAGE sql` or
`plpgsql`, before or after the body) give a procedure's or function's body as a string. When its
language is SQL-like the string is read like an inline body (`routines.py`): its statements in
order, each a step of the routine's process with its own column lineage. Block structure is read
around them: `DECLARE`, `BEGIN`, `IF ... THEN`, `WHILE ... LOOP`, `FOR ... IN ... DO`, `ELSE`,
`EXCEPTION WHEN ... THEN` heads are set aside and `END ...` closes nothing that matters to lineage;
the queries inside a condition, an assignment (`LET x := (SELECT ...)`, `n := (SELECT ...)`), a
cursor (`c CURSOR FOR SELECT ...`), a `FOR r IN SELECT ...` loop, a `RETURN QUERY` or a `PERFORM`
are read too. Other procedural statements (RAISE, OPEN, FETCH, a declaration without a query) have
no lineage. In a procedural block `SELECT ... INTO` fills variables, so it reads without writing.
Problems are reported at their line in the original file.

A body in another language (JavaScript, Python, Java, Scala, C...) is reported as not
understood, naming the language.

Example:
    >>> from collectors.sql.statements import Analyzer, analyse_text
    >>> sql = "CREATE PROCEDURE p() RETURNS INT LANGUAGE SQL AS $$ BEGIN INSERT INTO b SELECT x FROM a; END $$"
    >>> [(s.kind, [i.key for i in s.inputs], [o.key for o in s.outputs])
    ...  for s in analyse_text(sql, Analyzer.for_dialect("snowflake"))]
    [('insert', ['A'], ['B'])]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from collectors.sql._compat import exp
from collectors.sql.guard import split_statements
from collectors.sql.result import Note, StatementResult
from collectors.sql.routines import fold_reads

if TYPE_CHECKING:
    from collectors.sql.analyzer import Analyzer

AnalyseText = Callable[[str, "Analyzer"], list[StatementResult]]

SQL_LANGUAGES = frozenset({"SQL", "PLPGSQL"})
_ROUTINES = ("PROCEDURE", "FUNCTION")
_STRINGS = (exp.Heredoc, exp.RawString)
_EXTERNAL = (exp.ExternalProperty, exp.RemoteWithConnectionModelProperty)

# Words that start a statement with a lineage handler (or a statement sqlglot reports on).
_STATEMENT = re.compile(
    r"(?:SELECT|INSERT|UPDATE|DELETE|MERGE|CREATE|DROP|ALTER|TRUNCATE|WITH|COPY|UNLOAD|CALL|EXECUTE|USE|"
    r"GRANT|REVOKE|SET|COMMIT|ROLLBACK|SHOW|DESCRIBE|ANALYZE|VACUUM|COMMENT|REFRESH|PUT|REMOVE|LIST)\b",
    re.I,
)
_SPACE = re.compile(r"(?:\s+|--[^\n]*|/\*.*?(?:\*/|\Z))*", re.S)
# Block heads: set aside; the condition or loop source (group `q`) may read tables.
_HEAD = re.compile(
    r"<<\w+>>|(?:DECLARE|BEGIN(?!\s+(?:TRAN|TRANSACTION|WORK)\b)|ELSE|LOOP|REPEAT|DO|THEN|EXCEPTION)\b"
    r"|CASE\b.*?(?=\bWHEN\b)"
    r"|(?:IF|ELSIF|ELSEIF|WHEN|WHILE|UNTIL)\b(?P<q>.*?)\b(?:THEN|LOOP|DO)\b"
    r"|FOR\s+\w+\s+IN\b(?P<src>.*?)\b(?:LOOP|DO)\b",
    re.I | re.S,
)
_END = re.compile(r"END\b", re.I)
_RETURN_QUERY = re.compile(r"RETURN\s+QUERY\s+(?P<q>.*)", re.I | re.S)
_PERFORM = re.compile(r"PERFORM\s+(?P<q>.*)", re.I | re.S)
# Procedural statements carrying an expression or a query: RETURN expr, LET/assignments, declarations.
_CURSOR = re.compile(r"\bCURSOR\b.*?\bFOR\s+(?P<q>.*)", re.I | re.S)
_EXPRESSION = re.compile(r"(?:RETURN\b|.*?(?::=|\bDEFAULT\b))\s*(?P<q>.*)", re.I | re.S)
_QUERY = re.compile(r"\(*\s*(?:SELECT|WITH)\b", re.I)
_HAS_QUERY = re.compile(r"\bSELECT\b", re.I)


@dataclass(frozen=True, slots=True)
class TextBody:
    """A routine's body given as a string: its text, its language (upper case, '' when the
    statement names none) and its first line relative to the statement's first line."""

    text: str
    language: str
    line: int


def text_body(tree: exp.Expression, statement: str = "") -> TextBody | None:
    """The string body of a CREATE PROCEDURE or FUNCTION, or None (not a routine, or a parsed
    body). `statement` is the text `tree` was parsed from, to place the body's lines."""
    if not isinstance(tree, exp.Create) or str(tree.args.get("kind") or "").upper() not in _ROUTINES:
        return None
    found = tree.expression
    if isinstance(found, exp.Block) and len(found.expressions) == 1:  # Snowflake: AS $$ ... $$
        found = found.expressions[0]
    if not (isinstance(found, _STRINGS) or (isinstance(found, exp.Literal) and found.is_string)):
        return None
    props = tree.args.get("properties")
    if props is not None and any(isinstance(p, _EXTERNAL) for p in props.expressions):
        return None  # `AS 'https://...'`: the endpoint of an external function (ddl.py)
    text = str(found.this)
    language = next(
        (p.name.upper() for p in (props.expressions if props else ()) if isinstance(p, exp.LanguageProperty)), ""
    )
    return TextBody(text, language, _first_line(found, text, statement))


def _first_line(found: exp.Expression, text: str, statement: str) -> int:
    line = found.meta.get("line")  # the token's last line (1-based)
    if isinstance(line, int):
        return max(line - 1 - text.count("\n"), 0)
    at = statement.find(text) if text else -1
    return statement.count("\n", 0, at) if at >= 0 else 0


def steps(tree: exp.Create, body: TextBody, an: Analyzer, analyse_text: AnalyseText) -> list[StatementResult]:
    """The results of a string body's statements in order, or one result: a routine without
    statements, or a problem naming a language that is not SQL."""
    kind = f"create_{str(tree.args.get('kind')).lower()}"
    if body.language and body.language not in SQL_LANGUAGES:
        name = tree.this.this if isinstance(tree.this, exp.UserDefinedFunction) else tree.this
        label = name.sql(dialect=an.d) if isinstance(name, exp.Expression) else ""
        note = Note(
            f"not understood: the body of {kind[7:]} {label} is written in {body.language}, not SQL; "
            "no lineage taken from it",
            "warning",
            body.line,
        )
        return [StatementResult(kind=kind, notes=(note,), confidence=0.0)]
    procedural = body.language == "PLPGSQL" or bool(re.match(r"\s*(?:DECLARE|BEGIN)\b", body.text, re.I))
    results: list[StatementResult] = []
    for sql, line in _statements(body.text):
        for r in analyse_text(sql, an):
            if procedural and r.kind == "select_into":  # SELECT ... INTO variables
                r = replace(r, kind="select", outputs=(), creates=(), temporary=(), columns=())
            shift = body.line + line
            results.append(replace(r, notes=tuple(replace(n, line=n.line + shift) for n in r.notes)))
    if not results:
        return [StatementResult(kind=kind)]
    return fold_reads(results)


def _statements(text: str) -> Iterator[tuple[str, int]]:
    """The SQL to analyse in a body, each with its first line (0-based) in the body: statements,
    and the queries in block heads and procedural statements."""
    for raw in split_statements(text):
        piece, at = raw.text, 0
        base = raw.line - 1
        while True:
            at = _SPACE.match(piece, at).end()  # type: ignore[union-attr]
            head = _HEAD.match(piece, at)
            if head is None:
                break
            query = head.group("q") or head.group("src")
            if query and _HAS_QUERY.search(query):
                start = head.start("q") if head.group("q") else head.start("src")
                line = base + piece.count("\n", 0, start)
                yield (query.strip() if head.group("src") else f"SELECT {query.strip()}"), line
            at = head.end()
        rest = piece[at:]
        line = base + piece.count("\n", 0, at)
        if not rest or _END.match(rest):
            continue
        found = _inner_query(rest)
        if found is not None:
            if found:
                yield found, line
        elif _STATEMENT.match(rest):
            yield rest, line


def _inner_query(rest: str) -> str | None:
    """The query a procedural statement reads ('' when none), or None for an SQL statement."""
    for pattern, as_query in ((_RETURN_QUERY, True), (_PERFORM, False)):
        m = pattern.match(rest)
        if m:
            return m.group("q") if as_query else f"SELECT {m.group('q')}"
    if _STATEMENT.match(rest):
        return None
    cursor = _CURSOR.search(rest)
    if cursor and _QUERY.match(cursor.group("q")):
        return cursor.group("q")
    m = _EXPRESSION.match(rest)
    if m and _HAS_QUERY.search(m.group("q")):
        return f"SELECT {m.group('q')}"
    return ""
