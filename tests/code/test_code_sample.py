"""sample_pipelines/rag_code: its Python code collected with its spec gives the graph and the risks
its README lists (the code's processors merge with the spec's declarations of the same names)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lineage.cli import main
from lineage.graph import LineageGraph, load_graph
from lineage.policy import Finding, evaluate
from lineage.store import open_store

SAMPLE = Path(__file__).resolve().parent.parent.parent / "sample_pipelines" / "rag_code"
CHAT = "process:https://api.openai.com:apps/support-rag/v1/chat/completions"
EMBED = "process:https://api.cohere.com:apps/support-rag/v2/embed"
EXPORT = "dataset:s3://acme-support-exports:tickets/latest.parquet"


@cache
def collected() -> tuple[LineageGraph, tuple[Finding, ...]]:
    import tempfile

    db = Path(tempfile.mkdtemp(prefix="rag-code-")) / "lineage.duckdb"
    assert main(["collect", str(SAMPLE), "--db", str(db)]) == 0
    graph = load_graph(open_store(db))
    return graph, tuple(evaluate(graph))


def test_code_and_spec_name_the_same_processors() -> None:
    graph, _ = collected()
    chat = graph.node(CHAT)
    assert chat["approved"] is False and chat["vendor"] == "OpenAI"  # declared by the spec
    assert graph.node(EMBED)["third_party"] is True
    reads = {(s, t) for s, t, _, _ in graph.edges(["read"])}
    assert (EXPORT, EMBED) in reads and ("dataset:qdrant://qdrant.internal:6333:ticket_chunks", CHAT) in reads


def test_the_readme_risks_are_found_and_the_not_risk_is_quiet() -> None:
    _, findings = collected()
    found = {(f.rule_id, n) for f in findings for n in f.nodes}
    assert ("LM001", CHAT) in found
    assert ("LM006", "dataset:redis://rag-cache.internal:6379:answers") in found
    assert ("LM016", "dataset:qdrant://qdrant.internal:6333:ticket_chunks") in found
    assert ("LM020", "process:https://huggingface.co:BAAI/bge-reranker-base") in found
    assert not [f for f in findings if f.rule_id in ("LM001", "LM015") and EMBED in f.nodes]
