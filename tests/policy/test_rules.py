"""Each built-in rule: one graph where it must fire, one close to it where it must stay quiet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from lineage.graph import LineageGraph
from lineage.policy import RULES, evaluate
from tests.policy.support import graph

SRC = "dataset:pg:crm.contacts"
REAL_PII: dict[str, Any] = {"id": SRC, "origin": "real", "classifications": ["pii.email"]}
LLM = "process:https://api.llm.example:v1/chat"
JINJA_VULNERABLE: dict[str, Any] = {
    "ecosystem": "pypi", "name": "jinja2", "version": "3.1.2", "pinned": True,
    "vulnerabilities": [{"id": "GHSA-h5c8-rqwp-cp95", "affected": ["<3.1.3"], "fixed": ["3.1.3"]}]}


def via(
    process: dict[str, Any],
    *,
    source: dict[str, Any] | None = None,
    out: dict[str, Any] | None = None,
    extra: list[dict[str, Any]] | None = None,
    edges: list[tuple[Any, ...]] | None = None,
) -> LineageGraph:
    """source -> process (-> out), plus extra nodes and edges."""
    src = source or REAL_PII
    nodes = [src, process, *([out] if out else []), *(extra or [])]
    flow = [(src["id"], process["id"], "read"), *([(process["id"], out["id"], "write")] if out else [])]
    return graph(nodes, flow + (edges or []))


def agent(
    *,
    untrusted: bool,
    tool_name: str = "tools/delete_record",
    tool_writes: str = "dataset:crm:contacts",
    public_sink: bool = True,
    auto: Any = None,
) -> LineageGraph:
    ident = "identity:agents:bot"
    issues = {
        "id": "dataset:https://github.com:o/r/issues",
        "role": "origin",
        "origin": "real",
        "classifications": ["public", "untrusted"] if untrusted else ["internal"],
    }
    context = {"id": "dataset:redis://mem:ctx", "role": "cache", "ttl": "1h"}
    crm = {"id": "dataset:crm:contacts", "origin": "real", "classifications": ["pii.email"]}
    sink = {"id": "dataset:slack:shared", "classifications": ["public"] if public_sink else []}
    procs = [
        {"id": LLM, "processor_type": "llm_api", "approved": True},
        {"id": "process:mcp://gh:tools/get_issue", "processor_type": "mcp_tool", "approved": True},
        {"id": "process:mcp://crm:tools/query", "processor_type": "mcp_tool", "approved": True},
        {
            "id": f"process:mcp://crm:{tool_name}",
            "processor_type": "mcp_tool",
            "approved": True,
            **({"auto_approve": auto} if auto is not None else {}),
        },
        {"id": "process:mcp://slack:tools/post_message", "processor_type": "mcp_tool", "approved": True},
    ]
    edges: list[tuple[Any, ...]] = [
        (issues["id"], "process:mcp://gh:tools/get_issue", "read"),
        ("process:mcp://gh:tools/get_issue", context["id"], "write"),
        (crm["id"], "process:mcp://crm:tools/query", "read"),
        ("process:mcp://crm:tools/query", context["id"], "write"),
        (context["id"], LLM, "read"),
        (LLM, context["id"], "write"),
        (context["id"], f"process:mcp://crm:{tool_name}", "read"),
        (f"process:mcp://crm:{tool_name}", tool_writes, "write"),
        (context["id"], "process:mcp://slack:tools/post_message", "read"),
        ("process:mcp://slack:tools/post_message", sink["id"], "write"),
    ]
    edges += [(ident, p["id"], "runs") for p in procs]
    return graph([{"id": ident, "identity_type": "agent"}, issues, context, crm, sink, *procs], edges)


def grants(used: bool) -> LineageGraph:
    ident, job, table = "identity:sa:etl", "process:airflow:load", "dataset:pg:orders"
    edges: list[tuple[Any, ...]] = [
        (ident, job, "runs"),
        (ident, table, "grant", {"permissions": ["read", "write"]}),
        (table, job, "read"),
    ]
    if used:
        edges.append((job, table, "write"))
    return graph([{"id": ident}, {"id": job}, {"id": table, "origin": "real"}], edges)


def prod_to_dev(env: str) -> LineageGraph:
    return via(
        {"id": "process:airflow:clone"},
        source={**REAL_PII, "environment": "prod"},
        out={"id": "dataset:sf-dev:contacts", "environment": env},
    )


def cache(**attrs: Any) -> LineageGraph:
    return via({"id": "process:airflow:stage"}, out={"id": "dataset:redis://c:x", "role": "cache", **attrs})


def mcp_server(**attrs: Any) -> LineageGraph:
    return graph([{"id": "process:mcp://srv:server", "processor_type": "mcp_server", "vendor": "x", **attrs}])


NEW, OLD = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
BASELINE = datetime(2026, 3, 1, tzinfo=UTC)

CASES: dict[str, tuple[Callable[[], LineageGraph], Callable[[], LineageGraph]]] = {
    "LM001": (
        lambda: via({"id": LLM, "processor_type": "llm_api", "approved": False}),
        lambda: via({"id": LLM, "processor_type": "llm_api", "approved": True}),
    ),
    "LM002": (lambda: agent(untrusted=True), lambda: agent(untrusted=False)),
    "LM003": (lambda: agent(untrusted=True), lambda: agent(untrusted=False)),
    "LM004": (
        lambda: via({"id": "process:j:paraphrase"}, out={"id": "dataset:s3:synth", "origin": "synthetic"}),
        lambda: via(
            {"id": "process:j:dp", "privacy_step": {"kind": "differential_privacy", "epsilon": 1.0}},
            out={"id": "dataset:s3:synth", "origin": "synthetic"},
        ),
    ),
    "LM005": (lambda: prod_to_dev("dev"), lambda: prod_to_dev("prod")),
    "LM006": (lambda: cache(ttl=None), lambda: cache(ttl="1h")),
    "LM007": (
        lambda: via(
            {
                "id": "process:https://api.smith.langchain.com:runs/batch",
                "processor_type": "saas",
                "vendor": "LangSmith",
                "approved": True,
            }
        ),
        lambda: via(
            {
                "id": "process:https://api.smith.langchain.com:runs/batch",
                "processor_type": "saas",
                "vendor": "LangSmith",
                "approved": True,
            },
            source={**REAL_PII, "classifications": []},
        ),
    ),
    "LM008": (
        lambda: mcp_server(url="http://mcp.example.com/sse"),
        lambda: mcp_server(url="https://mcp.example.com/sse", auth="oauth"),
    ),
    "LM009": (
        lambda: mcp_server(secrets=[{"location": "mcp.json:7", "kind": "api_key"}]),
        lambda: mcp_server(secrets=[]),
    ),
    "LM010": (
        lambda: mcp_server(launcher="npx -y @modelcontextprotocol/server-slack"),
        lambda: mcp_server(launcher="npx -y @modelcontextprotocol/server-slack@2025.4.25"),
    ),
    "LM011": (lambda: agent(untrusted=False, auto=True), lambda: agent(untrusted=False, auto=False)),
    "LM012": (lambda: grants(used=False), lambda: grants(used=True)),
    "LM013": (
        lambda: graph([{"id": "dataset:s3:mystery"}]),
        lambda: graph([{"id": "dataset:s3:mystery", "origin": "real"}]),
    ),
    "LM014": (
        lambda: graph(
            [{"id": "dataset:a:x", "origin": "real", "first_seen": OLD}, {"id": "process:j:p", "first_seen": NEW}],
            [("dataset:a:x", "process:j:p", "read")],
        ),
        lambda: graph(
            [{"id": "dataset:a:x", "origin": "real", "first_seen": OLD}, {"id": "process:j:p", "first_seen": OLD}],
            [("dataset:a:x", "process:j:p", "read")],
        ),
    ),
    "LM015": (
        lambda: via({"id": LLM, "processor_type": "llm_api", "approved": True, "retention": "30d"}),
        lambda: via({"id": LLM, "processor_type": "llm_api", "approved": True, "retention": "0"}),
    ),
    "LM016": (
        lambda: via({"id": LLM, "processor_type": "llm_api", "approved": True}, out={"id": "dataset:pg:summaries"}),
        lambda: via(
            {"id": LLM, "processor_type": "llm_api", "approved": True},
            out={"id": "dataset:pg:summaries", "classifications": ["pii.email"]},
        ),
    ),
    "LM017": (lambda: agent(untrusted=False, public_sink=True), lambda: agent(untrusted=False, public_sink=False)),
    "LM018": (
        lambda: via(
            {"id": LLM, "processor_type": "llm_api", "approved": True},
            source={"id": "dataset:s3:crawl", "origin": "real", "classifications": ["untrusted"]},
        ),
        lambda: via(
            {"id": LLM, "processor_type": "llm_api", "approved": True},
            source={"id": "dataset:s3:crawl", "origin": "real", "classifications": ["internal"]},
        ),
    ),
    "LM019": (
        lambda: graph([{"id": "process:https://huggingface.co:acme/encoder", "job_type": "model",
                        "capabilities": ["trust_remote_code"], "pinned": False, "url": "https://huggingface.co/acme/encoder"}]),
        lambda: graph([{"id": "process:https://huggingface.co:acme/encoder", "job_type": "model", "capabilities": [],
                        "pinned": False, "url": "https://huggingface.co/acme/encoder"}]),
    ),
    "LM020": (
        lambda: graph([{"id": "process:https://huggingface.co:acme/encoder", "job_type": "model", "version": "main",
                        "pinned": False, "url": "https://huggingface.co/acme/encoder"}]),
        lambda: graph([{"id": "process:https://huggingface.co:acme/encoder", "job_type": "model",
                        "version": "714eb0fa89d2f80546fda750413ed43d93601a13", "pinned": True,
                        "url": "https://huggingface.co/acme/encoder"}]),
    ),
    "LM021": (
        lambda: graph([{"id": "process:https://huggingface.co:acme/gbm", "job_type": "model", "pinned": False,
                        "capabilities": ["code_executing_format"], "url": "https://huggingface.co/acme/gbm"}]),
        lambda: graph([{"id": "process:file:models/gbm.pkl", "job_type": "model", "pinned": True,
                        "capabilities": ["code_executing_format"]}]),
    ),
    "LM022": (
        lambda: via({"id": "process:airflow:ingest", "components": [JINJA_VULNERABLE]}),
        lambda: via({"id": "process:airflow:ingest", "components": [{**JINJA_VULNERABLE, "version": "3.1.4"}]}),
    ),
    "LM023": (
        lambda: via({"id": "process:airflow:ingest", "components": [{"ecosystem": "pypi", "name": "jinja2",
                                                                     "version": ">=3", "pinned": False}]}),
        lambda: via({"id": "process:airflow:ingest", "components": [{"ecosystem": "pypi", "name": "jinja2",
                                                                     "version": "3.1.4", "pinned": True,
                                                                     "hashes": ["sha256:ab"]}]}),
    ),
    "LM024": (
        lambda: via({"id": "process:airflow:ingest", "components": [
            {"ecosystem": "pypi", "name": "a", "licenses": ["MIT"]}, {"ecosystem": "pypi", "name": "b"}]}),
        lambda: via({"id": "process:airflow:ingest", "components": [
            {"ecosystem": "pypi", "name": "a", "licenses": ["MIT"]}, {"ecosystem": "pypi", "name": "b",
                                                                       "licenses": ["Apache-2.0"]}]}),
    ),
    "LM025": (
        lambda: graph([{"id": "identity:svc:bot"}, {"id": LLM, "processor_type": "llm_api", "job_type": "chat",
                                                    "version": "gpt-4o", "layer": 1}],
                      [("identity:svc:bot", LLM, "runs")]),
        lambda: graph([{"id": "identity:svc:bot"}, {"id": LLM, "processor_type": "llm_api", "job_type": "chat",
                                                    "version": "gpt-4o", "layer": 2, "approved": True}],
                      [("identity:svc:bot", LLM, "runs")]),
    ),
    "LM026": (
        lambda: via({"id": LLM, "processor_type": "llm_api", "job_type": "chat"},
                    source={"id": "dataset:otel://svc:bot/prompts/api.llm.example/v1/chat",
                            "classifications": ["pii.email"]}),
        lambda: via({"id": LLM, "processor_type": "llm_api", "job_type": "chat", "approved": True},
                    source={"id": "dataset:otel://svc:bot/prompts/api.llm.example/v1/chat",
                            "classifications": ["pii.email"]}),
    ),
    "LM027": (
        lambda: graph([{"id": "identity:svc:triage", "identity_type": "agent"},
                       {"id": "process:svc:tools/refund", "job_type": "execute_tool", "first_seen": NEW}],
                      [("identity:svc:triage", "process:svc:tools/refund", "runs")]),
        lambda: graph([{"id": "identity:svc:triage", "identity_type": "agent"},
                       {"id": "process:svc:tools/refund", "job_type": "execute_tool", "first_seen": OLD}],
                      [("identity:svc:triage", "process:svc:tools/refund", "runs")]),
    ),
}


def rule_ids(g: LineageGraph, rule_id: str) -> list[str]:
    rule = next(r for r in RULES if r.id == rule_id)
    return [f.rule_id for f in evaluate(g, rules=[rule], baseline_at=BASELINE)]


def test_every_built_in_rule_has_a_case() -> None:
    assert sorted(CASES) == sorted(r.id for r in RULES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_positive_graph(rule_id: str) -> None:
    assert rule_ids(CASES[rule_id][0](), rule_id), f"{rule_id} found nothing"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_stays_quiet_on_its_negative_graph(rule_id: str) -> None:
    assert rule_ids(CASES[rule_id][1](), rule_id) == []


def test_every_rule_has_metadata_and_owasp_references() -> None:
    for rule in RULES:
        assert rule.title and rule.fix and rule.references, rule.id
        assert all(ref.startswith(("LLM", "MCP")) for ref in rule.references), rule.id


def test_baseline_rule_is_silent_without_a_baseline() -> None:
    g = CASES["LM014"][0]()
    assert [f for f in evaluate(g) if f.rule_id == "LM014"] == []


def test_untrusted_to_crm_write_is_critical() -> None:
    found = [f for f in evaluate(agent(untrusted=True)) if f.rule_id == "LM003"]
    assert {f.severity for f in found if "delete_record" in f.nodes[1]} == {"critical"}


def test_read_tools_writing_only_the_agent_context_are_not_write_tools() -> None:
    found = [f.nodes[1] for f in evaluate(agent(untrusted=True)) if f.rule_id == "LM003"]
    assert "process:mcp://gh:tools/get_issue" not in found


def test_auto_approve_list_on_the_server_covers_its_tools() -> None:
    g = agent(untrusted=False)
    nodes = [dict(n) for n in g.nodes()] + [
        {
            "id": "process:mcp://crm:server",
            "kind": "process",
            "namespace": "mcp://crm",
            "processor_type": "mcp_server",
            "auto_approve": ["delete_record"],
        }
    ]
    g2 = LineageGraph.from_records(nodes=nodes, edges=[(u, v, k, a) for u, v, k, a in g.edges()])
    assert [f.nodes for f in evaluate(g2) if f.rule_id == "LM011"] == [("process:mcp://crm:tools/delete_record",)]


@pytest.mark.parametrize(
    ("launcher", "pinned"),
    [
        ("npx -y @scope/pkg@latest", False),
        ("npx -y pkg@^1.2.0", False),
        ("npx -y pkg@1.2.0", True),
        ("uvx mcp-server-git", False),
        ("uvx mcp-server-git==2025.1.14", True),
        ("uvx --from pkg==1.0 cmd", True),
        ("docker run -i --rm -e TOKEN ghcr.io/github/github-mcp-server", False),
        ("docker run -i ghcr.io/x/y:latest", False),
        ("docker run ghcr.io/x/y@sha256:" + "a" * 64, True),
        ("docker run -i ghcr.io/x/y:1.4.2", True),
        ("python server.py", True),
    ],
)
def test_launchers_are_judged_pinned_or_not(launcher: str, pinned: bool) -> None:
    from lineage.policy.rules.lm010_unpinned_launcher import unpinned

    assert (unpinned(launcher) is None) is pinned


def test_literal_secret_points_at_its_config_line() -> None:
    [finding] = [f for f in evaluate(CASES["LM009"][0]()) if f.rule_id == "LM009"]
    assert finding.evidence[0] == ("mcp.json", 7)
