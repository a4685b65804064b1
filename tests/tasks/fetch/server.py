"""A real HTTP server for fetch tests: ThreadingHTTPServer on 127.0.0.1, a routing table, hit counters."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """What one request to a path gets."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line (a slow server)
    redirect: str | None = None  # a Location (a path on this server, or a whole URL)
    content_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    chunk: int = 65536  # bytes written at a time


# A route: the same reply every time, one reply per hit (the last repeats), or a function of (request headers, hit number).
Route = Reply | list[Reply] | Callable[[dict[str, str], int], Reply]


class LocalServer(ThreadingHTTPServer):
    """Serves `routes`; counts hits and keeps each request's headers, per path (query string included)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        """The URL of `path` on this server (`host` "localhost" reaches it under a second host name)."""
        return f"http://{host}:{self.server_address[1]}{path}"

    def route(self, path: str, route: Route) -> str:
        """Serve `route` at `path`; returns its URL."""
        self.routes[path] = route
        return self.url(path)

    def reply_for(self, path: str, headers: dict[str, str]) -> Reply:
        with self.lock:
            self.hits[path] += 1
            self.requests[path].append(headers)
            hit = self.hits[path]
        route = self.routes.get(path)
        if route is None:
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        if isinstance(route, list):
            return route[min(hit, len(route)) - 1]
        if callable(route):
            return route(headers, hit)
        return route


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        reply = self.server.reply_for(self.path, {k.lower(): v for k, v in self.headers.items()})
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            headers = dict(reply.headers)
            if reply.redirect:
                headers["Location"] = reply.redirect
            if reply.content_length:
                headers.setdefault("Content-Length", str(len(reply.body)))
            else:
                headers["Connection"] = "close"
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            for start in range(0, len(reply.body), reply.chunk):
                self.wfile.write(reply.body[start : start + reply.chunk])
        except (BrokenPipeError, ConnectionResetError):  # the client stopped reading (too_big, timeout): expected
            pass

    def log_message(self, format: str, *args) -> None:  # quiet
        pass
