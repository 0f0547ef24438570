"""SQL lineage accuracy and speed, side by side with sqllineage, openlineage-sql and plain sqlglot.

    python benchmarks/sql_lineage.py [CORPUS]   # default: ../shared/benchmarks/sql-lineage

Reads the corpus at run time (never copied). Prints table-level precision/recall per labelled set,
column-level P/R on the DataHub and sqllineage column labels (each case analysed as the collector
analyses a file: statement by statement, later ones knowing what earlier ones created),
statements/s on the 121 TPC statements with their schema, and a generated 100,000-statement query
log end to end.

Conventions differ between label sets; they are passed as explicit collector options per set
(see CONVENTIONS), and sqllineage's "intermediate tables are hidden" rule is a scorer option.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collectors.base import Source  # noqa: E402
from collectors.sql import SqlCollector, SqlOptions, collect_script  # noqa: E402
from collectors.sql.facts import Namer  # noqa: E402
from collectors.sql.guard import split_statements  # noqa: E402
from collectors.sql.script import analyse_script  # noqa: E402
from collectors.sql.statements import Analyzer  # noqa: E402

Tables = tuple[set[str], set[str]]
CONVENTIONS: dict[str, dict[str, Any]] = {
    "datahub": {
        "drop_is_output": True,
        "alter_is_output": True,
        "update_target_is_input": True,
        "select_is_read": True,
    },
    "openlineage_tests": {"drop_is_output": True, "alter_is_output": True, "select_is_read": True},
    "sqllineage_tests": {
        "hide_intermediate": True,
        "select_is_read": True,
        "rename_is_lineage": False,
        "truncate_is_output": False,
        "delete_is_output": False,
        "swap_both_ways": False,
        "count_star_reads_columns": True,
    },
}


def load(corpus: Path) -> list[dict[str, Any]]:
    items = json.loads((corpus / "manifest.json").read_text())
    for it in items:
        it["sql"] = (corpus / it["path"]).read_text(encoding="utf-8", errors="replace")
        it["label"] = json.loads((corpus / it["labels"]).read_text()) if it.get("labels") else None
    return items


def _norm(name: str) -> str:
    name = name.lower().replace('"', "").replace("`", "").replace("[", "").replace("]", "")
    if "://" in name:  # locations: OpenLineage naming adds default ports and drops trailing slashes
        scheme, rest = name.split("://", 1)
        host, _, path = rest.partition("/")
        name = f"{scheme}://{host.split(':')[0]}/{path.strip('/')}".replace("//", "/").replace(":/", "://")
    return name.rstrip("/")


# -- tools ----------------------------------------------------------------------------------------


def ours_batch(item: dict[str, Any], *, columns: bool) -> Any:
    """The public path only (what `lineage collect` runs): statements to a batch of facts."""
    label = item["label"] or {}
    options = SqlOptions(
        dialect=item["dialects"]["sqlglot"] or "generic", schema=label.get("schemas") or None, columns=columns
    )
    return collect_script(item["sql"], item["id"], options)


def ours(item: dict[str, Any], *, columns: bool = False) -> tuple[Tables, set[tuple[str, str]]]:
    conv = dict(CONVENTIONS.get(item["subset"], {}))
    hide = conv.pop("hide_intermediate", False)
    label = item["label"] or {}
    options = SqlOptions.from_mapping(
        {
            "dialect": item["dialects"]["sqlglot"] or "generic",
            "namespace": "bench",
            "default_database": label.get("default_db"),
            "default_schema": label.get("default_schema"),
            "schema": label.get("schemas") or None,
            "columns": columns,
            **conv,
        }
    )
    batch = collect_script(item["sql"], item["id"], options)
    ins: set[str] = set()
    outs: set[str] = set()
    first_write: dict[str, int] = {}
    last_read: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for line, f in enumerate(batch.facts):  # facts come in statement order
        if f.fact == "dataset" and f.retired:
            dropped[_display(f.namespace, f.name)] = line
        if (
            f.fact != "edge"
            or f.kind.value not in ("read", "write")
            or "sql" not in (f.source.namespace, f.target.namespace)
        ):
            continue
        if f.kind.value == "read":
            name = _display(f.source.namespace, f.source.name)
            ins.add(name)
            last_read[name] = max(line, last_read.get(name, 0))
        else:
            name = _display(f.target.namespace, f.target.name)
            outs.add(name)
            first_write[name] = min(line, first_write.get(name, line))
    if hide:  # sqllineage: a table written and then read or dropped later in the script is an intermediate
        hidden = {n for n in ins & outs if first_write[n] < last_read[n]}
        hidden |= {n for n in outs if n in dropped and first_write[n] < dropped[n]}
        ins, outs = ins - hidden, outs - hidden
    pairs: set[tuple[str, str]] = set()
    if columns:
        pairs = _column_pairs(item["sql"], options, hide=hide)
    return ({_norm(x) for x in ins}, {_norm(x) for x in outs}), pairs


def _column_pairs(sql: str, options: SqlOptions, *, hide: bool) -> set[tuple[str, str]]:
    """(source column, target column) pairs of direct column lineage, statement by statement as a
    script is analysed (later statements know the columns of tables created earlier). `hide`:
    sqllineage's intermediate tables are hidden, so a column made from an earlier statement's
    output column is traced to that column's sources, and pairs into such tables are dropped."""
    analyzer = Analyzer.build(options)
    namer = Namer("bench", analyzer.hooks.platform, options.default_database, options.default_schema)
    made: dict[str, set[str]] = {}  # column written by an earlier statement -> its sources
    hidden: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for done in analyse_script(split_statements(sql), analyzer):
        for r in done.resolved:
            namer.use(r)
            target = namer.dataset(r.outputs[0])[1] + "." if r.outputs else ""
            found: set[tuple[str, str]] = set()
            for c in r.columns:
                if c.indirect:
                    continue
                for ref, col in c.sources:
                    src, tgt = _norm(f"{namer.dataset(ref)[1]}.{col}"), _norm(target + c.target)
                    if hide and src in made:
                        hidden.add(src.rsplit(".", 1)[0])
                        found.update((s, tgt) for s in made[src])
                    else:
                        found.add((src, tgt))
            for src, tgt in found:
                made.setdefault(tgt, set()).add(src)
            pairs |= found
    return {(s, t) for s, t in pairs if t.rsplit(".", 1)[0] not in hidden}


