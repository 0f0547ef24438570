"""Every shape a literal secret takes in an MCP config is found, reported by place and kept out of
the store; placeholders are told apart by a precise rule, not a substring."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.base import Source
from collectors.discover import recollect
from collectors.mcp import McpCollector
from collectors.mcp.secrets import find_in_args, find_secrets, is_placeholder
from lineage.exports import export
from lineage.graph import load_graph
from lineage.models import Dataset, Identity, LineageBatch, Process, ProcessorType
from lineage.policy import evaluate
from lineage.store import Store
from lineage.store.base import RawInputRow

# Realistic values (made up), one per shape; the key is the field or argument the value sits in.
SECRETS = {
    "$.mcpServers.docker.args[4]": "9fK2mQ7xL4vB8nR1tY6wZ3pD5sH0jC",  # docker run -e API_TOKEN=...
    "$.mcpServers.env-wrapper.args[0]": "Lk8Qz2Wm5Xn9Bv3Cr7Ty1Pu4Io6As0D",  # env API_KEY=... npx server
    "$.mcpServers.flags.args[3]": "ak_8Hq2Lm5Nx9Pz3Rv7Tw1Yb4Cd6Ef0G",  # --api-key VALUE
    "$.mcpServers.flags.args[5]": "tk2Jd8Ks5Lq9Mw3Nx7Pz1Rb4Tc6Vf0H",  # --token VALUE
    "$.mcpServers.flags.args[7]": "Tr0ub4dor&3",  # --password VALUE (short, not random)
    "$.mcpServers.flags.args[8]": "Qm4Wn8Er2Ty6Ui0Op3As7Df1Gh5Jk9L",  # --api-key=VALUE
    "$.mcpServers.remote.headers.Cookie": "session=sess_a8F3kL9qW2zX7mN4bV6cR1tY5uI0o; theme=dark",
    "$.mcpServers.remote.headers.Proxy-Authorization": "YWxpY2U6czNjcjN0LXBAc3N3MHJkLTk4Nw==",  # Basic ...
    "$.mcpServers.remote.headers.X-Custom-Session": "Zx9Cv8Bn7Mq6Wl5Ek4Rj3Th2Yg1Uf0Id",
    "$.mcpServers.remote.headers.X-Api-Key": "k7Hd2Pq9Lw4Zm8Xn3Bc6Vr1Ts5Yu0Ao",
    "$.mcpServers.llm.env.ANTHROPIC_API_KEY": "sk-ant-api03-Rt7Yexample4Kd9Lq2Wm8Xn5Bv3Cz1Pj6Hs0Gf",  # "example"
    "$.mcpServers.llm.env.GITHUB_TOKEN": "ghp_B7kQ2xxxx9LmW4nR8tZ3pY6sD1fG5hJ0cV",  # "xxxx" inside
}
COMMENTED = "xoxb-2840193847-7710298374-Qm3Xn8Bv2Cz5Lk9Wj4Hd"  # an old token left in a comment
S = list(SECRETS.values())
CONFIG = {"mcpServers": {
    "docker": {"command": "docker", "args": ["run", "-i", "--rm", "-e", f"API_TOKEN={S[0]}", "ghcr.io/acme/mcp:1.0.0"]},
    "env-wrapper": {"command": "env", "args": [f"API_KEY={S[1]}", "npx", "-y", "acme-mcp@1.0.0"]},
    "flags": {"command": "npx", "args": ["-y", "acme-mcp@1.0.0", "--api-key", S[2], "--token", S[3],
                                         "--password", S[4], f"--api-key={S[5]}"]},
    "remote": {"type": "http", "url": "https://mcp.acme.dev/mcp", "headers": {
        "Cookie": S[6], "Proxy-Authorization": f"Basic {S[7]}", "X-Custom-Session": S[8], "X-Api-Key": S[9]}},
    "llm": {"command": "uvx", "args": ["llm-mcp==1.0.0"], "env": {"ANTHROPIC_API_KEY": S[10], "GITHUB_TOKEN": S[11]}},
}}


def every_string(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "acme-api" / ".mcp.json"
    path.parent.mkdir()
    path.write_text(f"// Slack, before the move to env: {COMMENTED}\n" + json.dumps(CONFIG, indent=2))
    return path


def collect(path: Path) -> LineageBatch:
    return McpCollector().collect(Source(str(path), path.read_bytes(), path))


def test_a_dozen_secret_shapes_never_reach_the_store_and_each_is_reported_by_place(
        config: Path, store: Store, tmp_path: Path) -> None:
    batch = collect(config)
    assert not batch.errors, [str(p) for p in batch.problems]
    store.ingest(batch)
    graph = load_graph(store)
    findings = evaluate(graph)
    raws = list(store.raw_inputs())
    node_ids = [n["id"] for n in graph.nodes()]
    seen = {
        "raw inputs (read back, decompressed)": b"".join(r.content for r in raws).decode(),
        "exported JSON": str(export(graph, "json")),
        "findings": every_string([f.__dict__ for f in findings]),
        "problems": every_string(store.problems()),
        "facts": every_string(store.facts_about(node_ids)),
        "batch": batch.model_dump_json() + every_string([str(p) for p in batch.problems]),
    }
    assert raws and "[REDACTED:" in seen["raw inputs (read back, decompressed)"]
    for secret in [*S, COMMENTED, S[6].split("=", 1)[1].split(";")[0]]:
        for what, text in seen.items():
            assert secret not in text, f"a secret is in the {what}"
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("lineage.duckdb*") if p.is_file())  # file and WAL
    for secret in [*S, COMMENTED]:
        assert secret.encode() not in stored
    # each secret's place: the file, the server and the field or argument index, never the value
    fields = {p.field for p in batch.problems if "literal" in p.message}
    assert fields >= set(SECRETS)
    servers = [n for n in graph.nodes() if n.get("processor_type") == "mcp_server"]
    locations = {s["location"].split(" ", 1)[1] for n in servers for s in n.get("secrets") or ()}
    assert locations == set(SECRETS)
    assert all(s["location"].startswith(f"{config}:") for n in servers for s in n.get("secrets") or ())
    comment = [p for p in batch.problems if "outside any server entry" in p.message]
    assert [(p.line, "slack_token" in p.message) for p in comment] == [(1, True)]


def test_a_rebuild_from_the_kept_config_reports_the_same_places_and_holds_no_value(config: Path) -> None:
    first = collect(config)
    assert first.raw is not None
    again = recollect(_row(first))

    def places(batch: LineageBatch) -> set[tuple[str, str, str]]:
        return {(p.name, s.kind, s.location) for p in batch.facts if isinstance(p, Process)
                and p.processor_type is ProcessorType.MCP_SERVER for s in p.secrets}
    assert places(again) == places(first) and len(places(first)) == len(SECRETS)
    assert ids(again) == ids(first)
    assert again.raw is not None and again.raw.content == first.raw.content
    for secret in [*S, COMMENTED]:
        assert secret not in again.model_dump_json()


def _row(batch: LineageBatch) -> RawInputRow:
    """The kept raw input of a batch, as the store gives it back to `lineage store rebuild`."""
    assert batch.raw is not None
    return RawInputRow(batch.raw.collector, batch.raw.source, batch.raw.content, False, datetime.now(UTC))


def ids(batch: LineageBatch) -> set[str]:
    return {f.ref.id for f in batch.facts if isinstance(f, Dataset | Process | Identity)}


def test_a_secret_written_with_json_escapes_is_not_kept_either(tmp_path: Path) -> None:
    token = "ghp_Zq8sK2mW9xV4nB7cL1pR5tY3uI6oA0eD2fG4"
    escaped = "\\u0067" + token[1:]  # "ghp_..." with its first letter escaped: the text differs from the value
    path = tmp_path / "claude_desktop_config.json"
    path.write_text('{"mcpServers": {"gh": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": "' + escaped + '"}}}}')
    batch = collect(path)
    assert batch.raw is not None and [s.kind for p in batch.facts if isinstance(p, Process) for s in p.secrets] == [
        "github_token"]
    kept = json.loads(batch.raw.content)
    assert token not in json.dumps(json.loads(kept["config"])) and token[1:] not in batch.raw.content.decode()
    assert token not in recollect(_row(batch)).model_dump_json()


@pytest.mark.parametrize("value", [
    "${env:GITHUB_TOKEN}", "${GITHUB_TOKEN}", "$GITHUB_TOKEN", "${input:github-token}", "{env:TOKEN}", "{{ token }}",
    "<your-token>", "<paste your key here>", "YOUR_API_KEY", "your-token-here", "your_github_token", "REPLACE_ME",
    "changeme", "sk-...xxxx", "sk-xxxxxxxxxxxxxxxxxxxxxxxx", "sk-proj-XXXXXXXXXXXXXXXXXXXX",
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "AKIAXXXXXXXXXXXXXXXX", "xoxb-xxxxxxxxxxxx-xxxxxxxxxxxx", "***", "",
])
def test_placeholders_are_recognised_in_every_shape(value: str) -> None:
    assert is_placeholder(value) or value == "" or not find_secrets("API_TOKEN", value)
    assert not find_secrets("GITHUB_TOKEN", value)
    assert not find_secrets("Authorization", f"Bearer {value}", header=True)
    assert not find_secrets("X-Api-Key", value, header=True)
    assert not find_in_args(["run", "-e", f"API_TOKEN={value}", "--api-key", value, f"--token={value}", "img"])


@pytest.mark.parametrize("value", [
    "sk-ant-api03-Rt7Yexample4Kd9Lq2Wm8Xn5Bv3Cz1Pj6Hs0Gf", "ghp_B7kQ2xxxx9LmW4nR8tZ3pY6sD1fG5hJ0cV",
    "exampleRt7Y4Kd9Lq2Wm8Xn5Bv3", "Pa$Sw0rd-Tr0ub4dor", "tok_changemeQ8z2Lm9Xv4Bn7Cw1",
])
def test_a_real_token_that_contains_a_placeholder_word_is_still_a_secret(value: str) -> None:
    assert not is_placeholder(value)
    assert [f.text for f in find_secrets("API_TOKEN", value)] == [value]


@pytest.mark.parametrize(("key", "value"), [
    ("args", "-e"), ("args", "GITHUB_PERSONAL_ACCESS_TOKEN"), ("TOKEN_URL", "https://auth.acme.dev/oauth/token"),
    ("AUTH_TYPE", "oauth2-client-credentials"), ("GIT_AUTHOR_EMAIL", "jane.developer@acme.dev"),
    ("GDRIVE_CREDENTIALS_PATH", "/home/oncall/.config/gdrive/credentials.json"), ("SLACK_TEAM_ID", "T0ACME01"),
    ("SALESFORCE_CONNECTION_TYPE", "OAuth_2.0_Client_Credentials"),
])
def test_settings_about_credentials_are_not_secrets(key: str, value: str) -> None:
    assert not find_secrets(key, value)


def test_flags_naming_where_a_credential_is_are_not_secrets() -> None:
    args = ["--api-key-env", "OPENAI_API_KEY", "--token-file", "/run/secrets/token", "--auth", "oauth", "-e",
            "GITHUB_TOKEN", "--password-stdin", "--header", "Authorization: Bearer ${API_TOKEN}"]
    assert find_in_args(args) == []
    assert [(i, f.kind) for i, f in find_in_args(["mcp-remote", "https://x.dev/mcp", "--header",
                                                   "Authorization: Bearer q8Zk2Lm9Xv4Bn7Cw1Rt5Yp3Us6Io0Ae"])] == [
        (3, "bearer_token")]
