#!/usr/bin/env bash
# Does this tree serve the very bytes REV serves? Every document reachable from `/` and
# `/opml.xml` on the same seeds — feeds, pages, OPML, month archives, author and section feeds,
# entry pages — with its validators (issue #20: a change of layout must not change one byte).
#
#   bench/same-bytes.sh                    # the archive sample, against REV (default below)
#   REV=abc1234 SEEDS=tests/corpus bench/same-bytes.sh
#
# Builds both in release (REV in a worktree under bench/out/same-bytes/), starts them on SEEDS
# (default tests/archive-sample/articles) with the same config but for the port — the same
# `base_url`, so their bytes can be equal — waits until both have read every byline, then
# bench/crawl.py fetches every URL either links from both and compares them. Exits 1 on any
# difference; the URLs compared are listed in bench/out/same-bytes/urls.txt.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
REV=${REV:-d4edb88}
SEEDS=${SEEDS:-$ROOT/tests/archive-sample/articles}
PORT_A=${PORT_A:-18571}
PORT_B=${PORT_B:-18572}
PUBLIC=http://seedfeed.example/
OUT=$ROOT/bench/out/same-bytes
mkdir -p "$OUT"

install_missing python3:python3 curl:curl
cargo build --release --quiet --bin seedfeed
NEW=$ROOT/target/release/seedfeed
OLD=$(build_rev "$REV" "$OUT")

# The config of the server on PORT.
config() { # PORT
    PORT=$1 seedfeed_config "$SEEDS" "" | sed "s|^base_url = .*|base_url = \"$PUBLIC\"|"
}
config "$PORT_A" >"$OUT/a.toml"
config "$PORT_B" >"$OUT/b.toml"
"$OLD" serve --config "$OUT/a.toml" 2>"$OUT/a.log" &
track $!
"$NEW" serve --config "$OUT/b.toml" 2>"$OUT/b.log" &
track $!
for port in "$PORT_A" "$PORT_B"; do
    wait_for_200 "http://127.0.0.1:$port/rss.xml"
    for _ in $(seq 1 600); do
        curl -s "http://127.0.0.1:$port/status" | tr -d ' \n' | grep -q '"authors_unread":0' && break
        sleep 0.1
    done
done
echo "# $REV (a) against this tree (b) on $SEEDS"
python3 "$ROOT/bench/crawl.py" --public "$PUBLIC" --a "http://127.0.0.1:$PORT_A" \
    --b "http://127.0.0.1:$PORT_B" --list "$OUT/urls.txt"
