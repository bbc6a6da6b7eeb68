#!/usr/bin/env python3
"""A storm of long-tail requests against a feed server, with its resident memory sampled.

    bench/storm.py --base http://127.0.0.1:18561 --pid PID [--clients 8] [--seconds 30]
        [--rss-cap-mb 8000] [--sample-ms 50] [--stop-file PATH]

CLIENTS threads each keep one persistent HTTP/1.1 connection (Accept-Encoding: gzip, br) and
ask for URLs no one asked for before, round-robin over three kinds:
  - filtered views of every feed (root and folders) in the three formats:
    `?since=DATE&limit=N`, `?q=WORD&limit=N`, `?until=DATE`, each combination once;
  - month archives (`archive/YYYY-MM/` and its later pages, the page and the three formats) of
    every feed, 2019-01 .. 2026-12 (months without entries are 404s: cheap, and a crawler
    asks for them too);
  - author and section feeds (every format) found on the root's and the folders' pages.
One more thread is a crawler: breadth first from `/`, it follows every same-host link
(`href`, `src`, `<link>`, `url` in JSON) once. Everything stops after SECONDS, or as soon as
STOP_FILE exists, or when the server's resident memory passes RSS_CAP_MB (a server that would
run the machine out of memory is reported as such, not allowed to).

Prints `key value` lines: requests and their statuses, bytes received, the resident memory
(VmRSS) before, its peak during the storm, and whether the cap was hit.
"""

import argparse
import collections
import http.client
import itertools
import os
import re
import threading
import time
import urllib.parse

FORMATS = ["rss.xml", "atom.xml", "feed.json"]
WORDS = ["China", "Trump", "COVID", "Taiwan", "Hong Kong", "economy", "the", "a", "经济", "中国",
         "美国", "香港", "台湾", "疫情", "习近平", "拜登", "俄罗斯", "乌克兰", "选举", "新闻"]
LINK = re.compile(r'(?:href|src)="([^"]+)"|"(?:url|home_page_url|feed_url|next_url)":\s*"([^"]+)"')


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


class Client:
    """One persistent connection; reconnects when the server closed it."""

    def __init__(self, base):
        self.parts = urllib.parse.urlsplit(base)
        self.conn = None

    def get(self, path):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.parts.hostname, self.parts.port, timeout=30)
            try:
                self.conn.request("GET", path, headers={"Accept-Encoding": "gzip, br"})
                response = self.conn.getresponse()
                body = response.read()
                return response.status, body, response.getheader("content-type") or ""
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    return 0, b"", ""
        return 0, b"", ""


def feed_prefixes(client):
    """The root and every folder feed, from the OPML."""
    _, body, _ = client.get("/opml.xml")
    prefixes = {"/"}
    for url in re.findall(rb'xmlUrl="([^"]+)"', body):
        path = urllib.parse.urlsplit(url.decode()).path
        prefixes.add(path.rsplit("/", 1)[0] + "/")
    return sorted(prefixes)


def facets(client, prefixes):
    """Author and section feeds linked from the feeds' pages."""
    found = set()
    for prefix in prefixes:
        _, body, _ = client.get(prefix)
        for match in re.findall(rb'href="(/(?:authors|sections)/[^"/]+/)"', body):
            found.add(match.decode())
    return sorted(found)


