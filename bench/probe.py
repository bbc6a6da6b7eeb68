#!/usr/bin/env python3
"""Write -> visible latency of a feed server, the same probe for every server (bench/scale.sh).

    bench/probe.py --url http://127.0.0.1:18531/rss.xml --dir SEEDS --format seed
    bench/probe.py --url http://127.0.0.1:18532/index.xml --dir SITE/content/posts --format hugo
        [--tries 20] [--interval-ms 1] [--pause-ms 300]
        [--load 2 --load-paths /rss.xml,/atom.xml,/feed.json,/]

TRIES times each: add a file (`probe-I.txt` as a seed, or `probe-I.md` as Hugo content, dated
2026-01-01 00:00 + I s, newer than every generated article), rewrite it with a new title, delete
it; after each, poll URL until the feed shows the change. The clock starts just before the
write. Polling: one persistent HTTP/1.1 connection; a HEAD every INTERVAL ms, and whenever its
Content-Length, ETag or Last-Modified differ from the last GET's, a plain GET (no conditional
request, no compression) whose whole body is searched for the title. (Polling with GETs alone
costs the server a whole feed every poll, which slowed the very change being timed.) With --load N,
N processes meanwhile fetch LOAD_PATHS on the same server round-robin, nonstop, each on its own
persistent connection with Accept-Encoding: gzip.

Prints one line per operation, `add MEDIAN MIN MAX` (ms), then `load REQUESTS_PER_S`; each
sample goes to stderr.
"""

import argparse
import datetime
import http.client
import multiprocessing
import os
import statistics
import sys
import time
import urllib.parse

BASE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def connect(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def request(conn, url, headers, method="GET"):
    """(connection, body, validators) for a request of url; reconnects once if the connection
    was closed. validators = (Content-Length, ETag, Last-Modified)."""
    path = urllib.parse.urlsplit(url).path or "/"
    for attempt in (0, 1):
        try:
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            validators = tuple(response.getheader(h) for h in ("content-length", "etag", "last-modified"))
            return conn, body, validators
        except (http.client.HTTPException, OSError):
            conn.close()
            if attempt:
                raise
            conn = connect(url)
    raise AssertionError


def load_client(base, paths, stop, served, number):
    conn = connect(base)
    n = number
    count = 0
    while not stop.is_set():
        n += 1
        try:
            conn, _, _ = request(conn, base + paths[n % len(paths)], {"Accept-Encoding": "gzip"})
            count += 1
        except (http.client.HTTPException, OSError):
            time.sleep(0.01)
    with served.get_lock():
        served.value += count


def text(fmt, i, version):
    when = BASE + datetime.timedelta(seconds=i)
    title = f"probe {i} {version}"
    link = f"https://probe.example/world/{i}"
    if fmt == "seed":
        ms = int(when.timestamp() * 1000)
        return f"<!--{ms}-->\n[{title}]({link})\n------\n\n<p>probe body {i}</p>\n"
    date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f'---\ntitle: "{title}"\ndate: {date}\nlink: "{link}"\n---\n<p>probe body {i}</p>\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--format", choices=["seed", "hugo"], required=True)
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--interval-ms", type=float, default=1)
    parser.add_argument("--pause-ms", type=float, default=300)
    parser.add_argument("--timeout-s", type=float, default=60)
    parser.add_argument("--load", type=int, default=0)
    parser.add_argument("--load-paths", default="/rss.xml,/atom.xml,/feed.json,/")
    args = parser.parse_args()

    url = args.url
    conn = connect(url)
    headers = {"Accept-Encoding": "identity"}
    ext = "txt" if args.format == "seed" else "md"

    def wait(started, needle, present):
        nonlocal conn
        needle = needle.encode()
        seen = None  # the validators of the last GET
        while True:
            conn, _, validators = request(conn, url, headers, "HEAD")
            if validators != seen:
                conn, body, seen = request(conn, url, headers)
                if (needle in body) == present:
                    return time.perf_counter() - started
            if time.perf_counter() - started > args.timeout_s:
                sys.exit(f"probe: {needle!r} not {'shown' if present else 'gone'} after {args.timeout_s} s")
            time.sleep(args.interval_ms / 1000)

    def write(path, content):
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)

    parts = urllib.parse.urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    stop = multiprocessing.Event()
    served = multiprocessing.Value("q", 0)
    clients = [
        multiprocessing.Process(
            target=load_client, args=(base, args.load_paths.split(","), stop, served, n)
        )
        for n in range(args.load)
    ]
    for client in clients:
        client.start()
    load_started = time.perf_counter()

    samples = {"add": [], "modify": [], "delete": []}
    for i in range(args.tries):
        path = os.path.join(args.dir, f"probe-{i}.{ext}")
        for op in ("add", "modify", "delete"):
            started = time.perf_counter()
            if op == "add":
                write(path, text(args.format, i, "added"))
                elapsed = wait(started, f"probe {i} added", True)
            elif op == "modify":
                write(path, text(args.format, i, "modified"))
                elapsed = wait(started, f"probe {i} modified", True)
            else:
                os.remove(path)
                elapsed = wait(started, f"probe {i} modified", False)
            samples[op].append(elapsed * 1000)
            print(f"{op} {i} {elapsed * 1000:.1f} ms", file=sys.stderr)
            time.sleep(args.pause_ms / 1000)

    stop.set()
    for client in clients:
        client.join()
    rate = served.value / (time.perf_counter() - load_started)
    for op, values in samples.items():
        print(f"{op} {statistics.median(values):.1f} {min(values):.1f} {max(values):.1f}")
    print(f"load {rate:.0f}")


if __name__ == "__main__":
    main()
