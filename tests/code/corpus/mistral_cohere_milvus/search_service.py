"""Multilingual legal search: Cohere embeddings in Milvus, Mistral drafts the answer, answers logged to JSONL."""
import json
import os

import cohere
from mistralai import Mistral
from pymilvus import MilvusClient

co = cohere.ClientV2(api_key=os.getenv("CO_API_KEY"))
mistral = Mistral(api_key=os.environ["MISTRAL_API_KEY"])
milvus = MilvusClient(uri="http://milvus.internal:19530", token=os.getenv("MILVUS_TOKEN"))
COLLECTION = "legal_clauses"


def index_clauses(path="corpus/clauses.json"):
    with open(path) as fh:
        clauses = json.load(fh)
    vectors = co.embed(texts=[c["text"] for c in clauses], model="embed-multilingual-v3.0",
                       input_type="search_document", embedding_types=["float"]).embeddings.float_
    rows = [{"id": c["id"], "vector": v, "text": c["text"]} for c, v in zip(clauses, vectors, strict=False)]
    milvus.insert(collection_name=COLLECTION, data=rows)


def search(question: str) -> str:
    query = co.embed(texts=[question], model="embed-multilingual-v3.0", input_type="search_query",
                     embedding_types=["float"]).embeddings.float_[0]
    hits = milvus.search(collection_name=COLLECTION, data=[query], limit=5, output_fields=["text"])
    context = "\n".join(h["entity"]["text"] for h in hits[0])
    reply = mistral.chat.complete(model="mistral-large-latest",
                                  messages=[{"role": "user", "content": f"{context}\n\n{question}"}])
    answer = reply.choices[0].message.content
    with open("logs/answers.jsonl", "a") as log:
        log.write(json.dumps({"q": question, "a": answer}) + "\n")
    return answer
