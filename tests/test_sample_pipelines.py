"""The sample pipelines: each spec collects cleanly and holds what its README promises."""

from __future__ import annotations

import json
import re
from collections import deque
from functools import cache
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from collectors.base import Source
from collectors.spec import SpecCollector
from lineage.models import (
    ColumnLineage,
    Dataset,
    Edge,
    EdgeKind,
    Environment,
    Identity,
    IdentityType,
    LineageBatch,
    NodeRef,
    Origin,
    PrivacyKind,
    Process,
    ProcessorType,
    Role,
    Transformation,
)
from lineage.yamlsafe import load_yaml

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_pipelines"
NAMES = ["rag_ingestion", "fine_tuning", "mcp_agent", "feature_store", "warehouse_elt"]


@cache
def collected(name: str) -> LineageBatch:
    path = SAMPLES / name / "pipeline.yaml"
    source = Source(name=f"sample_pipelines/{name}/pipeline.yaml", data=path.read_bytes())
    return SpecCollector().collect(source)


def datasets(name: str) -> dict[str, Dataset]:
    return {f.name: f for f in collected(name).facts if isinstance(f, Dataset)}


def processes(name: str) -> dict[str, Process]:
    return {f.name: f for f in collected(name).facts if isinstance(f, Process)}


def identities(name: str) -> dict[str, Identity]:
    return {f.name: f for f in collected(name).facts if isinstance(f, Identity)}


def edges(name: str, kind: EdgeKind) -> list[Edge]:
    return [f for f in collected(name).facts if isinstance(f, Edge) and f.kind is kind]


def upstream(name: str, start: NodeRef, *, stop_at_privacy_steps: bool = False) -> set[NodeRef]:
    """Every node with a read/write path to `start`."""
    into: dict[NodeRef, list[NodeRef]] = {}
    for e in edges(name, EdgeKind.READ) + edges(name, EdgeKind.WRITE):
        into.setdefault(e.target, []).append(e.source)
    private = {p.ref for p in processes(name).values() if p.privacy_step is not None}
    seen: set[NodeRef] = set()
    todo = deque([start])
    while todo:
        for parent in into.get(todo.popleft(), []):
            if parent not in seen:
                seen.add(parent)
                if not (stop_at_privacy_steps and parent in private):
                    todo.append(parent)
    return seen


def risks(name: str) -> list[str]:
    text = (SAMPLES / name / "README.md").read_text(encoding="utf-8")
    section = text.split("## Risks", 1)[1].split("\n## ", 1)[0]
    return [b.replace("\n  ", " ") for b in re.findall(r"^- (.+?)(?=^- |\Z)", section, re.M | re.S)]


# --- every sample ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_sample_collects_with_no_problems(name: str) -> None:
    batch = collected(name)
    assert [str(p) for p in batch.problems] == []
    assert len(batch.facts) > 30
    assert batch.raw is not None


@pytest.mark.parametrize("name", NAMES)
def test_sample_is_detected_as_a_spec(name: str) -> None:
    path = SAMPLES / name / "pipeline.yaml"
    assert SpecCollector().detect(path, path.read_bytes()[:4096])


@pytest.mark.parametrize("name", NAMES)
def test_sample_validates_against_the_published_schema(name: str) -> None:
    schema = json.loads((REPO / "lineage" / "schemas" / "pipeline-spec.schema.json").read_text())
    data, _ = load_yaml((SAMPLES / name / "pipeline.yaml").read_bytes(), name)
    assert [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)] == []


@pytest.mark.parametrize("name", NAMES)
def test_readme_lists_risks_that_name_things_in_the_spec(name: str) -> None:
    bullets = risks(name)
    assert len(bullets) >= 4
    spec = (SAMPLES / name / "pipeline.yaml").read_text(encoding="utf-8")
    for bullet in bullets:
        quoted = re.findall(r"`([^`]+)`", bullet)
        assert quoted, f"a risk names no element of the spec: {bullet}"
        missing = [q for q in quoted if q.split(": ")[-1] not in spec]
        assert missing == [], f"{name}: {bullet}"


@pytest.mark.parametrize("name", NAMES)
def test_every_dataset_has_a_role_and_every_third_party_a_vendor(name: str) -> None:
    assert [d.name for d in datasets(name).values() if d.role is None] == []
    third = [p for p in processes(name).values() if p.third_party]
    assert all(p.vendor and p.processor_type for p in third)


# --- rag_ingestion ---------------------------------------------------------------------------------


def test_rag_has_embedding_api_vector_store_and_chat_llm() -> None:
    procs = processes("rag_ingestion")
    assert procs["v1/embeddings"].processor_type is ProcessorType.EMBEDDING_API
    assert procs["workspaces/assistant-prod/v1/messages"].processor_type is ProcessorType.LLM_API
    assert "assistant_api.retrieve" in procs
    vectors = datasets("rag_ingestion")["rag.public.chunk_embeddings"]
    assert vectors.role is Role.STORE
    assert any(c.type == "vector(1536)" for c in vectors.columns)


