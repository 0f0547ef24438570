"""Query logs: JSON lines (`text`, `user`, `timestamp`, `database`) and CSV exports of Snowflake
(`QUERY_HISTORY`), BigQuery (`INFORMATION_SCHEMA.JOBS`) and PostgreSQL (`pg_stat_statements`,
csvlog) query history, recognised by their header.

Entries are deduplicated by fingerprint before parsing, so a log of 100,000 statements with a few
thousand shapes parses a few thousand statements. Each user becomes an `Identity` (type user) that
runs the process of every statement shape it was seen running; a plain SELECT is a process with
read edges only, so a user's observed reads are identity -> runs -> process <- read <- dataset.

A JSON-lines log may start with a header line `{"lineage": {"dialect": ..., "namespace": ...}}`
giving the options of the whole log.

Example:
    >>> entries, problems = read_log(b'{"text": "select 1", "user": "ann"}\\n', "q.jsonl")
    >>> (entries[0].text, entries[0].user, entries[0].line)
    ('select 1', 'ann', 1)
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

TEXT = ("query_text", "query", "text", "sql", "statement", "sql_text")
USER = ("user_name", "user_email", "usename", "user", "username", "rolname", "principal_email")
TIME = ("start_time", "creation_time", "timestamp", "ts", "query_start", "log_time", "end_time")
DATABASE = ("database_name", "database", "datname", "project_id", "db")
SCHEMA = ("schema_name", "schema", "dataset_id")


@dataclass(frozen=True, slots=True)
class LogEntry:
    text: str
    line: int
    user: str | None = None
    timestamp: datetime | None = None
    database: str | None = None
    schema: str | None = None


def _pick(keys: dict[str, str], names: tuple[str, ...]) -> str | None:
    for n in names:
        if n in keys:
            return keys[n]
    return None


def _time(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float):
            t = datetime.fromtimestamp(float(value) / (1000 if value > 1e11 else 1), UTC)
        else:
            t = datetime.fromisoformat(str(value).strip().replace(" UTC", "+00:00").replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _entry(row: dict[str, object], line: int) -> LogEntry | None:
    keys = {k.lower().strip(): k for k in row if isinstance(k, str)}
    text_key = _pick(keys, TEXT)
    text = row.get(text_key) if text_key else None
    if not isinstance(text, str) or not text.strip():
        return None

    def get(names: tuple[str, ...]) -> str | None:
        key = _pick(keys, names)
        value = row.get(key) if key else None
        return str(value) if value not in (None, "") else None

    key = _pick(keys, TIME)
    return LogEntry(
        text=text,
        line=line,
        user=get(USER),
        timestamp=_time(row.get(key) if key else None),
        database=get(DATABASE),
        schema=get(SCHEMA),
    )


def is_query_log(name: str, head: bytes) -> bool:
    """Whether a file is a query log, from its name and first bytes."""
    lines = head.split(b"\n", 2)
    first = lines[0].strip().lower()
    if first.startswith(b'{"lineage"') and len(lines) > 1:
        first = lines[1].strip().lower()  # the options header
    if name.endswith((".jsonl", ".ndjson", ".json")) and first.startswith(b"{"):
        try:
            row = json.loads(first)
        except ValueError:
            return any(b'"%s"' % t.encode() in first for t in TEXT) and b'"eventtype"' not in first
        return isinstance(row, dict) and "eventtype" not in row and any(t in row for t in TEXT)
    if name.endswith((".csv", ".tsv")):
        cols = {c.strip().strip('"') for c in first.decode("utf-8", "replace").replace("\t", ",").split(",")}
        return bool(cols & set(TEXT)) and bool(cols & set(USER + TIME + DATABASE))
    return False


def read_log(data: bytes, source: str) -> tuple[list[LogEntry], list[tuple[str, int | None]]]:
    """Entries of a JSON-lines or CSV query log and (message, line) problems for rows it cannot read."""
    text = data.decode("utf-8", errors="replace")
    problems: list[tuple[str, int | None]] = []
    entries: list[LogEntry] = []
    if text.lstrip()[:1] == "{":
        for n, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except ValueError as exc:
                problems.append((f"not a JSON object: {exc}", n))
                continue
            if n == 1 and isinstance(row, dict) and set(row) == {"lineage"}:
                continue  # the options header (see collectors.sql.directive)
            entry = _entry(row, n) if isinstance(row, dict) else None
            if entry is None:
                problems.append(("no query text (expected a 'text' or 'query' field)", n))
            else:
                entries.append(entry)
        return entries, problems
    dialect = "excel-tab" if "\t" in text.split("\n", 1)[0] else "excel"
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        for row in reader:
            entry = _entry(row, reader.line_num)
            if entry is None:
                problems.append(("no query text in this row", reader.line_num))
            else:
                entries.append(entry)
    except csv.Error as exc:
        problems.append((f"unreadable CSV: {exc}", reader.line_num))
    return entries, problems
