"""A small threaded HTTP/1.1 server: keep-alive, chunked streaming, connection tracking and RST.

It knows nothing about Helicone: every parsed request goes to a handler that returns a
``Response``. One daemon thread serves each TCP connection,
so hundreds of simultaneous keep-alive clients work; ``close()`` shuts every connection down and
joins the threads it started.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import BinaryIO

from .responses import ConnectionReset, Response, openai_error

__all__ = ["HTTPRequest", "HTTPTransport", "ProtocolError"]

_log = logging.getLogger(__name__)

_MAX_LINE = 65536
_MAX_HEADERS = 200
_MAX_BODY = 64 * 1024 * 1024
_JOIN_TIMEOUT = 5.0


class ProtocolError(Exception):
    """The client sent something that is not acceptable HTTP/1.1; answered with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class HTTPRequest:
    """A parsed request: target is the raw request target (path plus query string)."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    @property
    def keep_alive(self) -> bool:
        """Whether the client allows the connection to stay open after the response."""
        tokens = {t.strip().lower() for t in (self.header("connection") or "").split(",")}
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


Handler = Callable[[HTTPRequest, int], Response]


def _readline(reader: BinaryIO) -> bytes:
    line = reader.readline(_MAX_LINE + 1)
    if len(line) > _MAX_LINE:
        raise ProtocolError(431, "request line or header line too long")
    return line


def _read_head(reader: BinaryIO) -> tuple[str, str, str, list[tuple[str, str]]] | None:
    line = _readline(reader)
    while line in (b"\r\n", b"\n"):  # RFC 9112 lets servers skip stray blank lines
        line = _readline(reader)
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ProtocolError(400, "malformed request line")
    headers: list[tuple[str, str]] = []
    while True:
        line = _readline(reader)
        if line in (b"\r\n", b"\n", b""):
            break
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep or not name or name != name.strip():
            raise ProtocolError(400, "malformed header line")
        headers.append((name, value.strip()))
        if len(headers) > _MAX_HEADERS:
            raise ProtocolError(431, "too many headers")
    return parts[0], parts[1], parts[2], headers


def _read_exact(reader: BinaryIO, size: int) -> bytes:
    data = reader.read(size)
    if len(data) != size:
        raise ProtocolError(400, "body ended before Content-Length bytes arrived")
    return data


def _read_chunked(reader: BinaryIO) -> bytes:
    body = bytearray()
    while True:
        size_text = _readline(reader).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ProtocolError(400, "malformed chunk size") from None
        if size == 0:
            while _readline(reader) not in (b"\r\n", b"\n", b""):
                pass  # trailers carry nothing the gateway uses
            return bytes(body)
        if len(body) + size > _MAX_BODY:
            raise ProtocolError(413, "request body too large")
        body += _read_exact(reader, size)
        _readline(reader)


def read_request(reader: BinaryIO, sock: socket.socket) -> HTTPRequest | None:
    """Read one request from ``reader``; ``None`` when the client closed the connection."""
    head = _read_head(reader)
    if head is None:
        return None
    method, target, version, headers = head
    request = HTTPRequest(method, target, version, headers, b"")
    if (request.header("expect") or "").lower() == "100-continue":
        sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in (request.header("transfer-encoding") or "").lower():
        body = _read_chunked(reader)
    elif (length := request.header("content-length")) is not None:
        if not length.isdigit():
            raise ProtocolError(400, "malformed Content-Length")
        if int(length) > _MAX_BODY:
            raise ProtocolError(413, "request body too large")
        body = _read_exact(reader, int(length))
    else:
        body = b""
    return HTTPRequest(method, target, version, headers, body)


def _head(response: Response, keep_alive: bool, framing: tuple[str, str]) -> bytes:
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = "Unknown"
    lines = [f"HTTP/1.1 {response.status} {phrase}", "Server: helicone-local-gateway"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    lines.append(f"{framing[0]}: {framing[1]}")
    lines.append("Connection: " + ("keep-alive" if keep_alive else "close"))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _send_stream(sock: socket.socket, pieces: Iterable[bytes]) -> None:
    # The last piece goes out in the same write as the terminating zero-length chunk: clients
    # that stop reading at "data: [DONE]" then still leave a fully read, reusable connection.
    pending: bytes | None = None
    for piece in pieces:
        if not piece:
            continue
        if pending is not None:
            sock.sendall(_chunk(pending))
        pending = piece
    sock.sendall((_chunk(pending) if pending is not None else b"") + b"0\r\n\r\n")


def write_response(
    sock: socket.socket, response: Response, keep_alive: bool, head_only: bool = False
) -> None:
    """Send ``response``: ``Content-Length`` framing for bodies, chunked framing for streams.

    ``head_only`` (a HEAD request) sends the head alone, as HTTP requires.
    """
    if response.stream is None:
        framing = ("Content-Length", str(len(response.body)))
        body = b"" if head_only else response.body
        sock.sendall(_head(response, keep_alive, framing) + body)
        return
    sock.sendall(_head(response, keep_alive, ("Transfer-Encoding", "chunked")))
    if not head_only:
        _send_stream(sock, response.stream)


def abort(sock: socket.socket) -> None:
    """Reset the connection: SO_LINGER with a zero timeout makes close() send a TCP RST."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class _Server(socketserver.TCPServer):
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], transport: HTTPTransport) -> None:
        self.transport = transport
        super().__init__(address, socketserver.BaseRequestHandler, bind_and_activate=True)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        if isinstance(request, socket.socket):  # always, for a TCP server
            self.transport._accepted(request)

    def handle_error(self, request: object, client_address: object) -> None:
        _log.exception("local gateway: error while accepting a connection")


