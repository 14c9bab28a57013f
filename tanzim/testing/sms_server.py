"""A local SMS provider for the tests and the production smoke test: it records what it delivers.

It speaks what ``tanzim.notify.backends.HttpSmsGateway`` sends and behaves as Tanzim requires of a
real provider (docs/operations.md, "SMS provider"):

- ``POST`` (any path) with JSON ``{"to", "text"}``, ``Authorization: Bearer <token>`` and an
  ``Idempotency-Key``; answers 200 ``{"id": "<reference>"}``, 401 without the token, 400 without a key;
- a key seen before is answered with the first answer and **not delivered again**: ``delivered``
  holds each message once, ``requests`` every attempt.

Read back over HTTP (for a client in another process): ``GET /_delivered`` and ``GET /_requests``
(JSON lists, ``?to=`` filters by number). In a test, ``on_request`` is called after a request is
recorded and before it is answered: a test kills the worker there, mid-send.

Standalone: ``python -m tanzim.testing.sms_server --port-file F [--token-file T]`` serves on
127.0.0.1 until SIGTERM and writes its port to F once it listens.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


class SmsTestServer:
    """An SMS provider on 127.0.0.1 in a thread of this process (``with SmsTestServer() as sms:``)."""

    def __init__(self, token: str = "", port: int = 0) -> None:
        self.token = token
        self.requests: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []
        self._answers: dict[str, str] = {}
        self._lock = threading.Lock()
        self.on_request: Callable[[dict[str, Any]], None] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/sms"

    def start(self) -> SmsTestServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SmsTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def receive(self, *, to: str, text: str, key: str) -> tuple[str, bool]:
        """Record an attempt; deliver it unless its key was seen. Returns (reference, first time)."""
        with self._lock:
            attempt = {"to": to, "text": text, "key": key}
            self.requests.append(attempt)
            if key in self._answers:
                return self._answers[key], False
            reference = f"sms-{len(self._answers) + 1}-{secrets.token_hex(4)}"
            self._answers[key] = reference
            self.delivered.append({**attempt, "id": reference})
            return reference, True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                source = {"/_delivered": provider.delivered, "/_requests": provider.requests}.get(parts.path)
                if source is None:
                    self._answer(404, {"error": "not found"})
                    return
                wanted = parse_qs(parts.query).get("to", [None])[0]
                with provider._lock:
                    rows = [dict(row) for row in source if wanted is None or row["to"] == wanted]
                self._answer(200, rows)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if provider.token and self.headers.get("Authorization") != f"Bearer {provider.token}":
                    self._answer(401, {"error": "unauthorized"})
                    return
                key = self.headers.get("Idempotency-Key", "")
                try:
                    body = json.loads(raw)
                    to, text = str(body["to"]), str(body["text"])
                except (ValueError, KeyError, TypeError):
                    self._answer(400, {"error": "bad request"})
                    return
                if not key:
                    self._answer(400, {"error": "Idempotency-Key is required"})
                    return
                reference, _first = provider.receive(to=to, text=text, key=key)
                if provider.on_request is not None:
                    provider.on_request({"to": to, "text": text, "key": key, "id": reference})
                self._answer(200, {"id": reference})

            def _answer(self, status: int, payload: object) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client died while we answered (a killed worker)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass  # numbers and codes stay out of the output

        return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path, required=True, help="written with the port once listening")
    parser.add_argument("--token-file", type=Path, help="a file holding the bearer token to require")
    args = parser.parse_args(argv)
    token = args.token_file.read_text(encoding="utf-8").strip() if args.token_file else ""
    server = SmsTestServer(token=token, port=args.port)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    with server:
        args.port_file.write_text(str(server.port), encoding="utf-8")
        stopped.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
