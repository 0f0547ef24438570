"""The acts about data: files, S3 objects, vector stores and caches, SQL (handed to the SQL
collector), HTTP hosts."""

from __future__ import annotations

import ast
import re
from typing import Any

from collectors.code.facts import Place, endpoint_of
from collectors.code.flows import Flows, constant
from collectors.code.scopes import Scope
from collectors.code.sqltext import sql_tables
from collectors.code.tables import ENDPOINT_ARGS, Api
from collectors.code.values import EMPTY, Handle, Value, join
from collectors.code.vendors import is_local_host
from lineage.models import Role

_STORE_ROLE = {"redis": Role.CACHE, "diskcache": Role.CACHE, "gptcache": Role.CACHE, "sqlite_cache": Role.CACHE}


class DataActs(Flows):
    """The acts about data; see the module docstring."""

    def store_datasets(self, h: Handle, key: Value, place: Place) -> list[str]:
        if h.kind == "store" or h.kind == "file":
            return sorted(h.datasets)
        if h.namespace is None:
            return []
        prefix = (key.const or "").split("*")[0].split("{")[0]
        name = re.split(r"[:/|]", prefix.strip(), maxsplit=1)[0] if prefix.strip() else ""
        dataset = self.rec.dataset(h.namespace, name or "keys", place, role=_STORE_ROLE.get(h.kind, Role.CACHE))
        return [dataset] if dataset else []

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

    def _s3_object(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                   everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        """`boto3.resource("s3").Object(bucket, key)`: an object its `get` reads and its `put` writes."""
        dataset = self.s3_object(arg(("bucket_name", 0)), arg(("key", 1)), place)
        return Value(handle=Handle("store", datasets=frozenset({dataset}))) if dataset else EMPTY

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
