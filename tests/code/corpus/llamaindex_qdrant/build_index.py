"""Index the product manuals folder into Qdrant with LlamaIndex; answer questions with GPT-4o."""
import qdrant_client
from llama_index.core import Settings, SimpleDirectoryReader, StorageContext, VectorStoreIndex
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI
from llama_index.vector_stores.qdrant import QdrantVectorStore

Settings.llm = OpenAI(model="gpt-4o", temperature=0.1)
Settings.embed_model = OpenAIEmbedding(model="text-embedding-3-small")

client = qdrant_client.QdrantClient(url="http://qdrant.internal:6333")
vector_store = QdrantVectorStore(client=client, collection_name="product_manuals")


def build() -> VectorStoreIndex:
    documents = SimpleDirectoryReader("./manuals").load_data()
    storage = StorageContext.from_defaults(vector_store=vector_store)
    return VectorStoreIndex.from_documents(documents, storage_context=storage)


def ask(question: str) -> str:
    index = VectorStoreIndex.from_vector_store(vector_store)
    engine = index.as_query_engine(similarity_top_k=3)
    return str(engine.query(question))
