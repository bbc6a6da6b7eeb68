#!/usr/bin/env bash
# Cold start of this tree's seedfeed against another revision's, on the same generated seeds, in
# one run: did a parser change make indexing slower? (Issue #11: "cold start at 100,000 seeds
# within 10% of today's".)
#
#   bench/coldstart.sh                 # against 05f4837, the last commit before issue #11's parser work
#   REV=abc1234 N=10000 RUNS=7 bench/coldstart.sh
#
# Builds both in release (the other revision in a worktree under bench/out/coldstart/, with its
# own target folder: the first run takes a few minutes), generates N seeds (examples/generate.rs,
# deterministic), warms the page cache, then RUNS times, alternating which goes first: each
# binary started with no index cache, timed to its first 200 on /rss.xml, peak resident memory
# read 3 s later; then restarted with the index cache that start wrote (each binary its own).
# Prints median (min–max) per binary and the ratios this tree ÷ REV within each run. Results in
# bench/out/coldstart/results.md.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REV=${REV:-05f4837}
N=${N:-100000}
RUNS=${RUNS:-5}
PORT=${PORT:-18541}
OUT=$ROOT/bench/out/coldstart
mkdir -p "$OUT"

now() { date +%s.%N; }

cargo build --release --quiet --bin seedfeed --example generate
NEW=$ROOT/target/release/seedfeed
OLD=$(build_rev "$REV" "$OUT")

seeds=$OUT/seeds-$N
[ -d "$seeds" ] || "$ROOT/target/release/examples/generate" --count "$N" --out "$seeds" 2>>"$OUT/generate.log"
find "$seeds" -type f -exec cat {} + >/dev/null

seedfeed_config "$seeds" "$OUT/cache-old/index" >"$OUT/old.toml"
seedfeed_config "$seeds" "$OUT/cache-new/index" >"$OUT/new.toml"

# One start of BINARY with CONFIG: prints "SECONDS PEAK_MB".
start() { # BINARY CONFIG
    local started pid seconds peak
    started=$(now)
    "$1" serve --config "$2" 2>>"$OUT/seedfeed.log" &
    pid=$!
    track "$pid"
    wait_for_200 "http://127.0.0.1:$PORT/rss.xml"
    seconds=$(echo "$(now) - $started" | bc)
    sleep 3
    peak=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
    stop "$pid"
    printf '%.3f %s\n' "$seconds" "$peak"
}

# Cold start (no cache), then restart (the cache it wrote): prints "COLD PEAK RESTART".
cold_and_restart() { # BINARY NAME
    local cold restart
    rm -rf "$OUT/cache-$2"
    cold=$(start "$1" "$OUT/$2.toml")
    restart=$(start "$1" "$OUT/$2.toml" | cut -d' ' -f1)
    echo "$cold $restart"
}

: >"$OUT/runs"
echo "N=$N, this tree $(git rev-parse --short HEAD) vs $REV, load average $(loadavg)"
for run in $(seq 1 "$RUNS"); do
    if [ $((run % 2)) = 1 ]; then
        old=$(cold_and_restart "$OLD" old)
        new=$(cold_and_restart "$NEW" new)
    else
        new=$(cold_and_restart "$NEW" new)
        old=$(cold_and_restart "$OLD" old)
    fi
    echo "$old $new" | tee -a "$OUT/runs"
done

cell() { awk -v c="$1" "{ print \$c }" "$OUT/runs" | stats | awk '{ printf "%s (%s–%s)", $1, $2, $3 }'; }
ratio() { awk "{ printf \"%.3f\\n\", \$$2 / \$$1 }" "$OUT/runs" | stats | awk '{ printf "%s (%s–%s)", $1, $2, $3 }'; }
{
    echo "N=$N seeds, $RUNS runs, $(date -u +%FT%TZ), load average after: $(loadavg)"
    echo
    echo "| | $REV | this tree ($(git rev-parse --short HEAD)) | this tree ÷ $REV within each run |"
    echo "|---|---|---|---|"
    echo "| cold start to first 200 (s) | $(cell 1) | $(cell 4) | $(ratio 1 4) |"
    echo "| restart with the index cache (s) | $(cell 3) | $(cell 6) | $(ratio 3 6) |"
    echo "| peak MB (cold start) | $(cell 2) | $(cell 5) | $(ratio 2 5) |"
} | tee "$OUT/results.md"
