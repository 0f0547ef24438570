"""The real `lineage serve` process under hostile or careless clients: expensive events, many or slow
connections, large bodies, and JSON that Python cannot take as it is. Every case gets a 4xx or a
503 naming the problem, leaves the store unchanged, and never stops the endpoint from serving the
health check and other producers."""

from __future__ import annotations

import contextlib
import gzip
import json
import resource
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from lineage.graph import load_graph
from lineage.store import open_store
from tests.openlineage.support import TOKEN, Server, start_server

AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = "2026-03-01T10:00:00.000Z"
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python"
DEADLINE = 60.0
"""Generous: what a test waits for at most before it fails (a poll, not a duration asserted)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("hostile"), "--map-budget", "3", "--read-timeout", "3")
    yield s
    s.stop()


def event(namespace: str, name: str = "job") -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": NOW,
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": namespace, "name": name},
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


def wide_schema_event(namespace: str, fields: int) -> dict[str, Any]:
    e = event(namespace)
    columns = [{"name": f"c{i}", "type": "int"} for i in range(fields)]
    schema = {"_producer": PRODUCER, "_schemaURL": "u", "fields": columns}
    e["outputs"] = [{"namespace": "s3://wide", "name": "table", "facets": {"schema": schema}}]
    return e


def sql_event(namespace: str, i: int, size: int = 99_000) -> dict[str, Any]:
    """An event whose `sql` facet (just under the 100,000 characters mapped) takes the SQL collector a second or so."""
    columns: list[str] = []
    while sum(len(c) + 2 for c in columns) < size - 200:
        n = len(columns)
        columns.append(f"CASE WHEN a{n} > b{n} THEN coalesce(c{n}, d{n}) + {n} ELSE e{n} * f{n} END AS x{n}")
    query = "INSERT INTO out_t SELECT " + ", ".join(columns) + " FROM src_t JOIN other_t ON src_t.id = other_t.id"
    e = event(namespace, f"job-{i}")
    e["job"]["facets"] = {"sql": {"_producer": PRODUCER, "_schemaURL": "u", "query": query}}
    pg = "postgres://db:5432"
    e["inputs"] = [{"namespace": pg, "name": "shop.public.src_t"}, {"namespace": pg, "name": "shop.public.other_t"}]
    e["outputs"] = [{"namespace": pg, "name": "shop.public.out_t"}]
    return e


def health(server: Server) -> dict[str, Any]:
    answer: dict[str, Any] = requests.get(server.url + "/api/v1/health", timeout=DEADLINE).json()
    return answer


def poll(condition: Callable[[], bool], deadline: float = DEADLINE) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def namespaces(server: Server) -> set[str]:
    server.settled()
    return {n["namespace"] for n in load_graph(open_store(server.db, lock_timeout=30)).nodes("process")}


def raw_count(server: Server) -> int:
    server.settled()
    return len(list(open_store(server.db, lock_timeout=30).raw_inputs()))


def post_until_stored(server: Server, namespace: str, deadline: float = DEADLINE) -> int:
    """Send one event as a producer does, retrying 503 (after its Retry-After) until the deadline."""
    body = event(namespace)
    end = time.monotonic() + deadline
    while True:
        r = requests.post(server.url + "/api/v1/lineage", json=body, headers=AUTH, timeout=DEADLINE)
        if r.status_code != 503 or time.monotonic() > end:
            return r.status_code
        time.sleep(float(r.headers.get("Retry-After", "1")) / 4)


class Hostile(threading.Thread):
    """Sends one request from another thread; `done` is set once the answer is in."""

    def __init__(self, server: Server, path: str, data: bytes) -> None:
        super().__init__(daemon=True)
        self.server, self.path, self.data = server, path, data
        self.done = threading.Event()
        self.response: requests.Response | None = None

    def run(self) -> None:
        try:
            self.response = requests.post(self.server.url + self.path, data=self.data, headers=AUTH, timeout=300)
        finally:
            self.done.set()


def served_while_in_flight(server: Server, hostile: Hostile) -> bool:
    """Whether the health check answered, within the deadline, while the hostile request was being
    read or mapped (the health check reports requests in progress)."""
    return poll(lambda: health(server)["requests"] >= 1 and not hostile.done.is_set())


def expensive(case: str, namespace: str) -> tuple[str, bytes]:
    if case == "one_event_with_300000_schema_fields":
        return "/api/v1/lineage", json.dumps(wide_schema_event(namespace, 300_000)).encode()
    return "/api/v1/lineage/batch", json.dumps([sql_event(namespace, i) for i in range(30)]).encode()


@pytest.mark.parametrize("case", ["one_event_with_300000_schema_fields", "batch_of_30_events_with_99kB_sql_facets"])
def test_a_request_over_the_mapping_budget_gets_413_while_health_and_other_producers_are_served(
    server: Server, case: str
) -> None:
    assert poll(lambda: health(server)["mappers_idle"] == 2), "the mapping workers are not all ready"
    tag = uuid.uuid4().hex[:8]
    before = raw_count(server)
    hostile = Hostile(server, *expensive(case, f"hostile-{tag}"))
    hostile.start()
    assert served_while_in_flight(server, hostile)
    legit = requests.post(server.url + "/api/v1/lineage", json=event(f"legit-{tag}"), headers=AUTH, timeout=DEADLINE)
    assert legit.status_code == 201
    hostile.join(300)
    assert hostile.response is not None and hostile.response.status_code == 413
    assert "3-second budget" in hostile.response.json()["error"]
    assert poll(lambda: health(server)["mappers_replaced"] >= 1 and health(server)["mappers_idle"] == 2)
    assert requests.post(server.url + "/api/v1/lineage", json=event(f"after-{tag}"), headers=AUTH, timeout=DEADLINE).ok
    assert {n for n in namespaces(server) if tag in n} == {f"legit-{tag}", f"after-{tag}"}
    assert raw_count(server) == before + 2


def test_an_expensive_request_within_the_budget_is_stored_while_the_health_check_is_answered(tmp_path: Path) -> None:
    s = start_server(tmp_path, "--map-budget", "300")
    try:
        hostile = Hostile(s, "/api/v1/lineage/batch", json.dumps([sql_event("heavy", i) for i in range(4)]).encode())
        hostile.start()
        assert served_while_in_flight(s, hostile)
        assert requests.post(s.url + "/api/v1/lineage", json=event("light"), headers=AUTH, timeout=DEADLINE).ok
        hostile.join(300)
        assert hostile.response is not None and hostile.response.status_code == 201
        assert {"heavy", "light"} <= namespaces(s)
    finally:
        s.stop()


def _raise_open_files(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"needs {wanted} open files, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _read_until_closed(sock: socket.socket, deadline: float) -> bytes | None:
    """What the server sent before closing the connection, or None if it is still open at the deadline."""
    data = b""
    while True:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return None
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def test_a_thousand_slow_clients_get_408_or_503_and_are_disconnected_while_others_are_served(server: Server) -> None:
    _raise_open_files(4096)  # the server, started by this process, has the limit it had: 1,000 is under it
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    assert host is not None and port is not None
    head = (
        f"POST /api/v1/lineage HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    ).encode()
    before = raw_count(server)
    sockets = []
    try:
        for _ in range(1000):
            sock = socket.create_connection((host, port), timeout=DEADLINE)
            sock.sendall(head)
            sockets.append(sock)
        assert health(server)["status"] == "ok"  # answered while the slow clients hold their connections
        for _ in range(4):  # dribble: a byte now and then keeps no one's body alive past the read timeout
            time.sleep(0.5)
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.send(b" ")
        assert health(server)["status"] == "ok"
        end = time.monotonic() + 30
        answers = [_read_until_closed(sock, end) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert all(a is not None for a in answers), "a slow connection was still open at the deadline"
    statuses = [int(a.split(b" ", 2)[1]) for a in answers if a]
    assert statuses and set(statuses) <= {408, 503}
    assert 408 in statuses and 503 in statuses
    first_503 = next(a for a in answers if a and a.startswith(b"HTTP/1.1 503"))
    assert b"retry-after: 1" in first_503.lower() and b"connection: close" in first_503.lower()
    assert post_until_stored(server, "after-slow-clients") == 201
    assert raw_count(server) == before + 1


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM"))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads peak memory from /proc")
def test_concurrent_large_bodies_are_bounded_by_bytes_in_flight(tmp_path: Path) -> None:
    s = start_server(tmp_path, "--max-inflight-bytes", str(32 * 1024 * 1024))
    try:
        idle = _peak_rss_mb(s.process.pid)
        before = raw_count(s)
        body = b'{"eventTime": "' + b"x" * (15 * 1024 * 1024)  # 15 MB, read in full, then refused as not JSON
        answers: list[requests.Response | None] = []

        def send() -> None:
            try:
                answers.append(requests.post(s.url + "/api/v1/lineage", data=body, headers=AUTH, timeout=120))
            except requests.ConnectionError:
                answers.append(None)  # refused before the whole body was sent

        senders = [threading.Thread(target=send) for _ in range(20)]
        for t in senders:
            t.start()
        assert health(s)["status"] == "ok"
        for t in senders:
            t.join(300)
        statuses = sorted(a.status_code for a in answers if a is not None)
        assert set(statuses) <= {400, 503} and 400 in statuses and 503 in statuses
        busy = next(a for a in answers if a is not None and a.status_code == 503)
        assert busy.headers["Retry-After"] == "1" and "request bytes" in busy.json()["error"]
        # at most 32 MB of bodies at once; without the bound, 20 bodies of 15 MB are held together
        assert _peak_rss_mb(s.process.pid) - idle < 160
        assert post_until_stored(s, "after-large-bodies") == 201
        assert raw_count(s) == before + 1
    finally:
        s.stop()


DEEP_LISTS = "[" * 1000 + "]" * 1000
MALFORMED: dict[str, tuple[str, str]] = {
    "integer_of_4301_digits": ("1" * 4301, "integer too long at line 1 column"),
    "negative_integer_of_5000_digits": ("-" + "9" * 5000, "integer too long at line 1 column"),
    "lists_nested_1000_deep": (DEEP_LISTS, "nested deeper than 512 levels"),
    "lists_nested_1023_deep": ("[" * 1022 + "]" * 1022, "nested deeper than 512 levels"),
    "objects_nested_1010_deep": ('{"a":' * 1009 + "1" + "}" * 1009, "nested deeper than 512 levels"),
    "unpaired_surrogate": ('"\\ud800"', "unpaired surrogate escape (\\ud800)"),
    "unpaired_surrogate_in_a_key": ('{"\\udc00": 1}', "unpaired surrogate escape (\\udc00)"),
}


@pytest.mark.parametrize("encoding", ["plain", "gzip"])
@pytest.mark.parametrize("endpoint", ["event", "batch"])
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_json_python_cannot_take_as_sent_gets_400_naming_the_problem(
    server: Server, case: str, endpoint: str, encoding: str
) -> None:
    value, message = MALFORMED[case]
    text = json.dumps(event(f"malformed-{case}")).replace('"producer"', f'"custom": {value}, "producer"', 1)
    data = (f"[{text}]" if endpoint == "batch" else text).encode()
    headers = dict(AUTH)
    if encoding == "gzip":
        data = gzip.compress(data)
        headers["Content-Encoding"] = "gzip"
    before = raw_count(server)
    path = "/api/v1/lineage/batch" if endpoint == "batch" else "/api/v1/lineage"
    r = requests.post(server.url + path, data=data, headers=headers, timeout=DEADLINE)
    assert r.status_code == 400, r.text
    assert message in r.json()["error"]
    assert health(server)["status"] == "ok"
    assert raw_count(server) == before
    assert f"malformed-{case}" not in namespaces(server)
