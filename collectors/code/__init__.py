"""The code collector: Python files and Jupyter notebooks read statically into the AI pipeline they run.

It parses `.py` files and the code cells of `.ipynb` notebooks with the standard `ast` (never
importing or running them) and recognises, from the data tables in `tables` and `vendors`: LLM and
embedding calls (directly through the vendors' SDKs and through LangChain, LlamaIndex, Haystack,
DSPy, LiteLLM and the OpenAI / Claude agent SDKs) as third-party processors; vector stores and
caches; files, S3 objects, HTTP hosts and tables (literal SQL handed to the SQL collector) as
datasets; model loads; MCP client sessions; synthetic data generators; and literal API keys
(located, never stored). `reader` follows the data from what a function reads to the processor
it reaches and where the answer is written; `facts` names everything (see its docstring).

The modules: `source` (bytes to trees, notebooks, what does not parse), `project` (the
application's name), `tables` and `vendors` (what is recognised), `scopes`, `values` and `reader`
(the analysis), `acts` and `data_acts` (what each recognised call does), `flows` (the edges),
`sqltext` (SQL), `secrets` (literal keys), `facts` (names and facts).

The raw input kept for the store is the file with every literal secret replaced by a marker,
wrapped with the project and module names (`{"format": "lineage-code", ...}`), so a rebuild gives
the same names wherever it runs.

Example:
    >>> code = (b"from openai import OpenAI\\nclient = OpenAI()\\n"
    ...         b"client.embeddings.create(model='text-embedding-3-small', input='x')\\n")
    >>> batch = CodeCollector().collect(Source("embed.py", code))
    >>> [(f.namespace, f.name) for f in batch.facts if f.fact == "process" and f.third_party]
    [('https://api.openai.com', 'apps/app/v1/embeddings')]
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePath

from collectors.base import Source, register_collector
from collectors.code.facts import COLLECTOR, Place, Recorder
from collectors.code.project import in_virtualenv, module_name, project_of, slug
from collectors.code.reader import Reader
from collectors.code.secrets import literal_secrets, may_hold_secrets
from collectors.code.source import Unit, parse_source
from collectors.mcp.secrets import Found, redact
from lineage.models import LineageBatch, RawInput

__all__ = ["COLLECTOR", "CodeCollector"]

MAX_BYTES = 4 * 1024 * 1024
MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024
ENVELOPE = "lineage-code"
SUFFIXES = (".py", ".pyw", ".ipynb")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INSTALLED = frozenset({"site-packages", "dist-packages", "__pypackages__"})


def _names(source: Source) -> tuple[str, str]:
    if source.path is not None:
        project, relative = project_of(source.path)
    else:
        parts = PurePath(source.name.replace("\\", "/")).parts
        project, relative = slug(parts[-2]) if len(parts) > 1 else "app", PurePath(parts[-1] if parts else "module")
    return project, _CONTROL.sub("_", module_name(relative))


@register_collector
class CodeCollector:
    """Python files and notebooks; see the module docstring."""

    name = COLLECTOR

    def detect(self, path: Path, head: bytes) -> bool:
        """`.py` and notebook files, except installed packages: inside `site-packages`,
        `dist-packages` or a virtualenv (a folder holding `pyvenv.cfg`), whatever its name."""
        if _INSTALLED.intersection(path.parts) or in_virtualenv(path.parent):
            return False
        suffix = path.suffix.lower()
        if suffix == ".ipynb":
            return b'"cells"' in head or b'"nbformat"' in head or b'"worksheets"' in head
        return suffix in (".py", ".pyw")

    def collect(self, source: Source) -> LineageBatch:
        batch = LineageBatch(collector=COLLECTOR, source=source.name)
        data, name, project, module = source.data, source.name, None, None
        if data[:40].lstrip().startswith(b'{"format":"' + ENVELOPE.encode()):
            try:
                kept = json.loads(data)
                data, name = kept["text"].encode(), kept.get("file") or source.name
                project, module = str(kept["project"]), str(kept["module"])
            except (ValueError, KeyError, TypeError, AttributeError):
                batch.problem("a kept code raw input is damaged")
                return batch
        limit = MAX_NOTEBOOK_BYTES if name.lower().endswith(".ipynb") else MAX_BYTES
        if len(data) > limit:
            batch.problem(f"the file is {len(data):,} bytes, over the {limit:,}-byte limit for source code; not read")
            return batch
        if project is None or module is None:
            project, module = _names(source)
        units, troubles = parse_source(data, source.name)
        for t in troubles:
            batch.problem(f"{t.where}: {t.message}" if t.where else t.message, line=t.line,
                          severity="warning" if units else "error")
        rec = Recorder(project=project, module=module)
        found: list[Found] = []
        for unit in units:
            found += self._read(unit, rec, module, batch)
        batch.extend(rec.facts())
        if units:
            text = data.decode("utf-8-sig", errors="replace")
            content = {"format": ENVELOPE, "project": project, "module": module, "file": source.name,
                       "text": redact(text, found)}
            batch.raw = RawInput(collector=COLLECTOR, source=source.name,
                                 content=json.dumps(content, separators=(",", ":")).encode())
        return batch

    def _read(self, unit: Unit, rec: Recorder, module: str, batch: LineageBatch) -> list[Found]:
        def place(line: int | None) -> Place:
            where, at = unit.place(line)
            return Place(where, at)

        def warn(message: str, line: int | None) -> None:
            where, at = unit.place(line)
            batch.problem(message if where == batch.source else f"{where.rsplit('#', 1)[-1]}: {message}",
                          line=at, severity="warning")

        try:
            Reader(unit.tree, rec, place, module, warn).read()
        except RecursionError:
            warn("the code is nested too deeply to follow; what was found before is kept", None)
        secrets = literal_secrets(unit.tree) if may_hold_secrets(unit.text) else []
        for found, line in secrets:
            at = place(line)
            rec.secret(rec.function(module, at), found.kind, at)
            warn(f"a literal {found.kind} is written in the code; it was not stored (read it from the "
                 "environment or a secret manager)", line)
        return [found for found, _ in secrets]
