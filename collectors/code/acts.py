"""What each kind of recognised call does to the map (the `act` of a `tables.Api` row): the
dispatch of a call to its row, then the acts about models, agents, model loads, MCP sessions and
synthetic generators. The acts about data (files, S3, stores, caches, SQL, HTTP) are in
`data_acts`; the edges they draw in `flows`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import Any

from collectors.code.data_acts import DataActs
from collectors.code.facts import Place, endpoint_of
from collectors.code.flows import constant, flag, keyword
from collectors.code.scopes import Scope
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
from collectors.code.values import EMPTY, Handle, Value, datasets, join
from collectors.code.vendors import FAMILIES, Family, bare_model, family_of_model
from lineage.models import Origin, Role

_PINNED = re.compile(r"^[0-9a-f]{7,40}$")
_LOCAL_PATH = re.compile(r"^(\.{1,2}[\\/]|[\\/]|~|[A-Za-z]:[\\/])|\.(bin|pt|pth|ckpt|safetensors|pkl|joblib|onnx)$")
_HUB = "https://huggingface.co"


class Acts(DataActs):
    """The dispatch and the acts about models; see the module docstring."""

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
        if family == "google_genai" and flag(node, "vertexai") is True:  # genai.Client(vertexai=True, ...)
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
        trust = flag(node, "trust_remote_code") is True
        if trust is False and isinstance(keyword(node, "model_kwargs"), ast.Dict):
            kw = keyword(node, "model_kwargs")
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
        if row.kind == "torch" and flag(node, "weights_only") is True:
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
        handle = Handle("mcp", server=server, endpoint=url, processors=frozenset({proc} if proc else set()))
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
        if proc is None:
            return everything
        self.flow_in(sc, arg(row.data) or EMPTY, proc, place)
        return Value(taint=frozenset({proc}))

    def _synthetic(self, row: Api, q: str, arg: Any, args: list[Value], kwargs: dict[str, Value],
                   everything: Value, node: ast.Call, sc: Scope, receiver: Value | None, place: Place) -> Value:
        dataset = self.rec.dataset(f"synthetic://{row.kind}", f"{self.rec.project}/{self.module}", place,
                                   role=Role.ORIGIN, origin=Origin.SYNTHETIC,
                                   description=f"data generated by {q}")
        return Value(handle=Handle("synthetic", datasets=frozenset({dataset} if dataset else set())))
