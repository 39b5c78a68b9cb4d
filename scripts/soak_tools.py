"""Helpers of scripts/soak (python3 stdlib only; the WebSocket and HTTP pieces come from bench_tools.py).

backend   an HTTP/1.1 server behind the agent: /data answers any method with a body of ?size= bytes in a
          pattern keyed by ?seed= (chunked with ?chunked=1, status ?status=) and says in X-Soak-Received
          the length and SHA-256 of the request body it read; /sse streams numbered events; /ws echoes
          WebSocket messages
load      the mixed load: HTTP clients (every method, bodies from 0 to 10 MiB both ways), SSE and WebSocket
          clients; each request's start, end, kind and verdict as one line of requests.tsv
slowloris a fault: connections that send their request head or body a few bytes a second, and idle ones
abort     a fault: clients that go away in the middle of an upload, a download, an SSE stream, a WebSocket frame
report    turns requests.tsv, faults.tsv, memory.tsv and leaks.tsv into report.md and summary.tsv
"""
import argparse
import asyncio
import hashlib
import http.client
import json
import os
import random
import socket
import struct
import sys
import threading
import time

from bench_tools import WsClient, serve, split_target, websocket_echo, ws_frame

MIB = 1048576
BLOCK = 65536
SEEDS = 8  # body patterns: a request's seed is one of 0..SEEDS-1, so every expected digest is computed once
SMALL_SIZES = (0, 1, 2, 100, 1000, 4095, 4096, 8192, 16385, 65535, 65536, 65537, 100000, 262147)
LARGE_SIZES = (MIB, MIB + 1, 3 * MIB - 7, 5 * MIB, 10 * MIB)
WS_SIZES = (0, 1, 125, 126, 127, 1000, 65535, 65536, 65537, 300000)
METHODS = (("GET", 30), ("HEAD", 8), ("POST", 20), ("PUT", 14), ("PATCH", 8), ("DELETE", 10), ("OPTIONS", 10))
UPLOAD_METHODS = ("POST", "PUT", "PATCH")
ODD_STATUSES = (201, 202, 404, 410, 500)
IO_TIMEOUT = 30       # seconds a client waits for the next bytes before giving up
ERROR_PAUSE = 0.2     # seconds a client waits after an error, so a fault does not make it spin
REQUEST_LIMIT = 120   # seconds one request or stream may take in all
LEAK_GAUGES = ("exchanges", "queued_requests", "agent_in_flight")  # leaks.tsv rows that must be 0


# --- body patterns --------------------------------------------------------------------------------

_base_blocks = {}
_digests = {}
_digests_lock = threading.Lock()


