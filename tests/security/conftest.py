"""The real server (server.py under uvicorn) on a loopback port, for what only a real HTTP server shows:
its own answers to malformed requests, raw request targets, the scheme a proxy declares."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.factories import REPO
from tests.support.quality import free_port


def raw_request(port: int, data: bytes) -> bytes:
    """Sends ``data`` as is and reads the whole answer (the server closes, or 5 s pass)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(data)
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and _complete(answer):
                    break
        except TimeoutError:
            pass
    return answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False


def status_and_headers(answer: bytes) -> tuple[int, dict[str, str]]:
    head = answer.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(head[0].split()[1]), headers


@contextmanager
def running_server(env: dict[str, str], log: Path) -> Iterator[int]:
    """server.py with ``env`` on a free loopback port, stopped afterwards; yields the port."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, str(REPO / "server.py"), "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the server did not start:\n{log.read_text(errors='replace')}") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
