"""The pipeline-spec collector: format -> core facts, errors with their place, detection."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import TypeVar

import jsonschema  # type: ignore[import-untyped]
import pytest

from collectors.base import Source, get_collector
from collectors.spec import SpecCollector, json_schema, json_schema_text
from lineage.models import (
    ColumnLineage,
    Dataset,
    Edge,
    EdgeKind,
    Environment,
    Identity,
    IdentityType,
    Layer,
    LineageBatch,
    NodeRef,
    Origin,
    Permission,
    PrivacyKind,
    Process,
    ProcessorType,
    Role,
    Transformation,
)
from lineage.naming import normalize

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "lineage" / "schemas" / "pipeline-spec.schema.json"
DOC = REPO / "docs" / "pipeline-spec.md"

SPEC = """\
version: 1
pipeline: rag
defaults:
  environment: prod
  process_namespace: airflow-prod
datasets:
  - id: wiki
    namespace: https://acme.atlassian.net
    name: wiki/ENG
    role: origin
    origin: real
    classifications: [pii.person]
    owner: kb@acme.com
    description: The wiki.
    columns:
      - body
      - {name: author, type: text, description: who wrote it, classifications: [pii.person]}
  - id: chunks
    namespace: s3://acme-rag
    name: chunks/
    role: cache
    environment: staging
    ttl: 3600
    encrypted: false
    retired: false
    columns: [text]
  - id: vectors
    namespace: postgres://vector-db:5432
    name: rag.public.chunks
    role: store
    ttl: 7d
    encrypted: true
    columns: [{name: embedding, type: vector(1536)}, text]
processes:
  - id: chunker
    name: rag.chunk
  - id: embed
    namespace: https://api.openai.com
    name: v1/embeddings
    processor_type: embedding_api
    vendor: OpenAI
    region: us
    retention: 30d
    auth: api_key
    approved: false
    environment: staging
    description: embeddings
identities:
  - id: bot
    namespace: agents
    name: support-bot
    type: agent
    description: the bot
    runs: [chunker, embed]
    grants:
      - {target: vectors, permissions: [read]}
      - {target: [chunks, embed], permissions: [read, write, read]}
flows:
  - {from: [wiki], through: chunker, to: [chunks]}
  - from: chunks
    through: embed
    to:
      - vectors
column_lineage:
  - {target: vectors.embedding, sources: [chunks.text], transformation: transformation, through: embed}
  - {target: chunks.text, sources: wiki.body, through: chunker, indirect: true}
