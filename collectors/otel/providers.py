"""Model providers as data: who runs an endpoint, where it is, and the API path of each operation.

A GenAI span names its provider (`gen_ai.provider.name`, the older `gen_ai.system`, OpenInference's
`llm.provider`) and often the server it called (`server.address`, `server.port`, or a base URL). The
processor node is named as the spec and the other collectors name a vendor endpoint: the namespace
is the endpoint (`https://api.openai.com`) and the name is the API path the operation calls
(`v1/chat/completions`), qualified by the caller by `collectors.otel.mapping` (see
docs/pipeline-spec.md: a processor is an integration, the endpoint as one application uses it). A
provider missing from `PROVIDERS` still makes a processor, named by its server (or
`genai://<provider>`) and the operation.

Example:
    >>> e = endpoint("openai", "chat", address=None, port=None, url=None)
    >>> e.namespace, e.name, e.vendor, e.processor_type
    ('https://api.openai.com', 'v1/chat/completions', 'OpenAI', 'llm_api')
    >>> endpoint("aws.bedrock", "chat", address="bedrock-runtime.eu-west-1.amazonaws.com", port=None,
    ...          url=None).region
    'eu-west-1'
    >>> endpoint("openai", "embeddings", address=None, port=None, url="http://127.0.0.1:8081/v1/").namespace
    'http://127.0.0.1:8081'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from collectors.otel.conventions import AGENT, CHAT, COMPLETION, EMBEDDINGS, GENERATE


@dataclass(frozen=True)
class Provider:
    """One provider: its vendor name, default host, the path its API versions live under, and the
    path of each operation below it."""

    vendor: str
    host: str | None
    base: str = "v1"
    paths: dict[str, str] = field(default_factory=dict)


_OPENAI_PATHS = {CHAT: "chat/completions", COMPLETION: "completions", EMBEDDINGS: "embeddings",
                 GENERATE: "chat/completions", "rerank": "rerank"}

PROVIDERS: dict[str, Provider] = {
    "openai": Provider("OpenAI", "api.openai.com", "v1", _OPENAI_PATHS),
    "anthropic": Provider("Anthropic", "api.anthropic.com", "v1", {CHAT: "messages", COMPLETION: "complete",
                                                                   GENERATE: "messages"}),
    "azure.ai.openai": Provider("Microsoft", None, "openai", _OPENAI_PATHS),
    "azure.ai.inference": Provider("Microsoft", None, "", {CHAT: "chat/completions", EMBEDDINGS: "embeddings"}),
    "az.ai.inference": Provider("Microsoft", None, "", {CHAT: "chat/completions", EMBEDDINGS: "embeddings"}),
    "aws.bedrock": Provider("Amazon", None, "model", {CHAT: "converse", GENERATE: "invoke", EMBEDDINGS: "invoke",
                                                       COMPLETION: "invoke"}),
    "gcp.gemini": Provider("Google", "generativelanguage.googleapis.com", "v1beta",
                           {CHAT: "models:generateContent", GENERATE: "models:generateContent",
                            EMBEDDINGS: "models:embedContent"}),
    "gcp.vertex_ai": Provider("Google", None, "v1", {CHAT: "models:generateContent",
                                                     GENERATE: "models:generateContent", EMBEDDINGS: "models:predict"}),
    "gcp.gen_ai": Provider("Google", "generativelanguage.googleapis.com", "v1beta",
                           {CHAT: "models:generateContent", GENERATE: "models:generateContent",
                            EMBEDDINGS: "models:embedContent"}),
    "cohere": Provider("Cohere", "api.cohere.com", "v2", {CHAT: "chat", EMBEDDINGS: "embed", "rerank": "rerank"}),
    "mistral_ai": Provider("Mistral AI", "api.mistral.ai", "v1", _OPENAI_PATHS),
    "groq": Provider("Groq", "api.groq.com", "openai/v1", _OPENAI_PATHS),
    "deepseek": Provider("DeepSeek", "api.deepseek.com", "v1", _OPENAI_PATHS),
    "perplexity": Provider("Perplexity", "api.perplexity.ai", "", _OPENAI_PATHS),
    "x_ai": Provider("xAI", "api.x.ai", "v1", _OPENAI_PATHS),
    "ibm.watsonx.ai": Provider("IBM", None, "ml/v1", {CHAT: "text/chat", COMPLETION: "text/generation",
                                                       EMBEDDINGS: "text/embeddings"}),
    "ollama": Provider("Ollama", None, "api", {CHAT: "chat", COMPLETION: "generate", EMBEDDINGS: "embed"}),
    "together_ai": Provider("Together AI", "api.together.xyz", "v1", _OPENAI_PATHS),
}

ALIASES: dict[str, str] = {
    "vertex_ai": "gcp.vertex_ai", "vertexai": "gcp.vertex_ai", "gemini": "gcp.gemini", "google": "gcp.gen_ai",
    "bedrock": "aws.bedrock", "aws": "aws.bedrock", "azure": "azure.ai.openai", "azure_openai": "azure.ai.openai",
    "azure.openai": "azure.ai.openai", "mistralai": "mistral_ai", "mistral": "mistral_ai", "xai": "x_ai",
    "watsonx": "ibm.watsonx.ai", "together": "together_ai",
}
"""Provider names other conventions and older versions use -> the name in `PROVIDERS`."""

REGIONS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^bedrock(?:-runtime|-agent-runtime)?(?:-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$"),
    re.compile(r"^(?P<region>[a-z]+-[a-z]+\d+)-aiplatform\.googleapis\.com$"),
    re.compile(r"^[a-z0-9-]+\.(?P<region>[a-z]+(?:[a-z]+)?)\.inference\.ml\.azure\.com$"),
    re.compile(r"^(?P<region>[a-z]{2}-[a-z]+)\.ml\.cloud\.ibm\.com$"),
)
"""Host patterns that say the endpoint's region."""