class HTTPTransport:
    """Accepts connections on ``(host, port)`` and serves each one on its own daemon thread.

    ``handler(request, connection_number)`` produces each response; exceptions it raises become
    a 500 in OpenAI's error shape, and malformed HTTP a 400. ``error_headers()`` supplies extra
    headers for those two responses, which the handler never sees. ``connections_accepted``
    counts connections since construction or the last ``reset_counter()``.
    """

    def __init__(
        self,
        host: str,
        port: int,
        handler: Handler,
        error_headers: Callable[[], Iterable[tuple[str, str]]] = tuple,
    ) -> None:
        self._handler = handler
        self._error_headers = error_headers
        self._lock = threading.Lock()
        self._open: dict[socket.socket, threading.Thread] = {}
        self._count = 0
        self._closing = threading.Event()
        self._server = _Server((host, port), self)

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return int(self._server.server_address[1])

    @property
    def thread_name(self) -> str:
        """The prefix of the names of every thread serving this transport."""
        return f"helicone-local-gateway:{self.port}"

    @property
    def closing(self) -> threading.Event:
        """Set once ``close()`` starts; long waits in handlers should wait on it."""
        return self._closing

    @property
    def connections_accepted(self) -> int:
        """Connections accepted since construction or the last ``reset_counter()``."""
        with self._lock:
            return self._count

    def reset_counter(self) -> None:
        """Start counting connections from zero; open connections keep their numbers."""
        with self._lock:
            self._count = 0

    def serve_forever(self) -> None:
        """Run the accept loop until ``close()`` (called from another thread) stops it."""
        self._server.serve_forever(poll_interval=0.05)

    def close(self) -> None:
        """Stop accepting, shut every open connection down and join their threads.

        The accept loop must not be running in the calling thread; if it runs in another thread
        the caller must call ``stop_accepting()`` first.
        """
        self._closing.set()
        self._server.server_close()
        with self._lock:
            connections = list(self._open.items())
        for sock, _ in connections:
            with contextlib.suppress(OSError):  # already closed by its own thread
                sock.shutdown(socket.SHUT_RDWR)
        current = threading.current_thread()
        for _, thread in connections:
            if thread is not current:
                thread.join(_JOIN_TIMEOUT)

    def stop_accepting(self) -> None:
        """Make a running ``serve_forever()`` return; blocks until it has."""
        self._server.shutdown()

    def _accepted(self, sock: socket.socket) -> None:
        with self._lock:
            if self._closing.is_set():
                abort(sock)
                return
            self._count += 1
            number = self._count
            thread = threading.Thread(
                target=self._serve,
                args=(sock, number),
                name=f"{self.thread_name}:conn-{number}",
                daemon=True,
            )
            self._open[sock] = thread
        thread.start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        reset = False
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with sock.makefile("rb") as reader:
                reset = self._serve_requests(sock, reader, number)
        except OSError:
            pass  # the client went away; nothing left to answer
        finally:
            with self._lock:
                self._open.pop(sock, None)
            if reset:
                abort(sock)
            else:
                sock.close()

    def _serve_requests(self, sock: socket.socket, reader: BinaryIO, number: int) -> bool:
        """Serve requests until the connection ends; True when it must end with a reset."""
        while not self._closing.is_set():
            try:
                request = read_request(reader, sock)
            except ProtocolError as error:
                response = openai_error(
                    error.status,
                    f"bad HTTP request: {error}",
                    "bad_request",
                    headers=self._error_headers(),
                )
                write_response(sock, response, keep_alive=False)
                return False
            if request is None:
                return False
            response = self._respond(request, number)
            if response.reset:
                return True
            keep_alive = request.keep_alive and not response.close and not self._closing.is_set()
            try:
                write_response(sock, response, keep_alive, head_only=request.method == "HEAD")
            except ConnectionReset:
                return True
            except OSError:
                raise
            except Exception:  # a broken stream body: the half-sent response cannot be fixed
                _log.exception("local gateway: response body failed mid-stream")
                return True
            if not keep_alive:
                return False
        return False

    def _respond(self, request: HTTPRequest, number: int) -> Response:
        try:
            return self._handler(request, number)
        except Exception as error:  # a bug must not kill the connection thread silently
            _log.exception("local gateway: handler failed")
            message = f"local gateway bug: {type(error).__name__}: {error}"
            return openai_error(500, message, "internal_error", headers=self._error_headers())
