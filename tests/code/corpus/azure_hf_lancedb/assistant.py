"""Claims assistant: Azure OpenAI chat, Hugging Face embeddings, LanceDB retrieval, a disk cache."""
import os

import diskcache
import lancedb
from huggingface_hub import InferenceClient
from openai import AzureOpenAI

azure = AzureOpenAI(
    azure_endpoint="https://acme-claims.openai.azure.com",
    api_version="2024-10-21",
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
)
hf = InferenceClient(model="BAAI/bge-large-en-v1.5", token=os.environ.get("HF_TOKEN"))
db = lancedb.connect("s3://acme-claims-vectors/lancedb")
claims = db.open_table("claim_notes")
cache = diskcache.Cache("/var/cache/claims-assistant")


def answer(question: str) -> str:
    if question in cache:
        return cache[question]
    vector = hf.feature_extraction(question)
    notes = claims.search(vector).limit(5).to_list()
    reply = azure.chat.completions.create(
        model="claims-gpt4o",
        messages=[{"role": "system", "content": "You help claims handlers."},
                  {"role": "user", "content": f"{notes}\n\n{question}"}],
    )
    text = reply.choices[0].message.content
    cache.set(question, text)
    return text
