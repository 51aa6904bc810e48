#!/usr/bin/env python3
"""Healthcheck latency under attack (driven by bench/attacks.sh; stdlib only, loopback only).

For each attack in turn: start it (background threads, bounded in connections and time), let
it build up for WARMUP seconds, then time SAMPLES fresh-connection GETs alternating
/health/ready and /health/live (one new TCP connection each, as real healthcheckers do, 2 s
timeout, PAUSE ms apart), stop the attack and close its sockets. A failure is anything but a
200 within the timeout. Prints one line per attack: name, samples, median/p99/max in ms and
failures; --md also writes the markdown table.
"""
import argparse
import multiprocessing
import os
import random
import signal
import socket
import statistics
import threading
import time

HOST = "127.0.0.1"


def connect(port, rcvbuf=0, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((HOST, port))
    return s


def probe(port, path):
    """One healthcheck on a fresh connection: (ms, ok)."""
    start = time.perf_counter()
    try:
        s = connect(port)
        try:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: healthcheck\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        ok = data.startswith(b"HTTP/1.1 200 ")
    except OSError:
        ok = False
    return (time.perf_counter() - start) * 1000.0, ok


class Attack:
    """Runs `body(attack)` on `threads` threads in a child process of its own, so that the
    attackers' Python never holds the lock the timing client needs; the sockets put in
    `hold` are closed when the child ends."""

    def __init__(self, body, threads=1):
        self.body = body
        self.threads = threads
        self.stop = multiprocessing.Event()
        self.process = multiprocessing.Process(target=self._main, daemon=True)
        self.keep = []
        self.lock = threading.Lock()

    def _main(self):
        workers = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for t in workers:
            t.start()
        self.stop.wait()
        for t in workers:
            t.join(timeout=5)
        with self.lock:
            for s in self.keep:
                quietly(s.close)

    def _run(self):
        try:
            self.body(self)
        except OSError:
            pass

    def hold(self, s):
        with self.lock:
            self.keep.append(s)

    def start(self):
        self.process.start()

    def end(self):
        self.stop.set()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()


def quietly(fn):
    try:
        return fn()
    except OSError:
        return None


def attacks(port, pid):
    ranges = "bytes=0-29" + ",0-29" * 1499
    range_req = f"GET /health/ready HTTP/1.1\r\nHost: t\r\nRange: {ranges}\r\n\r\n".encode()
    health_x200 = b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n" * 200
    smuggled = b"GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n"
    n = str(len(smuggled)).encode()
    malformed = [
        b"GET /health/ready HTTP/1.1\r\nX-Big: " + b"x" * 20000 + b"\r\n\r\n",
        b"GET /" + b"p" * 12000 + b" HTTP/1.1\r\n\r\n",
        b"DELETE /health/ready HTTP/1.1\r\n\r\n",
        b"BREW /health/ready HTTP/1.1\r\n\r\n",
        b"POST /health/ready HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n" + b"b" * 1000,
        b"GET /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        b"GET /health HTTP/9.9\r\n\r\n",
        b"GET /health\x00 HTTP/1.1\r\n\r\n",
    ]
    smuggling = [
        b"GET /health/ready HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: " + n + b"\r\n\r\n" + smuggled,
        b"GET /health HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: " + n + b"\r\n\r\n" + smuggled,
        b"GET /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: " + n + b"\r\n\r\n" + smuggled,
        b"GET /health HTTP/1.1\r\nX-A: 1\r\n Content-Length: " + n + b"\r\n\r\n" + smuggled,
        b"GET /health HTTP/1.1\r\nContent-Length : " + n + b"\r\n\r\n" + smuggled,
    ]

    def slowloris(a):  # 500 connections, a request head that never ends, a byte every second
        socks = []
        for _ in range(500):
            s = quietly(lambda: connect(port))
            if s:
                quietly(lambda: s.sendall(b"GET /health/ready HTTP/1.1\r\nHost: t\r\nX-a: "))
                socks.append(s)
                a.hold(s)
        while not a.stop.wait(1.0):
            for s in socks:
                quietly(lambda: s.send(b"b"))

    def idle(a):  # 2,000 keep-alive connections that ask once, then sit (reconnecting)
        while not a.stop.is_set():
            for _ in range(2000):
                if a.stop.is_set():
                    return
                s = quietly(lambda: connect(port))
                if s:
                    quietly(lambda: s.sendall(b"GET /health/ready HTTP/1.1\r\nHost: t\r\n\r\n"))
                    a.hold(s)
            a.stop.wait(1.0)

    def flood(a):  # fresh connections as fast as 4 threads can make them
        while not a.stop.is_set():
            probe(port, "/health/ready")

    def never_reading(request):  # 48 connections at a time, 2 KiB windows, reading nothing
        def body(a):
            while not a.stop.is_set():
                for _ in range(48):
                    s = quietly(lambda: connect(port, rcvbuf=2048))
                    if s:
                        quietly(lambda: s.sendall(request))
                        a.hold(s)
                a.stop.wait(0.5)
        return body

    def send_all_of(shapes):
        def body(a):
            while not a.stop.is_set():
                for shape in shapes:
                    s = quietly(lambda: connect(port))
                    if s:
                        quietly(lambda: s.sendall(shape))
                        quietly(lambda: s.recv(65536))
                        s.close()
        return body

    def pages(a):  # /status and /metrics as fast as one thread can ask
        while not a.stop.is_set():
            for path in ("/status", "/metrics"):
                s = quietly(lambda: connect(port))
                if s:
                    quietly(lambda: s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode()))
                    while quietly(lambda: s.recv(65536)):
                        pass
                    s.close()

    def sighup(a):  # a reload every 50 ms
        while not a.stop.wait(0.05):
            os.kill(pid, signal.SIGHUP)

    return [
        ("none (baseline)", lambda a: a.stop.wait(), 1),
        ("slowloris, 500 connections", slowloris, 1),
        ("idle keep-alive, 2,000 connections", idle, 1),
        ("flood of fresh connections (4 clients)", flood, 4),
        ("Range pinning, 48 non-reading connections", never_reading(range_req), 1),
        ("slow readers, 48 x 200 pipelined /health", never_reading(health_x200), 1),
        ("malformed and oversized requests (9 shapes)", send_all_of(malformed), 2),
        ("smuggling attempts (5 shapes)", send_all_of(smuggling), 2),
        ("/status + /metrics flood", pages, 2),
        ("SIGHUP every 50 ms", sighup, 1),
    ]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--pause-ms", type=float, default=10.0)
    p.add_argument("--md", default="")
    args = p.parse_args()

    rows = []
    for name, body, threads in attacks(args.port, args.pid):
        attack = Attack(body, threads)
        attack.start()
        time.sleep(args.warmup)
        took, failures = [], 0
        for i in range(args.samples):
            ms, ok = probe(args.port, "/health/ready" if i % 2 == 0 else "/health/live")
            took.append(ms)
            failures += 0 if ok else 1
            time.sleep(args.pause_ms / 1000.0 * random.uniform(0.5, 1.5))
        attack.end()
        took.sort()
        p99 = took[min(len(took) - 1, int(round(0.99 * len(took))) - 1)]
        row = (name, len(took), statistics.median(took), p99, took[-1], failures)
        rows.append(row)
        print("%-48s n=%d median=%.2f ms p99=%.2f ms max=%.2f ms failures=%d" % row, flush=True)
        time.sleep(2.5)  # let the agent drop what the attack left (write and read timeouts: 2 s)

    if args.md:
        with open(args.md, "w") as out:
            out.write("| attack | samples | median ms | p99 ms | max ms | failures |\n")
            out.write("| --- | ---: | ---: | ---: | ---: | ---: |\n")
            for r in rows:
                out.write("| %s | %d | %.2f | %.2f | %.2f | %d |\n" % r)


if __name__ == "__main__":
    main()
