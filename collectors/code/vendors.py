"""Model vendors as data: each one's endpoint, the API path of each operation, and how a model
name or an endpoint host points to it. Endpoints, paths and vendor names are those the OpenTelemetry
collector gives the same calls (`collectors/otel/providers.py`), so a call seen in code and in a
trace is one processor.

A `Family` is one vendor API: the endpoint a client reaches when none is given, and the path of
each operation (`chat`, `embed`, `responses`, ...). A processor found in code is that endpoint and
path, qualified by the application that calls it (`facts.processor_name`).

Example:
    >>> FAMILIES["openai"].path("embed")
    'v1/embeddings'
    >>> family_of_model("anthropic/claude-3-5-sonnet").key, family_of_model("gpt-4o-mini").key
    ('anthropic', 'openai')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Family:
    """One vendor API."""

    key: str
    vendor: str
    endpoint: str
    paths: Mapping[str, str] = field(default_factory=dict)
    local: bool = False

    def path(self, op: str) -> str:
        return self.paths.get(op) or self.paths.get("chat") or op


def _f(key: str, vendor: str, endpoint: str, *, local: bool = False, **paths: str) -> Family:
    return Family(key, vendor, endpoint, MappingProxyType(dict(paths)), local)


_OPENAI_PATHS: dict[str, str] = {"chat": "v1/chat/completions", "embed": "v1/embeddings", "responses": "v1/responses",
                 "completions": "v1/completions", "images": "v1/images", "audio": "v1/audio",
                 "files": "v1/files", "fine_tuning": "v1/fine_tuning/jobs", "moderations": "v1/moderations"}

FAMILIES: Mapping[str, Family] = MappingProxyType({f.key: f for f in (
    Family("openai", "OpenAI", "https://api.openai.com", MappingProxyType(_OPENAI_PATHS)),
    _f("azure_openai", "Microsoft", "https://openai.azure.com", chat="openai/chat/completions",
       embed="openai/embeddings", responses="openai/responses"),
    _f("anthropic", "Anthropic", "https://api.anthropic.com", chat="v1/messages"),
    _f("anthropic_bedrock", "Amazon", "https://bedrock-runtime.{region}.amazonaws.com",
       chat="model/invoke"),
    _f("anthropic_vertex", "Google", "https://{region}-aiplatform.googleapis.com",
       chat="v1/models:rawPredict"),
    _f("google_genai", "Google", "https://generativelanguage.googleapis.com",
       chat="v1beta/models:generateContent", embed="v1beta/models:embedContent"),
    _f("vertex", "Google", "https://{region}-aiplatform.googleapis.com",
       chat="v1/models:generateContent", embed="v1/models:predict"),
    _f("bedrock", "Amazon", "https://bedrock-runtime.{region}.amazonaws.com",
       chat="model/invoke", converse="model/converse", embed="model/invoke"),
    _f("mistral", "Mistral AI", "https://api.mistral.ai", chat="v1/chat/completions", embed="v1/embeddings"),
    _f("cohere", "Cohere", "https://api.cohere.com", chat="v2/chat", embed="v2/embed", rerank="v2/rerank"),
    _f("ollama", "Ollama (local)", "http://localhost:11434", local=True, chat="api/chat", embed="api/embed",
       generate="api/generate"),
    _f("hf_inference", "Hugging Face", "https://router.huggingface.co", chat="v1/chat/completions",
       embed="hf-inference/feature-extraction"),
    _f("groq", "Groq", "https://api.groq.com", chat="openai/v1/chat/completions"),
    _f("together", "Together AI", "https://api.together.xyz", chat="v1/chat/completions", embed="v1/embeddings"),
    _f("openrouter", "OpenRouter", "https://openrouter.ai", chat="api/v1/chat/completions"),
    _f("deepseek", "DeepSeek", "https://api.deepseek.com", chat="v1/chat/completions"),
    _f("voyage", "Voyage AI", "https://api.voyageai.com", embed="v1/embeddings"),
    _f("local_http", "local server", "http://localhost", local=True, chat="v1/chat/completions", embed="v1/embeddings"),
)})

# The provider prefix of a LiteLLM / DSPy / `init_chat_model` model string (`anthropic/claude-...`).
PROVIDERS: Mapping[str, str] = MappingProxyType({
    "openai": "openai", "azure": "azure_openai", "azure_openai": "azure_openai", "anthropic": "anthropic",
    "bedrock": "bedrock", "bedrock_converse": "bedrock", "vertex_ai": "vertex", "google_vertexai": "vertex",
    "gemini": "google_genai", "google_genai": "google_genai", "mistral": "mistral", "mistralai": "mistral",
    "cohere": "cohere", "cohere_chat": "cohere", "ollama": "ollama", "ollama_chat": "ollama",
    "huggingface": "hf_inference", "groq": "groq", "together_ai": "together", "openrouter": "openrouter",
    "deepseek": "deepseek", "voyage": "voyage",
})

# A bare model name's vendor, by its first word.
_MODEL_PREFIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(gpt-|o[1-9](-|$)|text-embedding-|chatgpt-|davinci|babbage|dall-e|whisper|tts-|omni-)"), "openai"),
    (re.compile(r"^claude"), "anthropic"),
    (re.compile(r"^(gemini|text-embedding-00|gemini-embedding|models/)"), "google_genai"),
    (re.compile(r"^(mistral|mixtral|codestral|open-mistral|ministral|pixtral)"), "mistral"),
    (re.compile(r"^(command|embed-(english|multilingual)|rerank-)"), "cohere"),
    (re.compile(r"^(anthropic|amazon|meta|cohere|ai21|mistral)\.[a-z]"), "bedrock"),
)

# Hosts of an OpenAI-compatible `base_url` that name the vendor behind it.
HOSTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(^|\.)openai\.azure\.com$|(^|\.)cognitiveservices\.azure\.com$"), "azure_openai"),
    (re.compile(r"(^|\.)api\.openai\.com$"), "openai"),
    (re.compile(r"(^|\.)anthropic\.com$"), "anthropic"),
    (re.compile(r"(^|\.)groq\.com$"), "groq"),
    (re.compile(r"(^|\.)together\.(xyz|ai)$"), "together"),
    (re.compile(r"(^|\.)openrouter\.ai$"), "openrouter"),
    (re.compile(r"(^|\.)deepseek\.com$"), "deepseek"),
    (re.compile(r"(^|\.)mistral\.ai$"), "mistral"),
    (re.compile(r"(^|\.)generativelanguage\.googleapis\.com$"), "google_genai"),
    (re.compile(r"(^|\.)huggingface\.co$|(^|\.)hf\.space$"), "hf_inference"),
)
LOCAL_HOSTS = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|::1|\[::1\]|host\.docker\.internal|ollama)$",
                         re.IGNORECASE)


def family_of_model(model: str | None, default: str | None = None) -> Family | None:
    """The vendor a model string names: its provider prefix (`anthropic/...`, `openai:...`), else
    its first word (`gpt-`, `claude`, `gemini`), else `default`."""
    if model:
        parts = re.split(r"[/:]", model, maxsplit=1)
        if len(parts) == 2 and parts[0].lower() in PROVIDERS:
            return FAMILIES[PROVIDERS[parts[0].lower()]]
        bare = model.lower()
        for pattern, key in _MODEL_PREFIXES:
            if pattern.search(bare):
                return FAMILIES[key]
    return FAMILIES.get(default) if default else None


def bare_model(model: str | None) -> str | None:
    """A model string without its provider prefix (`anthropic/claude-x` -> `claude-x`)."""
    if not model:
        return None
    parts = re.split(r"[/:]", model, maxsplit=1)
    return parts[1] if len(parts) == 2 and parts[0].lower() in PROVIDERS else model


def family_of_host(host: str) -> Family | None:
    for pattern, key in HOSTS:
        if pattern.search(host.lower()):
            return FAMILIES[key]
    return None


def is_local_host(host: str | None) -> bool:
    return bool(host) and bool(LOCAL_HOSTS.match(host or ""))
