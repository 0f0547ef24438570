"""GenAI spans into lineage facts, aggregated per trace.

What a span becomes depends on its operation (`collectors.otel.conventions.read_operation`):

- a model call (`chat`, `text_completion`, `generate_content`, `embeddings`, ...): a third-party
  processor per provider endpoint (`collectors.otel.providers`) and calling application, named as
  the spec and the code collector name an integration: the endpoint + `apps/<service.name>/<API
  path>` (`https://api.openai.com` + `apps/support-bot/v1/chat/completions`), of type `llm_api` or
  `embedding_api`, with its vendor, region when the host says it, the model as its `version` and
  the operation as its `job_type`; the caller *runs* it. Captured content becomes datasets holding
  only the classes found: the caller's prompts to the endpoint (read by it) and its responses
  (written by it);
- `execute_tool`: the tool as a process of the service (`<service>` + `tools/<tool>`), run by the
  caller; captured arguments become a dataset the tool reads; the responses of the model calls
  before it in the trace (where the tool call was chosen) are read by it (the chat feeds the tool);
- `retrieval`: the data source as a dataset (a URI names it as the naming conventions do; a bare
  id is `otel://<service>` + id), with the classes of the retrieved documents; it is read by every
  model call of the trace that starts after the retrieval (retrieval feeds the chat);
- `invoke_agent`: the agent, an identity of the service; a CLIENT span of a provider's agent
  service (OpenAI Assistants, Bedrock Agents) is also a call to a third-party processor of the
  provider (`apps/<service>/agents/<agent>`).

The caller is the nearest agent among the span and its ancestors (`gen_ai.agent.name`, an
`invoke_agent` span, an OpenInference or OpenLLMetry agent span), else the service (`service.name`
in `service.namespace`, default `services`) as a service account.

Every fact of one export request (a line of a trace file, one `POST /v1/traces`) shares one
evidence: the request's first trace id as run id, its earliest span start as the time; and the
request states each fact once. The store keeps a claim once with how many requests made it and
when first and last (`lineage.store.rows.FactRows`), so a million spans, sent as the exporters
batch them (up to 512 spans a request), become a few hundred claims and a few thousand events.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from collectors.otel.content import classes_of
from collectors.otel.conventions import AGENT, EMBEDDINGS, MODEL_OPERATIONS, RETRIEVAL, TOOL, content_role, first
from collectors.otel.conventions import read_operation as operation_of
from collectors.otel.providers import Endpoint, endpoint
from collectors.otel.spans import Span, read_request
from lineage.models import (
    Dataset,
    Edge,
    EdgeKind,
    Evidence,
    Identity,
    IdentityType,
    Layer,
    NodeKind,
    NodeRef,
    Problem,
    Process,
    ProcessorType,
    Role,
)
from lineage.naming import split_uri

COLLECTOR = "otel"
MAX_NAME = 256
MAX_PROBLEMS = 20
"""Problems reported one by one per export request; the rest are counted."""
MAX_DEPTH = 64
"""How many ancestors are walked to find a span's agent."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Fact = Dataset | Process | Identity | Edge


@functools.lru_cache(maxsize=1 << 14)
def clean(text: str) -> str:
    """A name from a span, safe as a node name: no control characters, at most `MAX_NAME` long.

    Example:
        >>> clean(" tools\\n x "), len(clean("a" * 999))
        ('tools? x', 256)
    """
    return _CONTROL.sub("?", text.strip())[:MAX_NAME]