def _display(ns: str, name: str) -> str:
    return f"{ns}/{name}" if "://" in ns else name


def sqllineage_tool(item: dict[str, Any], *, columns: bool = False) -> tuple[Tables, set[tuple[str, str]]]:
    from sqllineage.runner import LineageRunner

    r = LineageRunner(item["sql"], dialect=item["dialects"]["sqllineage"], silent_mode=True)
    tables = (
        {_norm(str(t)).removeprefix("<default>.") for t in r.source_tables},
        {_norm(str(t)).removeprefix("<default>.") for t in r.target_tables},
    )
    pairs: set[tuple[str, str]] = set()
    if columns:
        for path in r.get_column_lineage(exclude_subquery_columns=True):
            pairs.add(
                (
                    _norm(str(path[0])).removeprefix("<default>."),
                    _norm(str(path[-1])).removeprefix("<default>."),
                )
            )
    return tables, pairs


def openlineage_tool(item: dict[str, Any], *, columns: bool = False) -> tuple[Tables, set[tuple[str, str]]]:
    import openlineage_sql

    label = item["label"] or {}
    r = openlineage_sql.parse(
        [item["sql"]], dialect=item["dialects"]["openlineage"], default_schema=label.get("default_schema")
    )
    if r is None:
        return (set(), set()), set()
    tables = ({_norm(t.qualified_name) for t in r.in_tables}, {_norm(t.qualified_name) for t in r.out_tables})
    pairs: set[tuple[str, str]] = set()
    out = next(iter(tables[1]), "")
    for cl in r.column_lineage if columns else []:
        for src in cl.lineage:
            if src.origin is not None:
                pairs.add((_norm(f"{src.origin.qualified_name}.{src.name}"), _norm(f"{out}.{cl.descendant.name}")))
    return tables, pairs