def base_block(seed):
    """64 KiB of hash output keyed by seed: what every block of a body with that seed is made of."""
    block = _base_blocks.get(seed)
    if block is None:
        h, parts = hashlib.sha256(b"soak %d" % seed).digest(), []
        for _ in range(BLOCK // 32):
            h = hashlib.sha256(h).digest()
            parts.append(h)
        block = _base_blocks.setdefault(seed, b"".join(parts))
    return block


def pattern_blocks(size, seed):
    """The body of size bytes keyed by seed, block by block (64 KiB at most each; never the whole body at once).
    Each block starts with its number, so a block repeated, lost or put in the wrong place changes the body."""
    base = base_block(seed)
    for number, offset in enumerate(range(0, size, BLOCK)):
        yield (b"%016x" % number + base[16:])[:min(BLOCK, size - offset)]


def expected_digest(size, seed):
    """SHA-256 (hex) of pattern_blocks(size, seed); remembered, as sizes and seeds come from small sets."""
    key = (size, seed)
    digest = _digests.get(key)
    if digest is None:
        h = hashlib.sha256()
        for block in pattern_blocks(size, seed):
            h.update(block)
        digest = h.hexdigest()
        with _digests_lock:
            _digests[key] = digest
    return digest


def sse_tag(seed, number):
    return hashlib.sha256(b"%d:%d" % (seed, number)).hexdigest()[:16]


# --- the backend ----------------------------------------------------------------------------------

async def hash_request_body(reader, headers):
    """(length, SHA-256 hex) of the request body, read piece by piece, chunked or with a Content-Length."""
    h, length = hashlib.sha256(), 0

    async def take(n):
        nonlocal length
        while n:
            piece = await reader.read(min(n, BLOCK))
            if not piece:
                raise asyncio.IncompleteReadError(b"", n)
            h.update(piece)
            length += len(piece)
            n -= len(piece)

    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                break
            await take(size)
            await reader.readexactly(2)
    else:
        await take(int(headers.get("content-length", "0") or "0"))
    return length, h.hexdigest()


async def answer_data(writer, method, query, received):
    size, seed = int(query.get("size", "0")), int(query.get("seed", "0"))
    status = int(query.get("status", "200"))
    chunked = query.get("chunked") == "1" and method != "HEAD"
    head = ["HTTP/1.1 %d Soak" % status, "Content-Type: application/octet-stream",
            "X-Soak-Received: %d %s" % received]
    if method == "OPTIONS":
        head.append("Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
    head.append("Transfer-Encoding: chunked" if chunked else "Content-Length: %d" % size)
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    if method != "HEAD":
        for block in pattern_blocks(size, seed):
            writer.write(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
    await writer.drain()


async def answer_sse(writer, query):
    pieces = max(0, min(10000, int(query.get("pieces", "20"))))
    interval = float(query.get("interval_ms", "100")) / 1000.0
    seed = int(query.get("seed", "0"))
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    await writer.drain()
    for i in range(pieces):
        await asyncio.sleep(interval)
        event = b"id: %d\ndata: %d %d %s\n\n" % (i, seed, i, sse_tag(seed, i).encode())
        writer.write(b"%x\r\n%s\r\n" % (len(event), event))
        await writer.drain()
    end = b"event: end\ndata: %d\n\n" % pieces
    writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(end), end))
    await writer.drain()


def backend(port):
    async def handle_request(reader, writer, method, target, headers):
        path, query = split_target(target)
        if path == "/ws":
            await websocket_echo(reader, writer, headers)
            return False
        received = await hash_request_body(reader, headers)
        if path == "/sse":
            await answer_sse(writer, query)
        else:
            await answer_data(writer, method, query, received)
        return headers.get("connection", "").lower() != "close"

    serve(port, handle_request, "soak backend on 127.0.0.1:%d: /data, /sse, /ws" % port)


# --- the load -------------------------------------------------------------------------------------

class Recorder:
    """requests.tsv: one line per finished request, stream or WebSocket session."""

    def __init__(self, path):
        self.file = open(path, "w", buffering=1)
        self.lock = threading.Lock()
        self.file.write("start\tend\tkind\tsent_bytes\treceived_bytes\toutcome\tdetail\n")

    def record(self, start, kind, sent, received, outcome, detail=""):
        line = "%.3f\t%.3f\t%s\t%d\t%d\t%s\t%s\n" % (start, time.time(), kind, sent, received, outcome,
                                                    detail.replace("\t", " ").replace("\n", " ")[:300])
        with self.lock:
            self.file.write(line)


def classify(error):
    """A short label for what went wrong with a request (the outcome column)."""
    if isinstance(error, http.client.IncompleteRead):
        return "truncated"
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)):
        return "reset"
    return type(error).__name__


def pick_size(rng, large_share):
    return rng.choice(LARGE_SIZES) if rng.random() < large_share else rng.choice(SMALL_SIZES)


def http_plan(rng):
    """One request: method, response size, upload size (None: no body), seeds, status, framings."""
    method = rng.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0]
    upload = pick_size(rng, 0.12) if method in UPLOAD_METHODS else None
    if method in ("GET", "HEAD"):
        size = pick_size(rng, 0.12)
    elif method in UPLOAD_METHODS:
        size = pick_size(rng, 0.05)  # sometimes large both ways
    else:
        size = rng.choice(SMALL_SIZES[:8])
    status = rng.choice(ODD_STATUSES) if rng.random() < 0.05 else 200
    return {"method": method, "size": size, "seed": rng.randrange(SEEDS), "status": status,
            "chunked": rng.random() < 0.3, "upload": upload, "upload_seed": rng.randrange(SEEDS),
            "upload_chunked": rng.random() < 0.3}