"""


def collect(text: str, name: str = "specs/rag.yaml") -> LineageBatch:
    return SpecCollector().collect(Source(name=name, data=text.encode()))


T = TypeVar("T")
N = TypeVar("N", Dataset, Process, Identity)


def facts_of(batch: LineageBatch, kind: type[T]) -> list[T]:
    return [f for f in batch.facts if isinstance(f, kind)]


def by_name(batch: LineageBatch, kind: type[N], name: str) -> N:
    matches = [f for f in facts_of(batch, kind) if f.name == name]
    assert len(matches) == 1, [f.name for f in facts_of(batch, kind)]
    return matches[0]


def edges(batch: LineageBatch, kind: EdgeKind) -> set[tuple[str, str]]:
    return {(e.source.name, e.target.name) for e in facts_of(batch, Edge) if e.kind is kind}


def spec_with(extra: str) -> str:
    """A minimal valid spec plus the given YAML (dedented) at the end."""
    return "version: 1\npipeline: p\n" + textwrap.dedent(extra)


@pytest.fixture(scope="module")
def batch() -> LineageBatch:
    b = collect(SPEC)
    assert b.problems == []
    return b


# --- field mapping ---------------------------------------------------------------------------------


def test_dataset_fields_map_to_the_core_model(batch: LineageBatch) -> None:
    wiki = by_name(batch, Dataset, "wiki/ENG")
    assert wiki.namespace == "https://acme.atlassian.net"
    assert (wiki.role, wiki.origin) == (Role.ORIGIN, Origin.REAL)
    assert wiki.environment is Environment.PROD  # from defaults
    assert wiki.classifications == ("pii.person",)
    assert (wiki.owner, wiki.description) == ("kb@acme.com", "The wiki.")
    assert [c.name for c in wiki.columns] == ["body", "author"]
    author = wiki.columns[1]
    assert (author.type, author.description) == ("text", "who wrote it")
    assert author.classifications == ("pii.person",)


def test_dataset_cache_fields_map_to_the_core_model(batch: LineageBatch) -> None:
    chunks = by_name(batch, Dataset, normalize("s3://acme-rag", "chunks/")[1])
    assert (chunks.role, chunks.environment, chunks.encrypted, chunks.retired) == (
        Role.CACHE, Environment.STAGING, False, False,
    )
    assert chunks.ttl == "3600s"  # a bare number is seconds
    assert chunks.origin is None  # not declared: left for propagation
    vectors = by_name(batch, Dataset, "rag.public.chunks")
    assert (vectors.ttl, vectors.encrypted) == ("7d", True)


def test_dataset_identity_is_normalised_by_naming(batch: LineageBatch) -> None:
    chunks = [d for d in facts_of(batch, Dataset) if d.namespace.startswith("s3://")]
    assert [(d.namespace, d.name) for d in chunks] == [normalize("s3://acme-rag", "chunks/")]


def test_process_fields_map_to_the_core_model(batch: LineageBatch) -> None:
    embed = by_name(batch, Process, "v1/embeddings")
    assert embed.namespace == "https://api.openai.com"
    assert embed.third_party is True  # implied by processor_type
    assert embed.processor_type is ProcessorType.EMBEDDING_API
    assert (embed.vendor, embed.region, embed.retention, embed.auth) == ("OpenAI", "us", "30d", "api_key")
    assert embed.approved is False
    assert embed.environment is Environment.STAGING
    assert embed.description == "embeddings"
    assert embed.privacy_step is None


def test_internal_process_takes_default_namespace_and_environment(batch: LineageBatch) -> None:
    chunker = by_name(batch, Process, "rag.chunk")
    assert (chunker.namespace, chunker.environment) == ("airflow-prod", Environment.PROD)
    assert (chunker.third_party, chunker.processor_type, chunker.vendor) == (None, None, None)


def test_process_namespace_falls_back_to_the_pipeline_name() -> None:
    b = collect(spec_with("processes:\n  - {id: job, name: nightly}\n"))
    assert [(p.namespace, p.name) for p in facts_of(b, Process)] == [("p", "nightly")]


def test_identity_fields_map_to_the_core_model(batch: LineageBatch) -> None:
    bot = by_name(batch, Identity, "support-bot")
    assert (bot.namespace, bot.identity_type, bot.description) == ("agents", IdentityType.AGENT, "the bot")


def test_runs_become_runs_edges(batch: LineageBatch) -> None:
    assert edges(batch, EdgeKind.RUNS) == {("support-bot", "rag.chunk"), ("support-bot", "v1/embeddings")}


def test_grants_become_grant_edges_with_permissions(batch: LineageBatch) -> None:
    grants = {e.target.name: e for e in facts_of(batch, Edge) if e.kind is EdgeKind.GRANT}
    assert set(grants) == {"rag.public.chunks", normalize("s3://acme-rag", "chunks/")[1], "v1/embeddings"}
    assert grants["rag.public.chunks"].permissions == (Permission.READ,)
    assert grants["v1/embeddings"].permissions == (Permission.READ, Permission.WRITE)  # deduplicated
    assert grants["v1/embeddings"].target == NodeRef.process("https://api.openai.com", "v1/embeddings")
    assert all(e.source == NodeRef.identity("agents", "support-bot") for e in grants.values())


def test_flows_expand_to_read_and_write_edges(batch: LineageBatch) -> None:
    chunks = normalize("s3://acme-rag", "chunks/")[1]
    assert edges(batch, EdgeKind.READ) == {("wiki/ENG", "rag.chunk"), (chunks, "v1/embeddings")}
    assert edges(batch, EdgeKind.WRITE) == {("rag.chunk", chunks), ("v1/embeddings", "rag.public.chunks")}


def test_one_flow_with_several_ends_gives_one_edge_per_end() -> None:
    b = collect(spec_with("""\
        defaults: {namespace: s3://b}
        datasets: [{id: a, name: a}, {id: b, name: b}, {id: c, name: c}, {id: d, name: d}]
        processes: [{id: job, name: job}]
        flows: [{from: [a, b, c], through: job, to: [d, a]}]
        """))
    assert b.problems == []
    assert edges(b, EdgeKind.READ) == {("a", "job"), ("b", "job"), ("c", "job")}
    assert edges(b, EdgeKind.WRITE) == {("job", "d"), ("job", "a")}


def test_column_lineage_maps_to_the_core_model(batch: LineageBatch) -> None:
    by_target = {c.target.column: c for c in facts_of(batch, ColumnLineage)}
    embedding = by_target["embedding"]
    assert embedding.target.dataset == NodeRef.dataset("postgres://vector-db:5432", "rag.public.chunks")
    assert [s.column for s in embedding.sources] == ["text"]
    assert embedding.transformation is Transformation.TRANSFORMATION
    assert embedding.process == NodeRef.process("https://api.openai.com", "v1/embeddings")
    text = by_target["text"]
    assert (text.transformation, text.indirect) == (Transformation.IDENTITY, True)
    assert [s.dataset.name for s in text.sources] == ["wiki/ENG"]


# --- privacy steps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "kind", "values"),
    [
        ("{kind: differential_privacy, epsilon: 1.5}", PrivacyKind.DIFFERENTIAL_PRIVACY, (1.5, None, None)),
        ("{kind: k_anonymity, k: 5}", PrivacyKind.K_ANONYMITY, (None, 5, None)),
        ("{kind: synthesizer, check: 'DCR > 0.2, report s3://a/r.json'}", PrivacyKind.SYNTHESIZER,
         (None, None, "DCR > 0.2, report s3://a/r.json")),
    ],
)
def test_privacy_steps_map_to_the_core_model(
    step: str, kind: PrivacyKind, values: tuple[object, ...]
) -> None:
    b = collect(spec_with(f"processes:\n  - {{id: dp, name: dp, privacy_step: {step}}}\n"))
    assert b.problems == []
    privacy = facts_of(b, Process)[0].privacy_step
    assert privacy is not None
    assert (privacy.kind, (privacy.epsilon, privacy.k, privacy.check)) == (kind, values)


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("{kind: differential_privacy}", "needs epsilon"),
        ("{kind: k_anonymity, k: 5, epsilon: 1}", "epsilon does not apply"),
        ("{kind: synthesizer}", "needs check"),
        ("{kind: k_anonymity, k: 1}", "greater than or equal to 2"),
        ("{kind: differential_privacy, epsilon: 0}", "greater than 0"),
    ],
)
def test_incomplete_privacy_steps_are_errors(step: str, message: str) -> None:
    b = collect(spec_with(f"processes:\n  - id: dp\n    name: dp\n    privacy_step: {step}\n"))
    assert b.facts == []
    assert [p.line for p in b.problems] == [6]  # the privacy_step line
    assert message in b.problems[0].message


# --- evidence --------------------------------------------------------------------------------------


def test_evidence_is_declared_with_the_line_of_its_entry(batch: LineageBatch) -> None:
    assert {f.evidence.collector for f in batch.facts} == {"spec"}
    assert {f.evidence.source for f in batch.facts} == {"specs/rag.yaml"}
    assert {f.evidence.layer for f in batch.facts} == {Layer.DECLARED}
    assert len({f.evidence.observed_at for f in batch.facts}) == 1
    lines = {f.name: f.evidence.line for f in batch.facts if isinstance(f, Dataset | Process | Identity)}
    assert lines == {"wiki/ENG": 7, normalize("s3://acme-rag", "chunks/")[1]: 18,
                     "rag.public.chunks": 27, "rag.chunk": 35, "v1/embeddings": 37, "support-bot": 49}


def test_edge_evidence_points_at_the_alias_that_made_it(batch: LineageBatch) -> None:
    lines = {(e.kind, e.source.name, e.target.name): e.evidence.line for e in facts_of(batch, Edge)}
    assert lines[(EdgeKind.RUNS, "support-bot", "v1/embeddings")] == 54
    assert lines[(EdgeKind.GRANT, "support-bot", "rag.public.chunks")] == 56
    assert lines[(EdgeKind.GRANT, "support-bot", "v1/embeddings")] == 57
    assert lines[(EdgeKind.READ, "wiki/ENG", "rag.chunk")] == 59
    assert lines[(EdgeKind.READ, normalize("s3://acme-rag", "chunks/")[1], "v1/embeddings")] == 60
    assert lines[(EdgeKind.WRITE, "v1/embeddings", "rag.public.chunks")] == 63  # a block list item
    columns = {c.target.column: c.evidence.line for c in facts_of(batch, ColumnLineage)}
    assert columns == {"embedding": 65, "text": 66}


def test_raw_input_is_kept_on_success(batch: LineageBatch) -> None:
    assert batch.raw is not None
    assert (batch.raw.collector, batch.raw.source) == ("spec", "specs/rag.yaml")
    assert batch.raw.content == SPEC.encode()


# --- errors ----------------------------------------------------------------------------------------


def test_a_bad_spec_yields_no_facts_and_every_problem_with_its_place() -> None:
    bad = SPEC.replace("role: origin", "role: orign").replace("region: us", "regoin: us")
    bad = bad.replace("approved: false", "approved: maybe")
    b = collect(bad)
    assert b.facts == []
    assert b.raw is None
    found = {(p.source, p.line, p.field) for p in b.problems}
    assert found == {
        ("specs/rag.yaml", 10, "datasets[0].role"),
        ("specs/rag.yaml", 42, "processes[1].regoin"),
        ("specs/rag.yaml", 45, "processes[1].approved"),
    }
    messages = " | ".join(p.message for p in b.problems)
    assert "'orign'" in messages
    assert "unknown field 'regoin' (did you mean 'region'?)" in messages
    assert all(str(p).startswith(f"specs/rag.yaml:{p.line}: error: ") for p in b.problems)


def test_a_reference_error_also_drops_every_fact() -> None:
    b = collect(SPEC.replace("through: chunker, to: [chunks]", "through: chunkr, to: [chunks]"))
    assert b.facts == []
    assert len(b.errors) == 1
    problem = b.errors[0]
    assert (problem.line, problem.field) == (59, "flows[0].through")
    assert problem.message == "unknown process 'chunkr' (did you mean 'chunker'?)"


@pytest.mark.parametrize(
    ("edit", "line", "field", "message"),
    [
        (("runs: [chunker, embed]", "runs: [chunker, wiki]"), 54, "identities[0].runs[1]",
         "'wiki' is a dataset, not a process"),
        (("{target: vectors, permissions: [read]}", "{target: vectorz, permissions: [read]}"), 56,
         "identities[0].grants[0].target[0]", "unknown dataset or process 'vectorz'"),
        (("      - vectors\n", "      - vectrs\n"), 63, "flows[1].to[0]", "unknown dataset 'vectrs'"),
        (("sources: [chunks.text]", "sources: [chunk.text]"), 65, "column_lineage[0].sources[0]",
         "unknown dataset 'chunk'"),
        (("sources: [chunks.text]", "sources: [chunks.txt]"), 65, "column_lineage[0].sources[0]",
         "dataset 'chunks' declares no column 'txt' (did you mean 'text'?)"),
    ],
)
def test_unknown_or_wrong_aliases_are_errors_with_their_line(
    edit: tuple[str, str], line: int, field: str, message: str
) -> None:
    assert edit[0] in SPEC
    b = collect(SPEC.replace(*edit))
    assert b.facts == []
    assert [(p.line, p.field) for p in b.errors] == [(line, field)]
    assert b.errors[0].message.startswith(message)


def test_duplicate_alias_is_an_error_naming_the_first_line() -> None:
    b = collect(spec_with("""\
        defaults: {namespace: s3://b}
        datasets:
          - {id: a, name: x}
        processes:
          - {id: a, name: job}
        """))
    assert [(p.line, p.message) for p in b.errors] == [(7, "the alias 'a' is already used at line 5")]


def test_two_aliases_for_one_dataset_are_an_error() -> None:
    b = collect(spec_with("""\
        datasets:
          - {id: a, namespace: "postgres://DB:5432", name: shop.public.orders}
          - {id: b, namespace: "postgresql://db", name: SHOP.PUBLIC.ORDERS}
        """))
    assert [p.line for p in b.errors] == [5]
    assert "same dataset as 'a'" in b.errors[0].message


def test_dataset_without_any_namespace_is_an_error() -> None:
    b = collect(spec_with("datasets:\n  - {id: a, name: x}\n"))
    assert [(p.line, p.message) for p in b.errors] == [
        (4, "dataset 'a' has no namespace and defaults.namespace is not set")
    ]


def test_invalid_namespace_is_reported_by_its_line() -> None:
    b = collect(spec_with("datasets:\n  - id: a\n    namespace: 'postgres://db:notaport'\n    name: x\n"))
    assert b.facts == []
    assert [(p.line, p.field) for p in b.errors] == [(5, "datasets[0].namespace")]


@pytest.mark.parametrize(
    ("process", "message"),
    [
        ("{id: x, name: x, processor_type: llm_api}", "needs a vendor"),
        ("{id: x, name: x, third_party: true, vendor: V}", "needs a processor_type"),
        ("{id: x, name: x, third_party: false, processor_type: saas, vendor: V}", "is third-party"),
        ("{id: x, name: x, processor_type: llm, vendor: V}", "'llm_api'"),
        ("{id: x, name: x, processor_type: saas, vendor: V, retention: forever}", "indefinite"),
        ("{id: x, name: x, processor_type: saas, vendor: V, auth: API Key}", "lowercase token"),
    ],
)
def test_third_party_processor_rules(process: str, message: str) -> None:
    b = collect(spec_with(f"processes:\n  - {process}\n"))
    assert b.facts == []
    assert [p.line for p in b.errors] == [4]
    assert message in b.errors[0].message


def test_unsupported_version_is_an_error() -> None:
    b = collect("version: 2\npipeline: p\n")
    assert [(p.line, p.field) for p in b.errors] == [(1, "version")]


def test_missing_required_field_names_the_field_and_the_entry_line() -> None:
    b = collect(spec_with("processes:\n  - id: job\n    description: no name\n"))
    assert [(p.line, p.field, p.message) for p in b.errors] == [(4, "processes[0].name", "name is required")]


def test_empty_file_is_an_error_at_line_1() -> None:
    b = collect("# nothing yet\n")
    assert [(p.line, p.severity) for p in b.problems] == [(1, "error")]
    assert b.facts == []


def test_top_level_that_is_not_a_mapping_is_an_error() -> None:
    b = collect("- version: 1\n")
    assert b.facts == []
    assert [p.line for p in b.errors] == [1]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("version: 1\npipeline: p\npipeline: q\n", 3, "duplicate key 'pipeline' (first at line 2)"),
        ("version: 1\npipeline: [\n", 3, "invalid YAML"),
        ("version: 1\n---\nversion: 1\n", 2, "second YAML document"),
    ],
)
def test_yaml_errors_become_problems_with_their_line(text: str, line: int, words: str) -> None:
    b = collect(text)
    assert b.facts == []
    assert [p.line for p in b.errors] == [line]
    assert words in b.errors[0].message


def test_binary_input_is_a_problem_not_a_crash() -> None:
    b = SpecCollector().collect(Source(name="x.yaml", data=b"version: 1\n\xff\xfe\x00\x01garbage"))
    assert b.facts == []
    assert len(b.errors) == 1


def test_column_lineage_through_a_process_that_does_not_connect_warns() -> None:
    b = collect(SPEC.replace("transformation: transformation, through: embed", "through: chunker"))
    assert len(b.facts) > 0  # a warning keeps the facts
    assert [(p.severity, p.line) for p in b.problems] == [("warning", 65), ("warning", 65)]
    assert {p.message for p in b.problems} == {
        "no flow has 'chunker' write 'vectors'", "no flow has 'chunker' read 'chunks'",
    }


# --- hostile text stays data -----------------------------------------------------------------------


def test_names_with_quotes_newlines_and_html_are_kept_verbatim() -> None:
    odd = "it's \"quoted\"\n<script>alert('x')</script> &amp; done"
    file_name = "reports/<b>Q1</b> \"final\"'s.csv"
    q_odd, q_file, q_img = json.dumps(odd), json.dumps(file_name), json.dumps("<img src=x onerror=alert(1)>")
    text = spec_with(f"""\
        defaults: {{namespace: s3://bucket}}
        datasets:
          - id: d
            name: {q_file}
            description: {q_odd}
            columns: [{{name: {q_img}}}]
        processes:
          - id: job
            name: {q_odd}
            description: {q_odd}
        identities:
          - {{id: who, name: {q_odd}, type: user, runs: job}}
        """)
    b = collect(text)
    assert b.problems == []
    dataset = facts_of(b, Dataset)[0]
    assert dataset.name == normalize("s3://bucket", file_name)[1]
    assert "<b>Q1</b> \"final\"'s" in dataset.name
    assert dataset.description == odd
    assert dataset.columns[0].name == "<img src=x onerror=alert(1)>"
    assert facts_of(b, Process)[0].name == odd
    assert facts_of(b, Process)[0].description == odd
    assert facts_of(b, Identity)[0].name == odd


def test_dataset_name_with_a_newline_is_refused_by_naming_with_its_line() -> None:
    b = collect(spec_with('datasets:\n  - id: d\n    namespace: s3://b\n    name: "a\\nb"\n'))
    assert b.facts == []
    assert [p.line for p in b.errors] == [5]
    assert "control character" in b.errors[0].message


# --- detection and registry ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pipeline.yaml", "specs/rag.yml", "UPPER.YAML"])
def test_detect_accepts_pipeline_specs(name: str) -> None:
    assert SpecCollector().detect(Path(name), SPEC.encode()[:256])


def test_detect_accepts_a_spec_with_a_byte_order_mark_and_comments() -> None:
    head = b"\xef\xbb\xbf# my pipeline\nversion: 1\npipeline: p\nflows: []\n"
    assert SpecCollector().detect(Path("p.yaml"), head)


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("dbt_project.yml", b"name: 'jaffle_shop'\nversion: '1.0.0'\nconfig-version: 2\n"
                            b"profile: 'jaffle_shop'\nmodel-paths: [\"models\"]\n"
                            b"models:\n  jaffle_shop:\n    +materialized: view\n"),
        ("lineage.yaml", b"version: 1\nstore:\n  path: lineage.duckdb\n"
                         b"sources:\n  - kind: sql\n    path: sql/\n"),
        ("docker-compose.yml", b"version: '3.8'\nservices:\n  redis:\n    image: redis:7\n"),
        ("random.yaml", b"datasets:\n  - a\n  - b\n"),
        ("nested.yaml", b"config:\n  version: 1\n  datasets: []\n"),
        ("pipeline.json", b'{"version": 1, "datasets": [], "flows": []}'),
        ("pipeline.txt", SPEC.encode()),
    ],
)
def test_detect_refuses_other_files(name: str, head: bytes) -> None:
    assert not SpecCollector().detect(Path(name), head)


def test_collector_is_registered_as_spec() -> None:
    assert isinstance(get_collector("spec"), SpecCollector)


# --- published schema and docs ---------------------------------------------------------------------


def test_committed_json_schema_matches_a_fresh_generation() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json_schema_text(), (
        "run: python scripts/generate_spec_schema.py"
    )


def test_json_schema_is_valid_and_catches_typos() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    good = {"version": 1, "pipeline": "p", "flows": [{"from": "a", "through": "b", "to": ["c"]}]}
    assert list(validator.iter_errors(good)) == []
    typo = {"version": 1, "pipeline": "p", "datasets": [{"id": "a", "name": "n", "rolee": "store"}]}
    assert [e.validator for e in validator.iter_errors(typo)] == ["additionalProperties"]


def test_the_documented_example_collects_cleanly() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    full = [b for b in blocks if b.startswith("version: 1")]
    assert len(full) == 1, "docs/pipeline-spec.md has one full example"
    b = collect(full[0], name="docs/pipeline-spec.md")
    assert b.problems == []
    assert {type(f) for f in b.facts} == {Dataset, Process, Identity, Edge, ColumnLineage}
