"""Running the app: a socket bound first (so that a port in use is a one-line error before
anything starts), then uvicorn serving the app over one shared NewsIndex."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import uvicorn

from ..api import NewsIndex
from .app import LOOPBACK_HOSTS, create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def bind(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: a free port). OSError when it cannot be had.
    Its protocol is TCP by name: asyncio sets TCP_NODELAY only on sockets that say so, and
    without it every response waited 40 ms for the client's delayed ACK (headers and body are
    two writes): 44 ms for a static file instead of 2."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def make_server(index: NewsIndex, sock: socket.socket, *, log_level: str = "info") -> uvicorn.Server:
    """A uvicorn server for ``index`` on ``sock``. On a loopback address only loopback host
    names are answered (no DNS rebinding); on another, any name (the user chose to expose it)."""
    host = sock.getsockname()[0]
    hosts: Sequence[str] = LOOPBACK_HOSTS if is_loopback(host) else ["*"]
    config = uvicorn.Config(create_app(index, allowed_hosts=hosts), log_level=log_level,
                            server_header=False, lifespan="off")
    return uvicorn.Server(config)


def serve(index: NewsIndex, sock: socket.socket, *, log_level: str = "info") -> None:
    """Serve until interrupted (Ctrl-C, SIGTERM); uvicorn then re-raises the signal."""
    make_server(index, sock, log_level=log_level).run(sockets=[sock])
