#!/usr/bin/env python3
# http_abuse.py - the clients of the reliability tests, talking raw sockets
# so that nothing is fixed up on the way (curl would refuse most of this).
# Every subcommand prints "key value" lines for the shell test to check.
#
#   scrapes HOST PORT N M      N scrapes of /metrics (plain, gzip, OpenMetrics,
#                              HEAD, in turn) and M snapshot downloads over
#                              keep-alive connections: "status CODE COUNT" lines
#   slow HOST PORT N SECS SRC  N clients dribbling one header byte a second
#                              for SECS, from source SRC ("spread": 127.0.1.1..N,
#                              else that one address); meanwhile a normal client
#                              (127.0.0.1) scrapes: "normal CODE SECONDS" per
#                              scrape, then "slow_open K" (still connected) and
#                              "slow_closed K" (closed by the server)
#   garbage HOST PORT          each malformed request on a new connection:
#                              "case NAME STATUS" (STATUS "closed" when the
#                              server hung up without answering, "hung" when it
#                              did neither in 15 s), then "healthy NAME CODE"
#                              from a normal request after it; a valid request
#                              with garbage pipelined behind it ("pipelined
#                              CODES"); absurd scrape-timeout header values
#                              ("timeout-header VALUE CODE")
import http.client
import socket
import sys
import threading
import time


def read_status(sock, timeout=15.0):
    """The status code of the first response on sock; "closed" when the
    server hung up without one, "hung" when it neither answered nor hung
    up within timeout (longer than the server's 10 s idle timeout)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        return "hung"
    except (ConnectionResetError, BrokenPipeError):
        pass
    line = data.split(b"\r\n", 1)[0].split()
    if len(line) >= 2 and line[0].startswith(b"HTTP/") and line[1].isdigit():
        return line[1].decode()
    return "closed"


def status_lines(sock, timeout=10.0):
    """Every status line the server sends on sock until it stops talking."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            sock.settimeout(1.0)  # the rest follows quickly or not at all
    except (ConnectionResetError, socket.timeout, BrokenPipeError):
        pass
    return [l.split()[1].decode() for l in data.split(b"\r\n")
            if l.startswith(b"HTTP/1.") and len(l.split()) >= 2]


def scrapes(host, port, n, m):
    variants = [
        ("GET", "/metrics", {}),
        ("GET", "/metrics", {"Accept-Encoding": "gzip"}),
        ("GET", "/metrics", {"Accept": "application/openmetrics-text;version=1.0.0"}),
        ("HEAD", "/metrics", {}),
    ]
    tally = {}
    conn = http.client.HTTPConnection(host, port, timeout=30)
    jobs = [variants[i % len(variants)] for i in range(n)]
    # snapshot downloads spread evenly among the scrapes
    for j in range(m):
        jobs.insert((j + 1) * len(jobs) // (m + 1), ("GET", "/snapshot.ctprof.zst", {}))
    for method, path, headers in jobs:
        for attempt in range(2):
            try:
                conn.request(method, path, headers=headers)
                r = conn.getresponse()
                r.read()
                code = str(r.status)
                break
            except (http.client.HTTPException, OSError):
                conn.close()  # the server may close an idle keep-alive
                conn = http.client.HTTPConnection(host, port, timeout=30)
                code = "error"
        tally[code] = tally.get(code, 0) + 1
    for code, count in sorted(tally.items()):
        print("status", code, count)


def slow(host, port, n, secs, src):
    socks, closed = [], 0
    for i in range(n):
        s = socket.socket()
        s.bind(("127.0.1.%d" % (i % 250 + 1) if src == "spread" else src, 0))
        try:
            s.connect((host, port))
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
            socks.append(s)
        except OSError:
            closed += 1
    stop = time.monotonic() + secs

    def dribble():
        while time.monotonic() < stop:
            for s in list(socks):
                try:
                    s.send(b"x")
                except OSError:
                    pass
            time.sleep(1)

    t = threading.Thread(target=dribble)
    t.start()
    time.sleep(1)
    while time.monotonic() < stop - 1:
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection(host, port, timeout=10,
                                           source_address=("127.0.0.1", 0))
            c.request("GET", "/metrics")
            r = c.getresponse()
            r.read()
            code = str(r.status)
            c.close()
        except (http.client.HTTPException, OSError):
            code = "error"
        print("normal", code, "%.3f" % (time.monotonic() - t0), flush=True)
        time.sleep(1)
    t.join()
    still = 0
    for s in socks:
        s.setblocking(False)
        try:
            gone = s.recv(1) == b""  # orderly close by the server
        except BlockingIOError:
            gone = False  # nothing to read: still connected, still waiting
        except OSError:
            gone = True
        if gone:
            closed += 1
        else:
            still += 1
        s.close()
    print("slow_open", still)
    print("slow_closed", closed)


def garbage_cases():
    big = b"a" * (100 * 1024)
    many = b"".join(b"X-Header-%04d: %s\r\n" % (i, b"v" * 48) for i in range(1000))
    return [
        ("oversized-url", b"GET /" + big + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("1000-headers", b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n"),
        ("oversized-header", b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + big + b"\r\n\r\n"),
        ("method-BREW", b"BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("method-CONNECT", b"CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("oversized-method", big + b" /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("no-http-version", b"GET /metrics\r\n\r\n"),
        ("request-line-only-garbage", b"\x00\x01\x02\xff\xfe garbage \x7f\r\n\r\n"),
        ("binary-junk", bytes(range(256)) * 256),
        ("header-without-colon", b"GET /metrics HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
        ("nul-in-path", b"GET /met\x00rics HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("bad-chunked-body", b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n"),
        ("negative-content-length", b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"),
    ]


def garbage(host, port):
    for name, payload in garbage_cases():
        s = socket.create_connection((host, port), timeout=10)
        try:
            s.sendall(payload)
        except OSError:
            pass  # the server may hang up before it has read it all
        print("case", name, read_status(s), flush=True)
        s.close()
        print("healthy", name, get_status(host, port, "/-/healthy"), flush=True)
    # A valid request, then garbage on the same connection (pipelined): the
    # first is answered, the rest gets a 4xx or a hang-up.
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"
              b"\x16\x03\x01 not http at all\r\n\r\nGET / HTTP/1.1\r\nHost\r\n\r\n")
    print("pipelined", " ".join(status_lines(s)) or "closed", flush=True)
    s.close()
    print("healthy pipelined", get_status(host, port, "/-/healthy"), flush=True)
    # Scrape-timeout values that are not numbers, or out of any range.
    for value in ("1e300", "inf", "nan", "-5", "0x10", "9" * 400):
        print("timeout-header", value[:8],
              get_status(host, port, "/metrics",
                         {"X-Prometheus-Scrape-Timeout-Seconds": value}), flush=True)


def get_status(host, port, path, headers=None):
    try:
        c = http.client.HTTPConnection(host, port, timeout=30)
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        r.read()
        c.close()
        return str(r.status)
    except (http.client.HTTPException, OSError) as e:
        return "error:" + type(e).__name__


def main():
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if cmd == "scrapes":
        scrapes(host, port, int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "slow":
        slow(host, port, int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    elif cmd == "garbage":
        garbage(host, port)
    else:
        sys.exit("unknown command " + cmd)


main()
