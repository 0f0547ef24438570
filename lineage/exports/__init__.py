"""Exports: the graph (and its findings) in every format users take it to, one module per format.

`FORMATS` is the explicit registry: format name -> `Format`, which names the exporter (and the
reader, where the format can be read back) by dotted path, imported only when first used. The CLI
(`lineage export`) and the dashboard's download buttons both call `export`.

| format | module | reads back |
| --- | --- | --- |
| json | `interchange` (the documented interchange format v1) | yes (`lineage collect`) |
| graphml, gexf | `graphml`, `gexf` | yes |
| dot, mermaid | `dot`, `mermaid` | no |
| html | `htmlpage` | no |
| csv | `tables` (a zip of nodes, edges and impact, or one table) | no |
| markdown | `markdown_report` | no |
| cyclonedx | `cyclonedx_bom` | no |
| openlineage | `openlineage_events` | with `lineage collect` (the OpenLineage collector) |

Example:
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "namespace": "s", "name": "a"}])
    >>> export(g, "mermaid").splitlines()[0]
    'flowchart LR'
    >>> FORMATS["csv"].binary, FORMATS["json"].extension
    (True, 'json')
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from lineage.exports.base import Exporter, ExportError, Finding, Reader

if TYPE_CHECKING:
    from lineage.exports import (
        cyclonedx_bom,
        dot,
        gexf,
        graphml,
        htmlpage,
        interchange,
        markdown_report,
        mermaid,
        openlineage_events,
        tables,
    )
    from lineage.graph import LineageGraph

    # mypy checks that every registered exporter (and reader) fits the contract.
    _EXPORTERS: tuple[Exporter, ...] = (interchange.export, graphml.export, gexf.export, dot.export, mermaid.export,
                                        htmlpage.export, tables.export, markdown_report.export, cyclonedx_bom.export,
                                        openlineage_events.export)
    _READERS: tuple[Reader, ...] = (interchange.read, graphml.read, gexf.read)

__all__ = ["FORMATS", "ExportError", "Exporter", "Finding", "Format", "export", "get_exporter", "get_reader",
           "read"]


@dataclass(frozen=True)
class Format:
    """One export format: where its exporter (and reader) live, and how its files look."""

    name: str
    exporter: str
    extension: str
    media_type: str
    description: str
    binary: bool = False
    reader: str | None = None
    shows_findings: bool = False


_P = "lineage.exports."
FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("json", _P + "interchange:export", "json", "application/json",
           "the documented interchange format, version 1", reader=_P + "interchange:read"),
    Format("graphml", _P + "graphml:export", "graphml", "application/graphml+xml",
           "GraphML for networkx, yEd, Gephi; every attribute", reader=_P + "graphml:read"),
    Format("gexf", _P + "gexf:export", "gexf", "application/gexf+xml",
           "GEXF 1.3 for Gephi and networkx; every attribute", reader=_P + "gexf:read"),
    Format("dot", _P + "dot:export", "dot", "text/vnd.graphviz", "Graphviz DOT", shows_findings=True),
    Format("mermaid", _P + "mermaid:export", "mmd", "text/vnd.mermaid",
           "a Mermaid flowchart for Markdown and pull requests", shows_findings=True),
    Format("html", _P + "htmlpage:export", "html", "text/html",
           "one offline page: interactive graph, legend, findings, data map", shows_findings=True),
    Format("csv", _P + "tables:export", "zip", "application/zip",
           "nodes, edges and impact tables (a zip, or one table with table=...)", binary=True),
    Format("markdown", _P + "markdown_report:export", "md", "text/markdown",
           "a pull request report: summary, new findings and new flows against a baseline", shows_findings=True),
    Format("cyclonedx", _P + "cyclonedx_bom:export", "cdx.json", "application/vnd.cyclonedx+json",
           "CycloneDX 1.6: processors as services with data flows, datasets as data components",
           shows_findings=False),
    Format("openlineage", _P + "openlineage_events:export", "jsonl", "application/x-ndjson",
           "OpenLineage events, one JSON object per line (read back with lineage collect)"),
)}


def _resolve(dotted: str) -> Any:
    module, _, attr = dotted.partition(":")
    return getattr(importlib.import_module(module), attr)


def _format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; known formats: {', '.join(FORMATS)}")
    return FORMATS[fmt]


def get_exporter(fmt: str) -> Exporter:
    """The exporter function of a format.

    Raises:
        ExportError: no format has that name.
    """
    return cast(Exporter, _resolve(_format(fmt).exporter))


def get_reader(fmt: str) -> Reader:
    """The reader of a format that can be read back.

    Raises:
        ExportError: no format has that name, or it cannot be read back.
    """
    info = _format(fmt)
    if info.reader is None:
        readable = ", ".join(f.name for f in FORMATS.values() if f.reader)
        raise ExportError(f"format {fmt!r} cannot be read back; these can: {readable}")
    return cast(Reader, _resolve(info.reader))


def export(graph: LineageGraph, fmt: str, **options: Any) -> str | bytes:
    """The graph as one file of format `fmt`: `str` for text formats, `bytes` for binary ones.

    Args:
        graph: what to export (focus or filter it first).
        fmt: a key of `FORMATS`.
        **options: the format's own keyword options (`findings`, `as_of`, `baseline`, ...;
            see the format's module). An option the format does not take is an error.

    Raises:
        ExportError: unknown format, or an option the format does not take.
    """
    exporter = get_exporter(fmt)
    try:
        inspect.signature(exporter).bind(graph, **options)
    except TypeError as exc:
        raise ExportError(f"format {fmt!r}: {exc}") from None
    return exporter(graph, **options)


def read(text: str | bytes, fmt: str) -> LineageGraph:
    """Read a file written by `export(graph, fmt)` back into a graph.

    Raises:
        ExportError: the format cannot be read back, or the text is not a valid file of it.
    """
    return get_reader(fmt)(text)
