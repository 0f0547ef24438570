"""A tiny OpenAI-compatible HTTP server on 127.0.0.1: the one stand-in, since no vendor is reachable.
It answers `POST .../chat/completions` and `POST .../embeddings` with well-formed responses and
counts the calls."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    server: StubOpenAI

    def do_POST(self) -> None:
        size = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(size) or b"{}")
        model = body.get("model", "unknown")
        if self.path.endswith("/embeddings"):
            out = {"object": "list", "model": model, "usage": {"prompt_tokens": 2, "total_tokens": 2},
                   "data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5, 0.125]}]}
        elif self.path.endswith("/chat/completions"):
            out = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1_780_000_000, "model": model,
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": "Refund issued."}}],
                   "usage": {"prompt_tokens": 20, "completion_tokens": 3, "total_tokens": 23}}
        else:
            self.send_error(404)
            return
        self.server.calls.append(self.path)
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


class StubOpenAI(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[str] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/v1"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
