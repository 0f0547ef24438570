"""Split the employee handbook PDF and index it in Pinecone with OpenAI embeddings."""
from langchain_community.document_loaders import PyPDFLoader
from langchain_openai import OpenAIEmbeddings
from langchain_pinecone import PineconeVectorStore
from langchain_text_splitters import RecursiveCharacterTextSplitter

INDEX = "hr-handbook"

loader = PyPDFLoader("docs/employee_handbook.pdf")
pages = loader.load()
splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=150)
chunks = splitter.split_documents(pages)

embeddings = OpenAIEmbeddings(model="text-embedding-3-large")
PineconeVectorStore.from_documents(chunks, embeddings, index_name=INDEX)
