"""AI and external calls in SQL become third-party processors on the path input -> processor -> output."""

from __future__ import annotations

import pytest

from collectors.sql.ai_functions import AIMatcher, load_ai_functions
from tests.sql.conftest import assert_lineage_golden, edges, run

CASES = {
    "snowflake_cortex_complete": (
        "snowflake",
        (
            "INSERT INTO marts.summaries SELECT t.id, SNOWFLAKE.CORTEX.COMPLETE('mistral-large', t.body) AS summary "
            "FROM raw.tickets t JOIN raw.users u ON u.id = t.user_id"
        ),
    ),
    "snowflake_ai_embed": (
        "snowflake",
        "CREATE TABLE marts.vec AS SELECT id, AI_EMBED('e5-base-v2', body) AS v FROM raw.docs",
    ),
    "bigquery_ml_generate_text": (
        "bigquery",
        ("CREATE TABLE `p.d.out` AS SELECT * FROM ML.GENERATE_TEXT(MODEL `p.d.gemini`, TABLE `p.d.prompts`)"),
    ),
    "bigquery_ai_generate": ("bigquery", "CREATE TABLE `p.d.o` AS SELECT id, AI.GENERATE(prompt) AS r FROM `p.d.in`"),
    "databricks_ai_query": (
        "databricks",
        ("CREATE TABLE main.m.o AS SELECT id, ai_query('databricks-meta-llama', text) AS answer FROM main.r.docs"),
    ),
    "postgres_openai_embeddings": (
        "postgres",
        (
            "INSERT INTO public.doc_vectors SELECT id, openai.create_embeddings('text-embedding-3-small', body) "
            "FROM public.docs"
        ),
    ),
    "postgres_pgml_embed": ("postgres", "INSERT INTO v SELECT id, pgml.embed('intfloat/e5-small', body) FROM docs"),
    "duckdb_read_csv_url": (
        "duckdb",
        "CREATE TABLE raw.rates AS SELECT * FROM read_csv('https://data.example.org/rates.csv')",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_ai_call_matches_golden(case: str) -> None:
    dialect, sql = CASES[case]
    batch = assert_lineage_golden(sql, dialect=dialect, golden=f"ai__{case}")
    third = [f for f in batch.facts if f.fact == "process" and f.third_party]
    assert third, "an AI or external call must become a third-party processor"
    reads, writes = edges(batch, "read"), edges(batch, "write")
    for p in third:
        assert any(t == p.name for _, t in reads), "the processor reads the statement's input"
        assert any(s == p.name for s, _ in writes), "the processor writes the statement's output"


def test_cortex_processor_reads_only_the_table_whose_columns_it_gets() -> None:
    batch = run(CASES["snowflake_cortex_complete"][1], "snowflake")
    proc = next(f for f in batch.facts if f.fact == "process" and f.third_party)
    assert proc.vendor == "snowflake" and proc.processor_type.value == "llm_api"
    assert proc.name == "SNOWFLAKE.CORTEX.COMPLETE/mistral-large"
    assert {s for s, t in edges(batch, "read") if t == proc.name} == {"RAW.TICKETS"}


def test_embedding_functions_are_embedding_apis() -> None:
    batch = run(CASES["postgres_openai_embeddings"][1], "postgres")
    proc = next(f for f in batch.facts if f.fact == "process" and f.third_party)
    assert (proc.processor_type.value, proc.vendor) == ("embedding_api", "openai")


def test_project_file_entries_extend_the_list() -> None:
    funcs = load_ai_functions([{"pattern": "ACME.ASK_GPT", "processor_type": "llm_api", "vendor": "openai"}])
    assert AIMatcher(funcs, "postgres").match("acme.ask_gpt") is not None
    batch = run(
        "INSERT INTO o SELECT acme.ask_gpt(q) FROM i",
        "postgres",
        ai_functions=[{"pattern": "ACME.ASK_GPT", "vendor": "openai"}],
    )
    assert any(f.fact == "process" and f.third_party and f.vendor == "openai" for f in batch.facts)


def test_plain_functions_are_not_processors() -> None:
    batch = run("INSERT INTO o SELECT translate(a, 'x', 'y'), upper(b) FROM i", "postgres")
    assert not any(f.fact == "process" and f.third_party for f in batch.facts)


def test_external_function_defined_in_the_script_is_a_processor() -> None:
    sql = (
        "CREATE EXTERNAL FUNCTION score(x string) RETURNS variant API_INTEGRATION = api AS 'https://x.example/f';\n"
        "INSERT INTO o SELECT score(body) FROM i;"
    )
    batch = run(sql, "snowflake")
    proc = [f for f in batch.facts if f.fact == "process" and f.third_party]
    assert [p.processor_type.value for p in proc] == ["external_function"]
