"""Notebooks (code cells, named places) and input that is not clean Python: each problem names its
place, the valid rest is read, nothing crashes or hangs."""

from __future__ import annotations

import json

from collectors.base import Source
from collectors.code import MAX_BYTES, CodeCollector
from tests.code.support import collect, edges, node_ids, third_parties

EMBED = "process:https://api.openai.com:apps/app/v1/embeddings"


def notebook(*cells: str | dict[str, object]) -> bytes:
    out = []
    for cell in cells:
        if isinstance(cell, dict):
            out.append(cell)
        else:
            out.append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": cell.splitlines(keepends=True)})
    return json.dumps({"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def collect_notebook(data: bytes, name: str = "app/explore.ipynb"):  # type: ignore[no-untyped-def]
    return CodeCollector().collect(Source(name, data))


def test_notebook_cells_are_one_module_and_evidence_names_the_cell() -> None:
    data = notebook("import pandas as pd\nfrom openai import OpenAI", {"cell_type": "markdown", "source": "# x"},
                    "%pip install openai\ndf = pd.read_csv('data/docs.csv')",
                    "OpenAI().embeddings.create(model='text-embedding-3-small', input=df['t'].tolist())")
    batch = collect_notebook(data)
    assert ("dataset:file:app/data/docs.csv", "read", EMBED) in edges(batch)
    [edge] = [f for f in batch.facts if f.fact == "edge" and f.kind.value == "read" and f.target.id == EMBED]
    assert (edge.evidence.source, edge.evidence.line) == ("app/explore.ipynb#cell-4", 1)
    assert not batch.problems


def test_a_broken_cell_is_named_and_the_other_cells_are_read() -> None:
    batch = collect_notebook(notebook("from openai import OpenAI\nc = OpenAI()", "def broken(:\n  pass",
                                      "c.embeddings.create(model='text-embedding-3-small', input='x')"))
    assert EMBED in third_parties(batch)
    [problem] = batch.problems
    assert "cell-2" in problem.message and problem.line == 1 and problem.severity == "warning"


def test_a_truncated_notebook_is_an_error_not_a_crash() -> None:
    data = notebook("import openai")[:-25]
    batch = collect_notebook(data)
    assert batch.errors and "not valid JSON" in batch.errors[0].message and batch.facts == []


def test_a_notebook_without_cells_and_cells_that_are_not_text() -> None:
    assert collect_notebook(b'{"metadata": {}}').errors
    odd = json.dumps({"cells": [{"cell_type": "code", "source": {"x": 1}}, "not a cell"], "nbformat": 4}).encode()
    batch = collect_notebook(odd)
    assert any("not text" in p.message for p in batch.problems)


def test_a_syntax_error_keeps_the_rest_of_the_file() -> None:
    batch = collect("""
        from openai import OpenAI
        client = OpenAI()

        def broken(:
            pass

        client.embeddings.create(model="text-embedding-3-small", input="x")
    """)
    assert EMBED in third_parties(batch)
    [problem] = batch.problems
    assert problem.line == 5 and "not valid Python" in problem.message


def test_binary_garbage_and_other_encodings_are_reported() -> None:
    for data, words in ((b"\x00\x01\x02ELF\x00", "NUL"), (b"x = '\xff\xfe caf\xe9'\n", "UTF-8")):
        batch = CodeCollector().collect(Source("app/blob.py", data))
        assert batch.errors and words in batch.errors[0].message and batch.facts == []


def test_a_file_over_the_limit_is_not_read() -> None:
    batch = CodeCollector().collect(Source("app/huge.py", b"x = 1\n" * (MAX_BYTES // 6 + 1)))
    assert batch.errors and "limit" in batch.errors[0].message


def test_deeply_nested_expressions_do_not_blow_the_stack() -> None:
    deep = "x = " + "(" * 150 + "1" + ")" * 150 + "\n"
    chain = "y = " + " + ".join(["a"] * 20000) + "\n"
    calls = "z = " + "f(" * 400 + ")" * 400 + "\n"
    tail = "from openai import OpenAI\nOpenAI().embeddings.create(model='text-embedding-3-small', input='x')\n"
    batch = CodeCollector().collect(Source("app/deep.py", (deep + chain + calls + tail).encode()))
    assert EMBED in third_parties(batch)
    assert all(p.severity == "warning" for p in batch.problems)


def test_deep_nesting_of_blocks_is_bounded() -> None:
    code = "".join("    " * i + f"if a{i}:\n" for i in range(95)) + "    " * 95 + "pass\n"
    batch = CodeCollector().collect(Source("app/blocks.py", code.encode()))
    assert batch.facts == [] and not batch.errors


def test_hostile_names_are_kept_out_of_names() -> None:
    batch = collect("""
        import pandas as pd
        pd.read_csv("data/\\u202eevil\\x00.csv")
        pd.read_csv("data/line\\nbreak.csv")
        pd.read_csv("../../../../etc/passwd")
    """)
    names = node_ids(batch, "dataset")
    assert not any("\x00" in n or "\u202e" in n or "\n" in n for n in names)


def test_a_literal_api_key_is_located_and_never_stored() -> None:
    key = "sk-proj-" + "Zx81Qw" * 6
    batch = collect(f"""
        from openai import OpenAI
        client = OpenAI(api_key="{key}")
        OPENAI_API_KEY = "sk-your-key-here"
    """)
    [holder] = [f for f in batch.facts if f.fact == "process" and f.secrets]
    assert [(s.kind, s.location) for s in holder.secrets] == [("openai_key", "app/main.py:3")]
    assert key not in batch.model_dump_json()
    assert batch.raw is not None and key.encode() not in batch.raw.content
    assert b"[REDACTED:openai_key]" in batch.raw.content


def test_the_kept_raw_input_gives_the_same_facts_again() -> None:
    first = collect("""
        import pandas as pd
        from openai import OpenAI
        OpenAI().embeddings.create(model="text-embedding-3-small", input=pd.read_csv("data/docs.csv"))
    """, name="/somewhere/checkout/app/main.py")
    assert first.raw is not None
    again = CodeCollector().collect(Source(first.raw.source, first.raw.content))
    assert node_ids(again) == node_ids(first) and edges(again) == edges(first)


def test_a_damaged_kept_raw_input_is_an_error() -> None:
    batch = CodeCollector().collect(Source("app/main.py", b'{"format":"lineage-code", "text": 1'))
    assert batch.errors and "damaged" in batch.errors[0].message


def test_hostile_endpoints_and_server_names_make_no_node() -> None:
    batch = collect("""
        from openai import OpenAI
        from mcp import StdioServerParameters
        OpenAI(base_url="https://api.\\u202eevil.com/v1").chat.completions.create(model="gpt-4o", messages=[])
        StdioServerParameters(command="npx", args=["-y", "@x/server-\\x1bgit"])
    """)
    assert not any("\u202e" in n or "\x1b" in n for n in node_ids(batch))
    assert not batch.errors
