"""Names and facts for what the code collector finds. Pure: no I/O.

Naming, so that what code says merges with specs, SQL and OpenLineage:

- a third-party processor is one *integration*, the vendor endpoint as one application calls it
  (docs/pipeline-spec.md): namespace the endpoint (`https://api.openai.com`, an Azure resource,
  `https://bedrock-runtime.us-east-1.amazonaws.com`, a `base_url`'s host), name
  `apps/<project>/<API path>` (`apps/support-bot/v1/chat/completions`). A spec declaring the same
  integration writes the same name and merges with it;
- the code's own steps are internal processes `python://<project>` / `<module>.<function>`
  (`<module>` for module-level code); the application is the identity `python://<project>` /
  `<project>` (a service account) that runs them and the third parties it calls;
- datasets follow `lineage.naming`: URIs as they are (`s3://bucket` + key), local files `file` +
  `<project>/<relative path>` (absolute paths as written), tables through the SQL collector, vector
  stores `<platform>://<host>` (`<platform>://<project>` for a local one) + collection or index,
  Redis `redis://host:port` + the key prefix;
- a model loaded by the code is a process `https://huggingface.co` / `<repo id>` (a local one
  `file` / its path) with `job_type: model`, its revision in `version`, `pinned`, and in
  `capabilities` what it runs when loaded (`trust_remote_code`, `code_executing_format`).

Example:
    >>> processor_name("support-bot", "v1/messages")
    'apps/support-bot/v1/messages'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from collectors.code.vendors import FAMILIES, Family, family_of_host, is_local_host
from lineage.models import (
    ColumnLineage,
    Dataset,
    Edge,
    EdgeKind,
    Evidence,
    Identity,
    IdentityType,
    Layer,
    NodeRef,
    Origin,
    Process,
    ProcessorType,
    Role,
    SecretRef,
)
from lineage.naming import check_characters, normalize, split_uri

COLLECTOR = "code"
Fact = Dataset | Process | Identity | Edge | ColumnLineage
_URI = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def _safe(*texts: str) -> bool:
    """Whether names are free of control and bidirectional formatting characters (as every name must be)."""
    try:
        for text in texts:
            check_characters(text, "name", echo=False)
    except ValueError:
        return False
    return True


def processor_name(project: str, path: str) -> str:
    return f"apps/{project}/{path.strip('/')}"


def endpoint_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, or None when it is not one."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}{port}"


@dataclass
class Place:
    """Where a fact was read: the evidence source (a file, or `file#cell-N` in a notebook) and line."""

    source: str
    line: int | None


@dataclass
class Recorder:
    """Collects facts once each (the first sighting's evidence wins) for one source file."""

    project: str
    module: str
    observed_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    nodes: dict[str, Dataset | Process] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], Edge] = field(default_factory=dict)
    models: dict[str, set[str]] = field(default_factory=dict)
    secrets: dict[str, list[SecretRef]] = field(default_factory=dict)
    extra: list[Fact] = field(default_factory=list)
    llm_caches: list[tuple[str, Place]] = field(default_factory=list)

    def evidence(self, place: Place) -> Evidence:
        return Evidence(collector=COLLECTOR, source=place.source, line=place.line, observed_at=self.observed_at,
                        layer=Layer.INFERRED)

    # --- nodes ---
    def dataset(self, namespace: str, name: str, place: Place, *, role: Role | None = None,
                origin: Origin | None = None, description: str | None = None) -> str | None:
        try:
            namespace, name = normalize(namespace, name)
        except ValueError:
            return None
        ref = NodeRef.dataset(namespace, name)
        if ref.id not in self.nodes:
            self.nodes[ref.id] = Dataset(namespace=namespace, name=name, role=role, origin=origin,
                                         description=description, evidence=self.evidence(place))
        return ref.id

    def uri_dataset(self, text: str, place: Place, *, role: Role | None = None) -> str | None:
        """A dataset named by a path or URI literal (relative paths under the project)."""
        text = text.strip()
        if not text or text in ("-", ":memory:") or "\x00" in text or text.startswith("*"):
            return None
        if text.startswith("file://"):
            text = text[len("file://"):]
        if _URI.match(text):
            if text.lower().startswith(("http://", "https://")):
                end = endpoint_of(text)
                if end is None:
                    return None
                path = urlsplit(text).path.strip("/") or "/"
                return self.dataset(end, path, place, role=role or Role.ORIGIN)
            try:
                namespace, name = split_uri(text)
            except ValueError:
                return None
            return self.dataset(namespace, name, place, role=role)
        if re.match(r"^[A-Za-z]:[\\/]", text) or text.startswith("/"):
            return self.dataset("file", text, place, role=role)
        rel = re.sub(r"^(\./)+", "", text.replace("\\", "/"))
        return self.dataset("file", f"{self.project}/{rel}", place, role=role)

    def function(self, name: str, place: Place) -> str:
        ref = NodeRef.process(f"python://{self.project}", name)
        if ref.id not in self.nodes:
            self.nodes[ref.id] = Process(namespace=ref.namespace, name=ref.name, job_type="python",
                                         description=f"Python code in {self.module}", evidence=self.evidence(place))
        return ref.id

    def processor(self, family: Family, op: str, place: Place, *, endpoint: str | None = None,
                  region: str | None = None, deployment: str | None = None, model: str | None = None,
                  vendor: str | None = None, path: str | None = None) -> str | None:
        namespace = endpoint or family.endpoint
        host = urlsplit(namespace).hostname or ""
        if not endpoint and "{region}" in namespace:
            namespace = namespace.replace("{region}", region or "us-east-1")
        if endpoint and family.key in ("openai", "local_http"):
            family = family_of_host(host) or family
            if is_local_host(host):
                family = FAMILIES["local_http"] if family.key != "ollama" else family
        local = family.local or is_local_host(host)
        api = (path or family.path(op)).replace("{deployment}", deployment or model or "default")
        embedding = op == "embed" or bool(model and "embed" in model.lower())
        if not _safe(namespace, api, model or ""):
            return None
        ref = NodeRef.process(namespace, processor_name(self.project, api))
        if model:
            self.models.setdefault(ref.id, set()).add(model)
        if ref.id not in self.nodes:
            kind = ProcessorType.EMBEDDING_API if embedding else ProcessorType.LLM_API
            self.nodes[ref.id] = Process(
                namespace=ref.namespace, name=ref.name, third_party=not local,
                processor_type=None if local else kind, vendor=vendor or family.vendor,
                region=region, auth=None if local else "api_key", evidence=self.evidence(place),
                description=f"{family.vendor} {api} ({'embeddings' if embedding else op}), called from code")
        return ref.id

    def mcp(self, server: str, tool: str | None, place: Place, *, vendor: str | None,
            url: str | None) -> str | None:
        if not _safe(server, tool or "", url or ""):
            return None
        key = re.sub(r"[^a-z0-9]+", "-", server.lower()).strip("-") or "server"
        name = processor_name(self.project, f"tools/{tool}" if tool else server)
        ref = NodeRef.process(f"mcp://{key}", name)
        if ref.id not in self.nodes:
            self.nodes[ref.id] = Process(
                namespace=ref.namespace, name=ref.name, third_party=True,
                processor_type=ProcessorType.MCP_TOOL if tool else ProcessorType.MCP_SERVER,
                vendor=vendor or server, url=url, transport="http" if url else "stdio",
                evidence=self.evidence(place))
        return ref.id

    def model(self, namespace: str, name: str, place: Place, *, revision: str | None, pinned: bool,
              capabilities: tuple[str, ...], url: str | None, how: str) -> str | None:
        if not _safe(namespace, name, revision or "", url or ""):
            return None
        ref = NodeRef.process(namespace, name)
        old = self.nodes.get(ref.id)
        if isinstance(old, Process):
            capabilities = tuple(sorted({*old.capabilities, *capabilities}))
            pinned = bool(old.pinned) and pinned
            revision = old.version or revision
            place = Place(old.evidence.source, old.evidence.line) if old.capabilities or not capabilities else place
        self.nodes[ref.id] = Process(
            namespace=ref.namespace, name=ref.name, job_type="model", version=revision, pinned=pinned,
            capabilities=tuple(sorted(set(capabilities))), url=url, evidence=self.evidence(place),
            description=f"model weights loaded with {how}")
        return ref.id

    def secret(self, node: str, kind: str, place: Place) -> None:
        self.secrets.setdefault(node, []).append(SecretRef(location=f"{place.source}:{place.line}", kind=kind))

    # --- edges ---
    def edge(self, source: str, target: str, kind: EdgeKind, place: Place, confidence: float) -> None:
        if source == target or not (source in self.nodes and target in self.nodes):
            return
        key = (source, target, kind.value)
        confidence = round(confidence, 2)
        old = self.edges.get(key)
        if old is None or old.confidence < confidence:
            self.edges[key] = Edge(source=self.nodes[source].ref, target=self.nodes[target].ref, kind=kind,
                                   confidence=confidence, evidence=old.evidence if old else self.evidence(place))

    def read(self, dataset: str, process: str, place: Place, confidence: float) -> None:
        self.edge(dataset, process, EdgeKind.READ, place, confidence)

    def write(self, process: str, dataset: str, place: Place, confidence: float) -> None:
        self.edge(process, dataset, EdgeKind.WRITE, place, confidence)

    def _identity(self) -> list[Fact]:
        """The application as the identity that runs its code's steps and the third parties it calls
        (its API keys are its own), when it calls any: `python://<project>` / `<project>`."""
        runs = [n for n in self.nodes.values() if isinstance(n, Process) and n.job_type != "model"
                and (n.third_party or n.job_type == "python")]
        if not any(n.third_party for n in runs):
            return []
        first = next(n for n in runs if n.third_party)
        identity = Identity(namespace=f"python://{self.project}", name=self.project,
                            identity_type=IdentityType.SERVICE_ACCOUNT, evidence=first.evidence,
                            description=f"the application {self.project}, as its code calls third parties")
        return [identity, *(Edge(source=identity.ref, target=n.ref, kind=EdgeKind.RUNS, evidence=n.evidence)
                             for n in runs)]

    def facts(self) -> list[Fact]:
        for cache, place in self.llm_caches:  # a global LLM cache keeps what every model of the module answers
            for nid, node in list(self.nodes.items()):
                if isinstance(node, Process) and node.description and "called from code" in node.description and (
                        "(embeddings)" not in node.description):
                    self.write(nid, cache, place, 0.5)
        out: list[Fact] = self._identity()
        for nid, node in self.nodes.items():
            update: dict[str, object] = {}
            if nid in self.models and isinstance(node, Process) and node.description:
                update["description"] = f"{node.description}; model {', '.join(sorted(self.models[nid]))}"
            if nid in self.secrets and isinstance(node, Process):
                update["secrets"] = tuple(self.secrets[nid])
            out.append(node.model_copy(update=update) if update else node)
        return out + list(self.edges.values()) + self.extra
