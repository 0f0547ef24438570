"""MCP tools: a saved `tools/list` response, and what a tool's annotations mean for access.

Annotations (MCP spec 2025-03-26 on) map to grants and capabilities:

| annotations | permissions | capabilities |
| --- | --- | --- |
| readOnlyHint true | read | reads_private_data (closed world) or ingests_untrusted_content (open world) |
| readOnlyHint false, destructiveHint false | read, write | sends_data_outside when openWorldHint |
| readOnlyHint false, destructiveHint true or unset | read, edit, write | sends_data_outside when openWorldHint |

The spec's defaults apply when a hint is missing: readOnlyHint false, destructiveHint true,
openWorldHint true.

Example:
    >>> access({"readOnlyHint": True, "openWorldHint": False})
    (('read',), ('reads_private_data',))
    >>> access({"readOnlyHint": False, "destructiveHint": False, "openWorldHint": True})
    (('read', 'write'), ('ingests_untrusted_content', 'sends_data_outside'))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_TOOLS = 2000


@dataclass(frozen=True)
class Tool:
    name: str
    description: str | None
    permissions: tuple[str, ...]
    capabilities: tuple[str, ...]


def access(annotations: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(permissions, capabilities) of a tool with these annotations (see the module docstring)."""
    read_only = annotations.get("readOnlyHint") is True
    destructive = annotations.get("destructiveHint") is not False
    open_world = annotations.get("openWorldHint") is not False
    if read_only:
        return ("read",), ("ingests_untrusted_content",) if open_world else ("reads_private_data",)
    permissions = ("read", "edit", "write") if destructive else ("read", "write")
    caps = ("ingests_untrusted_content", "sends_data_outside") if open_world else ("reads_private_data",)
    return permissions, caps


def read_tools_list(data: Any) -> tuple[list[Tool], list[str]]:
    """The tools of a saved `tools/list` response (the JSON-RPC message, its `result`, or a bare list).

    Returns:
        The tools and the problems met (entries without a name are skipped).
    """
    if isinstance(data, Mapping) and isinstance(data.get("result"), Mapping):
        data = data["result"]
    if isinstance(data, Mapping):
        data = data.get("tools")
    if not isinstance(data, list):
        return [], ["a tools/list response has a `tools` list (or `result.tools`)"]
    tools, problems = [], []
    for i, raw in enumerate(data[:MAX_TOOLS]):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
            problems.append(f"tools[{i}] has no name; skipped")
            continue
        hints: Mapping[str, Any] = raw["annotations"] if isinstance(raw.get("annotations"), Mapping) else {}
        permissions, caps = access(hints)
        description = raw.get("description") if isinstance(raw.get("description"), str) else None
        tools.append(Tool(raw["name"].strip(), description and description[:500], permissions, caps))
    if len(data) > MAX_TOOLS:
        problems.append(f"{len(data)} tools; only the first {MAX_TOOLS} are read")
    return tools, problems


def known_tools(tools: Mapping[str, Mapping[str, Any]]) -> list[Tool]:
    """Tools from a well-known server's table entry (name -> annotations)."""
    out = []
    for name, hints in tools.items():
        permissions, caps = access(hints)
        out.append(Tool(name, None, permissions, caps))
    return out
