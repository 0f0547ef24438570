"""Export test helpers: a hostile graph, the sample pipelines' graph, stand-in findings, goldens.

`assert_golden(name, content)` compares with `tests/goldens/exports/<name>`; a missing golden is
written and the test fails; `pytest --update-goldens` rewrites them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from lineage.cli import main
from lineage.graph import LineageGraph, load_graph
from lineage.store import open_store
from tests.conftest import SAMPLES

GOLDENS = Path(__file__).resolve().parent.parent / "goldens" / "exports"
PLANTED = "sk-PLANTED-never-export-9f3c2a"

# Every name below tries to break some format: quotes, newlines, backslashes, Markdown, HTML, CSV
# formulas, DOT and Mermaid syntax, XML-illegal characters.
EVIL_DATASET = 'users "prod"\n<script>alert(1)</script> \\N *bold* | pipe #1 @admin `x` & ]]> %% end'
EVIL_JOB = "=HYPERLINK(\"http://x\") \\l -->|x| n0 [label=\"y\"]; }"
EVIL_IDENTITY = "bot\r\nwith\ttabs\x07bell </td><img src=x onerror=alert(2)>"
EVIL_NS = "postgres://db:5432"


@dataclass(frozen=True)
class FakeFinding:
    """Stands in for `lineage.policy.Finding` (the exporters need only these attributes)."""

    rule_id: str
    title: str
    severity: str
    message: str
    path: tuple[str, ...]
    fingerprint: str
    status: str = "open"


def _ids() -> dict[str, str]:
    return {"src": f"dataset:{EVIL_NS}:{EVIL_DATASET}", "dst": "dataset:s3://bucket:exports/users.parquet",
            "job": f"process:airflow:{EVIL_JOB}", "llm": "process:https://api.openai.com:v1/embeddings",
            "bot": f"identity:agents:{EVIL_IDENTITY}"}


IDS = _ids()


@pytest.fixture
def hostile() -> LineageGraph:
    """A small graph of every node kind and edge kind, with hostile names and a planted secret."""
    return LineageGraph.from_records(
        nodes=[
            {"id": IDS["src"], "kind": "dataset", "namespace": EVIL_NS, "name": EVIL_DATASET, "role": "origin",
             "origin": "real", "classifications": ["pii.email"], "environment": "prod",
             "description": 'Line one\nline "two" <b>bold</b>', "owner": "data@acme.com",
             "columns": [{"name": "e\"mail", "type": "text", "classifications": ["pii.email"]},
                         {"name": "id", "type": "int"}]},
            {"id": IDS["dst"], "kind": "dataset", "namespace": "s3://bucket", "name": "exports/users.parquet",
             "role": "store", "origin": "real", "columns": [{"name": "email_hash", "type": "text"}]},
            {"id": IDS["job"], "kind": "process", "namespace": "airflow", "name": EVIL_JOB, "third_party": False,
             "secrets": [{"location": "env:AWS_SECRET_ACCESS_KEY", "kind": "aws_key", "value": PLANTED}]},
            {"id": IDS["llm"], "kind": "process", "namespace": "https://api.openai.com", "name": "v1/embeddings",
             "third_party": True, "processor_type": "embedding_api", "vendor": "OpenAI", "region": "us",
             "retention": "30d", "auth": "api_key", "approved": False},
            {"id": IDS["bot"], "kind": "identity", "namespace": "agents", "name": EVIL_IDENTITY,
             "identity_type": "agent"},
        ],
        edges=[(IDS["src"], IDS["job"], "read"), (IDS["job"], IDS["dst"], "write"),
               (IDS["dst"], IDS["llm"], "read"), (IDS["bot"], IDS["job"], "runs"),
               (IDS["bot"], IDS["job"], "grant", {"permissions": ["read"]}),
               (IDS["bot"], IDS["src"], "grant", {"permissions": ["read", "write"]})],
        column_lineage=[{"target": IDS["dst"], "column": "email_hash", "sources": [[IDS["src"], 'e"mail']],
                         "transformation": "masking", "indirect": False, "process": IDS["job"]}],
    )


@pytest.fixture
def findings() -> list[FakeFinding]:
    return [FakeFinding("LM001", "PII <reaches> an | unapproved processor", "high",
                        'e"mail flows to *v1/embeddings*\nsee #12 @security',
                        (IDS["src"], IDS["job"], IDS["dst"], IDS["llm"]), "fp-1"),
            FakeFinding("LM009", "Agent can write", "medium", "grant", (IDS["bot"], IDS["src"]), "fp-2")]


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with every sample pipeline collected (once per session)."""
    db = str(tmp_path_factory.mktemp("samples") / "samples.duckdb")
    assert main(["collect", str(SAMPLES), "--db", db]) == 0
    return db


@pytest.fixture(scope="session")
def sample_graph(sample_db: str) -> LineageGraph:
    return load_graph(open_store(sample_db))


def assert_golden(name: str, content: str | bytes, request: pytest.FixtureRequest) -> None:
    """Compare `content` with tests/goldens/exports/<name>; write it when missing or asked to."""
    path = GOLDENS / name
    data = content.encode("utf-8") if isinstance(content, str) else content
    if request.config.getoption("--update-goldens", default=False) or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if not request.config.getoption("--update-goldens", default=False):
            pytest.fail(f"wrote the missing golden {path}; check it and run again")
        return
    assert data == path.read_bytes(), f"{name} differs from {path}; rerun with --update-goldens if intended"