def http_exchange(conn, plan, number):
    """Sends one planned request on conn and checks its answer whole: (outcome, detail, sent, received)."""
    path = "/data?size=%d&seed=%d&status=%d&chunked=%d&n=%d" % (
        plan["size"], plan["seed"], plan["status"], plan["chunked"], number)
    headers, body, sent = {}, None, 0
    if plan["upload"] is not None:
        body, sent = pattern_blocks(plan["upload"], plan["upload_seed"]), plan["upload"]
        if not plan["upload_chunked"]:
            headers["Content-Length"] = str(plan["upload"])
    started = time.monotonic()
    conn.request(plan["method"], path, body=body, headers=headers)
    response = conn.getresponse()
    h, received = hashlib.sha256(), 0
    while True:
        piece = response.read(BLOCK)
        if not piece:
            break
        h.update(piece)
        received += len(piece)
        if time.monotonic() - started > REQUEST_LIMIT:
            raise TimeoutError("the body took more than %d s" % REQUEST_LIMIT)
    if response.status != plan["status"]:
        return "HTTP %d" % response.status, "wanted %d" % plan["status"], sent, received
    upload_want = "%d %s" % ((plan["upload"] or 0), expected_digest(plan["upload"] or 0, plan["upload_seed"]))
    if response.getheader("X-Soak-Received") != upload_want:
        return "upload garbled", "backend read %s" % response.getheader("X-Soak-Received"), sent, received
    if plan["method"] == "HEAD":
        length = response.getheader("Content-Length")
        if received or (length is not None and int(length) != plan["size"]):
            return "HEAD garbled", "Content-Length %s, %d body bytes" % (length, received), sent, received
    elif received != plan["size"]:
        # http.client's read(n) ends quietly where a Content-Length body was cut short.
        return "truncated", "%d of %d bytes" % (received, plan["size"]), sent, received
    elif h.hexdigest() != expected_digest(plan["size"], plan["seed"]):
        return "body garbled", "digest differs", sent, received
    return "ok", "", sent, received


def http_worker(port, deadline, seed, recorder):
    rng = random.Random(seed)
    conn, number = None, 0
    while time.time() < deadline:
        plan = http_plan(rng)
        number += 1
        start = time.time()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=IO_TIMEOUT)
            outcome, detail, sent, received = http_exchange(conn, plan, number)
        except Exception as e:
            outcome, detail, sent, received = classify(e), "%s: %s" % (type(e).__name__, e), 0, 0
        if outcome != "ok" and conn is not None:
            conn.close()  # after an error the connection's state is unknown
            conn = None
        recorder.record(start, plan["method"], sent, received, outcome,
                        detail or "size %d upload %s" % (plan["size"], plan["upload"]))
        if outcome != "ok":
            time.sleep(ERROR_PAUSE)
    if conn is not None:
        conn.close()


def sse_stream(port, rng):
    """One event stream, every event checked in order: (outcome, detail, received bytes)."""
    pieces, interval_ms, seed = rng.randint(5, 40), rng.choice((20, 50, 100, 150)), rng.randrange(SEEDS)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=IO_TIMEOUT)
    try:
        conn.request("GET", "/sse?pieces=%d&interval_ms=%d&seed=%d" % (pieces, interval_ms, seed),
                     headers={"Accept": "text/event-stream"})
        response = conn.getresponse()
        if response.status != 200:
            response.read()
            return "HTTP %d" % response.status, "", 0
        started, buffer, received, expected, arrivals, ended = time.monotonic(), b"", 0, 0, [], False
        while not ended:
            piece = response.read1(BLOCK)
            if not piece:
                break
            if time.monotonic() - started > REQUEST_LIMIT:
                return "timeout", "the stream took more than %d s" % REQUEST_LIMIT, received
            received += len(piece)
            buffer += piece
            while b"\n\n" in buffer:
                event, _, buffer = buffer.partition(b"\n\n")
                if event.startswith(b"event: end"):
                    ended = event == b"event: end\ndata: %d" % pieces
                    if not ended:
                        return "stream garbled", "bad end %r" % event[:80], received
                    break
                want = b"id: %d\ndata: %d %d %s" % (expected, seed, expected, sse_tag(seed, expected).encode())
                if event != want:
                    return "stream garbled", "event %d: %r" % (expected, event[:80]), received
                arrivals.append(time.monotonic())
                expected += 1
        if not ended or expected != pieces:
            return "stream cut", "%d of %d events, end %s" % (expected, pieces, ended), received
        if response.read(1):
            return "stream garbled", "bytes after the end", received
        # A relay that buffered the whole stream would hand every event over at once.
        if pieces >= 10 and arrivals[-1] - arrivals[0] < 0.25 * (pieces - 1) * interval_ms / 1000.0:
            return "stream buffered", "%d events within %.3f s" % (pieces, arrivals[-1] - arrivals[0]), received
        return "ok", "%d events" % pieces, received
    finally:
        conn.close()


