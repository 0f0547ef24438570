"""The endpoint's OpenAPI document: its routes and every answer they give."""

from __future__ import annotations

from typing import Any


def openapi_document() -> dict[str, Any]:
    """The endpoint's OpenAPI 3.1 document (served at /openapi.json)."""
    error = {"$ref": "#/components/schemas/Error"}
    responses = {
        "201": {"description": "stored durably (or stored before)"},
        "400": {
            "description": "not JSON we can keep (empty, truncated, not UTF-8, too deep, an integer too long, "
            "an unpaired surrogate, bad gzip)",
            "content": {"application/json": {"schema": error}},
        },
        "401": {"description": "no valid bearer token", "content": {"application/json": {"schema": error}}},
        "408": {
            "description": "the body did not arrive within the read timeout",
            "content": {"application/json": {"schema": error}},
        },
        "413": {
            "description": "body over the size limit, or its events took longer than the mapping budget",
            "content": {"application/json": {"schema": error}},
        },
        "415": {"description": "unsupported Content-Encoding"},
        "422": {
            "description": "not a valid OpenLineage event; `field` names the place",
            "content": {"application/json": {"schema": error}},
        },
        "503": {
            "description": "busy (requests, bytes in flight, mapping workers, writer queue) or store "
            "unavailable; retry after Retry-After seconds",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    }
    event = {"$ref": "https://openlineage.io/spec/2-0-2/OpenLineage.json"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "lineage-mapper OpenLineage and OTLP endpoint", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
                },
                "Status": {
                    "type": "object",
                    "description": "google.rpc.Status: an OTLP/HTTP error (protobuf for a protobuf request)",
                    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
                },
                "ExportTraceServiceResponse": {
                    "type": "object",
                    "description": "OTLP's answer (protobuf for a protobuf request); partialSuccess when spans "
                    "were rejected",
                    "properties": {"partialSuccess": {"type": "object", "properties": {
                        "rejectedSpans": {"type": "string"}, "errorMessage": {"type": "string"}}}},
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/lineage": {
                "post": {
                    "summary": "Send one OpenLineage event (run, dataset or job event); gzip allowed",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": event}}},
                    "responses": responses,
                }
            },
            "/api/v1/lineage/batch": {
                "post": {
                    "summary": "Send an array of OpenLineage events",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "array", "items": event}}},
                    },
                    "responses": responses,
                }
            },
            "/v1/traces": _traces(),
            "/api/v1/health": {
                "get": {
                    "summary": "Liveness and writer queue",
                    "security": [],
                    "responses": {"200": {"description": "up"}},
                }
            },
        },
    }


def _traces() -> dict[str, Any]:
    """`POST /v1/traces`: OTLP/HTTP trace export, as the OpenTelemetry exporters send it."""
    status = {"$ref": "#/components/schemas/Status"}
    answer = {"application/json": {"schema": status}, "application/x-protobuf": {"schema": status}}
    request = {"$ref": "https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/"
                       "collector/trace/v1/trace_service.proto"}
    ok = {"$ref": "#/components/schemas/ExportTraceServiceResponse"}
    return {"post": {
        "summary": "Send an OTLP ExportTraceServiceRequest (protobuf or JSON; gzip allowed); GenAI spans become "
                   "lineage, prompt text is never stored",
        "requestBody": {"required": True, "content": {"application/x-protobuf": {"schema": request},
                                                      "application/json": {"schema": request}}},
        "responses": {
            "200": {"description": "the spans are durable; partialSuccess counts rejected spans",
                    "content": {"application/json": {"schema": ok}, "application/x-protobuf": {"schema": ok}}},
            "400": {"description": "a body that cannot be decoded (bad protobuf, bad JSON, corrupt or truncated "
                                   "gzip), or only invalid spans", "content": answer},
            "401": {"description": "no valid bearer token", "content": answer},
            "408": {"description": "the body did not arrive within the read timeout", "content": answer},
            "413": {"description": "body over the size limit, too many spans, or over the mapping budget",
                    "content": answer},
            "415": {"description": "Content-Type other than application/x-protobuf or application/json, or an "
                                   "unsupported Content-Encoding", "content": answer},
            "503": {"description": "busy or store unavailable; retry after Retry-After seconds",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": answer},
        },
    }}
