"""`lineage check` end to end: formats, SARIF validity, exit codes, baselines, reviews, custom rules,
bad project files; and `lineage explain` / `lineage demo` showing tags and findings."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from lineage.cli import main
from lineage.models import Dataset, Edge, EdgeKind, Evidence, Layer, LineageBatch, Process, ProcessorType, RawInput
from lineage.policy.finding import Finding
from lineage.policy.report.markdown import render
from lineage.store import open_store
from tests.policy.support import REPO, SAMPLES

SCHEMA = json.loads((REPO / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def collect(db: Path, *names: str) -> str:
    paths = [str(SAMPLES / n / "pipeline.yaml") for n in names]
    assert main(["collect", *paths, "--db", str(db)]) == 0
    return str(db)


@pytest.fixture(scope="module")
def all_samples(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("samples") / "lineage.duckdb"
    main(["collect", str(SAMPLES), "--db", str(db)])  # every format the collectors read
    return str(db)


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # evidence paths become relative to the repository, as in CI


def test_sarif_on_the_samples_validates_and_fails_on_high(all_samples: str, tmp_path: Path, in_repo: None) -> None:
    out = tmp_path / "lineage.sarif"
    assert main(["check", "--db", all_samples, "--format", "sarif", "-o", str(out), "--fail-on", "high"]) == 1
    log = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(SCHEMA).validate(log)
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {f"LM{i:03d}" for i in range(1, 19)}
    assert all("security-severity" in r["properties"] for r in run["tool"]["driver"]["rules"])
    for result in run["results"]:
        place = result["locations"][0]["physicalLocation"]
        assert place["region"]["startLine"] >= 1
        assert result["partialFingerprints"]["lineageFingerprint/v1"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "sample_pipelines/mcp_agent/pipeline.yaml" in uris


def test_exit_code_follows_fail_on(tmp_path: Path) -> None:
    db = collect(tmp_path / "l.duckdb", "feature_store")  # high at most
    assert main(["check", "--db", db, "--fail-on", "critical"]) == 0
    assert main(["check", "--db", db, "--fail-on", "high"]) == 1
    assert main(["check", "--db", db, "--fail-on", "severe"]) == 2


def test_json_report_lists_findings_with_fingerprints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = collect(tmp_path / "l.duckdb", "warehouse_elt")
    capsys.readouterr()
    main(["check", "--db", db, "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "lineage-findings"
    assert {f["rule_id"] for f in data["findings"]} == {"LM012", "LM015", "LM016"}
    assert all(len(f["fingerprint"]) == 32 and f["evidence"] for f in data["findings"])


def test_baseline_fails_only_on_new_findings(tmp_path: Path) -> None:
    db = collect(tmp_path / "l.duckdb", "warehouse_elt")
    baseline = tmp_path / "baseline.json"
    assert main(["check", "--db", db, "--format", "json", "-o", str(baseline)]) == 1
    assert main(["check", "--db", db, "--baseline", str(baseline)]) == 0
    collect(tmp_path / "l.duckdb", "feature_store")
    assert main(["check", "--db", db, "--baseline", str(baseline)]) == 1


def test_sarif_baseline_is_accepted_too(tmp_path: Path) -> None:
    db = collect(tmp_path / "l.duckdb", "warehouse_elt")
    baseline = tmp_path / "baseline.sarif"
    main(["check", "--db", db, "--format", "sarif", "-o", str(baseline)])
    assert main(["check", "--db", db, "--baseline", str(baseline)]) == 0


def test_unreadable_baseline_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = collect(tmp_path / "l.duckdb", "warehouse_elt")
    bad = tmp_path / "b.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["check", "--db", db, "--baseline", str(bad)]) == 2
    assert "b.json:1" in capsys.readouterr().err


def test_reviews_in_the_store_accept_findings_until_they_expire(tmp_path: Path) -> None:
    db = collect(tmp_path / "l.duckdb", "warehouse_elt")
    store = open_store(db)
    report = tmp_path / "r.json"
    main(["check", "--db", db, "--format", "json", "-o", str(report)])
    high = [f for f in json.loads(report.read_text())["findings"] if f["severity"] == "high"]
    soon = datetime.now(UTC) + timedelta(days=30)
    for f in high:
        store.add_review(f["fingerprint"], "accepted_risk", "sec@acme.com", "raw tables are dbt's", soon)
    assert main(["check", "--db", db]) == 0
    for f in high:
        store.add_review(f["fingerprint"], "accepted_risk", "sec@acme.com", "renewed", datetime(2020, 1, 1, tzinfo=UTC))
    assert main(["check", "--db", db]) == 1  # expired: open again
    history = store.review_history(high[0]["fingerprint"])
    assert [r.reason for r in history] == ["raw tables are dbt's", "renewed"]
    assert [r.reason for r in store.reviews() if r.fingerprint == high[0]["fingerprint"]] == ["renewed"]


def test_invalid_review_status_is_refused(tmp_path: Path) -> None:
    from lineage.errors import PolicyError

    store = open_store(tmp_path / "l.duckdb")
    with pytest.raises(PolicyError, match="accepted_risk"):
        store.add_review("abc", "ignored", "a", "b")
    assert store.review_history("abc") == []


def write_project(tmp_path: Path, text: str) -> str:
    path = tmp_path / "lineage.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_reviews_in_lineage_yaml_mark_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = collect(tmp_path / "l.duckdb", "warehouse_elt")
    capsys.readouterr()
    main(["check", "--db", db, "--format", "json"])
    high = [f["fingerprint"] for f in json.loads(capsys.readouterr().out)["findings"] if f["severity"] == "high"]
    reviews = "".join(
        f"  - {{fingerprint: {fp}, status: false_positive, reviewer: ann, reason: dbt owns RAW, expires: 2999-01-01}}\n"
        for fp in high
    )
    project = write_project(tmp_path, "reviews:\n" + reviews)
    assert main(["--project", project, "check", "--db", db]) == 0
    capsys.readouterr()
    main(["--project", project, "check", "--db", db, "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    reviewed = [f for f in data["findings"] if f["status"] == "false_positive"]
    assert len(reviewed) == len(high)
    assert reviewed[0]["review"]["source"].endswith("lineage.yaml:2")


EU_RULE = """rules:
  - id: EU001
    severity: critical
    message: real PII reaches a vendor outside the EU ({target})
    from: {origin: real, classification: "pii.*", kind: dataset}
    to: {third_party: true, not: {region: "eu*"}}
