"""Spans sent the way applications send them, run as its own process (`python -m tests.otel.emit
KIND [OPENAI_BASE_URL]`) so that the exporter reads `OTEL_EXPORTER_OTLP_*` from its environment
exactly as a deployed application does, and an instrumentation patches only this process.

KIND: `sdk` (hand-made GenAI spans: an agent, a chat with a captured prompt, a tool call, a
retrieval), `openllmetry` or `openinference` (the openai SDK, instrumented, calling the OpenAI
compatible server at OPENAI_BASE_URL: one chat and one embedding call).
"""

from __future__ import annotations

import sys

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

PROMPT = "Refund order 1182 for jane.doe@corp.example, card 4111 1111 1111 1111"


def _provider(service: str) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def _sdk() -> None:
    provider = _provider("support-agent")
    tracer = provider.get_tracer("support-agent")
    with tracer.start_as_current_span("invoke_agent refunds", attributes={
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "refunds"}):
        with tracer.start_as_current_span("retrieve orders", attributes={
                "gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": "postgres://orders-db:5432/shop.public.orders"}):
            pass
        with tracer.start_as_current_span("chat claude-sonnet-4", attributes={
                "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
                "gen_ai.request.model": "claude-sonnet-4", "gen_ai.input.messages": PROMPT}):
            pass
        with tracer.start_as_current_span("execute_tool issue_refund", attributes={
                "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "issue_refund"}):
            pass
    provider.shutdown()


def _openai(kind: str, base_url: str) -> None:
    provider = _provider(f"{kind}-app")
    if kind == "openllmetry":
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor
    else:
        from openinference.instrumentation.openai import OpenAIInstrumentor  # type: ignore[no-redef]
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    import openai

    client = openai.OpenAI(api_key="sk-test-not-a-real-key", base_url=base_url, max_retries=0)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}])
    client.embeddings.create(model="text-embedding-3-small", input="refund policy")
    provider.shutdown()


if __name__ == "__main__":
    if sys.argv[1] == "sdk":
        _sdk()
    else:
        _openai(sys.argv[1], sys.argv[2])
