"""The pipeline-spec collector: a YAML file in which a person declares a pipeline.

The format (documented in `docs/pipeline-spec.md`, published as the JSON Schema
`lineage/schemas/pipeline-spec.schema.json`) lists datasets, processes and identities under local
aliases, then the flows, grants and column lineage between them. Every fact it yields is
`Layer.DECLARED`, with the line of the entry that declared it.

A file is all-or-nothing: a spec with any error yields a batch with no facts and every problem,
each with the file, line and field. The raw input is kept only when the spec is valid.

Example:
    >>> spec = b"version: 1\\npipeline: p\\nprocesses:\\n  - {id: job, name: nightly}\\n"
    >>> batch = SpecCollector().collect(Source(name="p.yaml", data=spec))
    >>> [(f.namespace, f.name, f.evidence.line) for f in batch.facts]
    [('p', 'nightly', 4)]
"""


import re
from pathlib import Path

from pydantic import ValidationError

from collectors.base import Source, register_collector
from collectors.spec.convert import COLLECTOR, to_facts
from collectors.spec.format import (
    ColumnLineageSpec,
    ColumnSpec,
    DatasetSpec,
    Defaults,
    FlowSpec,
    GrantSpec,
    IdentitySpec,
    PipelineSpec,
    PrivacyStepSpec,
    ProcessSpec,
    json_schema,
    json_schema_text,
)
from collectors.spec.messages import error_message, field_path
from lineage.models import LineageBatch, RawInput
from lineage.yamlsafe import YamlError, load_yaml

__all__ = [
    "COLLECTOR",
    "ColumnLineageSpec",
    "ColumnSpec",
    "DatasetSpec",
    "Defaults",
    "FlowSpec",
    "GrantSpec",
    "IdentitySpec",
    "PipelineSpec",
    "PrivacyStepSpec",
    "ProcessSpec",
    "SpecCollector",
    "json_schema",
    "json_schema_text",
]

_HEAD_KEY = re.compile(rb"""^["']?(version|datasets|processes|flows)["']?[ \t]*:""", re.MULTILINE)


@register_collector
class SpecCollector:
    """Collects a pipeline spec; see the module docstring."""

    name = COLLECTOR

    def detect(self, path: Path, head: bytes) -> bool:
        if path.suffix.lower() not in (".yaml", ".yml"):
            return False
        keys = {m.group(1) for m in _HEAD_KEY.finditer(head.removeprefix(b"\xef\xbb\xbf"))}
        return b"version" in keys and len(keys) > 1

    def collect(self, source: Source) -> LineageBatch:
        batch = LineageBatch(collector=COLLECTOR, source=source.name)
        try:
            data, where = load_yaml(source.data, source.name)
        except YamlError as exc:
            batch.problem(exc.reason, line=exc.line)
            return batch
        try:
            spec = PipelineSpec.model_validate(data)
        except ValidationError as exc:
            errors = [(tuple(e["loc"]), e) for e in exc.errors(include_url=False)]
            for loc, error in sorted(errors, key=lambda item: where.line(item[0])):
                line = where.line(loc)
                batch.problem(error_message(error, loc), line=line, field=field_path(loc) or None)
            return batch
        facts = to_facts(spec, where, batch)
        if not batch.errors:
            batch.extend(facts)
            batch.raw = RawInput(collector=COLLECTOR, source=source.name, content=source.data)
        return batch