def sse_worker(port, deadline, seed, recorder):
    rng = random.Random(seed)
    while time.time() < deadline:
        start = time.time()
        try:
            outcome, detail, received = sse_stream(port, rng)
        except Exception as e:
            outcome, detail, received = classify(e), "%s: %s" % (type(e).__name__, e), 0
        recorder.record(start, "SSE", 0, received, outcome, detail)
        if outcome != "ok":
            time.sleep(ERROR_PAUSE)


def ws_session(port, rng):
    """One WebSocket: a few messages of assorted sizes, each echo compared, then the close handshake."""
    client, sent, received = WsClient(port, IO_TIMEOUT), 0, 0
    try:
        messages = rng.randint(3, 30)
        for i in range(messages):
            size = MIB if rng.random() < 0.03 else rng.choice(WS_SIZES)
            opcode = rng.choice((0x1, 0x2))
            payload = rng.randbytes(size)
            if opcode == 0x1:
                payload = payload.hex()[:size].encode("ascii")  # text frames must be UTF-8
            client.send(opcode, payload)
            sent += size
            answer_opcode, answer = client.receive()
            received += len(answer)
            if answer_opcode == 0x8:
                return "ws closed", "close %r after %d of %d messages" % (answer[:2], i, messages), sent, received
            if answer_opcode != opcode or answer != payload:
                return "ws garbled", "message %d of %d bytes" % (i, size), sent, received
            time.sleep(rng.uniform(0, 0.1))
        code = client.close()
        client = None
        if code != 1000:
            return "ws close", "the backend's close code was %s" % code, sent, received
        return "ok", "%d messages" % messages, sent, received
    finally:
        if client is not None:
            client.sock.close()


def ws_worker(port, deadline, seed, recorder):
    rng = random.Random(seed)
    while time.time() < deadline:
        start = time.time()
        try:
            outcome, detail, sent, received = ws_session(port, rng)
        except Exception as e:
            outcome, detail, sent, received = classify(e), "%s: %s" % (type(e).__name__, e), 0, 0
        recorder.record(start, "WS", sent, received, outcome, detail)
        if outcome != "ok":
            time.sleep(ERROR_PAUSE)


