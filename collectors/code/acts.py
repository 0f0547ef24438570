"""What each kind of recognised call does to the map (the `act` of a `tables.Api` row).

Edges and their confidence: a dataset a function reads or writes directly is an edge of the
function's process (0.9); data that reaches a processor's input is a read edge from each dataset it
came from to the processor (0.8), and a processor's answer written somewhere a write edge from the
processor (0.8); a flow completed through a helper function's parameters keeps 0.9 of that.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from collectors.code.facts import Place, Recorder, endpoint_of
from collectors.code.scopes import Pending, Scope
from collectors.code.sqltext import sql_tables
from collectors.code.tables import (
    DEPLOYMENT_ARGS,
    ENDPOINT_ARGS,
    INVOKE_METHODS,
    READ_METHODS,
    REGION_ARGS,
    WRITE_METHODS,
    Api,
    Arg,
    match,
    match_method,
)
from collectors.code.values import EMPTY, PARAM, Handle, Value, datasets, join, params, processors
from collectors.code.vendors import FAMILIES, Family, bare_model, family_of_model, is_local_host
from lineage.models import Origin, Role

_PINNED = re.compile(r"^[0-9a-f]{7,40}$")
_LOCAL_PATH = re.compile(r"^(\.{1,2}[\\/]|[\\/]|~|[A-Za-z]:[\\/])|\.(bin|pt|pth|ckpt|safetensors|pkl|joblib|onnx)$")
_STORE_ROLE = {"redis": Role.CACHE, "diskcache": Role.CACHE, "gptcache": Role.CACHE, "sqlite_cache": Role.CACHE}
_HUB = "https://huggingface.co"


def constant(value: Value | None) -> str | None:
    return value.const if value is not None else None


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _flag(node: ast.Call, name: str) -> bool | None:
    """A keyword argument written as a literal `True` / `False`; None when absent or not a literal."""
    value = _keyword(node, name)
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, bool) else None


class Acts:
    """The acts; mixed into `reader.Reader`, which supplies the attributes declared here."""

    rec: Recorder
    module: str
    defaults: list[Handle]
    place: Callable[[ast.AST | None], Place]
    warn: Callable[[str, int | None], None]

    # --- flows ---
    def function(self, sc: Scope, place: Place) -> str:
        return self.rec.function(sc.name, place)

    def flow_in(self, sc: Scope, value: Value, node: str, place: Place, confidence: float = 0.8) -> None:
        """The data of `value` reaches the process `node`."""
        for d in datasets(value.taint):
            self.rec.read(d, node, place, confidence)
        for i in params(value.taint):
            sc.pending.append(Pending("read", i, node, place.source, place.line, confidence))

    def flow_out(self, sc: Scope, value: Value, node: str, place: Place, confidence: float = 0.8) -> None:
        """The data of `value` is written to the dataset `node`: by the processors it came from, and
        by this function, which read the datasets it came from."""
        for p in processors(value.taint):
            self.rec.write(p, node, place, confidence)
        sources = [d for d in datasets(value.taint) if d != node]
        if sources:
            step = self.function(sc, place)
            for d in sources:
                self.rec.read(d, step, place, confidence)
            self.rec.write(step, node, place, confidence)
        for i in params(value.taint):
            sc.pending.append(Pending("write", i, node, place.source, place.line, confidence))

    def reads(self, sc: Scope, dataset: str | None, place: Place) -> Value:
        if dataset is None:
            return EMPTY
        self.rec.read(dataset, self.function(sc, place), place, 0.9)
        return Value(taint=frozenset({dataset}))

    def writes(self, sc: Scope, dataset: str | None, data: Value, place: Place) -> None:
        if dataset is None:
            return
        self.rec.write(self.function(sc, place), dataset, place, 0.9)
        self.flow_out(sc, data, dataset, place)

    def invoke(self, handle: Handle, inputs: Value, sc: Scope, place: Place) -> Value:
        """A model, agent or chain run on `inputs`: they and its retrievers' data reach its processors."""
        for store in sorted(handle.datasets):
            self.reads(sc, store, place)
        for proc in sorted(handle.processors):
            self.flow_in(sc, inputs, proc, place)
            for store in sorted(handle.datasets):
                self.rec.read(store, proc, place, 0.7)
        return Value(taint=inputs.taint | handle.processors | handle.datasets)

    # --- dispatch ---
    def by_name(self, qualified: str, args: list[Value], kwargs: dict[str, Value], everything: Value,
                node: ast.Call, sc: Scope, receiver: Value | None) -> Value | None:
        rows = match(qualified)
        if not rows:
            return None
        out = [self.act(row, qualified, args, kwargs, everything, node, sc, receiver)
               for i, row in enumerate(rows) if row.act not in {r.act for r in rows[:i]}]
        return out[0] if len(out) == 1 else join(out)

    def handle_method(self, base: Value, path: list[str], args: list[Value], kwargs: dict[str, Value],
                      everything: Value, node: ast.AST, sc: Scope) -> Value | None:
        h = base.handle
        assert h is not None
        method = ".".join(path)
        rows = match_method(h.kind, method)
        if rows and isinstance(node, ast.Call):
            return self.act(rows[0], method, args, kwargs, everything, node, sc, base)
        last = path[-1] if path else "__call__"
        place = self.place(node)
        if h.kind in ("model", "composite"):
            if last in INVOKE_METHODS:
                return self.invoke(h, everything, sc, place)
            more = join([base, everything])
            return Value(handle=more.handle or h)
        if h.kind in ("store", "redis", "diskcache", "file"):
            key = args[0] if args else EMPTY
            if last in WRITE_METHODS or last == "__setitem__":
                data = join(args[1:] + list(kwargs.values())) if h.kind in ("redis", "diskcache") else everything
                for ds in self.store_datasets(h, key, place):
                    for proc in sorted(h.processors):
                        self.flow_in(sc, data, proc, place)
                        self.rec.write(proc, ds, place, 0.8)
                    self.writes(sc, ds, data, place)
                return EMPTY
            if last in READ_METHODS or last in ("read", "readlines", "readline", "__iter__", "__getitem__"):
                out: list[Value] = []
                for ds in self.store_datasets(h, key, place):
                    for proc in sorted(h.processors):
                        self.flow_in(sc, everything, proc, place)
                    out.append(self.reads(sc, ds, place))
                return Value(taint=join(out).taint)
            return None if h.kind == "file" else Value(handle=h, taint=base.taint)
        if h.kind == "synthetic":
            if last in ("fit", "load", "save", "seed", "seed_instance"):
                return EMPTY
            return Value(taint=h.datasets)
        if h.kind in ("mcp", "sql", "http", "openai", "anthropic", "genai", "cohere", "mistral", "ollama", "hf",
                      "bedrock", "s3", "fs", "chroma", "qdrant", "pinecone", "weaviate", "milvus", "lancedb"):
            return Value(handle=h, taint=base.taint) if h.kind in ("mcp", "sql", "fs") else None
        return None

    def store_datasets(self, h: Handle, key: Value, place: Place) -> list[str]:
        if h.kind == "store" or h.kind == "file":
            return sorted(h.datasets)
        if h.namespace is None:
            return []
        prefix = (key.const or "").split("*")[0].split("{")[0]
        name = re.split(r"[:/|]", prefix.strip(), maxsplit=1)[0] if prefix.strip() else ""
        dataset = self.rec.dataset(h.namespace, name or "keys", place, role=_STORE_ROLE.get(h.kind, Role.CACHE))
        return [dataset] if dataset else []

    # --- the acts ---
    def act(self, row: Api, qualified: str, args: list[Value], kwargs: dict[str, Value], everything: Value,
            node: ast.Call, sc: Scope, receiver: Value | None) -> Value:
        def arg(names: Sequence[Arg]) -> Value | None:
            for name in names:
                if isinstance(name, int):
                    if name < len(args):
                        return args[name]
                elif name in kwargs:
                    return kwargs[name]
            return None

        place = self.place(node)
        handler = getattr(self, f"_{row.act}")
        result: Value = handler(row, qualified, arg, args, kwargs, everything, node, sc, receiver, place)
        return result

    def _client(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
                node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        if row.kind == "boto3":
            service = constant(arg((0, "service_name"))) or ""
            region = constant(arg(REGION_ARGS)) or (receiver.handle.region if receiver and receiver.handle else None)
            if service == "s3":
                return Value(handle=Handle("s3"))
            if service.startswith(("bedrock-runtime", "bedrock-agent-runtime")):
                return Value(handle=Handle("bedrock", family="bedrock", region=region))
            return Value(handle=Handle("boto3", region=region)) if q.endswith("Session") else EMPTY
        family = row.family
        if family == "google_genai" and _flag(node, "vertexai") is True:  # genai.Client(vertexai=True, ...)
            family = "vertex"
        return Value(handle=Handle(row.kind or "client", family=family, endpoint=constant(arg(ENDPOINT_ARGS)),
                                   region=constant(arg(REGION_ARGS)), deployment=constant(arg(DEPLOYMENT_ARGS)),
                                   model=constant(arg(row.model)) if row.model else None))

    def processor(self, family: Family | None, op: str, place: Place, *, model: str | None,
                  handle: Handle | None, kwargs: dict[str, Value]) -> str | None:
        if family is None:
            return None
        endpoint = constant(next((kwargs[a] for a in ENDPOINT_ARGS if a in kwargs), None))
        endpoint = endpoint or (handle.endpoint if handle else None)
        region = constant(next((kwargs[a] for a in REGION_ARGS if a in kwargs), None)) or (
            handle.region if handle else None)
        deployment = constant(next((kwargs[a] for a in DEPLOYMENT_ARGS if a in kwargs), None)) or (
            handle.deployment if handle else None)
        base = endpoint_of(endpoint) if endpoint else None
        if family.key in ("bedrock", "anthropic_bedrock", "vertex", "anthropic_vertex"):
            base = None
            region = region or ("us-central1" if "vertex" in family.key else "us-east-1")
        return self.rec.processor(family, op, place, endpoint=base, region=region, deployment=deployment,
                                  model=bare_model(model))

    def _model(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
               node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        chosen = arg(row.model) if row.model else None
        handle = receiver.handle if receiver else None
        bound = join([v for v in [*args, *kwargs.values()] if v.handle is not None])
        if chosen is not None and chosen.handle is not None and chosen.handle.processors:  # Agent(model=LitellmModel())
            return Value(handle=Handle("model", processors=chosen.handle.processors) .merged(bound.handle)
                         if bound.handle else Handle("model", processors=chosen.handle.processors))
        model = constant(chosen) or (handle.model if handle else None)
        family = FAMILIES.get(row.family or "") or (FAMILIES.get(handle.family or "") if handle else None)
        provider = constant(kwargs.get("model_provider"))
        if provider:
            model = f"{provider}:{model}"
        if family is None or (row.family == "openai" and q.endswith("Agent") and model):
            family = family_of_model(model, default=row.family)
        proc = self.processor(family, row.op, place, model=model, handle=handle, kwargs=kwargs)
        if proc is None:
            return Value(handle=bound.handle)
        own = Handle("model", processors=frozenset({proc}))
        return Value(handle=own.merged(bound.handle) if bound.handle else own)

    def _call(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
              node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        handle = receiver.handle if receiver else None
        chosen = arg(row.model) if row.model else None
        models: list[str | None] = list(chosen.literals) if chosen is not None else []
        options = kwargs.get("options")
        if not models and options is not None and options.handle is not None and options.handle.model:
            models = [options.handle.model]
        models = models or [handle.model if handle else None]
        inputs = join([v for v in [*args, *kwargs.values()] if v is not chosen])
        found: set[str] = set()
        for model in models:  # `A if cond else B`: each model the call may use
            family = FAMILIES.get(row.family or "") or (FAMILIES.get(handle.family or "") if handle else None)
            if row.family is None and (handle is None or handle.family is None):
                family = family_of_model(model)
            proc = self.processor(family, row.op, place, model=model, handle=handle, kwargs=kwargs)
            if proc is not None:
                self.flow_in(sc, inputs, proc, place)
                found.add(proc)
        return Value(taint=frozenset(found)) if found else everything

    def _run(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
             node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        target = arg((0, "starting_agent"))
        if target is None or target.handle is None:
            return everything
        return self.invoke(target.handle, join([*args[1:], *(v for k, v in kwargs.items() if k != "starting_agent")]),
                           sc, place)

    def _path_of(self, row: Api, arg: Any, receiver: Value | None) -> Value | None:
        if row.kind == "self":
            return receiver
        return arg(row.target) if row.target else None

    def _read(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
              node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        if row.kind == "passthrough":
            given = arg(row.target)
            return given if given is not None else EMPTY
        if row.kind == "s3":
            return self.reads(sc, self.s3_object(arg(("Bucket", 0)), arg(("Key", 1)), place), place)
        target = self._path_of(row, arg, receiver)
        if target is None:
            return everything
        if target.handle is not None and target.handle.kind == "file":  # pd.read_csv(f) of an open file
            return Value(taint=target.taint, url=target.url)
        text = constant(target)
        if text is None:
            return Value(taint=target.taint, url=target.url)
        mode = constant(arg(("mode", 1))) if q in ("open", "io.open", "open") else constant(kwargs.get("mode"))
        dataset = self.rec.uri_dataset(text, place)
        url = target.url or (text if "://" in text and not text.startswith("file:") else None)
        if dataset is None:
            return Value(url=url)
        opened = q in ("open", "io.open") or q.endswith(":open")  # a file object, read or written later
        if opened and mode and any(c in mode for c in "wax+"):
            return Value(handle=Handle("file", datasets=frozenset({dataset})), url=url)
        value = self.reads(sc, dataset, place)
        return Value(taint=value.taint, handle=Handle("file", datasets=frozenset({dataset})) if opened else None,
                     url=url)

    def _write(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
               node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        data = arg(row.data) if row.data else receiver
        data = data if data is not None else EMPTY
        if row.kind == "s3":
            self.writes(sc, self.s3_object(arg(("Bucket", 1)) if "upload_file" in q else arg(("Bucket", 0)),
                                           arg(("Key", 2)) if "upload_file" in q else arg(("Key", 1)), place),
                        data, place)
            return EMPTY
        target = self._path_of(row, arg, receiver)
        if target is None:
            return EMPTY
        if target.handle is not None and target.handle.kind == "file":
            for ds in sorted(target.handle.datasets):
                self.writes(sc, ds, data, place)
            return EMPTY if row.kind == "passthrough" and "writer" not in q.lower() else Value(handle=target.handle)
        text = constant(target)
        if text is not None:
            self.writes(sc, self.rec.uri_dataset(text, place), data, place)
        return EMPTY

    def s3_object(self, bucket: Value | None, key: Value | None, place: Place) -> str | None:
        b, k = constant(bucket), constant(key)
        if not b:
            return None
        return self.rec.uri_dataset(f"s3://{b}/{k or '*'}", place)

    def _store_client(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                      everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        kind = row.kind or "store"
        where = constant(arg(row.target)) if row.target else None
        where = where or constant(arg(ENDPOINT_ARGS))
        client = next((v.handle for v in [*args, *kwargs.values()] if v.handle is not None and v.handle.namespace
                       and v.handle.kind == kind), None)
        namespace = client.namespace if client else self.store_namespace(kind, where, kwargs)
        handle = Handle(kind, namespace=namespace)
        if kind in ("diskcache", "gptcache", "sqlite_cache"):  # a cache in a local folder or file
            dataset = self.rec.uri_dataset(where or {"gptcache": "gptcache_data", "sqlite_cache": ".langchain.db"}.get(
                kind, "cache"), place, role=Role.CACHE)
            handle = Handle("store", datasets=frozenset({dataset} if dataset else set()))
        if kind == "redis" and q.endswith(("RedisCache", "RedisSemanticCache")) and namespace:
            dataset = self.rec.dataset(namespace, "langchain-llm-cache", place, role=Role.CACHE)
            handle = Handle("store", datasets=frozenset({dataset} if dataset else set()))
        return Value(handle=handle)

    def store_namespace(self, kind: str, where: str | None, kwargs: dict[str, Value]) -> str | None:
        project = self.rec.project
        if kind in ("memory", "fs"):
            return None
        if kind in ("diskcache", "gptcache", "sqlite_cache", "faiss"):
            return "file"
        host = constant(kwargs.get("host"))
        if kind == "redis" and (not where or "://" not in where):
            where = f"redis://{where or host or 'localhost'}:{constant(kwargs.get('port')) or 6379}"
        if where and "://" in where:
            end = endpoint_of(where)
            if end and kind != "redis":
                return f"{kind}://{end.split('://', 1)[1]}"
            return end
        if host and kind != "redis":
            return f"{kind}://{host}"
        return f"{kind}://{project}"

    def _store(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
               node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        name = constant(arg(row.target)) if row.target else None
        parent = receiver.handle if receiver is not None and receiver.handle is not None else None
        namespace = parent.namespace if parent and parent.namespace else None
        if namespace is None:  # a client handed over: `QdrantVectorStore(client=client, ...)`
            namespace = next((v.handle.namespace for v in [*args, *kwargs.values()] if v.handle is not None
                              and v.handle.namespace and v.handle.kind == row.kind), None)
        if namespace is None:
            kind = row.kind or (parent.kind if parent else "store")
            where = constant(arg(("persist_directory", "path", "url", "connection", "connection_string", "uri")))
            if kind == "faiss":
                namespace, name = "file", f"{self.rec.project}/{(name or 'faiss_index').lstrip('./')}"
            else:
                namespace = self.store_namespace(kind, where if where and "://" in where else None, kwargs)
        if namespace is None:
            return EMPTY
        dataset = self.rec.dataset(namespace, name or "default", place, role=Role.STORE)
        embed = join([v for v in [*args, *kwargs.values()] if v.handle is not None and v.handle.processors])
        handle = Handle("store", datasets=frozenset({dataset} if dataset else set()),
                        processors=embed.handle.processors if embed.handle else frozenset())
        data = arg(row.data) if row.data else None
        if q.endswith(("from_documents", "from_texts")):
            data = args[0] if args else kwargs.get("documents", kwargs.get("texts"))
        if data is not None and dataset:
            for proc in sorted(handle.processors):
                self.flow_in(sc, data, proc, place)
                self.rec.write(proc, dataset, place, 0.8)
            self.writes(sc, dataset, data, place)
        return Value(handle=handle)

    def _store_write(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                     everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        namespace = receiver.handle.namespace if receiver and receiver.handle else None
        name = constant(arg(row.target))
        if namespace and name:
            data = arg(row.data) if row.data else everything
            self.writes(sc, self.rec.dataset(namespace, name, place, role=Role.STORE), data or EMPTY, place)
        return EMPTY

    def _store_read(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                    everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        namespace = receiver.handle.namespace if receiver and receiver.handle else None
        name = constant(arg(row.target))
        if namespace and name:
            return self.reads(sc, self.rec.dataset(namespace, name, place, role=Role.STORE), place)
        return EMPTY

    def _llm_cache(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                   everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        cache = args[0].handle if args and args[0].handle else None
        if cache is not None and cache.datasets:
            self.rec.llm_caches.extend((ds, place) for ds in sorted(cache.datasets))
        return EMPTY

    def _sql_conn(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                  everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        where = constant(arg(row.target)) if row.target else None
        dialect, namespace, database = row.kind, None, constant(kwargs.get("dbname") or kwargs.get("database"))
        if where and "://" in where:
            scheme = where.split("://", 1)[0].split("+", 1)[0].lower()
            dialect = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite",
                       "duckdb": "duckdb", "snowflake": "snowflake", "mssql": "tsql", "bigquery": "bigquery"}.get(
                scheme, dialect or scheme)
            if dialect in ("sqlite", "duckdb"):
                where = where.split("://", 1)[1].lstrip("/") or None
            else:
                namespace = endpoint_of(where.replace("postgresql", "postgres", 1)) if "@" not in where else None
                try:
                    from lineage.naming import split_uri
                    namespace, rest = split_uri(where)
                    database = database or (rest.split(".")[0] if rest else None)
                except ValueError:
                    pass
        elif dialect in ("postgres", "mysql") and (host := constant(kwargs.get("host"))):
            namespace = f"{dialect}://{host}"
        if dialect in ("sqlite", "duckdb") and where and where != ":memory:":
            file = where.replace("\\", "/").rsplit("/", 1)[-1]
            namespace = f"{dialect}://{file}"
            database = database or file.rsplit(".", 1)[0]
        return Value(handle=Handle("sql", dialect=dialect or "postgres", namespace=namespace, database=database))

    def _sql(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
             node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        handle = receiver.handle if receiver and receiver.handle else Handle("sql")
        text = constant(arg(row.target))
        data = arg(row.data) if row.data else None
        return self.run_sql(text, handle, data or EMPTY, sc, place)

    def run_sql(self, text: str | None, handle: Handle, data: Value, sc: Scope, place: Place) -> Value:
        if not text or "*" in text.replace("SELECT *", "").replace("select *", "").replace("(*)", ""):
            return Value(handle=handle)
        found = sql_tables(text, handle.dialect or "postgres", place.source, handle.namespace, handle.database,
                           (place.line or 1) - 1)
        for message in found.problems:
            self.warn(f"SQL not understood: {message}", place.line)
        read = [self.rec.dataset(ns, name, place) for ns, name in found.reads]
        for namespace, name in found.writes:
            self.writes(sc, self.rec.dataset(namespace, name, place), data, place)
        taint: set[str] = set()
        for ds in read:
            taint |= self.reads(sc, ds, place).taint
        return Value(taint=frozenset(taint), handle=handle)

    def _read_sql(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                  everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        con = arg(row.data)
        if con is None or con.handle is None:  # a connection made elsewhere: the tables' database is not known
            return everything
        return Value(taint=self.run_sql(constant(arg(row.target)), con.handle, EMPTY, sc, place).taint)

    def _to_sql(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
                node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        con = arg(row.data)
        name = constant(arg(row.target))
        if con is not None and con.handle is not None and name and re.fullmatch(r"[\w.]+", name):
            self.run_sql(f"INSERT INTO {name} SELECT 1", con.handle, receiver or EMPTY, sc, place)
        return EMPTY

    def _http_client(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                     everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        return Value(handle=Handle("http", endpoint=constant(arg(row.target))))

    def _http(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
              node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        url = constant(arg(row.target))
        op = row.op if row.op != "request" else (constant(arg(("method", 0))) or "get").lower()
        base = receiver.handle.endpoint if receiver and receiver.handle else None
        if url and base and "://" not in url:
            url = f"{base.rstrip('/')}/{url.lstrip('/')}"
        if not url or "://" not in url:
            return everything
        end = endpoint_of(url)
        if end is None or "*" in end or is_local_host(end.split("://", 1)[1].split(":")[0]):
            return everything  # a host computed at run time, or this machine
        dataset = self.rec.uri_dataset(url.split("?", 1)[0].split("#", 1)[0], place, role=Role.ORIGIN)
        if op in ("post", "put", "patch"):
            data = join([v for k, v in kwargs.items() if k in ("json", "data", "content", "files", "params")]
                        + args[1:])
            self.writes(sc, dataset, data, place)
        out = self.reads(sc, dataset, place)
        return Value(taint=out.taint, url=url)

    def _download(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
                  node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        repo = constant(arg(row.target))
        if not repo:
            return Value(url=_HUB)
        url = repo if "://" in repo else f"{_HUB}/{repo}"
        revision = constant(kwargs.get("revision"))
        return Value(url=url, const=None, items=(Value(const=revision),) if revision else ())

    def _model_load(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                    everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        target = arg(row.target)
        name = constant(target)
        if q == "transformers.pipeline" and name is None:
            return EMPTY
        if target is not None and target.url:
            name, url = target.url.removeprefix(_HUB + "/"), target.url
        elif not name or "*" in name:
            return EMPTY
        else:
            url = None if _LOCAL_PATH.search(name) else f"{_HUB}/{name}"
        revision = constant(kwargs.get("revision"))
        trust = _flag(node, "trust_remote_code") is True
        if trust is False and isinstance(_keyword(node, "model_kwargs"), ast.Dict):
            kw = _keyword(node, "model_kwargs")
            assert isinstance(kw, ast.Dict)
            trust = any(isinstance(k, ast.Constant) and k.value == "trust_remote_code" and isinstance(v, ast.Constant)
                        and v.value is True for k, v in zip(kw.keys, kw.values, strict=False))
        caps = ("trust_remote_code",) if trust else ()
        how = q.rsplit(".", 2)[-2] + ".from_pretrained" if q.endswith("from_pretrained") else q
        if url is None:
            self.rec.model("file", name, place, revision=revision, pinned=True, capabilities=caps, url=None, how=how)
        else:
            self.rec.model(_HUB, name, place, revision=revision, pinned=bool(revision and _PINNED.match(revision)),
                           capabilities=caps, url=url, how=how)
        return EMPTY

    def _unpickle(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
                  node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        if row.kind == "torch" and _flag(node, "weights_only") is True:
            return everything
        target = arg(row.target)
        if target is None:
            return everything
        text = constant(target)
        url = target.url or (text if text and "://" in text else None)
        if url and url.startswith("file:"):
            url = None
        if url:
            end = endpoint_of(url) or url.split("://", 1)[0] + "://"
            name = url[len(end):].strip("/") if url.startswith(end) else url
            if row.kind == "torch.hub":
                end, name = "https://github.com", name or text or "hub"
            self.rec.model(end, name or "model", place, revision=None, pinned=False,
                           capabilities=("code_executing_format",), url=url, how=q)
        elif text and "*" not in text:
            self.rec.model("file", text, place, revision=None, pinned=True, capabilities=("code_executing_format",),
                           url=None, how=q)
        elif target.taint:
            for ds in datasets(target.taint):
                ns, _, name = ds.removeprefix("dataset:").partition(":")
                remote = not ns.startswith("file")
                self.rec.model(ns.rstrip(":") if remote else "file", name or ns, place, revision=None,
                               pinned=not remote, capabilities=("code_executing_format",),
                               url=f"{ns}/{name}" if remote else None, how=q)
        return everything

    def _mcp_server(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                    everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        given = arg(("params", "server", 0))
        if given is not None and given.handle is not None and given.handle.kind == "mcp":
            return Value(handle=given.handle, items=(Value(handle=given.handle),) * 3)
        fields = dict(kwargs)
        if given is not None and given.items and len(given.items) % 2 == 0:  # params={"command": ..., "args": [...]}
            half = len(given.items) // 2
            fields.update({k.const: v for k, v in zip(given.items[:half], given.items[half:], strict=True) if k.const})
        command = constant(fields.get("command"))
        arguments = fields.get("args")
        url = constant(fields.get("url")) or (constant(arg((0,))) if "Stdio" not in q else None)
        server, vendor = None, None
        if arguments is not None:
            words = [v.const for v in arguments.items if v.const]
            if command in ("docker", "podman") and words[:1] == ["run"]:
                words = words[1:]
            package = next((w for w in words if not w.startswith("-")), None)
            if package:
                server = re.split(r"[\\/]", package.split("@", 2)[1] if package.startswith("@") and
                                  package.count("@") > 1 else package)[-1] or package
                server = re.sub(r"(==|@).*$", "", server)
                vendor = f"npm {package.split('/')[0]}" if package.startswith("@") else None
        if server is None and url and (end := endpoint_of(url)):
            server = end.split("://", 1)[1]
        server = server or command
        if not server:
            return Value(handle=Handle("mcp"))
        proc = self.rec.mcp(server, None, place, vendor=vendor, url=url)
        handle = Handle("mcp", server=server, endpoint=url, processors=frozenset({proc}))
        return Value(handle=handle, items=(Value(handle=handle),) * 3)

    def _mcp_session(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                     everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        found = next((v.handle for v in args if v.handle is not None and v.handle.kind == "mcp"), None)
        return Value(handle=found or Handle("mcp"))

    def _mcp_tool(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value], everything: Value,
                  node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        handle = receiver.handle if receiver and receiver.handle else None
        tool = constant(arg(row.target))
        if handle is None or not handle.server or not tool:
            return everything
        proc = self.rec.mcp(handle.server, tool, place, vendor=None, url=handle.endpoint)
        self.flow_in(sc, arg(row.data) or EMPTY, proc, place)
        return Value(taint=frozenset({proc}))

    def _synthetic(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                   everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        dataset = self.rec.dataset(f"synthetic://{row.kind}", f"{self.rec.project}/{self.module}", place,
                                   role=Role.ORIGIN, origin=Origin.SYNTHETIC,
                                   description=f"data generated by {q}")
        return Value(handle=Handle("synthetic", datasets=frozenset({dataset} if dataset else set())))


def strip_params(value: Value) -> Value:
    return replace(value, taint=frozenset(t for t in value.taint if not t.startswith(PARAM)))
