"""The support assistant: retrieve similar tickets, ask GPT-4o, cache the answer in Redis."""

import hashlib

import cohere
import redis
from openai import OpenAI
from qdrant_client import QdrantClient
from transformers import AutoModelForSequenceClassification, AutoTokenizer

CHAT_MODEL = "gpt-4o-2024-08-06"
RERANKER = "BAAI/bge-reranker-base"

co = cohere.ClientV2()
openai_client = OpenAI()  # OPENAI_API_KEY from the environment
qdrant = QdrantClient(url="http://qdrant.internal:6333")
cache = redis.Redis(host="rag-cache.internal", port=6379)
tokenizer = AutoTokenizer.from_pretrained(RERANKER)
reranker = AutoModelForSequenceClassification.from_pretrained(RERANKER)


def similar_tickets(question: str) -> list[str]:
    query = co.embed(model="embed-english-v3.0", texts=[question], input_type="search_query",
                     embedding_types=["float"])
    hits = qdrant.query_points(collection_name="ticket_chunks", query=query.embeddings.float_[0], limit=8)
    return [point.payload["text"] for point in hits.points]


def answer(question: str) -> str:
    key = "answers:" + hashlib.sha256(question.encode()).hexdigest()
    if (cached := cache.get(key)) is not None:
        return cached.decode()
    context = "\n---\n".join(similar_tickets(question))
    reply = openai_client.chat.completions.create(
        model=CHAT_MODEL,
        max_tokens=600,
        messages=[{"role": "system", "content": "Answer the agent's question from past tickets only."},
                  {"role": "user", "content": f"Past tickets:\n{context}\n\nQuestion: {question}"}],
    )
    text = reply.choices[0].message.content or ""
    cache.set(key, text)
    return text