@dataclass(frozen=True)
class Endpoint:
    namespace: str
    name: str
    vendor: str
    processor_type: str
    region: str | None


def provider_key(name: str) -> str:
    """A provider name as `PROVIDERS` keys it.

    Example:
        >>> provider_key("OpenAI"), provider_key("Vertex AI")
        ('openai', 'gcp.vertex_ai')
    """
    key = re.sub(r"[^a-z0-9._]+", "_", name.strip().lower()).strip("_")
    return ALIASES.get(key, key)


def _region(host: str) -> str | None:
    for pattern in REGIONS:
        if match := pattern.match(host):
            return match.group("region")
    return None


def _port(value: object) -> int | None:
    try:
        port = int(str(value))
    except ValueError:
        return None
    return port if 0 < port < 65536 else None


def endpoint(provider: str | None, operation: str, *, address: str | None, port: object, url: str | None,
             agent: str | None = None) -> Endpoint:
    """The processor an operation of `provider` reaches, from what the span says of the server."""
    key = provider_key(provider) if provider else ""
    known = PROVIDERS.get(key)
    scheme, host, base = "https", None, None
    if url:
        parts = urlsplit(url.strip())
        if parts.scheme in ("http", "https") and parts.hostname:
            scheme, host = parts.scheme, parts.hostname.lower()
            port = parts.port if parts.port is not None else None
            base = parts.path.strip("/") or None
    if host is None and address:
        host = address.strip().lower().rstrip(".")
    if host is None and known is not None:
        host = known.host
    number = _port(port) if port is not None else None
    if number in (80,) and not url:
        scheme = "http"
    if host:
        shown = f"[{host}]" if ":" in host else host
        default = 443 if scheme == "https" else 80
        namespace = f"{scheme}://{shown}" + (f":{number}" if number and number != default else "")
    else:
        namespace = f"genai://{key or 'unknown'}"
    if base is None:
        base = known.base if known is not None else ""
    path = (known.paths.get(operation) if known is not None else None) or operation
    if operation == AGENT:
        path, base = f"agents/{agent or 'unknown'}", ""
    name = "/".join(part for part in (base, path) if part)
    processor_type = "embedding_api" if operation == EMBEDDINGS else "llm_api"
    vendor = known.vendor if known is not None else (provider or "unknown")
    return Endpoint(namespace, name, vendor, processor_type, _region(host) if host else None)
