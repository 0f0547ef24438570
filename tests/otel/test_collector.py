"""The `otel` collector on real trace files: JSON lines as the OpenTelemetry Collector's file
exporter writes them, gzip, and malformed, truncated, oversized and hostile input."""

from __future__ import annotations

import contextlib
import gzip
import zlib
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from collectors.base import Source, available_collectors, get_collector
from collectors.otel import OtelCollector
from lineage.cli import main
from lineage.graph import load_graph
from lineage.models import LineageBatch
from lineage.store import open_store
from tests.otel.traces import rag_trace, request, span, trace_id

SECRET_TEXT = "my card is 4111 1111 1111 1111 and mail jane.doe@corp.example"


def _lines(*requests: dict[str, Any]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in requests)


def _collect(data: bytes, name: str = "traces.jsonl") -> LineageBatch:
    return OtelCollector().collect(Source(name, data))


def _nodes(batch: LineageBatch, fact: str) -> dict[str, Any]:
    return {f.ref.id: f for f in batch.facts if f.fact == fact}


def test_otel_collector_is_registered_and_detects_trace_files_not_openlineage_events() -> None:
    collectors = available_collectors()
    assert list(collectors).index("otel") < list(collectors).index("sql")
    data = _lines(request("svc", rag_trace(0)))
    assert get_collector("otel").detect(Path("t.json"), data[:4096])
    assert get_collector("otel").detect(Path("t.json.gz"), gzip.compress(data)[:4096])
    assert not get_collector("otel").detect(Path("e.json"), b'{"eventTime": "2026-01-01T00:00:00Z", "run": {}}')
    assert not get_collector("openlineage").detect(Path("t.json"), data[:4096])


def test_genai_spans_become_processors_tools_agent_and_data_source() -> None:
    batch = _collect(_lines(request("support-bot", rag_trace(0))))
    processes = _nodes(batch, "process")
    chat = processes["process:https://api.openai.com:apps/support-bot/v1/chat/completions"]
    assert (chat.processor_type, chat.vendor, chat.version, chat.third_party) == ("llm_api", "OpenAI", "gpt-4o-mini",
                                                                                  True)
    embed = processes["process:https://api.openai.com:apps/support-bot/v1/embeddings"]
    assert (embed.processor_type, embed.version) == ("embedding_api", "text-embedding-3-small")
    assert processes["process:support-bot:tools/lookup_order"].job_type == "execute_tool"
    agent = _nodes(batch, "identity")["identity:support-bot:triage"]
    assert agent.identity_type == "agent"
    edges = {(e.source.id, e.kind.value, e.target.id) for e in batch.facts if e.fact == "edge"}
    assert ("identity:support-bot:triage", "runs", chat.ref.id) in edges
    assert ("identity:support-bot:triage", "runs", "process:support-bot:tools/lookup_order") in edges
    assert ("dataset:otel://support-bot:kb-articles", "read", chat.ref.id) in edges  # retrieval feeds the chat
    assert ("dataset:otel://support-bot:kb-articles", "read", embed.ref.id) not in edges
    answers = "dataset:otel://support-bot:triage/responses/api.openai.com/v1/chat/completions"
    assert (chat.ref.id, "write", answers) in edges  # the chat feeds the tool
    assert (answers, "read", "process:support-bot:tools/lookup_order") in edges
    assert not batch.problems


def test_old_gen_ai_system_and_new_provider_name_make_the_same_processor() -> None:
    t = trace_id(1)
    old = span(t, "chat", {"gen_ai.system": "anthropic", "gen_ai.operation.name": "chat",
                           "gen_ai.request.model": "claude-3-5-sonnet"})
    new = span(trace_id(2), "chat", {"gen_ai.provider.name": "anthropic", "gen_ai.operation.name": "chat",
                                     "gen_ai.request.model": "claude-sonnet-4"})
    batch = _collect(_lines(request("a", [old]), request("a", [new])))
    assert set(_nodes(batch, "process")) == {"process:https://api.anthropic.com:apps/a/v1/messages"}


def test_bedrock_host_gives_the_region_and_a_service_without_agent_runs_the_call() -> None:
    s = span(trace_id(3), "chat", {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "aws.bedrock",
                                   "server.address": "bedrock-runtime.eu-central-1.amazonaws.com",
                                   "gen_ai.request.model": "anthropic.claude-3-haiku"})
    batch = _collect(_lines(request("billing", [s], **{"service.namespace": "finance"})))
    [processor] = _nodes(batch, "process").values()
    assert (processor.namespace, processor.region, processor.vendor) == (
        "https://bedrock-runtime.eu-central-1.amazonaws.com", "eu-central-1", "Amazon")
    assert _nodes(batch, "identity")["identity:finance:billing"].identity_type == "service_account"


