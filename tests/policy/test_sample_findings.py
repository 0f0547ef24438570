"""The sample pipelines, all collected into ONE store (as `lineage demo` and `lineage check` see
them): the findings they produce (a golden file), every risk a README lists, and quiet on what a
README calls not a risk. Sharing one store is the point: a third-party node that two samples
declared alike would join their flows (see docs/pipeline-spec.md, "Third-party processors")."""

from __future__ import annotations

from functools import cache

import pytest

from lineage.policy import Finding, evaluate
from lineage.tagging import propagate
from tests.policy.support import NAMES, assert_golden, samples_graph


@cache
def all_findings() -> tuple[Finding, ...]:
    return tuple(evaluate(samples_graph()))


def findings(name: str) -> list[Finding]:
    """Every finding of the combined store (`name` says which README the caller checks)."""
    return list(all_findings())


def names(f: Finding) -> set[str]:
    return set(f.nodes) | set(f.path)


def found(name: str, rule: str, *needles: str) -> list[Finding]:
    """Findings of `rule` whose nodes or path mention every needle (a dataset or process name)."""
    return [f for f in findings(name) if f.rule_id == rule
            and all(any(n.endswith(needle) or needle in n for n in names(f)) for needle in needles)]


def test_sample_findings_match_the_golden_file(update_goldens: bool) -> None:
    data = sorted(({"rule_id": f.rule_id, "severity": f.severity, "nodes": list(f.nodes), "path": list(f.path)}
                   for f in all_findings()), key=lambda d: (d["rule_id"], d["nodes"], d["path"]))
    assert_golden("sample_findings", data, update=update_goldens)


# Each README "Risks" bullet, in order, and what must be found for it: (rule, needles...) or an origin tag.
RISKS: dict[str, list[tuple[str, ...]]] = {
    "rag_ingestion": [
        ("LM015", "v1/embeddings"),
        ("LM015", "https://api.anthropic.com:workspaces/assistant-prod/v1/messages"),
        ("LM006", "rag.responses"),
        ("LM001", "runs/batch"),
        ("LM018", "crawl/public-docs", "workspaces/assistant-prod/v1/messages"),
        ("LM006", "chunks"),
        ("LM012", "assistant-api", "rag.public.chunk_embeddings"),
        ("LM022", "rag_ingest.chunk_documents", "pkg:pypi/jinja2@3.1.2"),
    ],
    "fine_tuning": [
        ("LM015", "v1/chat/completions"),
        ("LM004", "synthetic/tickets_quick_v1"),
        ("origin", "finetune/support-bot-v4/train.jsonl", "mixed"),
        ("LM001", "v1/fine_tuning/jobs"),
        ("origin", "registered-models/support-bot/versions/4", "mixed"),
        ("LM012", "ml-support-pipeline", "support.public.tickets"),
    ],
    "mcp_agent": [
        ("LM003", "acme/widgets-sdk/issues", "codex/tools/salesforce_dml_records"),
        ("LM017", "channels/C05EXTWIDGETS"),
        ("LM017", "acme/widgets-sdk/issues"),
        ("LM003", "codex/tools/salesforce_dml_records", "sobjects/Contact"),
        ("LM001", "codex/tools/salesforce_dml_records"),
        ("LM015", "api.anthropic.com:workspaces/triage-agent/v1/messages"),
        ("LM008", "mcp://github:claude-desktop/github-mcp-server"),
        ("LM012", "eng-triage-agent", "drive/v3/drives/0AKxSupportOps"),
        ("LM010", "mcp://gdrive:claude-desktop/server-gdrive"),
    ],
    "feature_store": [
        ("LM005", "DEV.CORE.CUSTOMERS"),
        ("LM005", "DEV.CORE.ORDERS"),
        ("LM012", "DATA_SCIENTIST", "DEV.CORE.CUSTOMERS"),
        ("LM006", "churn.customer_features"),
        ("LM012", "churn-scorer", "churn/customer_features"),
    ],
    "warehouse_elt": [
        ("LM015", "api.mistral.ai:v1/chat/completions"),
        ("LM015", "api.mistral.ai:v1/chat/completions"),
        ("LM016", "ANALYTICS.MARTS.TICKET_SUMMARIES"),
        ("LM012", "DBT_TRANSFORMER", "RAW.ZENDESK.TICKETS"),
    ],
}


@pytest.mark.parametrize("name", NAMES)
def test_every_risk_the_readme_lists_is_found(name: str) -> None:
    from tests.policy.support import SAMPLES

    text = (SAMPLES / name / "README.md").read_text(encoding="utf-8")
    bullets = text.split("## Risks", 1)[1].split("\n## ", 1)[0].count("\n- ")
    assert len(RISKS[name]) == bullets, "one expectation per README risk"
    tags = propagate(samples_graph())
    for expected in RISKS[name]:
        if expected[0] == "origin":
            node = next(n["id"] for n in samples_graph().nodes() if n["id"].endswith(expected[1]))
            assert tags.origin(node) == expected[2], expected
        else:
            assert found(name, *expected), f"{name}: nothing found for {expected}"


