#!/usr/bin/env python3
"""The journey of bench/api-e2e.sh, driven by one client process over one kept-alive HTTP connection, as a browser does.

The shell version started a curl process for every request, and on the 2-core bench machine a curl start costs 25-45 ms
(`time curl` against a closed port: 26 ms; a request to /health/live: 2-8 ms in the server, 44-51 ms of wall time in
the script). Five requests of the journey wait on one, so ~0.15-0.2 s of each measured journey was the harness
(bench/README.md, session 12). This client is started once, outside the timed steps.

    journey.py BASE_URL TOKEN INPUT SERVER_PID [--count N] [--keep] [--zip PATH] [--cli BIN --cli-out DIR] [--settle S]

Per journey it prints the line the shell function printed:
    journey SESSION SCAN_JOB CONVERT_JOB ZIP_BYTES t0 t1 t2 t3 t4 t5 cpu k0 k1 k2 k3 k4 k5
t0..t5: epoch seconds at upload start, upload done, scan done, conversion done, download done, preview store ready;
k0..k5: the server's CPU ticks (utime + stime from /proc/PID/stat) at the same moments. With --cli, the native CLI then
converts the same file once with the server idle and a line `cli START END` follows (the pair's ratio, session 11).
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(") ", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class Client:
    """One HTTP/1.1 connection, reused for every request (every body is read to its end before the next request)."""

    def __init__(self, base, token):
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600, blocksize=1 << 20)
        self.headers = {"Authorization": f"Bearer {token}", "X-RET-CSRF": "1"}

    def send(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        return self.conn.getresponse()

    def json(self, method, path, payload=None, expect=(200, 201, 202)):
        body = None if payload is None else json.dumps(payload)
        response = self.send(method, path, body, {"Content-Type": "application/json"} if body is not None else None)
        data = response.read()
        if response.status not in expect:
            sys.exit(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data) if data else None

    def upload(self, path, file_path):
        with open(file_path, "rb") as body:
            response = self.send("PUT", path, body, {"Content-Length": str(os.path.getsize(file_path))})
            data = response.read()
        if response.status != 201:
            sys.exit(f"upload: {response.status} {data[:300]!r}")

    def wait_job(self, job_id):
        """Follows the job's Server-Sent Events until the server ends the stream; the last event must be success."""
        response = self.send("GET", f"/api/jobs/{job_id}/events", headers={"Accept": "text/event-stream"})
        last = b""
        while line := response.readline():
            if line.startswith(b"data: "):
                last = line
        if b'"state":"succeeded"' not in last:
            sys.exit(f"job {job_id} did not succeed: {last[:300]!r}")

    def download(self, path, target):
        response = self.send("GET", path)
        if response.status != 200:
            sys.exit(f"download: {response.status} {response.read()[:300]!r}")
        size = 0
        buffer = bytearray(1 << 20)
        view = memoryview(buffer)
        with open(target, "wb") as out:
            while n := response.readinto(buffer):
                out.write(view[:n])
                size += n
        return size


def journey(client, args):
    session = client.json("POST", "/api/workspace/sessions", {"name": "journey"})["id"]
    base = f"/api/workspace/sessions/{session}"
    k0, t0 = cpu_ticks(args.pid), time.time()
    client.upload(f"{base}/files/{urllib.parse.quote(os.path.basename(args.input))}", args.input)
    t1, k1 = time.time(), cpu_ticks(args.pid)
    scan = client.json("GET", base)["activeJob"]["id"]  # queued by the upload itself
    client.wait_job(scan)
    t2, k2 = time.time(), cpu_ticks(args.pid)
    if args.settle:
        time.sleep(args.settle)
    convert = client.json("POST", f"{base}/conversions", {})["id"]
    client.wait_job(convert)
    t3, k3 = time.time(), cpu_ticks(args.pid)
    url = client.json("POST", f"{base}/downloads", {"kind": "all", "version": "original"})["url"]
    size = client.download(url, args.zip)
    t4, k4 = time.time(), cpu_ticks(args.pid)
    while not client.json("GET", base)["tablesReady"]:
        time.sleep(0.1)
    t5, k5 = time.time(), cpu_ticks(args.pid)
    return session, scan, convert, size, (t0, t1, t2, t3, t4, t5), (k0, k1, k2, k3, k4, k5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("token")
    parser.add_argument("input")
    parser.add_argument("pid", type=int)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the last journey's session (for the preview timings)")
    parser.add_argument("--zip", default=os.devnull, help="where the downloaded ZIP goes")
    parser.add_argument("--cli", help="the native CLI: convert the same file once after each journey")
    parser.add_argument("--cli-out", help="the CLI's output folder (removed after each run)")
    parser.add_argument("--settle", type=float, default=0, help="seconds between the scan and the conversion")
    args = parser.parse_args()
    client = Client(args.base, args.token)
    for i in range(args.count):
        session, scan, convert, size, times, ticks = journey(client, args)
        if not (args.keep and i == args.count - 1):
            client.json("DELETE", f"/api/workspace/sessions/{session}", expect=(204,))
        print("journey", session, scan, convert, size, *(f"{t:.6f}" for t in times), "cpu", *ticks, flush=True)
        if args.cli:
            c0 = time.time()
            subprocess.run([args.cli, "convert", args.input, "-o", args.cli_out, "--quiet"], check=True)
            c1 = time.time()
            shutil.rmtree(args.cli_out, ignore_errors=True)
            print(f"cli {c0:.6f} {c1:.6f}", flush=True)


if __name__ == "__main__":
    main()
