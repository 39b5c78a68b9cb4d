"""Helpers of scripts/bench (copied into its --out directory at every run); scripts/soak_tools.py imports
the HTTP and WebSocket pieces.

park-server  an HTTP/1.1 backend that holds every request --hold seconds, then answers
             "parked\n"; any path ending in /__stats answers at once with its counters
park-client  opens --clients connections at once, one GET each, and reports errors as JSON
stream-server  (--streams) server-sent events on /sse and a WebSocket echo on /ws
streams-client (--streams) sse: one event stream, each piece's delay; ws: small and large echoes
             one after the other on one WebSocket; warmup: both in turn; results as JSON to --json
report       turns the measured rows into results.csv, results.json, table.txt, throughput.svg
"""
import argparse
import asyncio
import base64
import csv
import hashlib
import json
import math
import os
import re
import socket
import struct
import sys
import time

MIB = 1048576


# --- the parking backend ---------------------------------------------------------------------------

def park_server(port, hold):
    stats = {"held": 0, "peak": 0, "served": 0}

    async def handle_request(reader, writer, method, target, headers):
        if "transfer-encoding" in headers:
            writer.write(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return False
        length = int(headers.get("content-length", "0") or "0")
        if length:
            await reader.readexactly(length)
        if target.split("?")[0].endswith("/__stats"):
            body = (json.dumps(stats) + "\n").encode()
        else:
            stats["held"] += 1
            stats["peak"] = max(stats["peak"], stats["held"])
            try:
                await asyncio.sleep(hold)
            finally:
                stats["held"] -= 1
            stats["served"] += 1
            body = b"parked\n"
        close = headers.get("connection", "").lower() == "close"
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n%s"
                     % (len(body), b"Connection: close\r\n" if close else b"", body))
        await writer.drain()
        return not close

    serve(port, handle_request, f"park-server on 127.0.0.1:{port}, holding each request {hold} s", backlog=4096)


# --- the parked clients ----------------------------------------------------------------------------

def park_client(port, path, clients, timeout, connecting):
    result = {"clients": clients, "ok": 0, "errors": 0, "error_kinds": {}, "sent": 0}

    def error(kind):
        result["errors"] += 1
        result["error_kinds"][kind] = result["error_kinds"].get(kind, 0) + 1

    async def one(i, gate):
        writer = None
        try:
            async with gate:  # bounds the connections being opened at once, not those held
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
                writer.write(("GET %s%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n"
                              % (path, i, port)).encode())
                await writer.drain()
                result["sent"] += 1
            answer = await asyncio.wait_for(reader.read(), timeout)  # Connection: close: to the end
            status = answer.split(b" ", 2)[1].decode("latin-1") if answer.startswith(b"HTTP/1.") else "no answer"
            if status != "200":
                error("HTTP " + status)
            elif not answer.endswith(b"\r\n\r\nparked\n"):
                error("wrong body")
            else:
                result["ok"] += 1
        except asyncio.TimeoutError:
            error("timeout")
        except OSError as e:
            error(type(e).__name__)
        finally:
            if writer is not None:
                writer.close()

    async def main():
        gate = asyncio.Semaphore(connecting)
        started = time.monotonic()
        tasks = [asyncio.ensure_future(one(i, gate)) for i in range(clients)]
        while result["sent"] + result["errors"] < clients and not all(t.done() for t in tasks):
            await asyncio.sleep(0.1)
        result["send_s"] = round(time.monotonic() - started, 2)
        print(f"park-client: {result['sent']} of {clients} requests sent in {result['send_s']} s",
              file=sys.stderr, flush=True)
        await asyncio.gather(*tasks)
        result["total_s"] = round(time.monotonic() - started, 2)

    asyncio.run(main())
    print(json.dumps(result), flush=True)


# --- streams: the SSE and WebSocket backend, and its client ------------------------------------------
# Send and arrival times are CLOCK_MONOTONIC, which every process on the machine shares (Linux), so the
# backend's send time and the client's arrival time of one piece can be subtracted.

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC11B85"


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def ws_accept(key):
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode("latin-1")).digest()).decode("ascii")


def ws_mask(data, key):
    """data XOR the 4-byte key repeated (RFC 6455 section 5.3), on big integers: fast for 1 MiB too."""
    n = len(data)
    if n == 0:
        return b""
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(repeated, "little")).to_bytes(n, "little")


def ws_frame(opcode, payload, mask):
    """One final frame; masked (a client's) when mask is true."""
    n = len(payload)
    head = bytes([0x80 | opcode])
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if mask:
        key = os.urandom(4)
        return head + key + ws_mask(payload, key)
    return head + payload


async def read_request_head(reader):
    """(method, target, headers with lower-case names) of the next request, or None at the connection's end."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    request = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return request[0], request[1] if len(request) > 1 else "/", headers


def split_target(target):
    """(path, query parameters as a dict) of a request target."""
    path, _, query_string = target.partition("?")
    return path, dict(p.partition("=")[::2] for p in query_string.split("&") if p)


def serve(port, handle_request, banner, backlog=1024):
    """An asyncio HTTP/1.1 server on 127.0.0.1:port until killed. Each request's head goes to
    handle_request(reader, writer, method, target, headers), which reads the body, answers and returns
    whether the connection may carry another request. A peer that goes away ends its connection quietly;
    any other error is logged and ends its connection only."""

    async def handle(reader, writer):
        try:
            while True:
                request = await read_request_head(reader)
                if request is None or not await handle_request(reader, writer, *request):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except Exception as e:
            print("%s: %s" % (type(e).__name__, e), file=sys.stderr, flush=True)
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=backlog)
        print(banner, flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def read_request_body(reader, headers):
    """Reads and drops a request body, chunked or with a Content-Length."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return
            await reader.readexactly(size + 2)
    length = int(headers.get("content-length", "0") or "0")
    if length:
        await reader.readexactly(length)