def test_unpinned_mcp_servers_are_found_per_client_config() -> None:
    """coding_agent's supply-chain risk, and mcp_agent's: each client config's own server node."""
    for needle in ("claude-code/coding-agent/server-postgres", "claude-code/coding-agent/mcp-server-fetch",
                   "cursor/coding-agent/mcp", "claude-desktop/server-gdrive", "codex/mcp-server-salesforce",
                   "goose/server-slack"):
        assert found("coding_agent", "LM010", needle), needle
    assert not found("mcp_agent", "LM010", "claude-desktop/server-slack")  # pinned 2025.4.25
    assert not found("mcp_agent", "LM010", "goose/server-gdrive")  # pinned 2025.1.14


def test_mcp_trifecta_names_the_agent_and_the_mcp_client_that_launches_its_servers() -> None:
    assert sorted(f.nodes for f in found("mcp_agent", "LM002", "eng-triage-agent")) == [
        ("identity:agents:eng-triage-agent",), ("identity:k8s://prod:eng-triage-agent-host",)]


def test_mcp_server_capabilities_from_the_config_collector_make_a_trifecta() -> None:
    """coding_agent: the fetch server (untrusted web content, sends data out) runs in the same Claude
    Code session as the filesystem server (private source code)."""
    claude = [f for f in found("coding_agent", "LM002", "claude-code") if "claude-code" in f.nodes[0]]
    assert len(claude) == 1
    assert "mcp-server-fetch" in claude[0].message and "server-filesystem" in claude[0].message


def test_mcp_financial_and_least_privilege_details() -> None:
    unused = {f.nodes[1].split(":", 1)[1] for f in found("mcp_agent", "LM012", "identity:agents:eng-triage-agent")}
    assert unused == {"https://github.com:acme/platform", "https://www.googleapis.com:drive/v3/drives/0AKxSupportOps",
                      "https://acme.my.salesforce.com:services/data/v61.0/sobjects/Account"}
    assert found("warehouse_elt", "LM015")[0].message.count("financial") == 1


# --- "not risks" -------------------------------------------------------------------------------


def test_rag_not_risks_stay_quiet() -> None:
    assert not found("rag_ingestion", "LM006", "rag.context")
    assert not found("rag_ingestion", "LM001", "v1/embeddings")
    assert not [f for f in found("rag_ingestion", "LM001") if "v1/messages" in " ".join(f.nodes)]
    assert not [f for f in findings("rag_ingestion") if f.rule_id == "LM012" and "rag-ingest" in f.nodes[0]]


def test_fine_tuning_dp_set_stays_synthetic_and_its_generator_sees_no_real_data() -> None:
    tags = propagate(samples_graph())
    assert tags.origin("dataset:s3://acme-ml-data:synthetic/tickets_dp_v3") == "synthetic"
    generator = "process:https://api.anthropic.com:workspaces/synthetic-data/v1/messages"
    assert tags.origin(generator) == "synthetic"
    assert not [f for f in findings("fine_tuning") if generator in f.nodes or generator in f.path]
    assert not found("fine_tuning", "LM002", "ml-support-pipeline")
    assert not found("fine_tuning", "LM016", "tickets_dp_v3")
    assert not [f for f in findings("fine_tuning") if "v1/fine_tuning/jobs" in " ".join(f.nodes)
                and "widgets-sdk" in " ".join(f.path)]
    assert not found("fine_tuning", "LM004", "tickets_dp_v3")


def test_mcp_not_risks_stay_quiet() -> None:
    assert not found("mcp_agent", "LM006", "agent-memory")
    assert not found("mcp_agent", "LM006", "acme-agent-logs")
    unused = [f.nodes[1] for f in found("mcp_agent", "LM012", "identity:agents:eng-triage-agent")]
    assert not [n for n in unused if n.endswith(("sobjects/Contact", "channels/C05EXTWIDGETS", "widgets-sdk/issues"))]


def test_feature_store_email_stops_at_the_hash() -> None:
    tags = propagate(samples_graph())
    for node in ("dataset:s3://acme-feast-offline:churn/customer_features",
                 "dataset:redis://feast-online.internal:6379:churn.customer_features",
                 "dataset:s3://acme-models:churn/v12/model.joblib", "dataset:postgres://crm-db.internal:5432:crm.public.churn_scores"):
        assert "pii.email" not in tags.classifications(node), node
    assert not [f for f in found("feature_store", "LM006", "feast-online") if "declares no TTL" in f.message]
    assert not [f for f in findings("feature_store") if f.rule_id in ("LM001", "LM015")
                and any("sagemaker" in n.lower() or "churn" in n for n in f.nodes)]


def test_warehouse_not_risks_stay_quiet() -> None:
    tags = propagate(samples_graph())
    columns = tags.column_classifications("dataset:snowflake://acme-prod:ANALYTICS.MARTS.DIM_CUSTOMERS")
    assert "pii.email" not in columns.get("EMAIL_HASH", frozenset())
    assert not [f for f in findings("warehouse_elt") if any("fivetran" in n for n in f.nodes)]