"""


def test_custom_flow_rule_from_lineage_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path, EU_RULE)
    warehouse = collect(tmp_path / "eu.duckdb", "warehouse_elt")
    capsys.readouterr()
    main(["--project", project, "check", "--db", warehouse, "--format", "json"])
    hits = {f["nodes"][0] for f in json.loads(capsys.readouterr().out)["findings"] if f["rule_id"] == "EU001"}
    assert hits == {
        "process:https://api.fivetran.com:connectors/zendesk_acme",
        "process:https://api.fivetran.com:connectors/stripe_acme",
    }  # Fivetran is us; Mistral is eu
    us = collect(tmp_path / "us.duckdb", "rag_ingestion")
    capsys.readouterr()
    main(["--project", project, "check", "--db", us, "--format", "json"])
    hits = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule_id"] == "EU001"]
    assert {f["nodes"][0] for f in hits} >= {
        "process:https://api.openai.com:v1/embeddings",
        "process:https://api.anthropic.com:workspaces/assistant-prod/v1/messages",
    }
    assert all(f["severity"] == "critical" and f["path"][0].startswith("dataset:") for f in hits)


def test_custom_rule_not_through_a_selector_exempts_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = collect(tmp_path / "l.duckdb", "rag_ingestion")
    base = (
        "rules:\n  - id: WIKI1\n    message: wiki content leaves\n    from: {name: wiki/spaces/ENG}\n"
        "    to: {third_party: true}\n"
    )
    counts = []
    for extra in (
        "",
        "    not_through: {name: rag_ingest.chunk_documents}\n",
        "    through: {name: assistant_api.retrieve}\n",
    ):
        project = write_project(tmp_path, base + extra)
        capsys.readouterr()
        main(["--project", project, "check", "--db", db, "--format", "json"])
        hits = {f["nodes"][0] for f in json.loads(capsys.readouterr().out)["findings"] if f["rule_id"] == "WIKI1"}
        counts.append(hits)
    assert "process:https://api.openai.com:v1/embeddings" in counts[0]
    assert counts[1] == set()
    assert "process:https://api.anthropic.com:workspaces/assistant-prod/v1/messages" in counts[2]
    assert "process:https://api.openai.com:v1/embeddings" not in counts[2]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("rules:\n  - id: X1\n    message: m\n    from: {kind: dataset, colour: red}\n    to: {}\n", "lineage.yaml:4"),
        ("rules:\n  - id: X1\n    from: {}\n    to: {}\n", "lineage.yaml:2"),
        ("rules:\n  - {id: LM001, message: m, from: {}, to: {}}\n", "lineage.yaml:2"),
        ("reviews:\n  - fingerprint: abc\n    status: accepted\n    reviewer: a\n    reason: b\n", "lineage.yaml:3"),
        ("policy:\n  fail_on: severe\n", "lineage.yaml:2"),
        ("rules: [\n", "lineage.yaml:"),
    ],
)
def test_bad_lineage_yaml_is_a_usage_error_with_file_and_line(
    tmp_path: Path, text: str, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path, text)
    assert main(["--project", project, "check", "--db", str(tmp_path / "l.duckdb")]) == 2
    assert where in capsys.readouterr().err


def test_markdown_escapes_names_from_the_inputs() -> None:
    f = Finding.make(
        "LM001",
        title="t",
        severity="high",
        message="node a|b <script>*x*</script> [l](u) `c`",
        nodes=("dataset:ns:a|b_c",),
    )
    text = render([f])
    row = next(line for line in text.splitlines() if "LM001" in line)
    assert row.count(" | ") == 5  # no extra column from the name's pipe
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "a\\|b\\_c" in row and "\\[l\\]\\(u\\)" in row and "\\`c\\`" in row


def test_explain_shows_derived_tags_with_paths_and_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = collect(tmp_path / "l.duckdb", "fine_tuning")
    assert main(["explain", "synthetic/tickets_quick_v1", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "declared synthetic, but real data reaches it" in out
    assert (
        "support.public.tickets -> process:airflow-ml-prod:support_ft.export_tickets" in out.replace("\n", " ")
        or "support_ft.export_tickets" in out
    )
    assert "LM004" in out


def test_demo_prints_the_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "samples"
    shutil.copytree(SAMPLES / "feature_store", folder / "feature_store")
    main(["demo", "--no-serve", "--path", str(folder), "--db", str(tmp_path / "d.duckdb")])
    out = capsys.readouterr().out
    assert "Findings" in out and "LM005" in out


HOSTILE_NAME = "@team <img src=x> #12"


def hostile_store(tmp_path: Path) -> str:
    """A store whose dataset and third-party processor are named to ping a team, inject HTML and link an issue."""
    ev = Evidence(collector="test", source="hostile.yaml", line=1, layer=Layer.DECLARED, observed_at=datetime.now(UTC))
    src = Dataset(namespace="postgres://db:5432", name=HOSTILE_NAME, role="origin", origin="real",
                  classifications=("pii.email",), evidence=ev)
    llm = Process(namespace="https://api.llm.example", name=HOSTILE_NAME, processor_type=ProcessorType.LLM_API,
                  third_party=True, approved=False, vendor="@team", evidence=ev)
    batch = LineageBatch(collector="test", source="hostile.yaml")
    batch.add(src, llm, Edge(source=src.ref, target=llm.ref, kind=EdgeKind.READ, evidence=ev))
    batch.raw = RawInput(collector="test", source="hostile.yaml", content=b"hostile")
    db = tmp_path / "hostile.duckdb"
    store = open_store(db)
    store.migrate()
    store.ingest(batch)
    return str(db)


@pytest.mark.parametrize("command", [["check", "--format", "markdown"], ["export", "--format", "markdown"]])
def test_markdown_reports_leave_no_live_mention_issue_link_or_html(
        command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = hostile_store(tmp_path)
    capsys.readouterr()
    assert main([*command, "--db", db]) in (0, 1)
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "LM001" in line)  # the finding about the hostile nodes
    assert "@\u200bteam" in row and "&lt;img src=x&gt;" in row and "#\u200b12" in row
    assert "@team" not in out and "<img" not in out and "#12" not in out
