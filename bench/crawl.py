#!/usr/bin/env python3
"""Every document two seedfeed servers on the same seeds serve, compared byte for byte.

    bench/crawl.py --public http://seedfeed.example/ --a http://127.0.0.1:18571 \\
        --b http://127.0.0.1:18572 [--limit 100000] [--list urls.txt]

Both servers must be configured with the same `[feed] base_url` (PUBLIC), so their documents
can be the same bytes. Breadth first from `/` and `/opml.xml`, every path under PUBLIC that a
document links (`href`, `src`, `xmlUrl`, JSON `url`/`feed_url`/`next_url`/…) is fetched from
A and from B, uncompressed, and compared — and beside each current feed document
(`…/rss.xml`, `atom.xml`, `feed.json`), a few filtered views of it (VIEWS) —: status, body, Content-Type, ETag, Last-Modified,
Cache-Control and Link. `/status` is left out (it holds times). Prints one line per
difference (at most 20 in full), then a summary line; exits 1 if anything differs.
"""

import argparse
import collections
import http.client
import re
import sys
import urllib.parse

LINK = re.compile(
    r'(?:href|src|xmlUrl|htmlUrl)="([^"]+)"'
    r'|"(?:url|home_page_url|feed_url|next_url|external_url|image|avatar)":\s*"([^"]+)"'
)
HEADERS = ["content-type", "etag", "last-modified", "cache-control", "link"]
VIEWS = ["limit=7", "since=2021-01-01&limit=30", "q=%E4%B8%AD%E5%9B%BD", "until=2020-06-30"]
FEED_DOCUMENT = re.compile(r"/(rss\.xml|atom\.xml|feed\.json)$")
SKIPPED = {"/status"}


class Client:
    def __init__(self, base):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.conn = None

    def get(self, target):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request("GET", target, headers={"Accept-Encoding": "identity"})
                response = self.conn.getresponse()
                body = response.read()
                headers = {name: response.getheader(name) for name in HEADERS}
                return response.status, body, headers
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError


def links(body, public):
    """The paths (with query) under `public` that `body` links."""
    text = body.decode("utf-8", "replace").replace("&amp;", "&")
    found = []
    for match in LINK.finditer(text):
        url = match.group(1) or match.group(2)
        url = url.replace("\\/", "/")
        if not url.startswith(public):
            continue
        parts = urllib.parse.urlsplit(url)
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public", required=True, help="both servers' [feed] base_url")
    parser.add_argument("--a", required=True)
    parser.add_argument("--b", required=True)
    parser.add_argument("--limit", type=int, default=100_000, help="URLs at most")
    parser.add_argument("--list", help="write the URLs compared to this file")
    args = parser.parse_args()
    public = args.public.rstrip("/")
    a, b = Client(args.a), Client(args.b)
    seen = {"/", "/opml.xml"}
    queue = collections.deque(sorted(seen))
    compared = differences = 0
    kinds = collections.Counter()
    listed = []
    while queue and compared < args.limit:
        target = queue.popleft()
        if target in SKIPPED:
            continue
        first, second = a.get(target), b.get(target)
        compared += 1
        listed.append(target)
        kinds[first[0]] += 1
        if first != second:
            differences += 1
            if differences <= 20:
                what = [name for name in HEADERS if first[2][name] != second[2][name]]
                if first[0] != second[0]:
                    what.insert(0, f"status {first[0]} vs {second[0]}")
                if first[1] != second[1]:
                    what.append(f"body ({len(first[1])} vs {len(second[1])} bytes)")
                print(f"differs: {target}: {', '.join(what)}")
        if first[0] != 200:
            continue
        found = links(first[1], public)
        if FEED_DOCUMENT.search(target) and "/archive/" not in target:
            found += [f"{target}?{view}" for view in VIEWS]
        for path in found:
            if path not in seen:
                seen.add(path)
                queue.append(path)
    if args.list:
        with open(args.list, "w") as out:
            out.write("\n".join(listed) + "\n")
    statuses = ", ".join(f"{count} × {status}" for status, count in sorted(kinds.items()))
    print(f"compared {compared} URLs ({statuses}); {differences} differ")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
