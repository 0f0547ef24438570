"""Load the FAQ export, embed each answer and index it in a local Chroma collection."""
import os

import chromadb
import pandas as pd
from openai import OpenAI

EMBEDDING_MODEL = "text-embedding-3-small"
FAQ_PATH = "data/faq_export.csv"

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
chroma = chromadb.PersistentClient(path="./chroma_store")
faq = chroma.get_or_create_collection(name="faq_answers", metadata={"hnsw:space": "cosine"})


def load_rows(path: str) -> pd.DataFrame:
    frame = pd.read_csv(path)
    return frame.dropna(subset=["answer"])


def embed_batch(texts: list[str]) -> list[list[float]]:
    response = client.embeddings.create(model=EMBEDDING_MODEL, input=texts)
    return [item.embedding for item in response.data]


def main() -> None:
    rows = load_rows(FAQ_PATH)
    texts = rows["answer"].tolist()
    vectors = embed_batch(texts)
    faq.add(ids=[str(i) for i in rows.index], documents=texts, embeddings=vectors,
            metadatas=[{"question": q} for q in rows["question"]])


if __name__ == "__main__":
    main()