def test_rag_response_cache_is_a_cache_without_ttl() -> None:
    cache_ = datasets("rag_ingestion")["rag.responses"]
    assert (cache_.role, cache_.ttl, cache_.namespace) == (Role.CACHE, None, "redis://rag-cache.internal:6379")
    assert datasets("rag_ingestion")["rag.context"].ttl == "15m"


def test_rag_real_pii_reaches_the_embedding_api() -> None:
    embed = processes("rag_ingestion")["v1/embeddings"].ref
    wiki = datasets("rag_ingestion")["wiki/spaces/ENG"]
    assert wiki.ref in upstream("rag_ingestion", embed)
    assert (wiki.origin, "pii.email" in wiki.classifications) == (Origin.REAL, True)


def test_rag_traces_with_prompts_go_to_an_unapproved_observability_saas() -> None:
    tracer = processes("rag_ingestion")["runs/batch"]
    assert (tracer.processor_type, tracer.approved, tracer.retention) == (ProcessorType.SAAS, False, "400d")
    read = {e.source.name for e in edges("rag_ingestion", EdgeKind.READ) if e.target == tracer.ref}
    assert "assistant.public.messages" in read
    assert any(c.target.dataset.name == "projects/assistant-prod" and c.target.column == "inputs"
               for c in collected("rag_ingestion").facts if isinstance(c, ColumnLineage))


def test_rag_untrusted_crawl_reaches_the_chat_llm() -> None:
    crawl = next(d for d in datasets("rag_ingestion").values() if "untrusted" in d.classifications)
    chat = processes("rag_ingestion")["workspaces/assistant-prod/v1/messages"].ref
    assert crawl.ref in upstream("rag_ingestion", chat)


def test_rag_chat_service_account_is_over_granted_on_vectors() -> None:
    grant = next(e for e in edges("rag_ingestion", EdgeKind.GRANT)
                 if e.source.name == "assistant-api" and e.target.name == "rag.public.chunk_embeddings")
    assert {p.value for p in grant.permissions} == {"read", "edit", "write"}
    writes = {e.source.name for e in edges("rag_ingestion", EdgeKind.WRITE)
              if e.target.name == "rag.public.chunk_embeddings"}
    runs = {e.target.name for e in edges("rag_ingestion", EdgeKind.RUNS) if e.source.name == "assistant-api"}
    assert writes & runs == set()


# --- fine_tuning -----------------------------------------------------------------------------------


def test_fine_tuning_has_exactly_one_privacy_step() -> None:
    steps = [p for p in processes("fine_tuning").values() if p.privacy_step is not None]
    assert len(steps) == 1
    step = steps[0].privacy_step
    assert step is not None
    assert (step.kind, step.epsilon) == (PrivacyKind.DIFFERENTIAL_PRIVACY, 3.0)


def test_fine_tuning_dp_set_is_clean_and_quick_set_is_fed_by_real_data() -> None:
    ds = datasets("fine_tuning")
    dp, quick = ds["synthetic/tickets_dp_v3"], ds["synthetic/tickets_quick_v1"]
    assert dp.origin is quick.origin is Origin.SYNTHETIC
    real = {d.ref for d in ds.values() if d.origin is Origin.REAL}
    assert upstream("fine_tuning", dp.ref, stop_at_privacy_steps=True) & real == set()
    assert ds["support.public.tickets"].ref in upstream("fine_tuning", quick.ref, stop_at_privacy_steps=True)


def test_fine_tuning_real_pii_reaches_the_unapproved_fine_tune_api() -> None:
    fine_tune = processes("fine_tuning")["v1/fine_tuning/jobs"]
    assert (fine_tune.approved, fine_tune.processor_type, fine_tune.retention) == (
        False, ProcessorType.LLM_API, "indefinite",
    )
    tickets = datasets("fine_tuning")["support.public.tickets"]
    assert "pii.email" in tickets.classifications
    assert tickets.ref in upstream("fine_tuning", fine_tune.ref, stop_at_privacy_steps=True)


def test_fine_tuning_ends_in_a_model_registry() -> None:
    registry = datasets("fine_tuning")["registered-models/support-bot/versions/4"]
    assert registry.namespace == "https://mlflow.internal.acme.com"
    assert processes("fine_tuning")["v1/fine_tuning/jobs"].ref in upstream("fine_tuning", registry.ref)


# --- mcp_agent -------------------------------------------------------------------------------------


def test_mcp_agent_has_an_agent_identity_running_mcp_tools() -> None:
    agent = identities("mcp_agent")["eng-triage-agent"]
    assert agent.identity_type is IdentityType.AGENT
    assert identities("mcp_agent")["eng-triage-agent-host"].identity_type is IdentityType.MCP_CLIENT
    procs = processes("mcp_agent")
    runs = {e.target for e in edges("mcp_agent", EdgeKind.RUNS) if e.source == agent.ref}
    tools = {p.ref for p in procs.values() if p.processor_type is ProcessorType.MCP_TOOL}
    assert len(tools) == 8
    assert tools <= runs


