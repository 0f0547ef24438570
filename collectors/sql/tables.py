"""Table-level references in one parsed statement: which tables, files, stages and URLs it reads,
and which AI or external functions it calls. One walk over the tree, no optimizer.

Every `exp.Table` read gets its `TableRef` stored in `node.meta["ref"]`, so the column pass can
map qualified tables back to the same refs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit

from collectors.sql._compat import Dialect, exp
from collectors.sql.ai_functions import AIMatcher
from collectors.sql.dialects._uri import is_location, location_ref
from collectors.sql.result import AICall, TableRef

REF = "ref"
_FOLDED: dict[tuple[int, str], str] = {}
_FILE_FORMATS = frozenset({"delta", "parquet", "csv", "json", "orc", "avro", "text", "binaryfile", "iceberg"})


def fold(d: Dialect, ident: exp.Expression | None) -> str:
    """An identifier's name under the dialect's case rules (unquoted names folded)."""
    if not isinstance(ident, exp.Identifier):
        return ident.name if ident is not None else ""
    if ident.quoted:
        return str(ident.this)
    name = str(ident.this)
    key = (id(d), name)
    folded = _FOLDED.get(key)
    if folded is None:
        folded = str(d.normalize_identifier(exp.Identifier(this=name, quoted=False)).this)
        _FOLDED[key] = folded
    return folded


def _named_ref(d: Dialect, table: exp.Table, this: exp.Identifier) -> TableRef | None:
    """A table named by identifiers; a quoted path or URL (or one under a file format, `parquet."f.pq"`)
    is a location."""
    name = str(this.this)
    db = table.args.get("db")
    if ("/" in name or "://" in name) and (this.quoted or (db and db.name.lower() in _FILE_FORMATS)):
        return location_ref(name)
    if this.quoted and is_location(name) and not db:
        return location_ref(name)
    parts = tuple(fold(d, p) for p in (table.args.get("catalog"), db, this) if p is not None and p.name)
    return TableRef(parts) if parts else None


def _function_location(func: exp.Func) -> TableRef | None:
    """The first string argument of a table function that is a location (`read_csv('s3://...')`)."""
    for lit in func.find_all(exp.Literal):
        if lit.is_string and is_location(lit.name):
            return location_ref(lit.name)
    return None


def table_ref(d: Dialect, table: exp.Table) -> TableRef | None:
    """The ref of a table node, or None for table functions that read nothing we can name."""
    this = table.this
    if (isinstance(this, exp.Literal) and this.is_string) or (isinstance(this, exp.Var) and this.name.startswith("@")):
        return location_ref(this.name)
    if isinstance(this, exp.Identifier):
        return _named_ref(d, table, this)
    if isinstance(this, exp.SemanticView) and isinstance(this.this, exp.Table):
        return table_ref(d, this.this)  # Snowflake SEMANTIC_VIEW(v FACTS ...): its columns are v's
    return _function_location(this) if isinstance(this, exp.Func) else None


def target_table(node: exp.Expression | None) -> exp.Table | None:
    """The table a statement writes, under its column list or alias (`INSERT INTO t (a, b)`)."""
    while isinstance(node, exp.Schema | exp.Alias):
        node = node.this
    return node if isinstance(node, exp.Table) else None


def function_name(node: exp.Func) -> str:
    """The dotted name of a call: `SNOWFLAKE.CORTEX.COMPLETE`, `ML.GENERATE_TEXT`, `ai_query`."""
    base = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
    parent = node.parent
    if isinstance(parent, exp.Dot) and parent.expression is node:
        prefix = (
            ".".join(p.name for p in parent.this.flatten()) if isinstance(parent.this, exp.Dot) else parent.this.name
        )
        return f"{prefix}.{base}" if prefix else base
    if isinstance(parent, exp.Table) and parent.this is node and parent.args.get("db"):
        return f"{parent.args['db'].name}.{base}"
    return base


def _model(node: exp.Func) -> str | None:
    """The model or endpoint a call names, when it is a short string literal or a MODEL reference."""
    this = node.this if isinstance(node.this, exp.Expression) else None
    if isinstance(this, exp.Table) and this.name:
        return ".".join(p.name for p in this.parts)
    for arg in node.iter_expressions():
        if isinstance(arg, exp.Kwarg) and arg.this.name.lower() in ("model", "endpoint", "connection_id"):
            arg = arg.expression
        if isinstance(arg, exp.Literal) and arg.is_string and len(arg.name) < 80 and " " not in arg.name:
            return arg.name
        if isinstance(arg, exp.Literal | exp.Column | exp.Kwarg):
            break
    return None


_OTHER, _TABLE, _CTE, _FUNC = "other", "table", "cte", "func"
_KINDS: dict[type, str] = {}  # node class -> what `scan` does with it: one dict lookup per node


def _kind(cls: type) -> str:
    if issubclass(cls, exp.Table):
        return _TABLE
    if issubclass(cls, exp.CTE):
        return _CTE
    return _FUNC if issubclass(cls, exp.Func) else _OTHER


@dataclass
class TableScan:
    inputs: list[TableRef] = field(default_factory=list)
    ai_calls: list[AICall] = field(default_factory=list)
    ai_nodes: list[tuple[exp.Func, int]] = field(default_factory=list)  # (node, index in ai_calls)
    ctes: set[str] = field(default_factory=set)
    tables: list[exp.Table] = field(default_factory=list)  # the table nodes read, each with its ref in meta


def _call(node: exp.Func, out: TableScan, ai: AIMatcher, skip: set[int], external: frozenset[str]) -> None:
    """Note a call of an AI function (its MODEL argument is not a table read) or of an external one."""
    name = function_name(node)
    found = ai.match(name)
    if found is not None:
        if isinstance(node.this, exp.Table):
            skip.add(id(node.this))  # a MODEL reference, not a table read
        out.ai_nodes.append((node, len(out.ai_calls)))
        out.ai_calls.append(AICall(name.upper(), found.processor_type, found.vendor, _model(node)))
    elif name.upper() in external:
        out.ai_nodes.append((node, len(out.ai_calls)))
        out.ai_calls.append(AICall(name.upper(), "external_function", "external", None))


def _url_call(t: exp.Table, ref: TableRef) -> AICall | None:
    """A table function reading an http(s) URL: a call to an outside endpoint."""
    if ref.kind != "uri" or not isinstance(t.this, exp.Func) or not ref.parts[0].startswith(("http://", "https://")):
        return None
    return AICall(t.this.sql_name() if not isinstance(t.this, exp.Anonymous) else t.this.name.upper(),
                  "external_function", urlsplit(ref.parts[0]).hostname or "unknown", endpoint=ref.parts[0],
                  inputs=(ref,))


def _read(tables: list[exp.Table], out: TableScan, d: Dialect, skip: set[int]) -> None:
    """Each table read (not skipped, not a CTE) with its ref, once in `out.inputs`."""
    seen: set[TableRef] = set()
    for t in tables:
        if id(t) in skip:
            continue
        ref = table_ref(d, t)
        if ref is None or (ref.kind == "table" and len(ref.parts) == 1 and ref.parts[0] in out.ctes):
            continue
        t.meta[REF] = ref
        out.tables.append(t)
        call = _url_call(t, ref)
        if call is not None:
            out.ai_calls.append(call)
        if ref not in seen:
            seen.add(ref)
            out.inputs.append(ref)


def scan(
    root: exp.Expression, d: Dialect, ai: AIMatcher, *, skip: set[int], external: frozenset[str] = frozenset()
) -> TableScan:
    """Tables read anywhere under `root` (except nodes whose id is in `skip`), CTE names, and AI calls."""
    out = TableScan()
    tables: list[exp.Table] = []
    kinds = _KINDS
    for node in root.walk():
        kind = kinds.get(type(node))
        if kind is None:
            kind = kinds[type(node)] = _kind(type(node))
        if kind is _OTHER:
            continue
        if kind is _TABLE:
            if id(node) not in skip:
                tables.append(node)  # type: ignore[arg-type]
                if isinstance(node.this, exp.SemanticView):
                    skip.add(id(node.this.this))  # read through the outer node
        elif kind is _CTE:
            out.ctes.add(fold(d, node.args["alias"].this) if node.args.get("alias") else node.alias)
        else:
            _call(cast("exp.Func", node), out, ai, skip, external)
    _read(tables, out, d, skip)
    return out
