"""A bounded HTTP/1.1 load generator on raw asyncio streams, for loopback servers only.

Each of ``connections`` workers keeps one keep-alive connection and sends the
same request over and over; the run stops at ``max_requests`` or
``max_seconds``, whichever comes first. Raw streams rather than an HTTP client
library, so the client's own cost stays small beside the server's.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import statistics
import time
from dataclasses import dataclass, field

# In a body, replaced by the request's number: each request differs (a form nobody sent before).
NUMBER = b"__N__"
_numbers = itertools.count(1)  # across runs of one process: a warm-up's numbers are not reused


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def encode(self, host: str, port: int, number: int = 0) -> bytes:
        body = self.body.replace(NUMBER, str(number).encode()) if NUMBER in self.body else self.body
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if body or self.method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Outcome:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(q) - 1]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked, close = 0, False, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            close = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, close


def _visitor_address(number: int) -> str:
    """The ``number``-th visitor's address in 127.0.0.0/8 (which Linux answers on in full), away from 127.0.0.1."""
    return str(ipaddress.IPv4Address("127.0.1.1") + number)


def _check_loopback(host: str) -> None:
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"{host} is not a loopback address: this load generator only targets this machine")


async def run_load(
    host: str,
    port: int,
    request: Request,
    *,
    connections: int = 32,
    max_requests: int = 20_000,
    max_seconds: float = 10.0,
    visitors: bool = True,
) -> Outcome:
    """``visitors``: each connection comes from an address of its own (127.0.1.1, 127.0.1.2, …, all this
    machine's loopback), as visitors do: a server's per-address limits and locks then see as many clients as
    there are connections, not one client sending everything."""
    _check_loopback(host)
    numbered = NUMBER in request.body
    payload = request.encode(host, port)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    budget = [max_requests]
    deadline = time.perf_counter() + max_seconds

    async def worker(number: int) -> None:
        local = (_visitor_address(number), 0) if visitors and host != "localhost" else None
        reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        try:
            while budget[0] > 0 and time.perf_counter() < deadline:
                budget[0] -= 1
                start = time.perf_counter()
                writer.write(request.encode(host, port, next(_numbers)) if numbered else payload)
                await writer.drain()
                status, close = await _read_response(reader)
                latencies.append((time.perf_counter() - start) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker(n) for n in range(connections))), timeout=max_seconds + 30)
    return Outcome(len(latencies), time.perf_counter() - start, latencies, statuses)