@dataclass
class Mapped:
    """The facts and problems of one export request, and how many spans it had and rejected."""

    facts: list[Fact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    spans: int = 0
    rejected: int = 0


@functools.lru_cache(maxsize=1 << 16)
def _ref(kind: NodeKind, namespace: str, name: str) -> NodeRef:
    """A node's identity, made once for the many spans that name it."""
    return NodeRef(kind=kind, namespace=namespace, name=name)


class _Trace:
    """One trace of a request: its spans by id, and the callers found so far; its facts go to the
    request's facts, each stated once."""

    def __init__(self, spans: list[Span], evidence: Evidence, facts: dict[tuple[Any, ...], Fact]) -> None:
        self.spans = spans
        self.by_id = {s.span_id: s for s in spans}
        self.evidence = evidence
        self.facts = facts
        self.callers: dict[str, NodeRef] = {}
        self.operations = {s.span_id: operation_of(s.attributes) for s in spans}

    def add(self, key: tuple[Any, ...], make: Any) -> None:
        if key not in self.facts:
            self.facts[key] = make()

    def edge(self, source: NodeRef, target: NodeRef, kind: EdgeKind) -> None:
        self.add(("edge", source.id, target.id, kind),
                 lambda: Edge(source=source, target=target, kind=kind, evidence=self.evidence))

    def identity(self, ref: NodeRef, kind: IdentityType) -> None:
        self.add(("identity", ref.id), lambda: Identity(namespace=ref.namespace, name=ref.name, identity_type=kind,
                                                         evidence=self.evidence))

    def dataset(self, ref: NodeRef, role: Role | None, classes: Iterable[str]) -> None:
        found = tuple(sorted(set(classes)))
        self.add(("dataset", ref.id, found), lambda: Dataset(namespace=ref.namespace, name=ref.name, role=role,
                                                            classifications=found, evidence=self.evidence))


def _service(span: Span) -> tuple[str, str]:
    return _service_of(span.resource.get("service.namespace"), span.resource.get("service.name"))


@functools.lru_cache(maxsize=1024)
def _service_of(namespace: Any, name: Any) -> tuple[str, str]:
    return (clean(str(namespace)) if namespace else "services") or "services", \
        (clean(str(name)) if name else "unknown_service") or "unknown_service"


def _agent_name(span: Span, operation: str | None) -> str | None:
    name = first(span.attributes, "agent")
    if name is None and operation == AGENT:
        name = first(span.attributes, "entity") or span.name.removeprefix("invoke_agent").strip() or None
    return clean(name) if name else None


def _caller(trace: _Trace, span: Span) -> NodeRef:
    """The identity that makes `span`'s call: the nearest agent up its ancestry, else its service.
    Each span's answer is kept, so a trace's ancestry is walked once."""
    cached = trace.callers.get(span.span_id)
    if cached is not None:
        return cached
    service_ns, service = _service(span)
    ref = _ref(NodeKind.IDENTITY, service_ns, service)
    kind = IdentityType.SERVICE_ACCOUNT
    walked: list[str] = []
    current: Span | None = span
    while current is not None and len(walked) < MAX_DEPTH and current.span_id not in walked:
        known = trace.callers.get(current.span_id)
        if known is not None:
            ref = known
            break
        walked.append(current.span_id)
        agent = _agent_name(current, trace.operations.get(current.span_id))
        if agent:
            ref, kind = _ref(NodeKind.IDENTITY, service, agent), IdentityType.AGENT
            break
        current = trace.by_id.get(current.parent_id)
    if ref.name != service or ref.namespace != service_ns:
        kind = IdentityType.AGENT
    trace.identity(ref, kind)
    for span_id in walked:
        trace.callers[span_id] = ref
    return ref


def _classes(span: Span, role: str) -> tuple[set[str], bool]:
    """The classes of the span's content of one role, and whether it had any."""
    found: set[str] = set()
    seen = False
    for key, marker in span.content.items():
        if content_role(key) == role:
            seen = True
            found.update(classes_of(marker))
    return found, seen


def _dataset_ref(service: str, source: str) -> NodeRef:
    if "://" in source:
        try:
            namespace, name = split_uri(source)
            return _ref(NodeKind.DATASET, namespace, name)
        except ValueError:
            pass
    return _ref(NodeKind.DATASET, f"otel://{service}", clean(source))


def _model_call(trace: _Trace, span: Span, operation: str, problems: list[Problem], source: str,
                line: int | None) -> tuple[NodeRef, NodeRef | None]:
    """The processor a model call reaches, and the dataset of what it answers (None for embeddings)."""
    attrs = span.attributes
    provider = first(attrs, "provider")
    address, url = first(attrs, "address"), first(attrs, "url")
    if address is None and url is None and (full := first(attrs, "full_url")):
        url = _origin(full)  # the request's own URL: its server, not its path (which names the model)
    if provider is None and address is None and url is None:
        problems.append(Problem(severity="warning", source=source, line=line, field=f"span {span.span_id}",
                                message=f"a {operation} span names no provider and no server"))
    agent = _agent_name(span, operation) if operation == AGENT else None
    e = _endpoint(provider, operation, address, attrs.get("server.port"), url, agent)
    _, service = _service(span)
    ref = _ref(NodeKind.PROCESS, e.namespace, clean(f"apps/{service}/{e.name or operation}"))
    model = first(attrs, "model")
    trace.add(("process", ref.id, model), lambda: Process(
        namespace=ref.namespace, name=ref.name, third_party=True, processor_type=ProcessorType(e.processor_type),
        vendor=clean(e.vendor) or None, region=e.region, version=clean(model) if model else None, job_type=operation,
        evidence=trace.evidence))
    caller = _caller(trace, span)
    trace.edge(caller, ref, EdgeKind.RUNS)
    who = caller.name if caller.namespace == service else service
    classes, sent = _classes(span, "input")
    if sent:
        prompts = _ref(NodeKind.DATASET, f"otel://{service}", clean(f"{who}/prompts/{_bare(e.namespace)}/{e.name}"))
        trace.dataset(prompts, Role.ORIGIN, classes)
        trace.edge(prompts, ref, EdgeKind.READ)
    responses = None
    if operation != EMBEDDINGS:
        responses = _ref(NodeKind.DATASET, f"otel://{service}", clean(f"{who}/responses/{_bare(e.namespace)}/{e.name}"))
        classes, answered = _classes(span, "output")
        if answered:
            trace.dataset(responses, Role.STORE, classes)
            trace.edge(ref, responses, EdgeKind.WRITE)
    data_source = first(attrs, "data_source")
    if data_source:
        grounding = _dataset_ref(service, data_source)
        trace.dataset(grounding, None, ())
        trace.edge(grounding, ref, EdgeKind.READ)
    return ref, responses


@functools.lru_cache(maxsize=4096)
def _endpoint(provider: str | None, operation: str, address: str | None, port: Any, url: str | None,
              agent: str | None) -> Endpoint:
    return endpoint(provider, operation, address=address, port=port, url=url, agent=agent)


def _origin(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, or None."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.hostname}{port}" if parts.hostname else None


def _bare(namespace: str) -> str:
    return namespace.split("://", 1)[-1]


def _tool(trace: _Trace, span: Span) -> NodeRef | None:
    attrs = span.attributes
    name = first(attrs, "tool") or first(attrs, "entity") or span.name.removeprefix("execute_tool").strip()
    if not name:
        return None
    _, service = _service(span)
    ref = _ref(NodeKind.PROCESS, service, clean(f"tools/{name}"))
    trace.add(("process", ref.id), lambda: Process(namespace=ref.namespace, name=ref.name, job_type=TOOL,
                                                   evidence=trace.evidence))
    caller = _caller(trace, span)
    trace.edge(caller, ref, EdgeKind.RUNS)
    classes, sent = _classes(span, "input")
    if sent:
        who = caller.name if caller.namespace == service else service
        arguments = _ref(NodeKind.DATASET, f"otel://{service}", clean(f"{who}/tool-arguments/{name}"))
        trace.dataset(arguments, Role.ORIGIN, classes)
        trace.edge(arguments, ref, EdgeKind.READ)
    return ref


def _retrieval(trace: _Trace, span: Span) -> tuple[NodeRef, int] | None:
    source = first(span.attributes, "data_source") or span.name
    if not source.strip():
        return None
    _, service = _service(span)
    ref = _dataset_ref(service, source)
    classes, _ = _classes(span, "document")
    trace.dataset(ref, Role.STORE, classes)
    return ref, span.start_ns


def _map_trace(spans: list[Span], evidence: Evidence, facts: dict[tuple[Any, ...], Fact], source: str,
               line: int | None, problems: list[Problem]) -> None:
    trace = _Trace(spans, evidence, facts)
    retrieved: list[tuple[NodeRef, int]] = []
    calls: list[tuple[NodeRef, NodeRef | None, int]] = []
    tools: list[tuple[NodeRef, int]] = []
    for span in spans:
        operation = trace.operations[span.span_id]
        if operation is None:
            continue
        if operation in MODEL_OPERATIONS:
            called, responses = _model_call(trace, span, operation, problems, source, line)
            calls.append((called, responses, span.start_ns))
        elif operation == TOOL:
            tool = _tool(trace, span)
            if tool is not None:
                tools.append((tool, span.start_ns))
        elif operation == RETRIEVAL:
            found = _retrieval(trace, span)
            if found is not None:
                retrieved.append(found)
        elif operation == AGENT:
            _caller(trace, span)
            if span.client and first(span.attributes, "provider"):  # an agent a provider runs (a remote agent)
                called, _ = _model_call(trace, span, operation, problems, source, line)
                calls.append((called, None, span.start_ns))
    for dataset, at in retrieved:  # retrieval feeds the chats after it
        for process, responses, start in calls:
            if start >= at and responses is not None:
                trace.edge(dataset, process, EdgeKind.READ)
    for tool, at in tools:  # a chat's answer (the tool call it chose) feeds the tools after it
        for process, responses, start in calls:
            if start <= at and responses is not None:
                trace.dataset(responses, Role.STORE, ())
                trace.edge(process, responses, EdgeKind.WRITE)
                trace.edge(responses, tool, EdgeKind.READ)


def map_request(request: Any, *, source: str, line: int | None = None) -> Mapped:
    """The facts of one OTLP export request in JSON form; its content is redacted in place.

    Example:
        >>> span = {"traceId": "a" * 32, "spanId": "b" * 16, "name": "chat gpt-4o", "startTimeUnixNano": "1",
        ...         "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
        ...                        {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
        ...                        {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}}]}
        >>> m = map_request({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name",
        ...     "value": {"stringValue": "support-bot"}}]}, "scopeSpans": [{"spans": [span]}]}]}, source="t.jsonl")
        >>> sorted(f.fact + " " + (f.ref.id if f.fact != "edge" else f.kind) for f in m.facts)
        ['edge runs', 'identity identity:services:support-bot', 'process process:https://api.openai.com:apps/support-bot/v1/chat/completions']
    """
    out = Mapped()
    read = read_request(request)
    out.rejected = read.rejected
    out.spans = len(read.spans)
    for place, message, warning in read.problems[:MAX_PROBLEMS]:
        out.problems.append(Problem(source=source, line=line, field=place, message=message,
                                    severity="warning" if warning else "error"))
    if len(read.problems) > MAX_PROBLEMS:
        more = len(read.problems) - MAX_PROBLEMS
        out.problems.append(Problem(source=source, line=line, message=f"and {more:,} more problem(s) like these",
                                    severity="error" if any(not w for _, _, w in read.problems[MAX_PROBLEMS:])
                                    else "warning"))
    if not read.spans:
        return out
    traces: dict[str, list[Span]] = {}
    started = 0
    for span in read.spans:
        traces.setdefault(span.trace_id, []).append(span)
        if span.start_ns and (not started or span.start_ns < started):
            started = span.start_ns
    when = datetime.fromtimestamp(started / 1e9, UTC) if started else _EPOCH
    evidence = Evidence(collector=COLLECTOR, source=source, line=line, run_id=read.spans[0].trace_id,
                        observed_at=when, layer=Layer.OBSERVED)
    facts: dict[tuple[Any, ...], Fact] = {}
    for spans in traces.values():
        _map_trace(spans, evidence, facts, source, line, out.problems)
    out.facts.extend(facts.values())
    return out