def test_mcp_agent_has_servers_for_slack_github_drive_and_salesforce_with_auth() -> None:
    servers = {p.namespace: p for p in processes("mcp_agent").values()
               if p.processor_type is ProcessorType.MCP_SERVER}
    assert set(servers) == {"mcp://slack", "mcp://github", "mcp://gdrive", "mcp://salesforce"}
    assert all(p.auth for p in servers.values())
    assert servers["mcp://salesforce"].approved is False


def test_mcp_agent_write_tools_write_outside_the_agent_context() -> None:
    procs = processes("mcp_agent")
    context = datasets("mcp_agent")["triage-agent.sessions"].ref
    writers = {e.source.name for e in edges("mcp_agent", EdgeKind.WRITE)
               if procs[e.source.name].processor_type is ProcessorType.MCP_TOOL and e.target != context}
    assert writers == {"claude-desktop/tools/slack_post_message", "claude-desktop/tools/add_issue_comment",
                       "codex/tools/salesforce_dml_records"}


def test_mcp_agent_untrusted_issues_reach_the_public_slack_channel() -> None:
    ds = datasets("mcp_agent")
    issues, shared = ds["acme/widgets-sdk/issues"], ds["channels/C05EXTWIDGETS"]
    assert "untrusted" in issues.classifications
    assert "public" in shared.classifications
    assert issues.ref in upstream("mcp_agent", shared.ref)
    assert ds["services/data/v61.0/sobjects/Contact"].ref in upstream("mcp_agent", shared.ref)


# --- feature_store ---------------------------------------------------------------------------------


def test_feature_store_copies_production_pii_into_dev() -> None:
    ds = datasets("feature_store")
    dev = ds["DEV.CORE.CUSTOMERS"]
    prod = ds["PROD.CORE.CUSTOMERS"]
    assert (dev.environment, prod.environment) == (Environment.DEV, Environment.PROD)
    assert prod.origin is Origin.REAL and "pii.email" in prod.classifications
    assert prod.ref in upstream("feature_store", dev.ref)


def test_feature_store_has_offline_store_online_cache_and_model() -> None:
    ds = datasets("feature_store")
    online = ds["churn.customer_features"]
    assert (online.role, online.ttl, online.encrypted) == (Role.CACHE, "48h", False)
    assert ds["churn/customer_features"].role is Role.STORE
    procs = processes("feature_store")
    model = ds["churn/v12/model.joblib"].ref
    assert {e.source for e in edges("feature_store", EdgeKind.WRITE) if e.target == model} == {
        procs["training-job/churn-xgb"].ref
    }
    assert model in {e.source for e in edges("feature_store", EdgeKind.READ)
                     if e.target == procs["churn_scorer.predict"].ref}


def test_feature_store_masks_the_email() -> None:
    masked = [c for c in collected("feature_store").facts if isinstance(c, ColumnLineage)
              and c.transformation is Transformation.MASKING]
    assert [(c.target.column, [s.column for s in c.sources]) for c in masked] == [("email_sha256", ["EMAIL"])]


# --- warehouse_elt ---------------------------------------------------------------------------------


def test_warehouse_runs_raw_to_staging_to_marts() -> None:
    ds = datasets("warehouse_elt")
    layers = {name.rsplit(".", 1)[0] for name in ds if name.count(".") == 2}
    assert {"RAW.ZENDESK", "ANALYTICS.STAGING", "ANALYTICS.MARTS"} <= layers
    fct = ds["ANALYTICS.MARTS.FCT_SUPPORT_TICKETS"]
    assert ds["RAW.ZENDESK.TICKETS"].ref in upstream("warehouse_elt", fct.ref)


def test_warehouse_marts_feed_a_third_party_llm_whose_summaries_are_stored() -> None:
    llm = processes("warehouse_elt")["v1/chat/completions"]
    assert (llm.processor_type, llm.vendor, llm.region) == (ProcessorType.LLM_API, "Mistral AI", "eu")
    reads = {e.source.name for e in edges("warehouse_elt", EdgeKind.READ) if e.target == llm.ref}
    writes = {e.target.name for e in edges("warehouse_elt", EdgeKind.WRITE) if e.source == llm.ref}
    assert (reads, writes) == ({"ANALYTICS.MARTS.FCT_SUPPORT_TICKETS"}, {"ANALYTICS.MARTS.TICKET_SUMMARIES"})
    summaries = datasets("warehouse_elt")["ANALYTICS.MARTS.TICKET_SUMMARIES"]
    assert (summaries.role, summaries.classifications) == (Role.STORE, ())
    zendesk = datasets("warehouse_elt")["api/v2/tickets"]
    assert zendesk.ref in upstream("warehouse_elt", llm.ref)