def sqlglot_tool(item: dict[str, Any], *, columns: bool = False) -> tuple[Tables, set[tuple[str, str]]]:
    """Plain sqlglot: statement targets are outputs, every other non-CTE table is an input."""
    import sqlglot
    from sqlglot import exp

    ins: set[str] = set()
    outs: set[str] = set()
    try:
        trees = sqlglot.parse(item["sql"], read=item["dialects"]["sqlglot"] or None)
    except Exception:
        return (ins, outs), set()
    for tree in trees:
        if tree is None:
            continue
        target = None
        if isinstance(tree, exp.Insert | exp.Create | exp.Merge | exp.Update | exp.Delete | exp.Drop | exp.Alter):
            target = tree.this.find(exp.Table) if tree.this else None
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        for t in tree.find_all(exp.Table):
            name = ".".join(p.name for p in t.parts)
            if t is target:
                outs.add(_norm(name))
            elif name and t.name not in ctes:
                ins.add(_norm(name))
    return (ins, outs), set()


TOOLS: dict[str, Callable[..., tuple[Tables, set[tuple[str, str]]]]] = {
    "ours": ours,
    "sqllineage": sqllineage_tool,
    "openlineage-sql": openlineage_tool,
    "sqlglot": sqlglot_tool,
}


# -- scoring --------------------------------------------------------------------------------------


def _safe(tool: Callable[..., Any], item: dict[str, Any], **kw: Any) -> Any:
    try:
        return tool(item, **kw)
    except Exception:
        return (set(), set()), set()


