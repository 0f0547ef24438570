"""One snippet per recognised API family: the processor or dataset a reader sees is found, named as
the other collectors name it."""

from __future__ import annotations

import pytest

from tests.code.support import collect, node, node_ids, third_parties

OPENAI = "process:https://api.openai.com:apps/app/"
ANTHROPIC = "process:https://api.anthropic.com:apps/app/v1/messages"

CASES: dict[str, tuple[str, set[str]]] = {
    "openai chat": ("""
        from openai import OpenAI
        client = OpenAI()
        client.chat.completions.create(model="gpt-4o", messages=[])
    """, {OPENAI + "v1/chat/completions"}),
    "openai responses, module alias": ("""
        import openai as oa
        oa.OpenAI().responses.create(model="gpt-4.1", input="hi")
    """, {OPENAI + "v1/responses"}),
    "openai base_url names the vendor behind it": ("""
        from openai import OpenAI
        groq = OpenAI(base_url="https://api.groq.com/openai/v1", api_key=key)
        groq.chat.completions.create(model="llama-3.1-70b", messages=[])
    """, {"process:https://api.groq.com:apps/app/openai/v1/chat/completions"}),
    "azure openai deployment": ("""
        from openai import AzureOpenAI
        c = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com", api_version="2024-10-21")
        c.embeddings.create(model="embed-small", input=["a"])
    """, {"process:https://acme.openai.azure.com:apps/app/openai/embeddings"}),
    "anthropic messages": ("""
        import anthropic
        anthropic.Anthropic().messages.create(model="claude-3-5-haiku-latest", max_tokens=10, messages=[])
    """, {ANTHROPIC}),
    "anthropic on bedrock": ("""
        from anthropic import AnthropicBedrock
        AnthropicBedrock(aws_region="eu-central-1").messages.create(model="anthropic.claude-3", messages=[])
    """, {"process:https://bedrock-runtime.eu-central-1.amazonaws.com:apps/app/model/invoke"}),
    "google genai": ("""
        from google import genai
        genai.Client().models.generate_content(model="gemini-2.0-flash", contents="x")
    """, {"process:https://generativelanguage.googleapis.com:apps/app/v1beta/models:generateContent"}),
    "vertex generative model": ("""
        from vertexai.generative_models import GenerativeModel
        GenerativeModel("gemini-1.5-pro").generate_content("x")
    """, {"process:https://us-central1-aiplatform.googleapis.com:apps/app/v1/models:generateContent"}),
    "bedrock runtime through boto3": ("""
        import boto3
        rt = boto3.client("bedrock-runtime", region_name="ap-southeast-2")
        rt.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[])
    """, {"process:https://bedrock-runtime.ap-southeast-2.amazonaws.com:apps/app/model/converse"}),
    "mistral": ("""
        from mistralai import Mistral
        Mistral(api_key=k).embeddings.create(model="mistral-embed", inputs=["x"])
    """, {"process:https://api.mistral.ai:apps/app/v1/embeddings"}),
    "cohere rerank": ("""
        import cohere
        cohere.ClientV2().rerank(model="rerank-v3.5", query="q", documents=[])
    """, {"process:https://api.cohere.com:apps/app/v2/rerank"}),
    "ollama on a remote host is a third party": ("""
        from ollama import Client
        Client(host="http://gpu-box.example.com:11434").chat(model="llama3", messages=[])
    """, {"process:http://gpu-box.example.com:11434:apps/app/api/chat"}),
    "litellm provider prefix": ("""
        import litellm
        litellm.completion(model="mistral/mistral-large-latest", messages=[])
    """, {"process:https://api.mistral.ai:apps/app/v1/chat/completions"}),
    "hugging face inference": ("""
        from huggingface_hub import InferenceClient
        InferenceClient().chat_completion(model="meta-llama/Llama-3.1-8B-Instruct", messages=[])
    """, {"process:https://router.huggingface.co:apps/app/v1/chat/completions"}),
    "langchain chat model and embeddings": ("""
        from langchain_openai import ChatOpenAI, OpenAIEmbeddings
        llm = ChatOpenAI(model="gpt-4o-mini")
        emb = OpenAIEmbeddings()
    """, {OPENAI + "v1/chat/completions", OPENAI + "v1/embeddings"}),
    "langchain init_chat_model with a provider": ("""
        from langchain.chat_models import init_chat_model
        init_chat_model("claude-3-5-sonnet-latest", model_provider="anthropic")
    """, {ANTHROPIC}),
    "llamaindex anthropic": ("""
        from llama_index.llms.anthropic import Anthropic
        Anthropic(model="claude-3-opus-20240229").complete("x")
    """, {ANTHROPIC}),
    "haystack generator": ("""
        from haystack.components.generators import OpenAIGenerator
        OpenAIGenerator(model="gpt-4o").run(prompt="x")
    """, {OPENAI + "v1/chat/completions"}),
    "dspy LM": ("""
        import dspy
        dspy.configure(lm=dspy.LM("anthropic/claude-3-5-haiku-latest"))
    """, {ANTHROPIC}),
    "openai agents sdk": ("""
        from agents import Agent, Runner
        Runner.run_sync(Agent(name="a", instructions="x"), "hello")
    """, {OPENAI + "v1/responses"}),
    "claude agent sdk": ("""
        from claude_agent_sdk import query
        async def main():
            async for m in query(prompt="hi"):
                print(m)
    """, {ANTHROPIC}),
    "chroma http collection": ("""
        import chromadb
        chromadb.HttpClient(host="chroma.internal", port=8000).get_collection("docs").query(query_texts=["q"])
    """, {"dataset:chroma://chroma.internal:docs"}),
    "pinecone index": ("""
        from pinecone import Pinecone
        Pinecone(api_key=k).Index("products").query(vector=[0.1], top_k=3)
    """, {"dataset:pinecone://app:products"}),
    "qdrant collection": ("""
        from qdrant_client import QdrantClient
        QdrantClient(url="http://qdrant:6333").query_points(collection_name="faq", query=[0.1])
    """, {"dataset:qdrant://qdrant:6333:faq"}),
    "weaviate collection": ("""
        import weaviate
        weaviate.connect_to_local().collections.get("Article").query.near_text("x")
    """, {"dataset:weaviate://app:Article"}),
    "faiss saved index": ("""
        from langchain_community.vectorstores import FAISS
        FAISS.load_local("indexes/kb", emb, allow_dangerous_deserialization=True)
    """, {"dataset:file:app/indexes/kb"}),
    "lancedb table": ("""
        import lancedb
        lancedb.connect("data/lance").open_table("chunks").search([0.1]).to_list()
    """, {"dataset:lancedb://app:chunks"}),
    "pgvector store": ("""
        from langchain_postgres import PGVector
        PGVector(embeddings=emb, collection_name="kb_vectors", connection="postgresql+psycopg://u@pg:5432/kb")
    """, {"dataset:pgvector://pg:5432:kb_vectors"}),
    "milvus collection": ("""
        from pymilvus import MilvusClient
        MilvusClient("http://milvus:19530").search(collection_name="docs", data=[[0.1]])
    """, {"dataset:milvus://milvus:19530:docs"}),
    "redis cache key prefix": ("""
        import redis
        r = redis.Redis(host="cache", port=6380)
        r.set(f"session:{sid}", value)
    """, {"dataset:redis://cache:6380:session"}),
    "gptcache data folder": ("""
        from gptcache import cache
        cache.init(data_dir="gptcache_store")
    """, {"dataset:file:app/gptcache_store"}),
    "pandas and polars files": ("""
        import pandas as pd, polars as pl
        pd.read_json("in/events.json").to_csv("out/events.csv")
        pl.scan_parquet("s3://lake/raw/events.parquet")
    """, {"dataset:file:app/in/events.json", "dataset:file:app/out/events.csv", "dataset:s3://lake:raw/events.parquet"}),
    "open and json": ("""
        import json
        with open("/etc/app/config.json") as fh:
            cfg = json.load(fh)
    """, {"dataset:file:/etc/app/config.json"}),
    "s3 objects": ("""
        import boto3
        s3 = boto3.client("s3")
        s3.download_file("models-bucket", "prod/model.bin", "/tmp/model.bin")
        s3.upload_file("report.pdf", "reports-bucket", "2024/report.pdf")
    """, {"dataset:s3://models-bucket:prod/model.bin", "dataset:s3://reports-bucket:2024/report.pdf"}),
    "s3 resource objects": ("""
        import boto3
        s3 = boto3.resource("s3")
        s3.Object("kb-bucket", "answers/faq.json").put(Body=s3.Object("kb-bucket", "docs/faq.md").get()["Body"].read())
    """, {"dataset:s3://kb-bucket:answers/faq.json", "dataset:s3://kb-bucket:docs/faq.md"}),
    "s3fs open": ("""
        import s3fs
        s3fs.S3FileSystem().open("s3://exports/users.csv")
    """, {"dataset:s3://exports:users.csv"}),
    "sql through sqlalchemy with its dialect": ("""
        from sqlalchemy import create_engine, text
        engine = create_engine("mysql+pymysql://u@mysql.internal:3306/shop")
        engine.execute("SELECT id FROM orders")
    """, {"dataset:mysql://mysql.internal:3306:shop.orders"}),
    "http egress to a literal host": ("""
        import httpx
        httpx.post("https://hooks.example.org/ingest?token=x", json=payload)
    """, {"dataset:https://hooks.example.org:ingest"}),
    "mcp tool call over http": ("""
        from mcp import ClientSession
        from mcp.client.streamable_http import streamablehttp_client
        async def go():
            async with streamablehttp_client("https://mcp.linear.app/mcp") as (r, w, _):
                async with ClientSession(r, w) as s:
                    await s.call_tool("create_issue", {"title": t})
    """, {"process:mcp://mcp-linear-app:apps/app/mcp.linear.app", "process:mcp://mcp-linear-app:apps/app/tools/create_issue"}),
    "sdv synthesizer": ("""
        from sdv.single_table import GaussianCopulaSynthesizer
        synth = GaussianCopulaSynthesizer(metadata)
        synth.sample(num_rows=100).to_csv("synthetic/customers.csv")
    """, {"dataset:synthetic://sdv:app/main", "dataset:file:app/synthetic/customers.csv"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_recognised_api_gives_its_node(case: str) -> None:
    code, expected = CASES[case]
    batch = collect(code)
    assert expected <= node_ids(batch), f"{case}: {sorted(node_ids(batch))}"
    assert not batch.errors


def test_every_third_party_has_a_vendor_and_a_type() -> None:
    for code, _ in CASES.values():
        for pid in third_parties(collect(code)):
            proc = node(collect(code), pid)
            assert getattr(proc, "vendor", None) and getattr(proc, "processor_type", None), pid


def test_local_ollama_is_not_a_third_party() -> None:
    batch = collect("import ollama\nollama.chat(model='llama3.1', messages=[])\n")
    [proc] = [f for f in batch.facts if f.fact == "process" and f.namespace == "http://localhost:11434"]
    assert proc.third_party is False and proc.processor_type is None


def test_base_url_on_localhost_is_not_a_third_party() -> None:
    batch = collect("from openai import OpenAI\nOpenAI(base_url='http://localhost:8000/v1')"
                    ".chat.completions.create(model='qwen', messages=[])\n")
    assert third_parties(batch) == set()


def test_model_from_a_module_constant_is_recorded() -> None:
    batch = collect("""
        from openai import OpenAI
        MODEL = "gpt-4o-2024-08-06"
        OpenAI().chat.completions.create(model=MODEL, messages=[])
    """)
    proc = node(batch, OPENAI + "v1/chat/completions")
    assert "gpt-4o-2024-08-06" in str(getattr(proc, "description", ""))


def test_embedding_model_is_an_embedding_processor() -> None:
    batch = collect("import litellm\nlitellm.embedding(model='text-embedding-3-large', input=['x'])\n")
    assert node(batch, OPENAI + "v1/embeddings").processor_type.value == "embedding_api"


def test_unknown_calls_and_plain_code_give_no_third_party() -> None:
    batch = collect("""
        import math
        def area(r):
            return math.pi * r * r
        print(area(2))
    """)
    assert third_parties(batch) == set() and node_ids(batch, "dataset") == set()


def test_a_name_shadowing_an_import_is_not_the_import() -> None:
    batch = collect("""
        from openai import OpenAI
        def make():
            OpenAI = dict
            return OpenAI(a=1)
    """)
    assert third_parties(batch) == set()
