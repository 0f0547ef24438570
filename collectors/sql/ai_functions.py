"""SQL functions that send data to a model or an outside service, as data.

Each entry is a glob over the function's dotted, upper-cased name (`SNOWFLAKE.CORTEX.*`), the
processor type it creates, and the vendor. Projects add their own (an external function, an
in-house UDF that calls an API) in the project file:

    sql:
      ai_functions:
        - {pattern: "MYCO.CALL_GPT", processor_type: llm_api, vendor: openai}

Example:
    >>> match("snowflake.cortex.complete").vendor
    'snowflake'
    >>> AIMatcher(dialect="databricks").match("ai_query").processor_type
    'llm_api'
    >>> match("upper") is None
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from lineage.errors import CollectorError

PROCESSOR_TYPES = ("llm_api", "embedding_api", "external_function")


@dataclass(frozen=True)
class AIFunction:
    pattern: str
    processor_type: str
    vendor: str
    dialects: tuple[str, ...] = ()  # empty: every dialect

    def __post_init__(self) -> None:
        if self.processor_type not in PROCESSOR_TYPES:
            raise CollectorError(
                f"ai function {self.pattern!r}: processor_type must be one of {', '.join(PROCESSOR_TYPES)}"
            )


def _f(pattern: str, processor_type: str, vendor: str, *dialects: str) -> AIFunction:
    return AIFunction(pattern, processor_type, vendor, dialects)


# Dialects where a bare AI_* function is a model call (elsewhere it is more likely a user function).
_AI_STAR = ("snowflake", "databricks", "spark", "generic", "")

# Order matters: the first matching entry wins, so embeddings come before the catch-alls.
DEFAULT_AI_FUNCTIONS: tuple[AIFunction, ...] = (
    # Snowflake Cortex
    _f("SNOWFLAKE.CORTEX.EMBED_TEXT*", "embedding_api", "snowflake"),
    _f("SNOWFLAKE.CORTEX.*", "llm_api", "snowflake"),
    _f("AI_EMBED", "embedding_api", "snowflake", *_AI_STAR),
    _f("AI_*", "llm_api", "snowflake", *_AI_STAR),  # AI_COMPLETE ...; Databricks ai_* is re-vendored below
    # BigQuery ML and AI functions
    _f("ML.GENERATE_EMBEDDING", "embedding_api", "google"),
    _f("ML.GENERATE_TEXT", "llm_api", "google"),
    _f("ML.GENERATE_TABLE", "llm_api", "google"),
    _f("ML.UNDERSTAND_TEXT", "llm_api", "google"),
    _f("ML.TRANSLATE", "llm_api", "google"),
    _f("ML.PROCESS_DOCUMENT", "llm_api", "google"),
    _f("ML.TRANSCRIBE", "llm_api", "google"),
    _f("ML.ANNOTATE_IMAGE", "llm_api", "google"),
    _f("AI.GENERATE_EMBEDDING", "embedding_api", "google"),
    _f("AI.EMBED", "embedding_api", "google"),
    _f("AI.*", "llm_api", "google"),
    # Databricks
    _f("AI_QUERY", "llm_api", "databricks"),
    # PostgreSQL extensions
    _f("OPENAI.*EMBED*", "embedding_api", "openai"),
    _f("OPENAI.*", "llm_api", "openai"),
    _f("AZURE_OPENAI.*EMBED*", "embedding_api", "microsoft"),
    _f("AZURE_OPENAI.*", "llm_api", "microsoft"),
    _f("AZURE_AI.*", "llm_api", "microsoft"),
    _f("AZURE_ML.*", "llm_api", "microsoft"),
    _f("PGML.EMBED*", "embedding_api", "postgresml"),
    _f("PGML.*", "llm_api", "postgresml"),
    _f("AI.OPENAI_*EMBED*", "embedding_api", "openai"),
    _f("OLLAMA.*", "llm_api", "ollama"),
    _f("ANTHROPIC.*", "llm_api", "anthropic"),
)

# Databricks names its functions ai_* too; the dialect decides the vendor of the AI_* catch-all.
_DIALECT_VENDOR = {"databricks": "databricks", "spark": "databricks", "bigquery": "google"}


@dataclass(frozen=True)
class AIMatcher:
    """Matches function names against an ordered list of `AIFunction` entries."""

    functions: tuple[AIFunction, ...] = DEFAULT_AI_FUNCTIONS
    dialect: str = ""
    _seen: dict[str, AIFunction | None] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def match(self, name: str) -> AIFunction | None:
        """The first entry matching `name` (any case), or None; answers are remembered per name."""
        try:
            return self._seen[name]
        except KeyError:
            pass
        found = _match(self.functions, name.upper(), self.dialect)
        vendor = _DIALECT_VENDOR.get(self.dialect)
        if found is not None and vendor and found.pattern in ("AI_*", "AI_EMBED"):
            found = AIFunction(found.pattern, found.processor_type, vendor, found.dialects)
        if len(self._seen) < 65536:
            self._seen[name] = found
        return found


def _match(functions: tuple[AIFunction, ...], upper: str, dialect: str) -> AIFunction | None:
    for f in functions:
        if (not f.dialects or dialect in f.dialects) and fnmatchcase(upper, f.pattern):
            return f
    return None


_MATCHERS: dict[tuple[tuple[AIFunction, ...], str], AIMatcher] = {}


def matcher(functions: tuple[AIFunction, ...], dialect: str) -> AIMatcher:
    """A shared matcher for these entries and dialect, so that its remembered answers outlive one call.

    Example:
        >>> matcher(DEFAULT_AI_FUNCTIONS, "snowflake") is matcher(DEFAULT_AI_FUNCTIONS, "snowflake")
        True
    """
    key = (functions, dialect)
    found = _MATCHERS.get(key)
    if found is None:
        if len(_MATCHERS) >= 64:
            _MATCHERS.pop(next(iter(_MATCHERS)))
        found = _MATCHERS[key] = AIMatcher(functions, dialect)
    return found


def match(name: str) -> AIFunction | None:
    """The default entry matching a function name, or None."""
    return AIMatcher().match(name)


def load_ai_functions(
    entries: Iterable[Mapping[str, Any]], *, base: tuple[AIFunction, ...] = DEFAULT_AI_FUNCTIONS
) -> tuple[AIFunction, ...]:
    """Project-file entries first (they win), then `base`.

    Raises:
        CollectorError: an entry lacks `pattern` or has an unknown `processor_type`.

    Example:
        >>> fs = load_ai_functions([{"pattern": "myco.gpt", "vendor": "openai"}])
        >>> AIMatcher(fs).match("MYCO.GPT").vendor
        'openai'
    """
    out: list[AIFunction] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not entry.get("pattern"):
            raise CollectorError(f"ai function entry needs a pattern: {entry!r}")
        dialects = entry.get("dialects") or ()
        out.append(
            AIFunction(
                str(entry["pattern"]).upper(),
                str(entry.get("processor_type", "llm_api")),
                str(entry.get("vendor", "unknown")),
                tuple(str(d) for d in dialects),
            )
        )
    return (*out, *base)
