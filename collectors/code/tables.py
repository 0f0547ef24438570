"""What the code collector recognises, as data: one row per API.

A row's `pattern` is either a qualified callee, matched after imports are resolved
(`openai.OpenAI`; `*` matches any dotted part, so `langchain*.ChatOpenAI` is the class wherever a
LangChain package exports it), or a method of an object the collector already knows, written
`<handle kind>:<method path>` (`openai:chat.completions.create` is that call on an OpenAI client).
`act` says what the call does (the acts are read by `calls`):

- `client`: returns an SDK client of `family` (its endpoint, region, deployment and model come from
  the arguments named in `ENDPOINT_ARGS`, `REGION_ARGS`, `DEPLOYMENT_ARGS`, `model`);
- `model`: returns a model object (LangChain, LlamaIndex, Haystack, DSPy, agents) bound to a
  processor of `family` and operation `op`; invoking it sends its input there;
- `call`: sends its arguments to a processor now (`op`, model from `model`) and returns its answer;
- `run`: runs its first argument (an agent or chain) on the rest;
- `read` / `write`: a dataset named by the argument at `target` (a path or URI; `kind` names the
  platform when the argument is not a URI); `write` writes the receiver or the `data` argument;
- `store_client` / `store` / `store_read` / `store_write`: a vector store or cache (`kind`): its
  client (namespace from the endpoint or path arguments), one collection or index (name at
  `target`), and reads or writes of it;
- `sql_conn`, `sql`, `read_sql`, `to_sql`: database connections (`kind` is the dialect) and
  literal SQL handed to the SQL collector;
- `http`, `http_client`: requests to literal hosts (`op` is the method);
- `model_load`, `download`, `unpickle`: model weights loaded (`from_pretrained`, `pipeline`),
  files fetched from a hub or URL, and formats that run code when loaded;
- `mcp_server`, `mcp_session`, `mcp_tool`: MCP client sessions and tool calls;
- `synthetic`: a generator of synthetic data (Faker, SDV); `llm_cache`: LangChain's global LLM cache.

Example:
    >>> [r.act for r in match("langchain_openai.ChatOpenAI")]
    ['model']
    >>> match_method("openai", "chat.completions.create")[0].op
    'chat'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

Arg = str | int
"""A keyword argument's name, or a positional argument's index."""


@dataclass(frozen=True)
class Api:
    pattern: str
    act: str
    family: str | None = None
    op: str = "chat"
    model: tuple[Arg, ...] = ()
    target: tuple[Arg, ...] = ()
    kind: str | None = None
    data: tuple[Arg, ...] = ()


def _rows(act: str, patterns: Iterable[str], **kw: object) -> list[Api]:
    return [Api(p, act, **kw) for p in patterns]  # type: ignore[arg-type]


ENDPOINT_ARGS: tuple[str, ...] = ("base_url", "azure_endpoint", "endpoint", "api_base", "openai_api_base",
                                  "host", "url", "server_url", "base_path", "anthropic_api_url", "uri")
REGION_ARGS: tuple[str, ...] = ("region_name", "region", "location", "aws_region")
DEPLOYMENT_ARGS: tuple[str, ...] = ("azure_deployment", "deployment_name", "deployment_id", "deployment")
MODEL_ARGS: tuple[Arg, ...] = ("model", "model_name", "model_id", "modelId", "deployment_name")
SECRET_ARGS: tuple[str, ...] = ("api_key", "openai_api_key", "anthropic_api_key", "google_api_key", "token",
                                "aws_secret_access_key", "aws_access_key_id", "cohere_api_key", "mistral_api_key",
                                "password", "auth_token", "hf_token", "huggingfacehub_api_token", "secret_key")

# Methods that send a model object's input to its processor.
INVOKE_METHODS = frozenset({
    "invoke", "ainvoke", "stream", "astream", "batch", "abatch", "predict", "apredict", "run", "arun", "complete",
    "acomplete", "chat", "achat", "stream_chat", "stream_complete", "generate", "agenerate", "call", "acall",
    "embed_documents", "aembed_documents", "embed_query", "aembed_query", "get_text_embedding",
    "get_text_embeddings", "get_query_embedding", "get_text_embedding_batch", "query", "aquery", "retrieve",
    "forward", "__call__", "generate_content", "send_message", "run_sync", "run_streamed", "receive_response",
})
# Methods of a vector store, collection or cache object that read it, and that write it.
READ_METHODS = frozenset({
    "query", "search", "get", "similarity_search", "similarity_search_with_score", "similarity_search_by_vector",
    "max_marginal_relevance_search", "asimilarity_search", "invoke", "ainvoke", "retrieve", "fetch", "query_points",
    "hget", "hgetall", "mget", "lrange", "to_pandas", "to_list", "near_text", "near_vector", "hybrid", "bm25",
    "read", "load", "lookup", "get_relevant_documents", "search_batch", "scroll", "json",
})
WRITE_METHODS = frozenset({
    "add", "add_documents", "add_texts", "aadd_documents", "aadd_texts", "upsert", "insert", "insert_many",
    "create", "set", "setex", "hset", "mset", "lpush", "rpush", "put", "write", "update", "add_embeddings",
    "from_documents", "upload", "upload_points", "upload_collection", "insert_one", "save_local", "persist",
    "data.insert", "data.insert_many", "batch.add_object", "add_object", "merge_insert", "update_cache",
})

API: tuple[Api, ...] = (
    # --- LLM and embedding SDKs: clients, then their calls ---
    *_rows("client", ("openai.OpenAI", "openai.AsyncOpenAI", "openai.Client", "openai.AsyncClient"),
           family="openai", kind="openai"),
    *_rows("client", ("openai.AzureOpenAI", "openai.AsyncAzureOpenAI"), family="azure_openai", kind="openai"),
    *_rows("client", ("anthropic.Anthropic", "anthropic.AsyncAnthropic", "anthropic.Client"),
           family="anthropic", kind="anthropic"),
    *_rows("client", ("anthropic.AnthropicBedrock", "anthropic.AsyncAnthropicBedrock"), family="anthropic_bedrock",
           kind="anthropic"),
    *_rows("client", ("anthropic.AnthropicVertex", "anthropic.AsyncAnthropicVertex"), family="anthropic_vertex",
           kind="anthropic"),
    Api("google.genai.Client", "client", family="google_genai", kind="genai"),
    Api("google.generativeai.GenerativeModel", "model", family="google_genai", model=(0, "model_name")),
    Api("google.generativeai.embed_content", "call", family="google_genai", op="embed", model=("model",)),
    Api("vertexai.generative_models.GenerativeModel", "model", family="vertex", model=(0, "model_name")),
    Api("vertexai.preview.generative_models.GenerativeModel", "model", family="vertex", model=(0, "model_name")),
    Api("vertexai.language_models.TextEmbeddingModel.from_pretrained", "model", family="vertex", op="embed",
        model=(0,)),
    *_rows("client", ("mistralai.Mistral", "mistralai.client.MistralClient"), family="mistral", kind="mistral"),
    *_rows("client", ("cohere.Client", "cohere.ClientV2", "cohere.AsyncClient", "cohere.AsyncClientV2"),
           family="cohere", kind="cohere"),
    *_rows("client", ("ollama.Client", "ollama.AsyncClient"), family="ollama", kind="ollama"),
    *_rows("call", ("ollama.chat", "ollama.generate"), family="ollama", model=("model", 0)),
    *_rows("call", ("ollama.embed", "ollama.embeddings"), family="ollama", op="embed", model=("model", 0)),
    *_rows("client", ("huggingface_hub.InferenceClient", "huggingface_hub.AsyncInferenceClient"),
           family="hf_inference", kind="hf", model=("model", 0)),
    *_rows("call", ("litellm.completion", "litellm.acompletion", "litellm.text_completion"), model=("model", 0)),
    *_rows("call", ("litellm.embedding", "litellm.aembedding"), op="embed", model=("model", 0)),
    Api("openai:chat.completions.create", "call", op="chat", model=MODEL_ARGS),
    Api("openai:chat.completions.parse", "call", op="chat", model=MODEL_ARGS),
    Api("openai:beta.chat.completions.parse", "call", op="chat", model=MODEL_ARGS),
    Api("openai:completions.create", "call", op="completions", model=MODEL_ARGS),
    Api("openai:embeddings.create", "call", op="embed", model=MODEL_ARGS),
    Api("openai:responses.create", "call", op="responses", model=MODEL_ARGS),
    Api("openai:responses.parse", "call", op="responses", model=MODEL_ARGS),
    Api("openai:files.create", "call", op="files"),
    Api("openai:fine_tuning.jobs.create", "call", op="fine_tuning", model=MODEL_ARGS),
    Api("openai:moderations.create", "call", op="moderations", model=MODEL_ARGS),
    Api("openai:audio.transcriptions.create", "call", op="audio", model=MODEL_ARGS),
    Api("openai:images.generate", "call", op="images", model=MODEL_ARGS),
    *_rows("call", ("openai.chat.completions.create", "openai.ChatCompletion.create"), family="openai",
           model=MODEL_ARGS),
    *_rows("call", ("openai.embeddings.create", "openai.Embedding.create"), family="openai", op="embed",
           model=MODEL_ARGS),
    Api("anthropic:messages.create", "call", model=MODEL_ARGS),
    Api("anthropic:messages.stream", "call", model=MODEL_ARGS),
    Api("anthropic:beta.messages.create", "call", model=MODEL_ARGS),
    Api("anthropic:messages.batches.create", "call", model=MODEL_ARGS),
    Api("genai:models.generate_content", "call", model=MODEL_ARGS),
    Api("genai:models.generate_content_stream", "call", model=MODEL_ARGS),
    Api("genai:models.embed_content", "call", op="embed", model=MODEL_ARGS),
    Api("genai:chats.create", "model", model=MODEL_ARGS),
    Api("mistral:chat.complete", "call", model=MODEL_ARGS),
    Api("mistral:chat.stream", "call", model=MODEL_ARGS),
    Api("mistral:chat", "call", model=MODEL_ARGS),
    Api("mistral:embeddings.create", "call", op="embed", model=MODEL_ARGS),
    Api("mistral:embeddings", "call", op="embed", model=MODEL_ARGS),
    Api("cohere:chat", "call", model=MODEL_ARGS),
    Api("cohere:chat_stream", "call", model=MODEL_ARGS),
    Api("cohere:generate", "call", model=MODEL_ARGS),
    Api("cohere:embed", "call", op="embed", model=MODEL_ARGS),
    Api("cohere:rerank", "call", op="rerank", model=MODEL_ARGS),
    Api("ollama:chat", "call", model=("model", 0)),
    Api("ollama:generate", "call", model=("model", 0)),
    Api("ollama:embed", "call", op="embed", model=("model", 0)),
    Api("ollama:embeddings", "call", op="embed", model=("model", 0)),
    Api("hf:chat_completion", "call", model=MODEL_ARGS),
    Api("hf:chat.completions.create", "call", model=MODEL_ARGS),
    Api("hf:text_generation", "call", model=MODEL_ARGS),
    Api("hf:feature_extraction", "call", op="embed", model=MODEL_ARGS),
    Api("hf:sentence_similarity", "call", op="embed", model=MODEL_ARGS),
    Api("bedrock:invoke_model", "call", model=("modelId",)),
    Api("bedrock:invoke_model_with_response_stream", "call", model=("modelId",)),
    Api("bedrock:converse", "call", op="converse", model=("modelId",)),
    Api("bedrock:converse_stream", "call", op="converse", model=("modelId",)),
    # --- frameworks: model objects bound to a vendor ---
    *_rows("model", ("langchain*.ChatOpenAI", "langchain*.OpenAI", "llama_index*.OpenAI", "haystack*.OpenAIGenerator",
                     "haystack*.OpenAIChatGenerator", "agents.OpenAIChatCompletionsModel",
                     "agents.OpenAIResponsesModel", "llama_index*.OpenAIResponses"),
           family="openai", model=("model", "model_name")),
    *_rows("model", ("langchain*.OpenAIEmbeddings", "llama_index*.OpenAIEmbedding", "haystack*.OpenAITextEmbedder",
                     "haystack*.OpenAIDocumentEmbedder"), family="openai", op="embed", model=("model", "model_name")),
    *_rows("model", ("langchain*.AzureChatOpenAI", "langchain*.AzureOpenAI", "llama_index*.AzureOpenAI",
                     "haystack*.AzureOpenAIGenerator", "haystack*.AzureOpenAIChatGenerator"),
           family="azure_openai", model=("model", "model_name", "azure_deployment", "deployment_name", "engine")),
    *_rows("model", ("langchain*.AzureOpenAIEmbeddings", "llama_index*.AzureOpenAIEmbedding",
                     "haystack*.AzureOpenAITextEmbedder", "haystack*.AzureOpenAIDocumentEmbedder"),
           family="azure_openai", op="embed", model=("model", "azure_deployment", "deployment_name")),
    *_rows("model", ("langchain*.ChatAnthropic", "llama_index*.Anthropic", "haystack*.AnthropicChatGenerator",
                     "haystack*.AnthropicGenerator", "langchain*.AnthropicLLM"),
           family="anthropic", model=("model", "model_name")),
    *_rows("model", ("langchain*.ChatGoogleGenerativeAI", "llama_index*.Gemini", "llama_index*.GoogleGenAI",
                     "haystack*.GoogleAIGeminiGenerator", "haystack*.GoogleAIGeminiChatGenerator"),
           family="google_genai", model=("model", "model_name")),
    *_rows("model", ("langchain*.GoogleGenerativeAIEmbeddings", "llama_index*.GeminiEmbedding",
                     "llama_index*.GoogleGenAIEmbedding"), family="google_genai", op="embed", model=("model",)),
    *_rows("model", ("langchain*.ChatVertexAI", "langchain*.VertexAI", "llama_index*.Vertex",
                     "haystack*.VertexAIGeminiGenerator"), family="vertex", model=("model", "model_name")),
    Api("langchain*.VertexAIEmbeddings", "model", family="vertex", op="embed", model=("model", "model_name")),
    *_rows("model", ("langchain*.ChatBedrock", "langchain*.ChatBedrockConverse", "langchain*.BedrockLLM",
                     "langchain*.Bedrock", "llama_index*.Bedrock", "llama_index*.BedrockConverse",
                     "haystack*.AmazonBedrockGenerator", "haystack*.AmazonBedrockChatGenerator"),
           family="bedrock", model=("model_id", "model")),
    *_rows("model", ("langchain*.BedrockEmbeddings", "llama_index*.BedrockEmbedding",
                     "haystack*.AmazonBedrockTextEmbedder", "haystack*.AmazonBedrockDocumentEmbedder"),
           family="bedrock", op="embed", model=("model_id", "model")),
    *_rows("model", ("langchain*.ChatMistralAI", "llama_index*.MistralAI", "haystack*.MistralChatGenerator"),
           family="mistral", model=("model", "model_name")),
    *_rows("model", ("langchain*.MistralAIEmbeddings", "llama_index*.MistralAIEmbedding"), family="mistral",
           op="embed", model=("model",)),
    *_rows("model", ("langchain*.ChatCohere", "llama_index*.Cohere", "haystack*.CohereGenerator",
                     "haystack*.CohereChatGenerator"), family="cohere", model=("model",)),
    *_rows("model", ("langchain*.CohereEmbeddings", "llama_index*.CohereEmbedding", "haystack*.CohereTextEmbedder"),
           family="cohere", op="embed", model=("model",)),
    *_rows("model", ("langchain*.CohereRerank",), family="cohere", op="rerank", model=("model",)),
    *_rows("model", ("langchain*.ChatOllama", "langchain*.Ollama", "langchain*.OllamaLLM", "llama_index*.Ollama",
                     "haystack*.OllamaGenerator", "haystack*.OllamaChatGenerator"), family="ollama",
           model=("model",)),
    *_rows("model", ("langchain*.OllamaEmbeddings", "llama_index*.OllamaEmbedding", "haystack*.OllamaTextEmbedder",
                     "haystack*.OllamaDocumentEmbedder"), family="ollama", op="embed", model=("model", "model_name")),
    *_rows("model", ("langchain*.HuggingFaceEndpoint", "langchain*.ChatHuggingFace",
                     "llama_index*.HuggingFaceInferenceAPI", "haystack*.HuggingFaceAPIGenerator",
                     "haystack*.HuggingFaceAPIChatGenerator"),
           family="hf_inference", model=("repo_id", "model", "model_name")),
    *_rows("model", ("langchain*.HuggingFaceEndpointEmbeddings", "langchain*.HuggingFaceInferenceAPIEmbeddings",
                     "haystack*.HuggingFaceAPITextEmbedder"), family="hf_inference", op="embed",
           model=("model", "repo_id", "model_name")),
    *_rows("model", ("langchain*.ChatLiteLLM", "llama_index*.LiteLLM", "dspy.LM", "dspy.OpenAI",
                     "agents.extensions.models.litellm_model.LitellmModel", "langchain*.init_chat_model"),
           model=("model", 0)),
    Api("langchain*.init_embeddings", "model", op="embed", model=("model", 0)),
    Api("langchain*.ChatGroq", "model", family="groq", model=("model", "model_name")),
    Api("agents.Agent", "model", family="openai", op="responses", model=("model",)),
    *_rows("run", ("agents.Runner.run", "agents.Runner.run_sync", "agents.Runner.run_streamed")),
    *_rows("call", ("claude_agent_sdk.query", "claude_code_sdk.query"), family="anthropic", model=("model",)),
    *_rows("model", ("claude_agent_sdk.ClaudeSDKClient", "claude_code_sdk.ClaudeSDKClient"), family="anthropic"),
    # --- vector stores and caches ---
    *_rows("store_client", ("chromadb.PersistentClient",), kind="chroma", target=("path", 0)),
    *_rows("store_client", ("chromadb.HttpClient", "chromadb.AsyncHttpClient", "chromadb.Client",
                            "chromadb.EphemeralClient", "chromadb.CloudClient"), kind="chroma"),
    Api("chroma:get_or_create_collection", "store", target=("name", 0)),
    Api("chroma:create_collection", "store", target=("name", 0)),
    Api("chroma:get_collection", "store", target=("name", 0)),
    *_rows("store_client", ("pinecone.Pinecone", "pinecone.grpc.PineconeGRPC"), kind="pinecone"),
    *_rows("store", ("pinecone:Index", "pinecone:IndexAsyncio"), target=("name", 0, "host")),
    Api("pinecone:create_index", "store", target=("name", 0)),
    *_rows("store_client", ("qdrant_client.QdrantClient", "qdrant_client.AsyncQdrantClient"), kind="qdrant",
           target=("path",)),
    *_rows("store_write", ("qdrant:upsert", "qdrant:upload_points", "qdrant:upload_collection", "qdrant:add",
                           "qdrant:create_collection", "qdrant:recreate_collection"),
           target=("collection_name", 0), data=("points", "documents", "vectors", 1)),
    *_rows("store_read", ("qdrant:search", "qdrant:query_points", "qdrant:query", "qdrant:scroll", "qdrant:retrieve"),
           target=("collection_name", 0)),
    *_rows("store_client", ("weaviate.connect_to_local", "weaviate.connect_to_weaviate_cloud",
                            "weaviate.connect_to_custom", "weaviate.WeaviateClient", "weaviate.Client",
                            "weaviate.connect_to_wcs"), kind="weaviate", target=("cluster_url", "http_host", "url")),
    Api("weaviate:collections.get", "store", target=("name", 0)),
    Api("weaviate:collections.create", "store", target=("name", 0)),
    *_rows("store_client", ("pymilvus.MilvusClient",), kind="milvus", target=("uri", 0)),
    *_rows("store_write", ("milvus:insert", "milvus:upsert", "milvus:create_collection"),
           target=("collection_name", 0), data=("data", 1)),
    *_rows("store_read", ("milvus:search", "milvus:query", "milvus:get"), target=("collection_name", 0)),
    Api("pymilvus.Collection", "store", kind="milvus", target=("name", 0)),
    Api("lancedb.connect", "store_client", kind="lancedb", target=("uri", 0)),
    Api("lancedb:create_table", "store", target=("name", 0), data=("data", 1)),
    Api("lancedb:open_table", "store", target=("name", 0)),
    Api("faiss.read_index", "read", kind="file", target=(0,)),
    Api("faiss.write_index", "write", kind="file", target=(1,), data=(0,)),
    *_rows("store", ("langchain*.Chroma", "langchain*.Chroma.from_documents", "langchain*.Chroma.from_texts",
                     "llama_index*.ChromaVectorStore"), kind="chroma", target=("collection_name",)),
    *_rows("store", ("langchain*.PineconeVectorStore", "langchain*.PineconeVectorStore.from_documents",
                     "langchain*.PineconeVectorStore.from_texts", "langchain*.Pinecone.from_documents",
                     "llama_index*.PineconeVectorStore", "haystack*.PineconeDocumentStore"),
           kind="pinecone", target=("index_name", "index")),
    *_rows("store", ("langchain*.QdrantVectorStore", "langchain*.QdrantVectorStore.from_documents",
                     "langchain*.QdrantVectorStore.from_texts", "langchain*.Qdrant.from_documents",
                     "langchain*.Qdrant.from_texts", "llama_index*.QdrantVectorStore",
                     "haystack*.QdrantDocumentStore"), kind="qdrant", target=("collection_name", "index")),
    *_rows("store", ("langchain*.WeaviateVectorStore", "langchain*.WeaviateVectorStore.from_documents",
                     "llama_index*.WeaviateVectorStore"), kind="weaviate", target=("index_name",)),
    *_rows("store", ("langchain*.FAISS.from_documents", "langchain*.FAISS.from_texts"), kind="faiss",
           target=("folder_path", "index_name")),
    *_rows("store", ("langchain*.FAISS.load_local", "llama_index*.FaissVectorStore.from_persist_dir"), kind="faiss",
           target=("folder_path", "persist_dir", 0)),
    *_rows("store", ("langchain*.LanceDB", "llama_index*.LanceDBVectorStore"), kind="lancedb",
           target=("table_name",)),
    *_rows("store", ("langchain*.PGVector", "langchain*.PGVector.from_documents", "llama_index*.PGVectorStore",
                     "llama_index*.PGVectorStore.from_params", "haystack*.PgvectorDocumentStore"), kind="pgvector",
           target=("collection_name", "table_name")),
    *_rows("store", ("langchain*.Milvus", "langchain*.Milvus.from_documents", "llama_index*.MilvusVectorStore"),
           kind="milvus", target=("collection_name",)),
    *_rows("store", ("langchain*.RedisVectorStore", "langchain*.Redis.from_documents", "langchain*.Redis.from_texts"),
           kind="redis", target=("index_name",)),
    *_rows("store_client", ("redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url",
                            "redis.asyncio.Redis", "redis.asyncio.from_url"), kind="redis", target=("host", "url", 0)),
    *_rows("store_client", ("diskcache.Cache", "diskcache.FanoutCache"), kind="diskcache", target=("directory", 0)),
    *_rows("llm_cache", ("langchain*.set_llm_cache",)),
    *_rows("store_client", ("langchain*.RedisCache", "langchain*.RedisSemanticCache"), kind="redis",
           target=("redis_url", "redis_")),
    *_rows("store_client", ("langchain*.SQLiteCache",), kind="sqlite_cache", target=("database_path",)),
    *_rows("store_client", ("langchain*.InMemoryCache",), kind="memory"),
    Api("gptcache.cache.init", "store_client", kind="gptcache", target=("data_dir",)),
    # --- files, tables, S3 ---
    Api("open", "read", kind="file", target=("file", 0)),
    Api("io.open", "read", kind="file", target=("file", 0)),
    *_rows("read", ("pandas.read_csv", "pandas.read_parquet", "pandas.read_json", "pandas.read_excel",
                    "pandas.read_feather", "pandas.read_pickle", "pandas.read_table", "pandas.read_orc",
                    "polars.read_csv", "polars.read_parquet", "polars.read_json", "polars.read_ndjson",
                    "polars.scan_csv", "polars.scan_parquet", "polars.scan_ndjson", "polars.read_excel",
                    "numpy.load", "numpy.loadtxt", "datasets.load_from_disk", "pyarrow.parquet.read_table",
                    "langchain*.TextLoader", "langchain*.CSVLoader", "langchain*.PyPDFLoader",
                    "langchain*.JSONLoader", "langchain*.DirectoryLoader", "langchain*.UnstructuredFileLoader",
                    "langchain*.PyMuPDFLoader", "llama_index*.SimpleDirectoryReader", "pypdf.PdfReader"),
           kind="file", target=("filepath_or_buffer", "path", "source", "file_path", "input_dir", "file", "stream",
                                "input_files", 0)),
    *_rows("write", ("to_csv", "to_parquet", "to_json", "to_excel", "to_feather", "to_pickle", "write_csv",
                     "write_parquet", "write_json", "write_ndjson", "sink_parquet", "save_to_disk"),
           kind="file", target=("path_or_buf", "path", "file", "dataset_path", 0)),
    *_rows("write", ("numpy.save", "numpy.savetxt"), kind="file", target=("file", 0), data=("arr", 1)),
    *_rows("read", ("json.load", "yaml.safe_load", "csv.reader", "csv.DictReader", "tomllib.load"), kind="passthrough",
           target=(0,)),
    *_rows("write", ("json.dump", "yaml.safe_dump", "yaml.dump", "pickle.dump", "joblib.dump"), kind="passthrough",
           target=(1, "fp", "filename"), data=(0,)),
    *_rows("write", ("csv.writer", "csv.DictWriter"), kind="passthrough", target=(0,)),
    *_rows("read", ("read_text", "read_bytes"), kind="self"),
    *_rows("write", ("write_text", "write_bytes"), kind="self", data=(0, "data")),
    *_rows("client", ("boto3.client", "boto3.resource", "boto3.session.Session.client", "boto3.Session.client"),
           kind="boto3"),
    Api("s3:get_object", "read", kind="s3", target=("Bucket", "Key")),
    Api("s3:put_object", "write", kind="s3", target=("Bucket", "Key"), data=("Body",)),
    Api("s3:upload_file", "write", kind="s3", target=("Bucket", 1, "Key", 2), data=("Filename", 0)),
    Api("s3:upload_fileobj", "write", kind="s3", target=("Bucket", 1, "Key", 2), data=("Fileobj", 0)),
    Api("s3:download_file", "read", kind="s3", target=("Bucket", 0, "Key", 1), data=("Filename", 2)),
    Api("s3:Object", "s3_object", target=("bucket_name", 0)),
    *_rows("store_client", ("s3fs.S3FileSystem", "fsspec.filesystem"), kind="fs"),
    Api("fs:open", "read", kind="file", target=("path", 0)),
    # --- SQL ---
    Api("sqlite3.connect", "sql_conn", kind="sqlite", target=("database", 0)),
    Api("duckdb.connect", "sql_conn", kind="duckdb", target=("database", 0)),
    *_rows("sql_conn", ("psycopg.connect", "psycopg2.connect", "psycopg.AsyncConnection.connect", "asyncpg.connect",
                        "psycopg_pool.ConnectionPool"), kind="postgres", target=("conninfo", "dsn", 0)),
    *_rows("sql_conn", ("pymysql.connect", "mysql.connector.connect"), kind="mysql", target=("host",)),
    Api("snowflake.connector.connect", "sql_conn", kind="snowflake", target=("account",)),
    *_rows("sql_conn", ("sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine"), target=("url", 0)),
    *_rows("sql", ("sql:execute", "sql:executemany", "sql:executescript", "sql:sql", "sql:query", "sql:fetch",
                   "sql:fetchrow", "sql:fetchval", "sql:exec_driver_sql"), target=("sql", "query", "statement", 0),
           data=("parameters", "params", "args", 1)),
    *_rows("read_sql", ("pandas.read_sql", "pandas.read_sql_query", "polars.read_database"),
           target=("sql", "query", 0), data=("con", "connection", 1)),
    Api("to_sql", "to_sql", target=("name", 0), data=("con", 1)),
    # --- HTTP ---
    *[Api(f"{lib}.{verb}", "http", op=verb, target=("url", 0))
      for lib in ("requests", "httpx", "aiohttp.ClientSession") for verb in ("get", "post", "put", "patch", "delete")],
    Api("requests.request", "http", op="request", target=("url", 1)),
    Api("urllib.request.urlopen", "http", op="get", target=("url", 0)),
    *_rows("http_client", ("httpx.Client", "httpx.AsyncClient", "requests.Session", "aiohttp.ClientSession"),
           target=("base_url",)),
    *[Api(f"http:{verb}", "http", op=verb, target=("url", 0)) for verb in ("get", "post", "put", "patch", "delete")],
    # --- models ---
    Api("*.from_pretrained", "model_load", target=("pretrained_model_name_or_path", "model_name_or_path", 0)),
    Api("transformers.pipeline", "model_load", target=("model",)),
    Api("sentence_transformers.SentenceTransformer", "model_load", target=("model_name_or_path", 0)),
    Api("sentence_transformers.CrossEncoder", "model_load", target=("model_name", "model_name_or_path", 0)),
    *_rows("download", ("huggingface_hub.hf_hub_download", "huggingface_hub.snapshot_download"),
           target=("repo_id", 0)),
    Api("urllib.request.urlretrieve", "download", target=("url", 0)),
    Api("torch.hub.load", "unpickle", kind="torch.hub", target=("repo_or_dir", 0)),
    Api("torch.hub.load_state_dict_from_url", "unpickle", kind="torch", target=("url", 0)),
    Api("torch.load", "unpickle", kind="torch", target=("f", 0)),
    *_rows("unpickle", ("pickle.load", "pickle.loads", "dill.load", "cloudpickle.load", "pandas.read_pickle"),
           kind="pickle", target=("file", 0)),
    Api("joblib.load", "unpickle", kind="joblib", target=("filename", 0)),
    Api("numpy.load", "unpickle", kind="numpy", target=("file", 0)),
    # --- MCP ---
    *_rows("mcp_server", ("mcp.StdioServerParameters", "mcp.client.stdio.StdioServerParameters"),
           target=("command", "args")),
    *_rows("mcp_server", ("mcp.client.stdio.stdio_client", "mcp.stdio_client", "mcp.client.sse.sse_client",
                          "mcp.client.streamable_http.streamablehttp_client",
                          "mcp.client.streamable_http.streamable_http_client"), target=("server", "url", 0)),
    Api("mcp.ClientSession", "mcp_session"),
    Api("mcp.client.session.ClientSession", "mcp_session"),
    Api("mcp:call_tool", "mcp_tool", target=("name", 0), data=("arguments", 1)),
    *_rows("mcp_server", ("agents.mcp.MCPServerStdio", "agents.mcp.MCPServerSse", "agents.mcp.MCPServerStreamableHttp",
                          "fastmcp.Client"), target=("params", 0)),
    # --- synthetic data ---
    *_rows("synthetic", ("faker.Faker",), kind="faker"),
    *_rows("synthetic", ("sdv.single_table.GaussianCopulaSynthesizer", "sdv.single_table.CTGANSynthesizer",
                         "sdv.single_table.TVAESynthesizer", "sdv.single_table.CopulaGANSynthesizer",
                         "sdv.multi_table.HMASynthesizer", "sdv.lite.SingleTablePreset"), kind="sdv"),
)


@lru_cache(maxsize=1)
def _index() -> tuple[Mapping[str, tuple[Api, ...]], Mapping[str, tuple[Api, ...]]]:
    """Rows by the last part of a callee (functions) and by `kind:method` (methods)."""
    calls: dict[str, list[Api]] = {}
    methods: dict[str, list[Api]] = {}
    for row in API:
        if ":" in row.pattern:
            methods.setdefault(row.pattern, []).append(row)
        else:
            calls.setdefault(row.pattern.rsplit(".", 1)[-1], []).append(row)
    return ({k: tuple(v) for k, v in calls.items()}, {k: tuple(v) for k, v in methods.items()})


def match(qualified: str) -> list[Api]:
    """The rows of a qualified callee (imports resolved), most specific first."""
    rows = _index()[0].get(qualified.rsplit(".", 1)[-1], ())
    return [r for r in rows if r.pattern == qualified or ("*" in r.pattern and fnmatchcase(qualified, r.pattern))
            or ("." not in r.pattern and qualified == r.pattern)]


def match_method(kind: str, method: str) -> list[Api]:
    """The rows of `method` (a dotted path) called on an object of handle kind `kind`."""
    return list(_index()[1].get(f"{kind}:{method}", ()))


def method_write_rows() -> Mapping[str, Api]:
    """Rows of methods any object may have (`df.to_csv(...)`), by method name."""
    return {r.pattern: r for r in API
            if ("." not in r.pattern and ":" not in r.pattern and r.act in ("read", "write", "to_sql")
                and r.kind != "file") or r.pattern.startswith(("to_", "write_", "sink_", "save_"))}
