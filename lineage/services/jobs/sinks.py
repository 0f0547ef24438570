"""Where alerts go: a webhook (JSON POST), a JSON-lines file, standard output.

A sink never raises: delivery failures come back as text, are logged, and are kept in the run's
history. The webhook is tried `retries + 1` times with backoff and a timeout on each try; a 4xx
answer other than 408 and 429 is not retried (the request itself is wrong).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from lineage.jobs.config import JsonLinesSink, Sink, StdoutSink, WebhookSink

log = logging.getLogger("lineage.jobs")


def _line(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)


def post_webhook(sink: WebhookSink, payload: dict[str, Any],
                 sleep: Callable[[float], object] = time.sleep) -> str | None:
    """POST `payload` to the webhook; None when delivered, else why not."""
    body = _line(payload).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "lineage-mapper-jobs", **sink.headers}
    for header, variable in sink.headers_env.items():
        value = os.environ.get(variable)
        if value is None:
            return f"webhook {sink.url}: the environment variable {variable} (for {header}) is not set"
        headers[header] = value
    error = "not tried"
    for attempt in range(sink.retries + 1):
        if attempt:
            sleep(sink.backoff * 2 ** (attempt - 1))
        request = urllib.request.Request(sink.url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only, validated
        try:
            with urllib.request.urlopen(request, timeout=sink.timeout) as response:  # noqa: S310 - validated
                response.read(1 << 16)
            return None
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code} {exc.reason}"
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                break
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            error = str(getattr(exc, "reason", exc))
    return f"webhook {sink.url}: {error}"


def append_json_line(sink: JsonLinesSink, payload: dict[str, Any], base_dir: Path) -> str | None:
    """Append `payload` as one line to the sink's file; None when written, else why not."""
    path = Path(sink.path).expanduser()
    path = path if path.is_absolute() else base_dir / path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(_line(payload) + "\n")
    except OSError as exc:
        return f"jsonl {path}: {exc.strerror or exc}"
    return None


def print_json_line(payload: dict[str, Any], stream: TextIO | None = None) -> str | None:
    """Print `payload` as one JSON line on standard output."""
    out = stream or sys.stdout
    out.write(_line(payload) + "\n")
    out.flush()
    return None


def deliver(sinks: Sequence[Sink], payload: dict[str, Any], *, base_dir: Path,
            sleep: Callable[[float], object] = time.sleep) -> list[str]:
    """Send `payload` to every sink; returns the delivery failures (empty when all succeeded)."""
    failures = []
    for sink in sinks:
        if isinstance(sink, WebhookSink):
            error = post_webhook(sink, payload, sleep)
        elif isinstance(sink, JsonLinesSink):
            error = append_json_line(sink, payload, base_dir)
        elif isinstance(sink, StdoutSink):
            error = print_json_line(payload)
        if error:
            log.warning("alert not delivered: %s", error)
            failures.append(error)
    return failures
