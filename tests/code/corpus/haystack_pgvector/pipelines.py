"""Haystack indexing and RAG pipelines over pgvector; Claude writes the answers."""
import json

from haystack import Document, Pipeline
from haystack.components.builders import ChatPromptBuilder
from haystack.components.embedders import OpenAIDocumentEmbedder, OpenAITextEmbedder
from haystack.components.writers import DocumentWriter
from haystack.dataclasses import ChatMessage
from haystack_integrations.components.generators.anthropic import AnthropicChatGenerator
from haystack_integrations.components.retrievers.pgvector import PgvectorEmbeddingRetriever
from haystack_integrations.document_stores.pgvector import PgvectorDocumentStore

store = PgvectorDocumentStore(table_name="kb_chunks", embedding_dimension=1536, recreate_table=False)


def index(path: str = "exports/kb_articles.jsonl") -> None:
    with open(path, encoding="utf-8") as fh:
        docs = [Document(content=json.loads(line)["body"]) for line in fh]
    indexing = Pipeline()
    indexing.add_component("embedder", OpenAIDocumentEmbedder(model="text-embedding-3-small"))
    indexing.add_component("writer", DocumentWriter(document_store=store))
    indexing.connect("embedder.documents", "writer.documents")
    indexing.run({"embedder": {"documents": docs}})


def rag(question: str) -> str:
    pipe = Pipeline()
    pipe.add_component("text_embedder", OpenAITextEmbedder(model="text-embedding-3-small"))
    pipe.add_component("retriever", PgvectorEmbeddingRetriever(document_store=store, top_k=5))
    pipe.add_component("prompt", ChatPromptBuilder(template=[ChatMessage.from_user("{{documents}} {{question}}")]))
    pipe.add_component("llm", AnthropicChatGenerator(model="claude-3-5-sonnet-20241022"))
    pipe.connect("text_embedder.embedding", "retriever.query_embedding")
    pipe.connect("retriever.documents", "prompt.documents")
    pipe.connect("prompt.prompt", "llm.messages")
    result = pipe.run({"text_embedder": {"text": question}, "prompt": {"question": question}})
    return result["llm"]["replies"][0].text