async def websocket_echo(reader, writer, headers):
    """Answers a WebSocket handshake (400 if it is none), then echoes each whole message until the close."""
    key = headers.get("sec-websocket-key", "")
    if ("websocket" not in headers.get("upgrade", "").lower()
            or "upgrade" not in headers.get("connection", "").lower()
            or headers.get("sec-websocket-version") != "13" or len(key) != 24):
        body = b"not a WebSocket handshake\n"
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                     % (len(body), body))
        await writer.drain()
        return
    writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Accept: %s\r\n\r\n" % ws_accept(key)).encode("latin-1"))
    await writer.drain()
    message_opcode, parts = None, []
    while True:
        b0, b1 = await reader.readexactly(2)
        fin, opcode, n = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", await reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", await reader.readexactly(8))[0]
        if not b1 & 0x80:  # a client's frames must be masked (RFC 6455 section 5.1)
            writer.write(ws_frame(0x8, struct.pack("!H", 1002) + b"unmasked frame", False))
            await writer.drain()
            return
        key = await reader.readexactly(4)
        payload = ws_mask(await reader.readexactly(n), key)
        if opcode == 0x8:  # close: answer with the same code, then close the TCP connection
            writer.write(ws_frame(0x8, payload[:2], False))
            await writer.drain()
            return
        if opcode == 0x9:
            writer.write(ws_frame(0xA, payload, False))
            await writer.drain()
            continue
        if opcode == 0xA:
            continue
        if opcode in (0x1, 0x2):
            message_opcode, parts = opcode, [payload]
        elif opcode == 0x0 and message_opcode is not None:
            parts.append(payload)
        else:
            writer.write(ws_frame(0x8, struct.pack("!H", 1002), False))
            await writer.drain()
            return
        if fin:
            writer.write(ws_frame(message_opcode, b"".join(parts), False))
            await writer.drain()
            message_opcode, parts = None, []


def stream_server(port):
    """GET / answers "ok\\n"; GET /sse?pieces=N&interval_ms=I streams N server-sent events, one every I ms,
    each carrying its send time and flushed on its own; GET /ws is a WebSocket echo (RFC 6455)."""

    async def sse(writer, query):
        pieces = max(0, min(100000, int(query.get("pieces", "100"))))
        interval_ns = int(float(query.get("interval_ms", "20")) * 1e6)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        await writer.drain()
        start = now_ns() + interval_ns
        for i in range(pieces):
            wait = (start + i * interval_ns - now_ns()) / 1e9
            if wait > 0:
                await asyncio.sleep(wait)
            event = b"id: %d\ndata: %d %d\n\n" % (i, i, now_ns())
            writer.write(b"%x\r\n%s\r\n" % (len(event), event))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async def handle_request(reader, writer, method, target, headers):
        await read_request_body(reader, headers)
        path, query = split_target(target)
        if path == "/ws":
            await websocket_echo(reader, writer, headers)
            return False
        if path == "/sse":
            await sse(writer, query)
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n")
            await writer.drain()
        return headers.get("connection", "").lower() != "close"

    serve(port, handle_request,
          f"stream-server on 127.0.0.1:{port}: /sse (server-sent events), /ws (WebSocket echo), / (ok)")


def percentile(values, p):
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100.0 * len(ordered)) - 1)] if ordered else None


def summary(values_ms):
    r = {"count": len(values_ms)}
    if values_ms:
        r.update({"p50_ms": round(percentile(values_ms, 50), 3), "p99_ms": round(percentile(values_ms, 99), 3),
                  "max_ms": round(max(values_ms), 3), "min_ms": round(min(values_ms), 3),
                  "mean_ms": round(sum(values_ms) / len(values_ms), 3)})
    return r


def connect(port, timeout):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_head(sock, buffer, deadline):
    """(status, headers, rest of buffer) of an HTTP/1.1 response head."""
    while b"\r\n\r\n" not in buffer:
        if time.monotonic() > deadline:
            raise TimeoutError("no response head in time")
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("closed before the response head: %r" % buffer[:200])
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return status, headers, rest


