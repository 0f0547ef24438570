"""The monitoring rules on traces collected for real: shadow AI next to a declared integration,
sensitive prompts to an unapproved processor, a new tool of an agent; and their alerts through
a scheduled job's monitor sink."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from lineage.cli import main
from tests.otel.traces import request, span, trace_id

SPEC = """\
version: 1
pipeline: support
processes:
  - id: support_llm
    namespace: https://api.openai.com
    name: apps/support-bot/v1/chat/completions
    processor_type: llm_api
    vendor: OpenAI
    region: us
    approved: true
"""


def _traces(now: int) -> bytes:
    t = trace_id(7)
    agent = span(t, "invoke_agent triage", {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "triage"},
                 start=now)
    spans = [
        agent,
        span(t, "chat gpt-4o", {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                                "gen_ai.request.model": "gpt-4o", "gen_ai.input.messages": "mail a@corp.example"},
             parent=agent["spanId"], start=now),
        span(t, "chat claude", {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
                                "gen_ai.request.model": "claude-sonnet-4",
                                "gen_ai.input.messages": "SSN 123-45-6789, key sk-live-0123456789abcdefghij01234"},
             parent=agent["spanId"], start=now),
        span(t, "execute_tool delete_ticket", {"gen_ai.operation.name": "execute_tool",
                                               "gen_ai.tool.name": "delete_ticket"}, parent=agent["spanId"],
             start=now),
    ]
    return orjson.dumps(request("support-bot", spans)) + b"\n"


def _findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    (tmp_path / "pipeline.yaml").write_text(SPEC)
    (tmp_path / "traces.jsonl").write_bytes(_traces(int(time.time())))
    db = str(tmp_path / "s.duckdb")
    assert main(["collect", str(tmp_path / "pipeline.yaml"), str(tmp_path / "traces.jsonl"), "--db", db]) == 0
    report = tmp_path / "report.json"
    assert main(["check", "--db", db, "--format", "json", "-o", str(report)]) == 1
    out = json.loads(report.read_text())
    found = out["findings"] if isinstance(out, dict) else out
    return [f for f in found if f["rule_id"] in ("LM025", "LM026", "LM027")]


def test_shadow_ai_is_the_undeclared_endpoint_not_the_declared_one(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    found = _findings(tmp_path, capsys)
    shadow = sorted(f["nodes"][0] for f in found if f["rule_id"] == "LM025")
    assert shadow == ["process:https://api.anthropic.com:apps/support-bot/v1/messages",
                      "process:support-bot:tools/delete_ticket"]


def test_sensitive_prompts_are_flagged_only_for_the_unapproved_processor(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    found = [f for f in _findings(tmp_path, capsys) if f["rule_id"] == "LM026"]
    assert [f["nodes"][0] for f in found] == ["process:https://api.anthropic.com:apps/support-bot/v1/messages"]
    assert found[0]["severity"] == "critical"  # a secret was in the prompt
    assert "pii.national_id" in found[0]["message"] and "123-45-6789" not in found[0]["message"]


def test_a_new_tool_of_an_agent_is_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = [f for f in _findings(tmp_path, capsys) if f["rule_id"] == "LM027"]
    assert [f["nodes"] for f in found] == [["identity:support-bot:triage", "process:support-bot:tools/delete_ticket"]]


def test_runtime_findings_reach_the_monitor_sink_of_a_scheduled_job(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "traces.jsonl").write_bytes(_traces(int(time.time())))
    (tmp_path / "lineage.yaml").write_text(
        "store: s.duckdb\n"
        "jobs:\n  - name: traces\n    collector: otel\n    sources: [traces.jsonl]\n    schedule: 5m\n"
        "monitor:\n  sinks:\n    - type: jsonl\n      path: alerts.jsonl\n")
    assert main(["jobs", "run", "traces"]) == 0
    alerts = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    rules = {f["rule_id"] for alert in alerts for f in alert["new_findings"]}
    assert {"LM025", "LM026", "LM027"} <= rules


def test_a_model_the_declaring_code_does_not_name_is_shadow_ai_and_a_named_one_is_not() -> None:
    from lineage.policy import RULES, evaluate
    from tests.policy.support import graph

    rule = next(r for r in RULES if r.id == "LM025")
    llm = "process:https://api.openai.com:apps/support-bot/v1/chat/completions"

    def found(model: str) -> list[str]:
        g = graph([{"id": llm, "processor_type": "llm_api", "job_type": "chat", "version": model, "layer": 1,
                    "description": "OpenAI v1/chat/completions (chat), called from code; model gpt-4o, gpt-4o-mini"}])
        return [f.message for f in evaluate(g, rules=[rule])]

    assert found("gpt-4o-mini") == []
    [message] = found("o3-pro")
    assert "o3-pro" in message and "gpt-4o, gpt-4o-mini" in message
