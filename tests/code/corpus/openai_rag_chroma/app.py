"""Answer questions from the FAQ index; answers are cached in Redis for a day."""
import hashlib

import chromadb
import redis
from openai import OpenAI

CHAT_MODEL = "gpt-4o-mini"

client = OpenAI()
store = chromadb.PersistentClient(path="./chroma_store")
faq = store.get_collection("faq_answers")
cache = redis.Redis(host="redis.internal", port=6379, db=0)


def retrieve(question: str) -> list[str]:
    query = client.embeddings.create(model="text-embedding-3-small", input=question)
    hits = faq.query(query_embeddings=[query.data[0].embedding], n_results=5)
    return hits["documents"][0]


def answer(question: str) -> str:
    key = "faq:" + hashlib.sha256(question.encode()).hexdigest()
    cached = cache.get(key)
    if cached:
        return cached.decode()
    context = "\n\n".join(retrieve(question))
    completion = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[
            {"role": "system", "content": "Answer only from the context."},
            {"role": "user", "content": f"Context:\n{context}\n\nQuestion: {question}"},
        ],
    )
    text = completion.choices[0].message.content
    cache.setex(key, 86400, text)
    return text