def sse_client(port, pieces, interval_ms, timeout):
    """One stream of /sse: per piece, arrival minus send time (ms)."""
    result = {"kind": "sse", "port": port, "pieces": pieces, "interval_ms": interval_ms, "received": 0,
              "errors": 0, "error": None}
    delays, expected_seq = [], 0
    deadline = time.monotonic() + timeout
    sock = None
    try:
        sock = connect(port, 10)
        sock.sendall(("GET /sse?pieces=%d&interval_ms=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                      "Accept: text/event-stream\r\nConnection: close\r\n\r\n" % (pieces, interval_ms, port)).encode())
        status, headers, raw = read_head(sock, b"", deadline)
        result["status"] = status
        result["content_type"] = headers.get("content-type")
        result["framing"] = ("chunked" if headers.get("transfer-encoding", "").lower() == "chunked"
                             else "content-length" if "content-length" in headers else "close")
        if status != 200:
            raise ValueError("HTTP %d" % status)
        chunked = result["framing"] == "chunked"
        # Chunk data counts as soon as it arrives, as a browser's EventSource takes it: a server may send
        # the CRLF that ends a chunk only with the next chunk's size line (Jetty does).
        body, done, arrived, left, crlf = b"", False, now_ns(), 0, False
        while not done:
            # Decode what has arrived so far; each complete event gets the time its last byte arrived.
            while chunked and raw:
                if left:
                    body, raw, left = body + raw[:left], raw[left:], max(0, left - len(raw))
                    crlf = left == 0
                elif crlf:
                    if len(raw) < 2:
                        break
                    raw, crlf = raw[2:], False
                else:
                    line_end = raw.find(b"\r\n")
                    if line_end < 0:
                        break
                    left = int(raw[:line_end].split(b";")[0] or b"0", 16)
                    raw = raw[line_end + 2:]
                    if left == 0:
                        done = True
                        break
            if not chunked:
                body, raw = body + raw, b""
            while b"\n\n" in body:
                event, _, body = body.partition(b"\n\n")
                for line in event.split(b"\n"):
                    if line.startswith(b"data: "):
                        seq, sent = (int(x) for x in line[6:].split())
                        if seq != expected_seq:
                            result["errors"] += 1
                            result["error"] = "piece %d arrived where %d was due" % (seq, expected_seq)
                        expected_seq = seq + 1
                        delays.append((arrived - sent) / 1e6)
                        result["received"] += 1
            if done or result["received"] >= pieces:
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the stream did not end within %s s" % timeout)
            data = sock.recv(65536)
            arrived = now_ns()
            if not data:
                break
            raw += data
    except Exception as e:
        result["errors"] += 1
        result["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        if sock is not None:
            sock.close()
    if result["received"] < pieces:
        result["errors"] += pieces - result["received"]
        result["error"] = result["error"] or "only %d of %d pieces arrived" % (result["received"], pieces)
    result.update(summary(delays))
    result["delays_ms"] = [round(d, 3) for d in delays]
    return result


class WsClient:
    """A small RFC 6455 client: masks its frames, reads whole messages (continuations, extended lengths),
    answers pings, and closes with the close handshake."""

    def __init__(self, port, timeout):
        self.deadline_s = timeout
        self.sock = connect(port, timeout)
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        self.sock.sendall(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (port, key)).encode())
        status, headers, self.buffer = read_head(self.sock, b"", time.monotonic() + timeout)
        if status != 101:
            raise ValueError("the handshake was answered HTTP %d, not 101" % status)
        if headers.get("sec-websocket-accept") != ws_accept(key):
            raise ValueError("wrong Sec-WebSocket-Accept %r" % headers.get("sec-websocket-accept"))

    def _take(self, n):
        while len(self.buffer) < n:
            data = self.sock.recv(max(65536, n - len(self.buffer)))
            if not data:
                raise ConnectionError("the connection closed in the middle of a frame")
            self.buffer += data
        taken, self.buffer = self.buffer[:n], self.buffer[n:]
        return taken

    def send(self, opcode, payload):
        self.sock.sendall(ws_frame(opcode, payload, True))

    def receive(self):
        """(opcode, payload) of the next whole data or close message."""
        opcode, parts = None, []
        while True:
            b0, b1 = self._take(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._take(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._take(8))[0]
            key = self._take(4) if b1 & 0x80 else None
            payload = self._take(n)
            if key:
                payload = ws_mask(payload, key)
            frame_opcode = b0 & 0x0F
            if frame_opcode == 0x9:
                self.send(0xA, payload)
                continue
            if frame_opcode == 0xA:
                continue
            if frame_opcode == 0x8:
                return 0x8, payload
            if frame_opcode != 0x0:
                opcode = frame_opcode
            parts.append(payload)
            if b0 & 0x80:
                return opcode, b"".join(parts)

    def close(self):
        """The close handshake (1000), then the TCP connection; the close code the server answered, or None."""
        code = None
        try:
            self.send(0x8, struct.pack("!H", 1000))
            opcode, payload = self.receive()
            while opcode != 0x8:
                opcode, payload = self.receive()
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        finally:
            self.sock.close()
        return code


def ws_client(port, messages, size, large_tries, large_size, timeout):
    """One WebSocket: messages text messages of size bytes one after the other, each waiting for its echo;
    then large_tries binary messages of large_size bytes (each masked before its clock starts)."""
    result = {"kind": "ws", "port": port, "messages": messages, "size": size, "received": 0, "errors": 0,
              "error": None, "large_tries": large_tries, "large_size": large_size, "large_received": 0}
    times, large_times = [], []
    started = time.monotonic()
    client = None
    try:
        client = WsClient(port, timeout)
        for i in range(messages):
            payload = ("%08d" % i).encode().ljust(size, b"x")[:size]
            t0 = now_ns()
            client.send(0x1, payload)
            opcode, echo = client.receive()
            t1 = now_ns()
            if opcode != 0x1 or echo != payload:
                raise ValueError("message %d: wrong echo (opcode %s, %d bytes)" % (i, opcode, len(echo)))
            times.append((t1 - t0) / 1e6)
            result["received"] += 1
        result["elapsed_s"] = round(time.monotonic() - started, 3)
        for i in range(large_tries):
            payload = os.urandom(large_size)
            frame = ws_frame(0x2, payload, True)
            t0 = now_ns()
            client.sock.sendall(frame)
            opcode, echo = client.receive()
            t1 = now_ns()
            if opcode != 0x2 or echo != payload:
                raise ValueError("large message %d: wrong echo (opcode %s, %d bytes)" % (i, opcode, len(echo)))
            large_times.append((t1 - t0) / 1e6)
            result["large_received"] += 1
        result["close_code"] = client.close()
        client = None
        if result["close_code"] != 1000:
            raise ValueError("the server answered the close with %s, not 1000" % result["close_code"])
    except Exception as e:
        result["errors"] += 1
        result["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        if client is not None:
            client.sock.close()
    missing = messages - result["received"] + large_tries - result["large_received"]
    if missing > 0 and result["errors"] == 0:
        result["errors"] = missing
    result.update(summary(times))
    result["large"] = summary(large_times)
    result["round_trips_ms"] = [round(t, 3) for t in times]
    result["large_round_trips_ms"] = [round(t, 3) for t in large_times]
    return result


def streams_warmup(port, seconds):
    """SSE streams (50 pieces, 2 ms apart) and WebSockets (200 small echoes and one of 64 KiB) in turn for
    seconds s, at most 1000 rounds."""
    deadline = time.monotonic() + seconds
    rounds = errors = 0
    while time.monotonic() < deadline and rounds < 1000:
        rounds += 1
        errors += 1 if sse_client(port, 50, 2, 30)["errors"] else 0
        errors += 1 if ws_client(port, 200, 32, 1, 65536, 30)["errors"] else 0
    return {"kind": "warmup", "port": port, "seconds": seconds, "rounds": rounds, "errors": errors}


def streams_client(args):
    if args.what == "sse":
        result = sse_client(args.port, args.pieces, args.interval_ms, args.timeout)
    elif args.what == "ws":
        result = ws_client(args.port, args.messages, args.size, args.large_tries, args.large_size, args.timeout)
    else:
        result = streams_warmup(args.port, args.seconds)
    result["side"] = args.side
    with open(args.json, "w") as f:
        json.dump(result, f)
        f.write("\n")
    keep = ("kind", "side", "received", "errors", "error", "p50_ms", "p99_ms", "max_ms", "rounds")
    print(json.dumps({k: v for k, v in result.items() if k in keep}), flush=True)


# --- the report ------------------------------------------------------------------------------------

COLUMNS = [
    "workload", "clients",
    "direct_rps", "tunnel_rps", "rps_ratio_pct",
    "direct_mb_s", "tunnel_mb_s",
    "direct_p50_ms", "tunnel_p50_ms", "added_p50_ms", "direct_p99_ms", "tunnel_p99_ms",
    "direct_s", "tunnel_s", "time_ratio",
    "errors", "direct_errors", "direct_requests", "tunnel_requests",
    "proxy_cpu_us_per_req", "agent_cpu_us_per_req",
    "held_at_once", "proxy_peak_rss_mb", "agent_peak_rss_mb",
    # The relay chain (nginx x2), after the columns above so that none of them moves.
    "relay_rps", "tunnel_vs_relay_pct", "relay_mb_s",
    "relay_p50_ms", "added_p50_vs_relay_ms", "relay_p99_ms",
    "relay_s", "tunnel_vs_relay_time_ratio",
    "relay_errors", "relay_requests", "relay_cpu_us_per_req",
    # --streams (sse-piece-delay, ws-round-trip, ws-1mib-round-trip), after all of the above.
    "direct_max_ms", "tunnel_max_ms", "p50_ratio", "target_ms", "target_met",
]
SIDES = ("direct", "relay", "tunnel")
ERRORS = {"direct": "direct_errors", "relay": "relay_errors", "tunnel": "errors"}


def wrk_ms(value):
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0), ("h", 3600000.0)):
        if value.endswith(unit):
            return float(value[:-len(unit)]) * factor
    return None


def wrk_bytes(value):
    m = re.fullmatch(r"([0-9.]+)([KMGT]?)B", value)
    return float(m.group(1)) * 1024 ** "_KMGT".index(m.group(2) or "_") if m else None


def parse_wrk(path):
    """req/s, p50/p99 ms, requests, non-2xx, socket errors and bytes/s of one wrk output; None if it has none."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return None
    r = {"non2xx": 0, "socket_errors": 0}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("50%", "99%"):
            r["p" + words[0][:-1]] = wrk_ms(words[1])
        elif line.startswith("Requests/sec:"):
            r["rps"] = float(words[1])
        elif line.startswith("Transfer/sec:"):
            r["bps"] = wrk_bytes(words[1])
        elif " requests in " in line:
            r["requests"] = int(words[0])
        elif "Non-2xx or 3xx responses:" in line:
            r["non2xx"] = int(words[-1])
        elif "Socket errors:" in line:
            r["socket_errors"] = sum(int(n) for n in re.findall(r"\d+", line))
    if not all(k in r for k in ("rps", "p50", "p99", "requests")):
        return None
    return r


def number(value, digits):
    if value is None:
        return None
    return round(value, digits) if digits else int(round(value))


def build_row(raw, out):
    row = dict.fromkeys(COLUMNS)
    row["workload"] = raw["workload"]
    row["clients"] = int(raw["clients"])
    failures, warnings = [], []
    name = "%s at %s clients" % (raw["workload"], raw["clients"])

    def wrk(side):
        if side + "_wrk" not in raw:
            return None
        parsed = parse_wrk(os.path.join(out, raw[side + "_wrk"]))
        if parsed is None:
            (failures if side == "tunnel" else warnings).append(
                "%s: no result in %s" % (name, raw[side + "_wrk"]))
        return parsed

    d, rl, t = wrk("direct"), wrk("relay"), wrk("tunnel")
    for side, r in zip(SIDES, (d, rl, t)):
        if r is None:
            continue
        row[side + "_rps"] = number(r["rps"], 0)
        row[side + "_p50_ms"] = number(r["p50"], 3)
        row[side + "_p99_ms"] = number(r["p99"], 3)
        row[side + "_requests"] = r["requests"]
        if r.get("bps") is not None and raw["workload"] != "tiny" and not raw["workload"].endswith("tiny"):
            row[side + "_mb_s"] = number(r["bps"] / MIB, 1)
        errors = r["non2xx"] + r["socket_errors"]
        row[ERRORS[side]] = errors
        if errors:
            message = "%s: the %s run had %d non-2xx answers and %d socket errors (see %s)" % (
                name, side, r["non2xx"], r["socket_errors"], raw[side + "_wrk"])
            (failures if side == "tunnel" else warnings).append(message)
        if side == "tunnel" and r["requests"] == 0:
            failures.append("%s: no request went through the tunnel" % name)
    if d and t:
        if d["rps"] > 0:
            row["rps_ratio_pct"] = round(100.0 * t["rps"] / d["rps"], 1)
        row["added_p50_ms"] = round(t["p50"] - d["p50"], 3)
    if rl and t:
        if rl["rps"] > 0:
            row["tunnel_vs_relay_pct"] = round(100.0 * t["rps"] / rl["rps"], 1)
        row["added_p50_vs_relay_ms"] = round(t["p50"] - rl["p50"], 3)
    if t and t["requests"] > 0 and "clk_tck" in raw:
        per_request = 1e6 / float(raw["clk_tck"]) / t["requests"]
        row["proxy_cpu_us_per_req"] = number(float(raw["proxy_cpu_ticks"]) * per_request, 1)
        row["agent_cpu_us_per_req"] = number(float(raw["agent_cpu_ticks"]) * per_request, 1)
    if rl and rl["requests"] > 0 and "clk_tck" in raw and raw.get("relay_cpu_ticks", "NA") != "NA":
        row["relay_cpu_us_per_req"] = number(
            float(raw["relay_cpu_ticks"]) * 1e6 / float(raw["clk_tck"]) / rl["requests"], 1)

    if raw["workload"].startswith("download"):
        seconds = {side: None if raw.get(side + "_s", "NA") == "NA" else float(raw[side + "_s"]) for side in SIDES}
        ds, rs, ts = seconds["direct"], seconds["relay"], seconds["tunnel"]
        size_mb = float(raw["bytes"]) / MIB
        for side in SIDES:
            row[side + "_s"] = number(seconds[side], 3)
            row[side + "_mb_s"] = number(size_mb / seconds[side], 1) if seconds[side] else None
            if side + "_s" in raw:
                row[ERRORS[side]] = int(raw[ERRORS[side]])
        row["time_ratio"] = round(ts / ds, 2) if ds and ts else None
        row["tunnel_vs_relay_time_ratio"] = round(ts / rs, 2) if rs and ts else None
        if row["errors"]:
            failures.append("%s: %d tunnel downloads failed (see raw/download.txt)" % (name, row["errors"]))
        for side in ("direct", "relay"):
            if row[ERRORS[side]]:
                warnings.append("%s: %d %s downloads failed too" % (name, row[ERRORS[side]], side))

    if raw["workload"] == "parked":
        try:
            client = json.loads(open(os.path.join(out, raw["parked_client"])).read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            client = None
        n = row["clients"]
        if client is None:
            row["errors"] = n
            failures.append("%s: the parked client reported nothing (see %s)" % (name, raw["parked_client"]))
        else:
            row["errors"] = client["errors"] + max(0, n - client["ok"] - client["errors"])
            row["tunnel_requests"] = client["ok"]
            if row["errors"]:
                failures.append("%s: %d errors %s (see %s)" % (
                    name, row["errors"], json.dumps(client["error_kinds"]), raw["parked_client"]))
        row["held_at_once"] = int(raw["held_at_once"])
        row["proxy_peak_rss_mb"] = number(float(raw["proxy_peak_rss_kb"]) / 1024, 1)
        row["agent_peak_rss_mb"] = number(float(raw["agent_peak_rss_kb"]) / 1024, 1)
        if row["held_at_once"] < n:
            hint = "; a longer --parked-hold gives them more time to arrive" if not row["errors"] else ""
            failures.append("%s: only %d requests were held at the backend at once (want %d%s)"
                            % (name, row["held_at_once"], n, hint))
    if "tunnel_json" in raw:
        streams_row(raw, row, out, name, failures, warnings)
    return row, failures, warnings


def streams_row(raw, row, out, name, failures, warnings):
    """A --streams row from the two streams-client results: p50/p99/max ms of the SSE piece delays or the
    WebSocket round trips (the 1 MiB ones for ws-1mib-round-trip), direct and tunnel, and what the tunnel adds."""
    large = raw["workload"] == "ws-1mib-round-trip"
    found = {}
    for side in ("direct", "tunnel"):
        try:
            with open(os.path.join(out, raw[side + "_json"])) as f:
                r = json.load(f)
        except (OSError, ValueError):
            r = None
        log = raw[side + "_json"][:-len(".json")] + ".txt"
        if r is None:
            (failures if side == "tunnel" else warnings).append(
                "%s: the %s run reported nothing (see %s)" % (name, side, log))
            row[ERRORS[side]] = 1
            continue
        s = r["large"] if large else r
        received = r["large_received"] if large else r["received"]
        row[side + "_p50_ms"] = s.get("p50_ms")
        row[side + "_p99_ms"] = s.get("p99_ms")
        row[side + "_max_ms"] = s.get("max_ms")
        row[side + "_requests"] = received
        row[ERRORS[side]] = r["errors"]
        if r["errors"]:
            (failures if side == "tunnel" else warnings).append(
                "%s: the %s run had %d errors: %s (see %s)" % (name, side, r["errors"], r["error"], log))
        if r["kind"] == "ws" and not large and r.get("elapsed_s") and received:
            row[side + "_rps"] = number(received / r["elapsed_s"], 0)
        found[side] = (s, received)
    if "direct" in found and "tunnel" in found:
        d, t = found["direct"][0].get("p50_ms"), found["tunnel"][0].get("p50_ms")
        if d is not None and t is not None:
            row["added_p50_ms"] = round(t - d, 3)
            row["p50_ratio"] = round(t / d, 1) if d > 0 else None
        if row["direct_rps"] and row["tunnel_rps"]:
            row["rps_ratio_pct"] = round(100.0 * row["tunnel_rps"] / row["direct_rps"], 1)
    if "tunnel" in found and found["tunnel"][1] and "clk_tck" in raw:
        per_message = 1e6 / float(raw["clk_tck"]) / found["tunnel"][1]
        row["proxy_cpu_us_per_req"] = number(float(raw["proxy_cpu_ticks"]) * per_message, 1)
        row["agent_cpu_us_per_req"] = number(float(raw["agent_cpu_ticks"]) * per_message, 1)
    if "target_ms" in raw:
        row["target_ms"] = float(raw["target_ms"])
        p99 = row["tunnel_p99_ms"]
        row["target_met"] = None if p99 is None or row["errors"] else ("yes" if p99 < row["target_ms"] else "no")


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return ("%.3f" % value).rstrip("0").rstrip(".") if abs(value) < 10 else ("%.1f" % value).rstrip("0").rstrip(".")
    return str(value)


def table(title, headers, rows):
    cells = [[fmt(v) for v in r] for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(headers)]
    line = lambda values: " | ".join(v.rjust(w) for v, w in zip(values, widths)).rstrip()
    return "\n".join([title, line(headers), "-+-".join("-" * w for w in widths)] + [line(c) for c in cells]) + "\n"


def soak_verdict(samples):
    """(verdict line, failed?) for the soak samples: the last minute against the second."""
    if not samples or samples[-1]["minute"] < 3:
        return ("soak verdict: INCONCLUSIVE: the last minute must come after minute 2 (use --soak 3 or more)", False)
    second = next((s for s in samples if s["minute"] == 2), None)
    last = samples[-1]
    keys = [("proxy_rss_mb", "proxy RSS"), ("agent_rss_mb", "agent RSS"),
            ("proxy_heap_after_gc_mb", "proxy heap"), ("agent_heap_after_gc_mb", "agent heap")]
    parts, bad, unknown = [], [], []
    for key, label in keys:
        a, b = second.get(key), last.get(key)
        if a is None or b is None or a <= 0:
            unknown.append(label)
            parts.append("%s n/a" % label)
            continue
        change = 100.0 * (b - a) / a
        parts.append("%s %.1f -> %.1f MB (%+.1f%%)" % (label, a, b, change))
        if abs(change) > 10.0:
            bad.append(label)
    detail = "; ".join(parts)
    if bad:
        return ("soak verdict: NOT STEADY: minute %d is not within 10%% of minute 2 for %s: %s"
                % (last["minute"], ", ".join(bad), detail), True)
    if unknown:
        return ("soak verdict: INCONCLUSIVE: no number for %s: %s" % (", ".join(unknown), detail), False)
    return ("soak verdict: STEADY: minute %d is within 10%% of minute 2: %s" % (last["minute"], detail), False)


def read_soak(path):
    samples = []
    if not os.path.exists(path):
        return None
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            sample = {"minute": int(r["minute"]), "elapsed_s": int(r["elapsed_s"])}
            for k, v in r.items():
                if k not in sample:
                    sample[k] = None if v in ("NA", "") else float(v)
            samples.append(sample)
    return samples


def nice_max(value):
    if value <= 0:
        return 1.0, 0.2
    raw = value / 5.0
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step), step


def svg_plot(rows, path):
    """Two panels against clients (log scale): req/s, and p50 latency; direct, relay (nginx x2) and tunnel."""
    rows = sorted(rows, key=lambda r: r["clients"])
    clients = [r["clients"] for r in rows]
    panel_w, panel_h, left, top, gap = 380, 260, 70, 50, 90
    width, height = left + 2 * panel_w + gap + 30, top + panel_h + 90
    series = [("direct", "#1f77b4"), ("relay", "#2ca02c"), ("tunnel", "#d62728")]
    labels = {"direct": "direct", "relay": "relay (nginx x2)", "tunnel": "tunnel"}
    lo, hi = math.log2(min(clients)), math.log2(max(clients))
    span = (hi - lo) or 1.0
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="sans-serif" font-size="12">' % (width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="15" font-weight="bold">Tiny body: direct to nginx, through two'
           ' chained nginx (relay), through the tunnel</text>' % left]
    for index, (metric, label) in enumerate((("rps", "requests per second"), ("p50_ms", "p50 latency (ms)"))):
        x0 = left + index * (panel_w + gap)
        values = [r[s + "_" + metric] for r in rows for s, _ in series if r[s + "_" + metric] is not None]
        ymax, step = nice_max(max(values) if values else 1.0)
        x = lambda c: x0 + 10 + (math.log2(c) - lo) / span * (panel_w - 20) if span else x0 + panel_w / 2
        y = lambda v: top + panel_h - v / ymax * panel_h
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>'
                   % (x0, top, panel_w, panel_h))
        out.append('<text x="%d" y="%d" font-weight="bold">%s</text>' % (x0, top - 8, label))
        tick = 0.0
        while tick <= ymax + step / 2:
            out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                       % (x0, y(tick), x0 + panel_w, y(tick)))
            out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                       % (x0 - 5, y(tick) + 4, ("%g" % tick) if tick < 1e6 else "%.3g" % tick))
            tick += step
        for c in clients:
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#444"/>'
                       % (x(c), top + panel_h, x(c), top + panel_h + 5))
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x(c), top + panel_h + 18, c))
        out.append('<text x="%d" y="%d" text-anchor="middle">concurrent clients (log scale)</text>'
                   % (x0 + panel_w / 2, top + panel_h + 36))
        for s, color in series:
            points = [(x(r["clients"]), y(r[s + "_" + metric])) for r in rows if r[s + "_" + metric] is not None]
            if len(points) > 1:
                out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                           % (color, " ".join("%.1f,%.1f" % p for p in points)))
            for px, py in points:
                out.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>' % (px, py, color))
    for i, (s, color) in enumerate(series):
        lx = left + i * 160
        ly = height - 18
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>'
                   % (lx, ly - 4, lx + 24, ly - 4, color))
        out.append('<text x="%d" y="%d">%s</text>' % (lx + 30, ly, labels[s]))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def report(args):
    out = args.out
    meta = {}
    for item in args.meta:
        key, _, value = item.partition("=")
        meta[key] = int(value) if re.fullmatch(r"-?\d+", value) and key.endswith(("_s", "_minutes", "cpus")) else value
    meta["agent_args"] = meta.get("agent_args", "").split()
    meta["java_opts"] = meta.get("java_opts", "").split()
    meta["proxy_sets"] = args.proxy_set
    rows, failures, warnings = [], [], []
    with open(args.rows) as f:
        for line in f:
            if line.strip():
                raw = dict(word.split("=", 1) for word in line.split())
                row, bad, odd = build_row(raw, out)
                rows.append(row)
                failures += bad
                warnings += odd
    soak = read_soak(os.path.join(out, "soak.csv")) if meta.get("mode") == "soak" else None
    verdict = None
    if soak is not None:
        verdict, unsteady = soak_verdict(soak)
        if unsteady:
            failures.append(verdict)

    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(["NA" if r[c] is None else r[c] for c in COLUMNS])
    document = dict(meta)
    document["columns"] = COLUMNS
    document["rows"] = rows
    if soak is not None:
        document["soak"] = {"samples": soak, "verdict": verdict}
    document["failures"] = failures
    document["warnings"] = warnings
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")

    if meta.get("mode") == "streams":
        text = ["%s; %s CPUs shared by the python3 clients and backend, proxy and agent" % (
                    meta.get("date", ""), meta.get("cpus", "?")),
                "direct = python3 client -> python3 backend; tunnel = python3 client -> proxy -> agent -> the same"
                " backend; no relay chain",
                "added p50 = tunnel p50 - direct p50; tunnel/direct = tunnel p50 / direct p50; errors = tunnel"
                " errors; CPU = proxy / agent CPU time per piece or message of the tunnel run",
                ""]
    else:
        text = ["%s; %s CPUs shared by the load generators, nginx, proxy and agent(s)" % (meta.get("date", ""), meta.get("cpus", "?")),
                "ratio % = tunnel req/s as a percentage of direct; tunnel/relay % = of relay; errors = tunnel non-2xx +"
                " socket errors; MB = 2^20 bytes",
                "relay = nginx x2, two chained nginx reverse proxies: the same number of relay hops as proxy + agent,"
                " the floor any two-process relay pays on this machine",
                ""]
    by = lambda name: [r for r in rows if r["workload"] == name]
    if by("tiny"):
        text.append(table("tiny body (\"ok\\n\"), wrk %s s per run; CPU = relay (both nginx) / proxy / agent CPU time"
                          " per request" % meta.get("duration_s", "?"),
                          ["clients", "direct req/s", "relay req/s", "tunnel req/s", "ratio %", "tunnel/relay %",
                           "direct p50 ms", "relay p50 ms", "tunnel p50 ms", "added p50 ms", "direct p99 ms",
                           "relay p99 ms", "tunnel p99 ms", "errors", "relay CPU us/req", "proxy CPU us/req",
                           "agent CPU us/req"],
                          [[r["clients"], r["direct_rps"], r["relay_rps"], r["tunnel_rps"], r["rps_ratio_pct"],
                            r["tunnel_vs_relay_pct"], r["direct_p50_ms"], r["relay_p50_ms"], r["tunnel_p50_ms"],
                            r["added_p50_ms"], r["direct_p99_ms"], r["relay_p99_ms"], r["tunnel_p99_ms"], r["errors"],
                            r["relay_cpu_us_per_req"], r["proxy_cpu_us_per_req"], r["agent_cpu_us_per_req"]]
                           for r in by("tiny")]))
    if by("1mib"):
        text.append(table("1 MiB body, wrk %s s per run" % meta.get("duration_s", "?"),
                          ["clients", "direct req/s", "relay req/s", "tunnel req/s", "ratio %", "tunnel/relay %",
                           "direct MB/s", "relay MB/s", "tunnel MB/s", "direct p50 ms", "relay p50 ms",
                           "tunnel p50 ms", "tunnel p99 ms", "errors", "relay CPU us/req", "proxy CPU us/req",
                           "agent CPU us/req"],
                          [[r["clients"], r["direct_rps"], r["relay_rps"], r["tunnel_rps"], r["rps_ratio_pct"],
                            r["tunnel_vs_relay_pct"], r["direct_mb_s"], r["relay_mb_s"], r["tunnel_mb_s"],
                            r["direct_p50_ms"], r["relay_p50_ms"], r["tunnel_p50_ms"], r["tunnel_p99_ms"],
                            r["errors"], r["relay_cpu_us_per_req"], r["proxy_cpu_us_per_req"],
                            r["agent_cpu_us_per_req"]] for r in by("1mib")]))
    if by("download-100mib"):
        text.append(table("one 100 MiB download with curl, best of 3 each way",
                          ["direct s", "relay s", "tunnel s", "tunnel/direct", "tunnel/relay", "direct MB/s",
                           "relay MB/s", "tunnel MB/s", "errors"],
                          [[r["direct_s"], r["relay_s"], r["tunnel_s"], r["time_ratio"],
                            r["tunnel_vs_relay_time_ratio"], r["direct_mb_s"], r["relay_mb_s"], r["tunnel_mb_s"],
                            r["errors"]] for r in by("download-100mib")]))
    if by("parked"):
        text.append(table("parked: clients held at once through the tunnel, %s s each; peak RSS during the run"
                          % meta.get("parked_hold_s", "?"),
                          ["clients", "held at once", "answered", "errors", "proxy peak RSS MB",
                           "agent peak RSS MB"],
                          [[r["clients"], r["held_at_once"], r["tunnel_requests"], r["errors"],
                            r["proxy_peak_rss_mb"], r["agent_peak_rss_mb"]] for r in by("parked")]))
    if by("sse-piece-delay"):
        text.append(table("server-sent events: one stream of %s pieces, one every %s ms, each flushed; delay ="
                          " arrival at the client - send time at the backend (CLOCK_MONOTONIC), per piece"
                          % (meta.get("sse_pieces", "?"), meta.get("sse_interval_ms", "?")),
                          ["pieces", "direct p50 ms", "direct p99 ms", "direct max ms", "tunnel p50 ms",
                           "tunnel p99 ms", "tunnel max ms", "added p50 ms", "tunnel/direct", "errors",
                           "proxy CPU us/piece", "agent CPU us/piece"],
                          [[r["tunnel_requests"], r["direct_p50_ms"], r["direct_p99_ms"], r["direct_max_ms"],
                            r["tunnel_p50_ms"], r["tunnel_p99_ms"], r["tunnel_max_ms"], r["added_p50_ms"],
                            r["p50_ratio"], r["errors"], r["proxy_cpu_us_per_req"], r["agent_cpu_us_per_req"]]
                           for r in by("sse-piece-delay")]))
        for r in by("sse-piece-delay"):
            verdict = {"yes": "MET", "no": "NOT MET"}.get(r["target_met"], "UNKNOWN (the tunnel run failed)")
            text.append("SSE target, each piece through the tunnel under %s ms (judged on its p99): %s (tunnel p50"
                        " %s ms, p99 %s ms, max %s ms)\n" % (fmt(r["target_ms"]), verdict, fmt(r["tunnel_p50_ms"]),
                                                           fmt(r["tunnel_p99_ms"]), fmt(r["tunnel_max_ms"])))
    ws_rows = by("ws-round-trip") + by("ws-1mib-round-trip")
    if ws_rows:
        text.append(table("WebSocket echo round trips, one after the other on one socket each: %s messages of %s"
                          " bytes (text), then on another %s of 1 MiB (binary)"
                          % (meta.get("ws_messages", "?"), meta.get("ws_message_bytes", "?"),
                             meta.get("ws_large_tries", "?")),
                          ["workload", "messages", "direct p50 ms", "direct p99 ms", "direct max ms",
                           "tunnel p50 ms", "tunnel p99 ms", "tunnel max ms", "added p50 ms", "tunnel/direct",
                           "direct msg/s", "tunnel msg/s", "errors", "proxy CPU us/msg", "agent CPU us/msg"],
                          [[r["workload"], r["tunnel_requests"], r["direct_p50_ms"], r["direct_p99_ms"],
                            r["direct_max_ms"], r["tunnel_p50_ms"], r["tunnel_p99_ms"], r["tunnel_max_ms"],
                            r["added_p50_ms"], r["p50_ratio"], r["direct_rps"], r["tunnel_rps"], r["errors"],
                            r["proxy_cpu_us_per_req"], r["agent_cpu_us_per_req"]] for r in ws_rows]))
    soak_rows = [r for r in rows if r["workload"].startswith("soak")]
    if soak_rows:
        text.append(table("soak load through the tunnel, %s min" % meta.get("soak_minutes", "?"),
                          ["workload", "clients", "tunnel req/s", "tunnel MB/s", "tunnel p50 ms", "tunnel p99 ms",
                           "requests", "errors"],
                          [[r["workload"], r["clients"], r["tunnel_rps"], r["tunnel_mb_s"], r["tunnel_p50_ms"],
                            r["tunnel_p99_ms"], r["tunnel_requests"], r["errors"]] for r in soak_rows]))
    if soak is not None:
        text.append(table("memory each minute (heap = in use right after a full GC, from jstat's OU)",
                          ["minute", "elapsed s", "proxy RSS MB", "agent RSS MB", "proxy heap MB", "agent heap MB"],
                          [[s["minute"], s["elapsed_s"], s["proxy_rss_mb"], s["agent_rss_mb"],
                            s["proxy_heap_after_gc_mb"], s["agent_heap_after_gc_mb"]] for s in soak]))
        text.append(verdict + "\n")
    for w in warnings:
        text.append("warning: " + w)
    for f in failures:
        text.append("FAILED: " + f)
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write("\n".join(text).rstrip("\n") + "\n")

    svg = os.path.join(out, "throughput.svg")
    if by("tiny"):
        svg_plot(by("tiny"), svg)
    elif os.path.exists(svg):
        os.remove(svg)
    for w in warnings:
        print("bench: warning: " + w, file=sys.stderr)
    for f in failures:
        print("bench: FAILED: " + f, file=sys.stderr)
    return 3 if failures else 0


def main():
    parser = argparse.ArgumentParser(prog="bench_tools.py")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("park-server")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--hold", type=float, required=True)
    p = sub.add_parser("park-client")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/parked/")
    p.add_argument("--clients", type=int, required=True)
    p.add_argument("--timeout", type=float, required=True)
    p.add_argument("--connecting", type=int, default=200)
    p = sub.add_parser("stream-server")
    p.add_argument("--port", type=int, required=True)
    p = sub.add_parser("streams-client")
    p.add_argument("what", choices=("sse", "ws", "warmup"))
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--side", default="")
    p.add_argument("--json", required=True)
    p.add_argument("--pieces", type=int, default=200)
    p.add_argument("--interval-ms", type=float, default=20)
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--large-tries", type=int, default=5)
    p.add_argument("--large-size", type=int, default=MIB)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--timeout", type=float, default=60)
    p = sub.add_parser("report")
    p.add_argument("--out", required=True)
    p.add_argument("--rows", required=True)
    p.add_argument("--meta", action="append", default=[])
    p.add_argument("--proxy-set", action="append", default=[])
    args = parser.parse_args()
    if args.command == "park-server":
        park_server(args.port, args.hold)
    elif args.command == "park-client":
        park_client(args.port, args.path, args.clients, args.timeout, args.connecting)
    elif args.command == "stream-server":
        stream_server(args.port)
    elif args.command == "streams-client":
        streams_client(args)
    else:
        sys.exit(report(args))


if __name__ == "__main__":
    main()