def table_sets(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    sets: dict[str, list[dict[str, Any]]] = {"datahub": [], "openlineage_tests": [], "sqllineage_tests": []}
    for it in items:
        lab = it["label"]
        if not lab or "in_tables" not in lab or it["subset"] not in sets:
            continue
        if str(lab.get("note") or "").startswith("datahub_specific"):
            continue
        sets[it["subset"]].append(it)
    return sets


def pr(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return f"{p:.2f} / {r:.2f}"


def _unprefix(names: set[str], label: dict[str, Any]) -> set[str]:
    """Names without the label's default database/schema prefix, so that `t` and `db.s.t` compare
    equal when `db`/`s` are the defaults (labels differ on whether they add them)."""
    prefixes = [p.lower() + "." for p in (label.get("default_db"), label.get("default_schema")) if p]
    out = set()
    for n in names:
        for p in prefixes:
            n = n.removeprefix(p)
        out.add(n)
    return out


def score_tables(tool: str, items: list[dict[str, Any]], misses: list[str]) -> str:
    tp = fp = fn = 0
    for it in items:
        (ins, outs), _ = _safe(TOOLS[tool], it)
        lab = it["label"]
        for got, want in (
            (ins, {_norm(x) for x in lab["in_tables"]}),
            (outs, {_norm(x) for x in lab["out_tables"]}),
        ):
            got, want = _unprefix(got, lab), _unprefix(want, lab)
            tp += len(got & want)
            fp += len(got - want)
            fn += len(want - got)
            if tool == "ours" and got != want:
                misses.append(f"{it['id']}: got {sorted(got)} want {sorted(want)}")
    return pr(tp, fp, fn)


def score_columns(tool: str, items: list[dict[str, Any]], misses: list[str] | None = None) -> str:
    tp = fp = fn = 0
    for it in items:
        _, pairs = _safe(TOOLS[tool], it, columns=True)
        lab = it["label"]
        if "column_pairs" in lab:
            want = {(_norm(s), _norm(t)) for s, t in lab["column_pairs"]}
            got = pairs
        else:
            want = {(_norm(s), _norm(t)) for t, srcs in lab["column_lineage"].items() for s in srcs}
            got = {(s, t.rsplit(".", 1)[-1]) for s, t in pairs}
        tp += len(got & want)
        fp += len(got - want)
        fn += len(want - got)
        if misses is not None and got != want:
            misses.append(f"{it['id']}: missing {sorted(want - got)[:4]} extra {sorted(got - want)[:4]}")
    return pr(tp, fp, fn)


def column_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for it in items:
        lab = it["label"] or {}
        if "column_pairs" in lab or (
            lab.get("column_lineage") and not str(lab.get("note") or "").startswith("datahub_specific")
        ):
            out.append(it)
    return out


# -- speed ----------------------------------------------------------------------------------------


def tpc_items(items: list[dict[str, Any]], corpus: Path) -> list[dict[str, Any]]:
    schema = json.loads((corpus / "tpc_schema.json").read_text())
    out = [dict(it) for it in items if it["subset"] == "tpc_ctas"]
    for it in out:
        it["label"] = {"schemas": schema[it["schema_ref"].split("#")[1]]}
    return out


def rate(fn: Callable[[dict[str, Any]], Any], items: list[dict[str, Any]], runs: int = 3) -> tuple[float, float]:
    """Statements per second, median of `runs`: by the wall clock, and per CPU-second of this process
    (the machine is shared, so the CPU figure is the steadier of the two)."""
    walls, cpus = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        for it in items:
            try:
                fn(it)
            except Exception:
                continue
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return len(items) / sorted(walls)[len(walls) // 2], len(items) / max(sorted(cpus)[len(cpus) // 2], 1e-9)


def sqlglot_parse_only(it: dict[str, Any]) -> None:
    import sqlglot

    sqlglot.parse(it["sql"], read=it["dialects"]["sqlglot"] or None)


def sqlglot_table_level(it: dict[str, Any]) -> None:
    """The README's "sqlglot table-level": parse, qualify tables, build the scopes."""
    import sqlglot
    from sqlglot.optimizer.qualify_tables import qualify_tables
    from sqlglot.optimizer.scope import traverse_scope

    for tree in sqlglot.parse(it["sql"], read=it["dialects"]["sqlglot"] or None):
        if tree is not None:
            traverse_scope(qualify_tables(tree, dialect=it["dialects"]["sqlglot"] or None))


def sqlglot_lineage_all(it: dict[str, Any]) -> None:
    import sqlglot
    from sqlglot.lineage import lineage

    tree = sqlglot.parse_one(it["sql"], read="duckdb")
    select = tree.expression
    schema = {t: dict.fromkeys(cols, "UNKNOWN") for t, cols in it["label"]["schemas"].items()}
    for col in select.named_selects:
        lineage(col, select, schema=schema, dialect="duckdb")


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def generate_log(path: Path, n: int = 100_000, shapes: int = 3000, seed: int = 7) -> None:
    rnd = random.Random(seed)
    tables = [f"analytics.s{i % 40}.t{i}" for i in range(400)]
    users = [f"user{i}@acme.com" for i in range(60)] + ["SVC_DBT", "SVC_AIRFLOW", "AGENT_SUPPORT_BOT"]
    templates = []
    for i in range(shapes):
        a, b, c = rnd.sample(tables, 3)
        k = i % 6
        if k == 0:
            templates.append(f"SELECT id, name, amount FROM {a} WHERE id = {{v}} AND region = 'eu'")
        elif k == 1:
            templates.append(
                f"INSERT INTO {a} SELECT x.id, sum(y.amount) AS total FROM {b} x JOIN {c} y "
                f"ON x.id = y.id WHERE y.ts > '{{d}}' GROUP BY x.id"
            )
        elif k == 2:
            templates.append(
                f"CREATE OR REPLACE TABLE {a} AS WITH r AS (SELECT id, amount FROM {b} "
                f"WHERE amount > {{v}}) SELECT id, amount * 2 AS doubled FROM r"
            )
        elif k == 3:
            templates.append(
                f"MERGE INTO {a} t USING {b} s ON t.id = s.id WHEN MATCHED THEN UPDATE SET "
                f"t.amount = s.amount WHEN NOT MATCHED THEN INSERT (id, amount) VALUES (s.id, s.amount)"
            )
        elif k == 4:
            templates.append(
                f"SELECT s.id, SNOWFLAKE.CORTEX.SENTIMENT(s.body) AS sentiment FROM {a} s "
                f"WHERE s.id IN ({{v}}, {{v}}, {{v}})"
            )
        else:
            templates.append(f"UPDATE {a} SET status = 'done' WHERE id = {{v}}")
    with path.open("w") as fh:
        for i in range(n):
            t = templates[min(int(rnd.paretovariate(1.2)) - 1, shapes - 1) if i % 3 else rnd.randrange(shapes)]
            text = t.format(v=rnd.randrange(10**6), d=f"2026-0{rnd.randrange(1, 9)}-01")
            fh.write(
                json.dumps(
                    {
                        "text": text,
                        "user": rnd.choice(users),
                        "timestamp": f"2026-11-0{1 + i % 9}T10:00:00Z",
                        "database": "ANALYTICS",
                    }
                )
                + "\n"
            )


def main(argv: list[str]) -> int:
    paths = [a for a in argv if not a.startswith("-")]
    corpus = Path(paths[0]) if paths else ROOT.parent / "shared" / "benchmarks" / "sql-lineage"
    items = load(corpus)
    sets = table_sets(items)
    tools = list(TOOLS)
    misses: list[str] = []
    col_misses: list[str] = []
    print(f"corpus: {corpus} ({len(items)} statements)\n")
    print("Table-level precision / recall" + "".join(f" | {t:>15}" for t in tools))
    for name, its in sets.items():
        print(f"{name} ({len(its)})".ljust(30) + "".join(f" | {score_tables(t, its, misses):>15}" for t in tools))
    print(f"  conventions per set: {json.dumps(CONVENTIONS)}")
    cols = column_items(items)
    dh = [it for it in cols if it["subset"] == "datahub"]
    sl = [it for it in cols if it["subset"] == "sqllineage_tests"]
    print("\nColumn-level precision / recall" + "".join(f" | {t:>15}" for t in tools if t != "sqlglot"))
    for name, its in (("datahub", dh), ("sqllineage_tests", sl)):
        print(
            f"{name} ({len(its)})".ljust(31)
            + "".join(
                f" | {score_columns(t, its, col_misses if t == 'ours' else None):>15}" for t in tools if t != "sqlglot"
            )
        )
    print(f"  {len(col_misses)} labelled cases differ; reasons per case: tests/sql/fixtures/column_label_misses.json")
    tpc = tpc_items(items, corpus)
    print(f"\nStatements/s on the 121 TPC statements (median of 3; load average {_load()})")
    speeds = {
        "ours, table level": rate(lambda it: ours_batch(it, columns=False), tpc),
        "ours, column level (with schema)": rate(lambda it: ours_batch(it, columns=True), tpc),
        "sqlglot parse only": rate(sqlglot_parse_only, tpc),
        "sqlglot table level (qualify, scopes)": rate(sqlglot_table_level, tpc),
        "plain sqlglot (parse, find tables)": rate(lambda it: sqlglot_tool(it), tpc),
        "sqlglot lineage() all columns": rate(sqlglot_lineage_all, tpc, runs=1),
        "openlineage-sql, tables + columns": rate(lambda it: openlineage_tool(it, columns=True), tpc),
        "sqllineage, table level": rate(lambda it: sqllineage_tool(it), tpc[:30], runs=1),
    }
    print(f"  {'':<38} {'wall':>8}   {'CPU':>8}")
    for k, (wall, cpu) in speeds.items():
        print(f"  {k:<38} {wall:>8,.0f}/s {cpu:>8,.0f}/s")
    parse_cpu = speeds["sqlglot parse only"][1]
    print(
        f"  as a share of sqlglot's parse-only rate (CPU): table level {speeds['ours, table level'][1] / parse_cpu:.2f}"
        f" (target 750/1499 = 0.50), column level {speeds['ours, column level (with schema)'][1] / parse_cpu:.2f}"
        f" (target 300/1499 = 0.20); load average now {_load()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "query_log.jsonl"
        generate_log(log)
        started = time.perf_counter()
        data = log.read_bytes()
        collector = SqlCollector().with_options({"dialect": "snowflake", "namespace": "snowflake://acme-prod"})
        batch = collector.collect(Source(name=str(log), data=data, path=log))
        took = time.perf_counter() - started
        print(
            f"\nQuery log: 100,000 statements, {len({f.name for f in batch.facts if f.fact == 'process'})} "
            f"processes, {len(batch.facts):,} facts, {len(batch.problems)} problems: {took:.1f} s end to end"
        )
    if misses and "-v" in argv:
        print("\nour table-level differences:\n  " + "\n  ".join(misses))
    if col_misses and "-v" in argv:
        print("\nour column-level differences:\n  " + "\n  ".join(col_misses))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