def storm_urls(prefixes, facet_paths):
    """Distinct long-tail URLs, the three kinds interleaved."""
    def filtered():
        for n in itertools.count():
            for prefix in prefixes:
                fmt = FORMATS[n % 3]
                day = 1 + n % 28
                month = 1 + (n // 28) % 12
                year = 2020 + (n // 336) % 6
                limit = 20 + n % 481
                yield f"{prefix}{fmt}?since={year}-{month:02}-{day:02}&limit={limit}"
                word = urllib.parse.quote(WORDS[n % len(WORDS)])
                yield f"{prefix}{fmt}?q={word}&limit={1 + n % 500}"
                yield f"{prefix}{fmt}?until={year}-{month:02}-{day:02}&limit={10 + n % 491}"

    def archives():
        months = [(y, m) for y in range(2026, 2018, -1) for m in range(12, 0, -1)]
        for page in itertools.count(1):
            for (year, month), prefix in itertools.product(months, prefixes):
                where = f"{prefix}archive/{year}-{month:02}/" + ("" if page == 1 else f"{page}/")
                for name in [""] + FORMATS:
                    yield where + name
            if page > 20:
                return

    def by_facet():
        for path in facet_paths:
            for name in [""] + FORMATS:
                yield path + name
        for path in facet_paths:
            for (year, month) in [(y, m) for y in range(2025, 2019, -1) for m in range(12, 0, -1)]:
                yield f"{path}archive/{year}-{month:02}/atom.xml"

    kinds = [filtered(), archives(), by_facet()]
    while kinds:
        for kind in list(kinds):
            try:
                yield next(kind)
            except StopIteration:
                kinds.remove(kind)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rss-cap-mb", type=float, default=8000)
    parser.add_argument("--sample-ms", type=float, default=50)
    parser.add_argument("--stop-file")
    args = parser.parse_args()

    setup = Client(args.base)
    prefixes = feed_prefixes(setup)
    facet_paths = facets(setup, prefixes)
    urls = storm_urls(prefixes, facet_paths)
    lock = threading.Lock()
    stop = threading.Event()
    statuses = collections.Counter()
    received = [0]
    before = rss_kb(args.pid)
    peak = [before]
    capped = [False]

    def next_url():
        with lock:
            return next(urls, None)

    def record(status, body):
        with lock:
            statuses[status] += 1
            received[0] += len(body)

    def storm_client():
        client = Client(args.base)
        while not stop.is_set():
            url = next_url()
            if url is None:
                return
            status, body, _ = client.get(url)
            record(status, body)

    def crawler():
        client = Client(args.base)
        seen = {"/"}
        queue = collections.deque(["/"])
        host = urllib.parse.urlsplit(args.base).netloc
        while queue and not stop.is_set():
            path = queue.popleft()
            status, body, media_type = client.get(path)
            record(status, body)
            if status != 200 or not any(t in media_type for t in ("html", "xml", "json")):
                continue
            text = body.decode("utf-8", "replace")
            for match in LINK.finditer(text):
                link = (match.group(1) or match.group(2)).replace("&amp;", "&")
                absolute = urllib.parse.urljoin(args.base + path, link)
                parts = urllib.parse.urlsplit(absolute)
                if parts.netloc != host:
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in seen:
                    seen.add(target)
                    queue.append(target)

    def sampler():
        while not stop.is_set():
            now = rss_kb(args.pid)
            peak[0] = max(peak[0], now)
            if now > args.rss_cap_mb * 1024:
                capped[0] = True
                stop.set()
            if args.stop_file and os.path.exists(args.stop_file):
                stop.set()
            time.sleep(args.sample_ms / 1000)

    threads = [threading.Thread(target=storm_client) for _ in range(args.clients)]
    threads.append(threading.Thread(target=crawler))
    watch = threading.Thread(target=sampler)
    started = time.perf_counter()
    watch.start()
    for thread in threads:
        thread.start()
    stop.wait(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    watch.join()
    elapsed = time.perf_counter() - started
    total = sum(statuses.values())
    print(f"seconds {elapsed:.1f}")
    print(f"requests {total}")
    print(f"per_second {total / elapsed:.0f}")
    for status, count in sorted(statuses.items()):
        print(f"status_{status} {count}")
    print(f"received_mb {received[0] / 1e6:.1f}")
    print(f"rss_before_mb {before / 1024:.0f}")
    print(f"rss_peak_mb {peak[0] / 1024:.0f}")
    print(f"rss_capped {int(capped[0])}")


if __name__ == "__main__":
    main()
