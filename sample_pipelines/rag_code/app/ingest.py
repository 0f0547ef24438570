"""Nightly: chunk the exported support tickets, embed the chunks with Cohere, upsert them into Qdrant."""

import cohere
import pandas as pd
from qdrant_client import QdrantClient

EXPORT = "s3://acme-support-exports/tickets/latest.parquet"
EMBEDDING_MODEL = "embed-english-v3.0"

co = cohere.ClientV2()  # CO_API_KEY from the environment
qdrant = QdrantClient(url="http://qdrant.internal:6333")


def chunks(text: str, size: int = 800) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def load_tickets() -> pd.DataFrame:
    tickets = pd.read_parquet(EXPORT, columns=["ticket_id", "customer_email", "body"])
    return tickets.dropna(subset=["body"])


def main() -> None:
    tickets = load_tickets()
    texts = [c for body in tickets["body"] for c in chunks(body)]
    response = co.embed(model=EMBEDDING_MODEL, texts=texts, input_type="search_document", embedding_types=["float"])
    points = [{"id": i, "vector": v, "payload": {"text": t}}
              for i, (v, t) in enumerate(zip(response.embeddings.float_, texts, strict=True))]
    qdrant.upsert(collection_name="ticket_chunks", points=points)


if __name__ == "__main__":
    main()
