"""HR question answering: Pinecone retrieval, Claude through LangChain, a Redis LLM cache."""
import redis
from langchain_anthropic import ChatAnthropic
from langchain_community.cache import RedisCache
from langchain_core.globals import set_llm_cache
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_openai import OpenAIEmbeddings
from langchain_pinecone import PineconeVectorStore

set_llm_cache(RedisCache(redis_=redis.Redis.from_url("redis://llm-cache.internal:6379")))

embeddings = OpenAIEmbeddings(model="text-embedding-3-large")
vectorstore = PineconeVectorStore(index_name="hr-handbook", embedding=embeddings)
retriever = vectorstore.as_retriever(search_kwargs={"k": 4})

prompt = ChatPromptTemplate.from_template(
    "Answer from the handbook excerpts only.\n\n{context}\n\nQuestion: {question}"
)
llm = ChatAnthropic(model="claude-3-5-haiku-latest", temperature=0)

chain = {"context": retriever, "question": RunnablePassthrough()} | prompt | llm | StrOutputParser()


def ask(question: str) -> str:
    return chain.invoke(question)
