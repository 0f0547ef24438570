"""LM008: a remote MCP server or third-party processor without authentication, over plain HTTP, or
with a long-lived personal token."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from lineage.policy.context import PolicyContext, label
from lineage.policy.finding import Finding, Severity
from lineage.policy.rule import BuiltinRule

_LOCAL = ("localhost", "127.0.0.1", "::1", "0.0.0.0")  # noqa: S104 - a list of local hosts, not a bind


def _url(attrs: dict[str, object]) -> str | None:
    for value in (attrs.get("url"), attrs.get("namespace")):
        if isinstance(value, str) and value.lower().startswith(("http://", "https://", "ws://", "wss://")):
            return value
    return None


def _problem(attrs: dict[str, object]) -> tuple[Severity, str] | None:
    url = _url(attrs)
    auth = str(attrs.get("auth") or "").lower()
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme in ("http", "ws") and (parts.hostname or "") not in _LOCAL:
            return "high", f"is reached over plain {parts.scheme.upper()} ({url})"
        if auth == "none":
            return "high", f"is remote ({url}) and requires no authentication"
    if auth in ("personal_access_token", "pat"):
        return "medium", "authenticates with a long-lived personal access token"
    return None


def _check(rule: BuiltinRule, ctx: PolicyContext) -> Iterator[Finding]:
    groups: dict[tuple[str, Severity, str], list[str]] = {}
    for attrs in ctx.third_parties():
        found = _problem(attrs)
        if found is not None:
            groups.setdefault((str(attrs.get("namespace", "")), found[0], found[1]), []).append(str(attrs["id"]))
    for (namespace, severity, what), nodes in sorted(groups.items()):
        names = ", ".join(label(ctx.attrs(n)) for n in nodes)
        yield ctx.finding(
            rule, nodes=(namespace, what.split(" (")[0]), path=tuple(nodes), severity=severity,
            message=f"{names} {what}.")


RULE = BuiltinRule(
    id="LM008", title="Remote MCP server or processor without authentication, over plain HTTP, or with a "
                      "personal token", severity="high",
    references=("MCP07", "MCP01", "LLM03"),
    fix="Serve remote MCP servers and APIs over HTTPS only and require OAuth with scoped, short-lived tokens; "
        "replace personal access tokens with an app or service identity.",
    description="A remote MCP server or third-party processor accepts unauthenticated calls, is reached over "
                "plain HTTP, or is called with a long-lived personal access token.",
    check=_check)
