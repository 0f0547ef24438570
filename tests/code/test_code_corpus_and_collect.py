"""The labelled corpus meets its targets; `lineage collect` finds code in a folder (skipping
virtualenvs); the rules read what code says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.code_collector import CORPUS, TARGET_PRECISION, TARGET_RECALL, score_corpus, totals
from lineage.cli import main
from lineage.graph import load_graph
from lineage.policy import evaluate
from lineage.store import open_store


def test_the_corpus_has_at_least_twelve_apps_with_negative_cases() -> None:
    scores = score_corpus()
    assert len(scores) >= 12
    assert any(not any(x.startswith("process:") for x in s.expected) for s in scores)


def test_the_corpus_meets_the_precision_and_recall_targets() -> None:
    scores = score_corpus()
    precision, recall = totals(scores)
    assert precision >= TARGET_PRECISION and recall >= TARGET_RECALL, [
        (s.case, sorted(s.found - s.expected), sorted(s.expected - s.found)) for s in scores]


def test_negative_apps_have_no_third_party() -> None:
    for s in score_corpus():
        if s.case in ("local_models_only", "no_ai_etl"):
            assert not [x for x in s.found if x.startswith("process:")], s.case


@pytest.fixture()
def app_folder(tmp_path: Path) -> Path:
    root = tmp_path / "support-bot"
    shutil.copytree(CORPUS / "anthropic_support_bot", root)
    shutil.copytree(CORPUS / "azure_hf_lancedb", root / "training")
    venv = root / ".venv" / "lib" / "python3.11" / "site-packages" / "openai"
    venv.mkdir(parents=True)
    (venv / "client.py").write_text("from openai import OpenAI\nOpenAI().embeddings.create(model='x', input='y')\n")
    (root / "nb.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": [
        "import pandas as pd\n", "pd.read_csv('exports/leads.csv')\n"]}], "nbformat": 4}))
    return root


def test_collect_reads_python_and_notebooks_and_skips_virtualenvs(app_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "lineage.duckdb"
    assert main(["collect", str(app_folder), "--db", str(db)]) == 0
    graph = load_graph(open_store(db))
    ids = {str(a["id"]) for kind in ("dataset", "process") for a in graph.nodes(kind)}
    assert "process:https://api.anthropic.com:apps/support-bot/v1/messages" in ids
    assert "dataset:file:support-bot/exports/leads.csv" in ids
    assert not any("v1/embeddings" in i and "openai.com" in i for i in ids)


def test_rules_fire_on_code_derived_facts(app_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "lineage.duckdb"
    assert main(["collect", str(app_folder), "--db", str(db)]) == 0
    findings = evaluate(load_graph(open_store(db)))
    by_rule = {f.rule_id: f for f in findings}
    assert {"LM009", "LM019", "LM020", "LM021"} <= set(by_rule)
    assert "acme-labs/claims-encoder" in by_rule["LM019"].message
    assert "acme-labs/fraud-gbm" in by_rule["LM021"].message
    assert "bot.py:9" in by_rule["LM009"].message and "sk-ant-" not in by_rule["LM009"].message


def test_real_pii_from_a_spec_reaches_the_code_processor(tmp_path: Path) -> None:
    root = tmp_path / "support-bot"
    shutil.copytree(CORPUS / "anthropic_support_bot", root)
    (tmp_path / "pipeline.yaml").write_text(
        "version: 1\npipeline: crm\ndatasets:\n"
        "  - {id: customers, namespace: 'postgres://pg.internal:5432', name: crm.public.customers, origin: real,\n"
        "     classifications: [pii.email]}\n"
        "processes:\n"
        "  - {id: claude, namespace: 'https://api.anthropic.com', name: apps/support-bot/v1/messages,\n"
        "     processor_type: llm_api, vendor: Anthropic, approved: false}\n")
    db = tmp_path / "lineage.duckdb"
    assert main(["collect", str(root), str(tmp_path / "pipeline.yaml"), "--db", str(db)]) == 0
    findings = [f for f in evaluate(load_graph(open_store(db))) if f.rule_id == "LM001"]
    assert any("apps/support-bot/v1/messages" in " ".join(f.path) for f in findings)


def test_installed_packages_are_not_read_whatever_the_virtualenv_is_called(tmp_path: Path) -> None:
    from collectors.code import CodeCollector

    env = tmp_path / "py311env"
    (env / "lib" / "python3.11" / "site-packages" / "openai").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "tools").mkdir()
    collector = CodeCollector()
    assert not collector.detect(env / "lib" / "python3.11" / "site-packages" / "openai" / "client.py", b"")
    assert not collector.detect(env / "bin" / "activate_this.py", b"")
    assert not collector.detect(tmp_path / "usr" / "dist-packages" / "x.py", b"")
    assert collector.detect(tmp_path / "tools" / "embed.py", b"")


def test_the_trifecta_fires_on_an_application_found_in_code(tmp_path: Path) -> None:
    app = tmp_path / "digest-bot"
    app.mkdir()
    (app / "pyproject.toml").write_text('[project]\nname = "digest-bot"\n')
    (app / "bot.py").write_text(
        "import psycopg\nimport requests\nfrom openai import OpenAI\n\n"
        "conn = psycopg.connect('postgresql://bot@pg.internal:5432/crm')\n\n"
        "def digest():\n"
        "    news = requests.get('https://feeds.example.org/today').text\n"
        "    cur = conn.cursor()\n"
        "    cur.execute('SELECT email, notes FROM customers')\n"
        "    rows = cur.fetchall()\n"
        "    return OpenAI().chat.completions.create(model='gpt-4o', messages=[news, str(rows)])\n")
    (tmp_path / "pipeline.yaml").write_text(
        "version: 1\npipeline: digest\ndatasets:\n"
        "  - {id: customers, namespace: 'postgres://pg.internal:5432', name: crm.public.customers, origin: real,\n"
        "     classifications: [pii.email]}\n"
        "  - {id: feed, namespace: 'https://feeds.example.org', name: today, origin: real, role: origin,\n"
        "     classifications: [public, untrusted]}\n")
    db = tmp_path / "lineage.duckdb"
    assert main(["collect", str(app), str(tmp_path / "pipeline.yaml"), "--db", str(db)]) == 0
    [trifecta] = [f for f in evaluate(load_graph(open_store(db))) if f.rule_id == "LM002"]
    assert trifecta.nodes[0] == "identity:python://digest-bot:digest-bot"
