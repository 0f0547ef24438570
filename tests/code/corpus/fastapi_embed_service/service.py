"""Embedding service: stores document embeddings in Postgres and enriches them with GitHub metadata."""
import os

import asyncpg
import requests
from fastapi import FastAPI
from openai import AsyncOpenAI
from pydantic import BaseModel

MODEL = os.getenv("EMBEDDING_MODEL", "text-embedding-3-large")
DSN = "postgresql://embedder@vectors.internal:5432/search"

app = FastAPI()
client = AsyncOpenAI()


class Doc(BaseModel):
    repo: str
    text: str


def repo_topics(repo: str) -> list[str]:
    meta = requests.get(f"https://api.github.com/repos/{repo}", timeout=5).json()
    return meta.get("topics", [])


@app.post("/embed")
async def embed(doc: Doc) -> dict:
    conn = await asyncpg.connect(DSN)
    existing = await conn.fetchval("SELECT count(*) FROM doc_embeddings WHERE repo = $1", doc.repo)
    result = await client.embeddings.create(model=MODEL, input=doc.text)
    vector = result.data[0].embedding
    await conn.execute("INSERT INTO doc_embeddings (repo, topics, embedding) VALUES ($1, $2, $3)",
                       doc.repo, repo_topics(doc.repo), vector)
    await conn.close()
    return {"stored": True, "previous": existing}
