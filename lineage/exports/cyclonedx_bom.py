"""CycloneDX 1.6: processors as services with their data flows, datasets as data components.

- Each **process** is a `service` (`bom-ref` = node id). Its `data` lists one flow per dataset it
  reads (`inbound`: source the dataset, destination the service) and writes (`outbound`), each
  with the dataset's classifications (`classification`: comma-separated, or `unclassified`).
  Sources and destinations are BOM-Links into this BOM (`urn:cdx:<serial>/1#<bom-ref>`).
  Third-party processors are outside the trust boundary: `x-trust-boundary: true` and
  `trustZone: third-party` (`internal` for the organisation's own jobs); the vendor is the
  `provider`, an http(s) namespace the `endpoints`, and `authenticated` follows `auth`.
- Each **dataset** is a `data` component with one `dataset` entry carrying its classification,
  sensitive data (the classifications), description and owner (`governance.owners`).
- **Identities** have no CycloneDX type: the identities that run a service, and every grant, are
  `lineage:runs-as` and `lineage:grant` properties on the service or component they concern.
- The **components** each process runs (libraries, models, datasets it loads: `Process.components`)
  are components too, with their **vulnerabilities**, as `cyclonedx_components` says; a service's
  `dependencies` entry names them next to the datasets it reads, so one BOM holds the components,
  their vulnerabilities and the data each can reach (Dependency-Track reads it).
- Everything else the graph knows (role, origin, environment, region, retention, columns, ...) is a
  `lineage:<name>` property. `dependencies` say which datasets a service reads and which services
  write a dataset.

The serial number is derived from the content, so the same graph always gives the same bytes.
Validate with `cyclonedx-python-lib`'s `JsonStrictValidator(SchemaVersion.V1_6)`.

Example:
    >>> import json
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_records([{"id": "dataset:s:a", "kind": "dataset", "namespace": "s", "name": "a"}])
    >>> json.loads(export(g))["components"][0]["type"]
    'data'
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

from lineage.exports.attributes import label, plain, text
from lineage.exports.cyclonedx_components import bom_parts
from lineage.graph import LineageGraph

SPEC_VERSION = "1.6"
_SHOWN = frozenset({"id", "kind", "namespace", "name", "description", "classifications", "owner", "vendor",
                    "auth", "third_party", "first_seen", "last_seen", "layer", "secrets", "components"})


def _classification(classes: list[str]) -> str:
    return ", ".join(sorted(classes)) if classes else "unclassified"


def _properties(attrs: dict[str, Any], extra: list[tuple[str, str]]) -> list[dict[str, str]]:
    props = []
    for key in sorted(attrs):
        value = attrs[key]
        if key in _SHOWN or value in (None, [], {}, ""):
            continue
        if key == "columns":
            for col in value:
                classes = ", ".join(col.get("classifications") or [])
                detail = " ".join(p for p in (text(col.get("type")), f"[{classes}]" if classes else "") if p)
                props.append({"name": f"lineage:column:{col['name']}", "value": detail or "-"})
            continue
        shown = json.dumps(plain(value), sort_keys=True) if isinstance(value, list | dict) else text(plain(value))
        props.append({"name": f"lineage:{key}", "value": shown})
    props += [{"name": name, "value": value} for name, value in extra]
    return props


def _access(graph: LineageGraph, node_id: str) -> list[tuple[str, str]]:
    extra = [("lineage:runs-as", who) for who in graph.predecessors(node_id, "runs")]
    for who in graph.predecessors(node_id, "grant"):
        perms = "/".join((graph.edge(who, node_id, "grant") or {}).get("permissions", []))
        extra.append(("lineage:grant", f"{who}: {perms}"))
    return extra


def _component(graph: LineageGraph, attrs: dict[str, Any]) -> dict[str, Any]:
    classes = list(attrs.get("classifications") or [])
    data: dict[str, Any] = {"type": "dataset", "name": label(attrs), "classification": _classification(classes)}
    if classes:
        data["sensitiveData"] = sorted(classes)
    if attrs.get("description"):
        data["description"] = text(attrs["description"])
    if attrs.get("owner"):
        data["governance"] = {"owners": [{"organization": {"name": text(attrs["owner"])}}]}
    component: dict[str, Any] = {"type": "data", "bom-ref": attrs["id"], "name": label(attrs),
                                 "group": text(attrs.get("namespace")), "data": [data]}
    if attrs.get("description"):
        component["description"] = text(attrs["description"])
    props = _properties(attrs, _access(graph, attrs["id"]))
    if props:
        component["properties"] = props
    return component


def _service(graph: LineageGraph, attrs: dict[str, Any], link: dict[str, str]) -> dict[str, Any]:
    node_id = attrs["id"]
    third = bool(attrs.get("third_party"))
    service: dict[str, Any] = {"bom-ref": node_id, "name": label(attrs), "group": text(attrs.get("namespace"))}
    if attrs.get("vendor"):
        service["provider"] = {"name": text(attrs["vendor"])}
    if attrs.get("description"):
        service["description"] = text(attrs["description"])
    namespace = text(attrs.get("namespace"))
    if namespace.startswith(("https://", "http://")):
        service["endpoints"] = [quote(namespace, safe=":/?#[]@!$&'()*+,;=%")]
    if attrs.get("auth"):
        service["authenticated"] = text(attrs["auth"]) != "none"
    service["x-trust-boundary"] = third
    service["trustZone"] = "third-party" if third else "internal"
    flows = []
    for ds in graph.predecessors(node_id, "read"):
        d = graph.node(ds)
        flows.append({"flow": "inbound", "classification": _classification(d.get("classifications") or []),
                      "name": label(d), "source": [link[ds]], "destination": [link[node_id]]})
    for ds in graph.successors(node_id, "write"):
        d = graph.node(ds)
        flows.append({"flow": "outbound", "classification": _classification(d.get("classifications") or []),
                      "name": label(d), "source": [link[node_id]], "destination": [link[ds]]})
    if flows:
        service["data"] = flows
    props = _properties(attrs, _access(graph, node_id))
    if props:
        service["properties"] = props
    return service


def export(graph: LineageGraph, *, as_of: datetime | None = None) -> str:
    """The graph as a CycloneDX 1.6 JSON BOM (text).

    Args:
        graph: what to describe.
        as_of: recorded as the BOM's `metadata.timestamp` when given.
    """
    datasets = sorted(graph.nodes("dataset"), key=lambda a: str(a["id"]))
    processes = sorted(graph.nodes("process"), key=lambda a: str(a["id"]))
    digest = hashlib.sha256(json.dumps([plain(a) for a in datasets + processes], sort_keys=True).encode()
                            + json.dumps(sorted(graph.edges()), default=str).encode()).hexdigest()
    serial = str(uuid.uuid5(uuid.NAMESPACE_URL, f"lineage-mapper:{digest}"))
    link = {str(a["id"]): f"urn:cdx:{serial}/1#{quote(str(a['id']), safe='')}" for a in datasets + processes}
    metadata: dict[str, Any] = {"tools": {"components": [{"type": "application", "name": "lineage-mapper"}]}}
    if as_of is not None:
        metadata["timestamp"] = as_of.isoformat()
    libraries, runs, vulnerabilities = bom_parts(processes)
    dependencies = []
    for a in processes:
        dependencies.append({"ref": a["id"], "dependsOn": graph.predecessors(a["id"], "read") + runs.get(a["id"], [])})
    for a in datasets:
        dependencies.append({"ref": a["id"], "dependsOn": graph.predecessors(a["id"], "write")})
    bom = {"$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json", "bomFormat": "CycloneDX",
           "specVersion": SPEC_VERSION, "serialNumber": f"urn:uuid:{serial}", "version": 1, "metadata": metadata,
           "components": [_component(graph, a) for a in datasets] + libraries,
           "services": [_service(graph, a, link) for a in processes],
           "dependencies": dependencies}
    if vulnerabilities:
        bom["vulnerabilities"] = vulnerabilities
    return json.dumps(bom, indent=2, ensure_ascii=False) + "\n"