def load(args):
    deadline = time.time() + args.seconds
    recorder = Recorder(args.out)
    workers = [(http_worker, args.clients), (sse_worker, args.sse), (ws_worker, args.websockets)]
    threads = []
    for run, count in workers:
        for i in range(count):
            threads.append(threading.Thread(target=run, args=(args.port, deadline, args.seed * 1000 + len(threads),
                                                              recorder), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        # Each request is bounded by REQUEST_LIMIT; the wait too, so the load always ends by itself.
        thread.join(max(0.0, deadline - time.time()) + REQUEST_LIMIT + 10)
    alive = sum(thread.is_alive() for thread in threads)
    print("load: done, %d workers still busy" % alive, flush=True)
    sys.exit(1 if alive else 0)


# --- faults: slow and idle connections, clients that go away ----------------------------------------

def slowloris(args):
    """Connections that trickle a request head (a header line a second), a request body (10 bytes a
    second) or nothing at all, for --seconds; then closes them."""
    heads = [b"GET /data?size=10 HTTP/1.1\r\nHost: 127.0.0.1\r\n",
             b"POST /data?size=10 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n", b""]
    socks, refused, closed = [], 0, set()
    for i in range(args.connections):
        try:
            sock = socket.create_connection(("127.0.0.1", args.port), timeout=5)
            sock.sendall(heads[i % 3])
            socks.append((i % 3, sock))
        except OSError:
            refused += 1
    deadline = time.time() + args.seconds
    while time.time() < deadline:
        time.sleep(1)
        for i, (mode, sock) in enumerate(socks):
            if mode == 2 or i in closed:
                continue
            try:
                sock.sendall(b"X-Slow-%d: %d\r\n" % (i, int(time.time())) if mode == 0 else b"0123456789")
            except OSError:
                closed.add(i)
    for _, sock in socks:
        sock.close()
    print(json.dumps({"connections": args.connections, "refused": refused, "closed_by_the_proxy": len(closed)}))


def rst_close(sock):
    """Closes with a reset (SO_LINGER 0), as a client process that dies does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def abort(args):
    """Clients that go away mid-body, --rounds times: a 10 MiB upload (Content-Length) after 2 MiB, a chunked
    upload after a few chunks, a 10 MiB download after 1 MiB, an SSE stream after its first event, a WebSocket
    in the middle of a 1 MiB frame."""
    port, done = args.port, []

    def connect():
        return socket.create_connection(("127.0.0.1", port), timeout=10)

    def upload():
        sock = connect()
        sock.sendall(b"PUT /data?size=10 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % (10 * MIB))
        for block in pattern_blocks(2 * MIB, 1):
            sock.sendall(block)
        rst_close(sock)

    def chunked_upload():
        sock = connect()
        sock.sendall(b"POST /data?size=10 HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        for block in pattern_blocks(5 * BLOCK, 2):
            sock.sendall(b"%x\r\n%s\r\n" % (len(block), block))
        sock.close()

    def download():
        sock = connect()
        sock.sendall(b"GET /data?size=%d&seed=3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % (10 * MIB))
        got = 0
        while got < MIB:
            piece = sock.recv(BLOCK)
            if not piece:
                break
            got += len(piece)
        rst_close(sock)

    def sse():
        sock = connect()
        sock.sendall(b"GET /sse?pieces=50&interval_ms=50 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        got = b""
        while b"id: 0" not in got:
            piece = sock.recv(BLOCK)
            if not piece:
                break
            got += piece
        sock.close()

    def websocket():
        client = WsClient(port, 10)
        frame = ws_frame(0x2, os.urandom(MIB), True)
        client.sock.sendall(frame[:len(frame) // 2])
        rst_close(client.sock)

    for _ in range(args.rounds):
        for kind in (upload, chunked_upload, download, sse, websocket):
            try:
                kind()
                done.append(kind.__name__)
            except OSError as e:
                done.append("%s failed: %s" % (kind.__name__, e))
            time.sleep(0.2)
    print(json.dumps({"aborted": done}))


# --- the report ------------------------------------------------------------------------------------

def read_tsv(path):
    with open(path) as f:
        lines = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return [dict(zip(lines[0], line)) for line in lines[1:]] if lines else []


def slope_per_minute(points):
    """Least-squares slope of (minute, value) points, per minute; None with fewer than two."""
    if len(points) < 2:
        return None
    n = len(points)
    mx, my = sum(p[0] for p in points) / n, sum(p[1] for p in points) / n
    var = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / var if var else None


def memory_rows(samples, growth_limit_pct):
    """Per series (proxy/agent RSS/heap): first, last, max, slope and growth over the samples under load
    (minute >= 1) of the process of that name sampled most often (agent-kill makes a new agent process),
    the latest of those on a tie."""
    rows, flags = [], []
    for process in ("proxy", "agent"):
        loaded = [s for s in samples if float(s["minute"]) >= 1]
        pids = [s[process + "_pid"] for s in loaded]
        pid = max(reversed(pids), key=pids.count) if pids else None
        series = [s for s in loaded if s[process + "_pid"] == pid]
        for what in ("rss_mb", "heap_after_gc_mb"):
            points = [(float(s["elapsed_s"]) / 60.0, float(s[process + "_" + what])) for s in series
                      if s[process + "_" + what] not in ("NA", "")]
            if not points:
                rows.append([process, what, "NA", "NA", "NA", "NA", "NA", "no samples"])
                continue
            first, last = points[0][1], points[-1][1]
            slope = slope_per_minute(points)
            growth = (last - first) / first * 100.0 if first else 0.0
            note = "pid %s, minutes %.1f to %.1f" % (pid, points[0][0], points[-1][0]) if len(series) < len(loaded) else ""
            flag = len(points) >= 2 and growth > growth_limit_pct
            if flag:
                flags.append("%s %s grew %.1f %% (%.1f -> %.1f MB)" % (process, what, growth, first, last))
            rows.append([process, what, "%.1f" % first, "%.1f" % last, "%.1f" % max(p[1] for p in points),
                         "NA" if slope is None else "%+.2f" % slope, "%+.1f" % growth,
                         ("GROWTH " if flag else "") + note])
    return rows, flags


def md_table(headers, rows):
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def report(args):
    requests = read_tsv(os.path.join(args.out, "requests.tsv"))
    faults = read_tsv(os.path.join(args.out, "faults.tsv"))
    samples = read_tsv(os.path.join(args.out, "memory.tsv"))
    leaks = read_tsv(os.path.join(args.out, "leaks.tsv"))
    meta = dict(item.partition("=")[::2] for item in args.meta)
    windows = [(float(f["start"]), float(f["end"]) + args.grace, f["kind"]) for f in faults if f["end"]]

    kinds, outside, inside = {}, {}, {}
    examples = []
    for r in requests:
        start, end = float(r["start"]), float(r["end"])
        hit = [kind for (ws, we, kind) in windows if start <= we and end >= ws]
        k = kinds.setdefault(r["kind"], {"requests": 0, "ok": 0, "sent": 0, "received": 0, "affected": 0,
                                         "errors_outside": 0, "errors_inside": 0})
        k["requests"] += 1
        k["sent"] += int(r["sent_bytes"])
        k["received"] += int(r["received_bytes"])
        k["affected"] += bool(hit)
        if r["outcome"] == "ok":
            k["ok"] += 1
        elif hit:
            k["errors_inside"] += 1
            key = (r["kind"], r["outcome"], "+".join(sorted(set(hit))))
            inside[key] = inside.get(key, 0) + 1
        else:
            k["errors_outside"] += 1
            key = (r["kind"], r["outcome"])
            outside[key] = outside.get(key, 0) + 1
            if len(examples) < 20:
                examples.append(r)
    errors_outside = sum(outside.values())
    errors_inside = sum(inside.values())
    injected = {}
    for f in faults:
        injected[f["kind"]] = injected.get(f["kind"], 0) + 1
    wanted = [k for k in args.fault_kinds.split(",") if k]
    missing = [k for k in wanted if not injected.get(k)]
    mem_rows, growth_flags = memory_rows(samples, args.growth_limit)
    leaked = {row["gauge"]: row["value"] for row in leaks}
    counted = [leaked.get(k, "NA") for k in LEAK_GAUGES]
    leak_total = sum(float(v) for v in counted if v not in ("NA", ""))
    leak_unknown = [k for k, v in zip(LEAK_GAUGES, counted) if v in ("NA", "")]

    failures = []
    if errors_outside:
        failures.append("%d errors outside the fault windows" % errors_outside)
    if leak_total or leak_unknown or not leaked:
        failures.append("exchanges left over, or not known, after the settle: %s" % ", ".join(
            "%s %s" % (k, v) for k, v in zip(LEAK_GAUGES, counted)))
    if missing:
        failures.append("faults never injected: %s" % ", ".join(missing))
    if not requests:
        failures.append("the load made no requests")
    if meta.get("load_status", "0") != "0":
        failures.append("the load generator exited with status %s" % meta["load_status"])

    md = ["# scripts/soak report", ""]
    md += ["- %s: %s" % (k, v) for k, v in meta.items()]
    md += ["- a request is fault-affected when it was in flight between a fault's start and %s s after its end"
           % args.grace, ""]
    md.append("## Requests by kind\n")
    md.append(md_table(["kind", "requests", "ok", "fault-affected", "errors outside faults", "errors inside faults",
                        "MB sent", "MB received"],
                       [[k, v["requests"], v["ok"], v["affected"], v["errors_outside"], v["errors_inside"],
                         "%.1f" % (v["sent"] / MIB), "%.1f" % (v["received"] / MIB)]
                        for k, v in sorted(kinds.items())]
                       + [["all", sum(v["requests"] for v in kinds.values()), sum(v["ok"] for v in kinds.values()),
                           sum(v["affected"] for v in kinds.values()), errors_outside, errors_inside,
                           "%.1f" % (sum(v["sent"] for v in kinds.values()) / MIB),
                           "%.1f" % (sum(v["received"] for v in kinds.values()) / MIB)]]))
    md.append("## Errors outside fault windows: %d (target 0)\n" % errors_outside)
    if outside:
        md.append(md_table(["kind", "outcome", "count"], [[k, o, n] for (k, o), n in sorted(outside.items())]))
        md.append(md_table(["start", "end", "kind", "outcome", "detail"],
                           [[e["start"], e["end"], e["kind"], e["outcome"], e["detail"]] for e in examples]))
    md.append("## Errors inside fault windows: %d (expected)\n" % errors_inside)
    if inside:
        md.append(md_table(["kind", "outcome", "fault", "count"],
                           [[k, o, f, n] for (k, o, f), n in sorted(inside.items())]))
    md.append("## Faults injected\n")
    t0 = float(meta.get("load_start", "0") or 0)
    md.append(md_table(["#", "fault", "start s", "end s", "seconds", "detail"],
                       [[i + 1, f["kind"], "%.1f" % (float(f["start"]) - t0), "%.1f" % (float(f["end"]) - t0),
                         "%.1f" % (float(f["end"]) - float(f["start"])), f.get("detail", "")]
                        for i, f in enumerate(faults)]))
    md.append("## Memory each minute (heap = in use right after a full GC)\n")
    md.append(md_table(["minute", "elapsed s", "proxy pid", "proxy RSS MB", "proxy heap MB", "agent pid",
                        "agent RSS MB", "agent heap MB"],
                       [[s["minute"], s["elapsed_s"], s["proxy_pid"], s["proxy_rss_mb"], s["proxy_heap_after_gc_mb"],
                         s["agent_pid"], s["agent_rss_mb"], s["agent_heap_after_gc_mb"]] for s in samples]))
    md.append("Under load (minute 1 on), the process of each name sampled most often:\n")
    md.append(md_table(["process", "series", "first", "last", "max", "slope MB/min", "growth %", "note"], mem_rows))
    md.append("## Leaks after the load stopped and %s s of settle at most\n" % meta.get("settle_s", "?"))
    md.append(md_table(["gauge", "value", "source"], [[r["gauge"], r["value"], r["source"]] for r in leaks]))
    for flag in growth_flags:
        md.append("FLAG: memory growth above %s %%: %s" % (args.growth_limit, flag))
    md.append("")
    md.append("RESULT: " + ("FAILED: " + "; ".join(failures) if failures else "PASSED"))
    text = "\n".join(md) + "\n"
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(text)

    summary = [("result", "FAILED" if failures else "PASSED"), ("requests", len(requests)),
               ("errors_outside_faults", errors_outside), ("errors_inside_faults", errors_inside),
               ("leaked", "NA" if leak_unknown or not leaked else "%g" % leak_total),
               ("growth_flags", len(growth_flags))]
    summary += [("requests_" + k, v["requests"]) for k, v in sorted(kinds.items())]
    summary += [("faults_" + k, injected.get(k, 0)) for k in wanted]
    summary += [("leak_" + k, v) for k, v in leaked.items()]
    with open(os.path.join(args.out, "summary.tsv"), "w") as f:
        f.write("".join("%s\t%s\n" % row for row in summary))
    print(text)
    return 3 if failures else 0


def main():
    parser = argparse.ArgumentParser(prog="soak_tools.py")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("backend")
    p.add_argument("--port", type=int, required=True)
    p = sub.add_parser("load")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--clients", type=int, default=6)
    p.add_argument("--sse", type=int, default=2)
    p.add_argument("--websockets", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    p = sub.add_parser("slowloris")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--connections", type=int, default=60)
    p.add_argument("--seconds", type=float, default=20)
    p = sub.add_parser("abort")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rounds", type=int, default=3)
    p = sub.add_parser("report")
    p.add_argument("--out", required=True)
    p.add_argument("--grace", type=float, default=5)
    p.add_argument("--growth-limit", type=float, default=10)
    p.add_argument("--fault-kinds", default="")
    p.add_argument("--meta", action="append", default=[])
    args = parser.parse_args()
    if args.command == "backend":
        backend(args.port)
    elif args.command == "load":
        load(args)
    elif args.command == "slowloris":
        slowloris(args)
    elif args.command == "abort":
        abort(args)
    else:
        sys.exit(report(args))


if __name__ == "__main__":
    main()