def test_openinference_spans_map_llm_embedding_retriever_and_tool() -> None:
    t = trace_id(4)
    spans = [
        span(t, "retrieve", {"openinference.span.kind": "RETRIEVER", "retrieval.source": "s3://kb/articles/",
                             "retrieval.documents.0.document.content": "contact ops@corp.example"}, start=10),
        span(t, "ChatCompletion", {"openinference.span.kind": "LLM", "llm.provider": "openai",
                                   "llm.model_name": "gpt-4o", "llm.input_messages.0.message.content": "hi"},
             start=11),
        span(t, "CreateEmbeddings", {"openinference.span.kind": "EMBEDDING", "llm.system": "openai",
                                     "embedding.model_name": "text-embedding-3-large"}, start=12),
        span(t, "search_orders", {"openinference.span.kind": "TOOL", "tool.name": "search_orders"}, start=13),
    ]
    batch = _collect(_lines(request("rag-app", spans)))
    processes = _nodes(batch, "process")
    assert processes["process:https://api.openai.com:apps/rag-app/v1/chat/completions"].version == "gpt-4o"
    assert processes["process:https://api.openai.com:apps/rag-app/v1/embeddings"].version == "text-embedding-3-large"
    assert "process:rag-app:tools/search_orders" in processes
    kb = _nodes(batch, "dataset")["dataset:s3://kb:articles"]
    assert kb.classifications == ("pii.email",)


def test_openllmetry_spans_with_request_type_and_api_base_name_the_endpoint_called() -> None:
    t = trace_id(5)
    spans = [
        span(t, "openai.chat", {"gen_ai.system": "OpenAI", "llm.request.type": "chat",
                                "gen_ai.request.model": "gpt-4o-mini", "gen_ai.openai.api_base": "https://llm.corp:8443/v1/",
                                "gen_ai.prompt.0.content": "card 4111111111111111"}),
        span(t, "lookup.tool", {"traceloop.span.kind": "tool", "traceloop.entity.name": "lookup"}),
        span(t, "planner.agent", {"traceloop.span.kind": "agent", "traceloop.entity.name": "planner"}),
    ]
    batch = _collect(_lines(request("app", spans)))
    assert "process:https://llm.corp:8443:apps/app/v1/chat/completions" in _nodes(batch, "process")
    assert "process:app:tools/lookup" in _nodes(batch, "process")
    assert "identity:app:planner" in _nodes(batch, "identity")
    prompts = [d for d in _nodes(batch, "dataset").values() if "/prompts/" in d.name]
    assert [d.classifications for d in prompts] == [("financial.payment_card",)]


