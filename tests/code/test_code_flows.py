"""Data flow in code: what a function reads reaches the processor it calls, and the answer reaches
where it is written; through helpers of the same module, methods and loops; each edge with its
file, line and confidence."""

from __future__ import annotations

from tests.code.support import collect, edges

EMBED = "process:https://api.openai.com:apps/app/v1/embeddings"
CHAT = "process:https://api.anthropic.com:apps/app/v1/messages"
DOCS = "dataset:file:app/data/docs.csv"


def test_a_read_reaches_the_embedding_call_and_its_result_the_vector_store() -> None:
    batch = collect("""
        import pandas as pd
        from openai import OpenAI
        from qdrant_client import QdrantClient
        client = OpenAI()
        qdrant = QdrantClient(url="http://qdrant:6333")
        df = pd.read_csv("data/docs.csv")
        vectors = client.embeddings.create(model="text-embedding-3-small", input=df["text"].tolist())
        qdrant.upsert(collection_name="docs", points=vectors)
    """)
    found = edges(batch)
    assert (DOCS, "read", EMBED) in found
    assert (EMBED, "write", "dataset:qdrant://qdrant:6333:docs") in found
    assert (DOCS, "read", "process:python://app:main") in found


def test_a_value_returned_by_a_helper_carries_its_dataset() -> None:
    batch = collect("""
        import json
        import anthropic
        llm = anthropic.Anthropic()
        def load(path):
            with open(path) as fh:
                return json.load(fh)
        def main():
            tickets = load("data/tickets.json")
            llm.messages.create(model="claude-3-5-haiku-latest", messages=[{"role": "user", "content": str(tickets)}])
    """)
    assert ("dataset:file:app/data/tickets.json", "read", CHAT) in edges(batch)


def test_a_parameter_sent_to_a_model_is_completed_at_the_call_site() -> None:
    batch = collect("""
        import pandas as pd
        import anthropic
        llm = anthropic.Anthropic()
        def ask(text):
            return llm.messages.create(model="claude-3-5-haiku-latest", messages=[{"role": "user", "content": text}])
        def run():
            rows = pd.read_parquet("s3://lake/support/tickets.parquet")
            for row in rows.itertuples():
                answer = ask(row.body)
                pd.DataFrame([answer]).to_parquet("out/answers.parquet")
    """)
    found = edges(batch)
    assert ("dataset:s3://lake:support/tickets.parquet", "read", CHAT) in found
    assert (CHAT, "write", "dataset:file:app/out/answers.parquet") in found


def test_a_list_appended_to_carries_what_was_appended() -> None:
    batch = collect("""
        import csv
        from openai import OpenAI
        texts = []
        with open("data/docs.csv") as fh:
            for row in csv.DictReader(fh):
                texts.append(row["body"])
        OpenAI().embeddings.create(model="text-embedding-3-small", input=texts)
    """)
    assert (DOCS, "read", EMBED) in edges(batch)


def test_methods_see_what_init_put_on_self() -> None:
    batch = collect("""
        from openai import OpenAI
        import redis
        class Bot:
            def __init__(self):
                self.client = OpenAI()
                self.cache = redis.Redis(host="cache.internal")
            def reply(self, question):
                out = self.client.chat.completions.create(model="gpt-4o", messages=[question])
                self.cache.set("reply:" + question, out)
                return out
    """)
    chat = "process:https://api.openai.com:apps/app/v1/chat/completions"
    assert (chat, "write", "dataset:redis://cache.internal:6379:reply") in edges(batch)


def test_an_unrelated_read_does_not_reach_the_model() -> None:
    batch = collect("""
        import pandas as pd
        from openai import OpenAI
        audit = pd.read_csv("data/audit.csv")
        OpenAI().embeddings.create(model="text-embedding-3-small", input="a fixed string")
    """)
    assert not any(e[2] == EMBED and e[1] == "read" for e in edges(batch))


def test_edges_carry_file_line_and_confidence() -> None:
    batch = collect("""
        import pandas as pd
        from openai import OpenAI
        df = pd.read_csv("data/docs.csv")
        OpenAI().embeddings.create(model="text-embedding-3-small", input=df)
    """, name="svc/embed.py")
    [edge] = [f for f in batch.facts if f.fact == "edge" and f.kind.value == "read"
              and f.target.id.endswith("v1/embeddings")]
    assert edge.evidence.source == "svc/embed.py" and edge.evidence.line == 5
    assert edge.evidence.collector == "code" and 0 < edge.confidence < 1


def test_a_retriever_chain_reads_the_store_into_the_model() -> None:
    batch = collect("""
        from langchain_anthropic import ChatAnthropic
        from langchain_chroma import Chroma
        from langchain_openai import OpenAIEmbeddings
        store = Chroma(collection_name="kb", embedding_function=OpenAIEmbeddings(), persist_directory="db")
        chain = {"context": store.as_retriever()} | ChatAnthropic(model="claude-3-5-sonnet-latest")
        chain.invoke("question")
    """)
    assert ("dataset:chroma://app:kb", "read", CHAT) in edges(batch)


def test_sql_rows_reach_the_prompt_and_the_answer_is_inserted() -> None:
    batch = collect("""
        import psycopg
        import anthropic
        conn = psycopg.connect("postgresql://app@pg.internal:5432/crm")
        cur = conn.cursor()
        cur.execute("SELECT email, notes FROM customers")
        rows = cur.fetchall()
        reply = anthropic.Anthropic().messages.create(model="claude-3-5-haiku-latest", messages=[str(rows)])
        cur.execute("INSERT INTO replies (body) VALUES (%s)", (reply,))
    """)
    found = edges(batch)
    assert ("dataset:postgres://pg.internal:5432:crm.public.customers", "read", CHAT) in found
    assert (CHAT, "write", "dataset:postgres://pg.internal:5432:crm.public.replies") in found


def test_synthetic_generator_output_is_a_synthetic_origin() -> None:
    batch = collect("""
        from faker import Faker
        import pandas as pd
        fake = Faker()
        pd.DataFrame([{"email": fake.email()} for _ in range(10)]).to_csv("synthetic/users.csv")
    """)
    [origin] = [f for f in batch.facts if f.fact == "dataset" and f.namespace == "synthetic://faker"]
    assert origin.origin is not None and origin.origin.value == "synthetic"
    assert (origin.ref.id, "read", "process:python://app:main") in edges(batch)


def test_the_application_is_an_identity_running_its_steps_and_third_parties() -> None:
    batch = collect("""
        import pandas as pd
        from openai import OpenAI
        def main():
            OpenAI().embeddings.create(model="text-embedding-3-small", input=pd.read_csv("data/docs.csv"))
    """)
    runs = {(s, t) for s, kind, t in edges(batch) if kind == "runs"}
    assert ("identity:python://app:app", EMBED) in runs
    assert ("identity:python://app:app", "process:python://app:main.main") in runs
    assert collect("import pandas as pd\npd.read_csv('x.csv').to_csv('y.csv')\n").facts[0].fact != "identity"