def test_prompt_text_is_classified_and_never_kept(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    path.write_bytes(_lines(request("support-bot", rag_trace(0, prompt=SECRET_TEXT))))
    batch = _collect(path.read_bytes())
    assert batch.raw is not None
    assert b"4111" not in batch.raw.content and b"jane.doe" not in batch.raw.content
    assert b"[content sha256=" in batch.raw.content
    [prompts] = [d for d in _nodes(batch, "dataset").values() if "/prompts/" in d.name]
    assert prompts.classifications == ("financial.payment_card", "pii.email")
    again = _collect(batch.raw.content)  # the kept input, collected again, gives the same classes
    assert [d.classifications for d in _nodes(again, "dataset").values() if "/prompts/" in d.name] == [
        ("financial.payment_card", "pii.email")]
    db = tmp_path / "s.duckdb"
    assert main(["collect", str(path), "--db", str(db)]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"').fetchall():
                for cell in row:
                    if isinstance(cell, bytes | bytearray):
                        with contextlib.suppress(zlib.error):
                            cell = zlib.decompress(cell)
                        assert b"4111 1111" not in cell and b"jane.doe" not in cell, table
                    else:
                        assert "4111 1111" not in str(cell) and "jane.doe" not in str(cell), table


def test_many_spans_become_few_claims_with_counts_and_first_and_last_seen(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    requests = [request("support-bot", [s for n in range(i, i + 50) for s in rag_trace(n, start=1_780_000_000 + n)])
                for i in range(0, 1000, 50)]
    path.write_bytes(_lines(*requests))  # 20 export requests of 50 traces: 5,000 spans
    db = tmp_path / "s.duckdb"
    assert main(["collect", str(path), "--db", str(db)]) == 0
    store = open_store(db)
    graph = load_graph(store)
    counts = store.counts()
    assert len(list(graph.nodes())) <= 10
    chat = graph.node("process:https://api.openai.com:apps/support-bot/v1/chat/completions")
    assert (chat["last_seen"] - chat["first_seen"]).total_seconds() == 950  # the first and the last request
    assert counts["edge_facts"] < 20 and counts["node_facts"] < 20  # claims, not a row per span
    assert counts["events"] == 20  # one per export request, not per span or trace
    facts = store.facts_about([chat["id"]])
    assert facts and {f["times"] for f in facts} == {20}  # how many requests stated each claim


def test_gzip_file_streams_and_a_truncated_gzip_keeps_the_whole_lines_before_the_fault(tmp_path: Path) -> None:
    data = _lines(*(request("svc", rag_trace(n)) for n in range(40)))
    whole = tmp_path / "t.jsonl.gz"
    whole.write_bytes(gzip.compress(data))
    batches = list(OtelCollector().collect_path(whole, chunk_events=10))
    assert len(batches) == 4 and not any(b.problems for b in batches)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(data)[: len(gzip.compress(data)) // 2])
    batch = _collect(cut.read_bytes(), "cut.jsonl.gz")
    assert any("truncated" in p.message for p in batch.problems)
    assert any(f.fact == "process" for f in batch.facts)


def test_malformed_lines_are_reported_by_line_and_the_rest_kept() -> None:
    good = orjson.dumps(request("svc", rag_trace(0)))
    bad_span = orjson.dumps(request("svc", [{"traceId": "zz", "spanId": "1"}, "not a span"]))
    data = b"\n".join([good, b"{not json", b'{"other": 1}', b"[1, 2]", bad_span, good]) + b"\n"
    batch = _collect(data)
    places = sorted((p.line, p.field or "") for p in batch.problems)
    assert [line for line, _ in places] == [2, 3, 4, 5, 5]
    assert any("traceId" in field for _, field in places)
    assert any(f.fact == "process" for f in batch.facts)


def test_hostile_names_and_huge_attributes_are_cleaned_and_bounded() -> None:
    s = span(trace_id(9), "execute_tool", {"gen_ai.operation.name": "execute_tool",
                                           "gen_ai.tool.name": "<script>\x00alert(1)</script>" + "x" * 5000,
                                           "gen_ai.tool.call.arguments": "a" * 2_000_000})
    batch = _collect(_lines(request("svc\nname", [s])))
    [tool] = _nodes(batch, "process").values()
    assert "\x00" not in tool.name and "\n" not in tool.namespace and len(tool.name) <= 256
    assert batch.raw is not None and len(batch.raw.content) < 10_000


def test_attribute_values_nested_too_deeply_are_left_out_with_a_warning() -> None:
    s = span(trace_id(10), "chat", {"gen_ai.operation.name": "chat", "gen_ai.system": "openai"})
    head = orjson.dumps(request("svc", [s]))
    deep = b'{"key": "deep", "value": ' + b'{"arrayValue": {"values": [' * 300 + b'{"stringValue": "x"}' + \
        b"]}}" * 300 + b"}"
    line = head.replace(b'"attributes":[', b'"attributes":[' + deep + b",", 1) + b"\n"
    batch = _collect(line)
    assert any(f.fact == "process" for f in batch.facts)
    assert [p.severity for p in batch.problems] == ["warning"] and "nested too deeply" in batch.problems[0].message
    assert batch.raw is not None and b"[value nested too deeply; left out]" in batch.raw.content
    refused = _collect(b'{"resourceSpans": ' + b"[" * 2000 + b"]" * 2000 + b"}\n")
    assert refused.problems and refused.problems[0].line == 1


@pytest.mark.parametrize("data", [b"", b"\n\n", b'{"resourceSpans": []}\n'])
def test_files_without_spans_say_so(data: bytes) -> None:
    batch = _collect(data)
    assert not batch.facts
    assert [p.message for p in batch.problems] == ["no spans in this file"]


def test_a_growing_trace_file_is_read_from_where_the_last_read_stopped(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "traces.jsonl"
    path.write_bytes(_lines(request("svc", rag_trace(0))))
    assert OtelCollector().tails(path)
    db = str(tmp_path / "s.duckdb")
    assert main(["collect", str(path), "--db", db]) == 0
    with path.open("ab") as fh:  # the file exporter appends
        fh.write(_lines(request("svc", [span(trace_id(50), "chat", {"gen_ai.operation.name": "chat",
                                                                    "gen_ai.provider.name": "groq"})])))
    capsys.readouterr()
    assert main(["collect", str(path), "--db", db]) == 0
    assert "3 new fact(s)" in capsys.readouterr().out  # the groq processor, the service, the runs edge
    graph = load_graph(open_store(db))
    assert graph.node("process:https://api.groq.com:apps/svc/openai/v1/chat/completions")["vendor"] == "Groq"
    assert not OtelCollector().tails(tmp_path / "missing.jsonl")
    gz = tmp_path / "t.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert not OtelCollector().tails(gz)


def test_a_request_of_many_invalid_spans_reports_a_few_and_counts_the_rest() -> None:
    spans: list[Any] = [{"traceId": "bad", "spanId": "x"} for _ in range(10_000)]
    batch = _collect(_lines(request("svc", [*spans, *rag_trace(0)])))
    assert len(batch.problems) == 21 and batch.problems[-1].message == "and 9,980 more problem(s) like these"
    assert any(f.fact == "process" for f in batch.facts)


def test_credentials_in_attributes_and_urls_are_never_kept() -> None:
    key = "AIzaSyD-not-a-real-key-0123456789abcdef"
    s = span(trace_id(60), "generate_content", {
        "gen_ai.operation.name": "generate_content", "gen_ai.provider.name": "gcp.gemini",
        "url.full": f"https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0:generateContent?key={key}",
        "http.request.header.authorization": "Bearer sk-live-0123456789abcdefghijklmn",
        "gen_ai.usage.input_tokens": 12})
    batch = _collect(_lines(request("svc", [s])))
    assert batch.raw is not None
    assert key.encode() not in batch.raw.content and b"sk-live" not in batch.raw.content
    assert b'"12"' in batch.raw.content  # a count named like a token is kept
    assert "process:https://generativelanguage.googleapis.com:apps/svc/v1beta/models:generateContent" in _nodes(
        batch, "process")


def test_a_store_rebuilt_from_the_kept_inputs_has_the_same_classes_without_the_text(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    path.write_bytes(_lines(request("support-bot", rag_trace(0, prompt=SECRET_TEXT))))
    db, again = tmp_path / "s.duckdb", tmp_path / "again.duckdb"
    assert main(["collect", str(path), "--db", str(db)]) == 0
    path.unlink()  # only what the store kept is left
    assert main(["store", "rebuild", "--db", str(db), "--to", str(again)]) == 0
    g = load_graph(open_store(again))
    [prompts] = [n for n in g.nodes("dataset") if "/prompts/" in n["name"]]
    assert set(prompts["classifications"]) == {"financial.payment_card", "pii.email"}


def test_a_line_over_the_limit_is_skipped_without_being_held_and_the_rest_is_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from collectors.otel import files

    monkeypatch.setattr(files, "MAX_LINE_BYTES", 4096)
    monkeypatch.setattr(files, "READ_BYTES", 1024)
    good = orjson.dumps(request("svc", rag_trace(0)))  # about 2 kB
    huge = orjson.dumps(request("svc", [span(trace_id(70), "x" * 50_000, {})]))
    batch = _collect(huge + b"\n" + good + b"\n")
    assert [(p.line, p.message) for p in batch.problems] == [(1, "line longer than 4,096 bytes; skipped")]
    assert any(f.fact == "process" and f.evidence.line == 2 for f in batch.facts)


def test_a_remote_agent_of_a_provider_is_a_processor_and_an_in_process_agent_is_not() -> None:
    host = "bedrock-agent-runtime.us-west-2.amazonaws.com"
    remote = span(trace_id(80), "invoke_agent travel", {"gen_ai.operation.name": "invoke_agent",
                                                        "gen_ai.provider.name": "aws.bedrock",
                                                        "gen_ai.agent.name": "travel", "server.address": host})
    local = span(trace_id(81), "invoke_agent planner", {"gen_ai.operation.name": "invoke_agent",
                                                        "gen_ai.provider.name": "openai",
                                                        "gen_ai.agent.name": "planner"})
    local["kind"] = 1  # INTERNAL: the agent runs in the service
    batch = _collect(_lines(request("svc", [remote, local])))
    [processor] = _nodes(batch, "process").values()
    assert (processor.ref.id, processor.region) == (
        "process:https://bedrock-agent-runtime.us-west-2.amazonaws.com:apps/svc/agents/travel", "us-west-2")
    assert {"identity:svc:travel", "identity:svc:planner"} <= set(_nodes(batch, "identity"))
