#!/usr/bin/env bash
# The whole archive (issue #21): seedfeed on N generated seeds (default a million), in outlet
# folders as the real archive keeps them, every feed index in place.
#
#   sudo bench/million.sh                 # N=1000000, 3 runs (needs ~10 GB of disk for the seeds)
#   N=100000 RUNS=5 bench/million.sh      # the same table at 100,000
#   BIN=/path/to/seedfeed bench/million.sh   # another build (default: this tree's release build)
#   BURST_ONLY=1 bench/million.sh         # only write → visible and the burst
#
# The seeds are generated once (examples/generate.rs --layout outlet, deterministic) into
# bench/out/million/seeds-N and reused: ~9.5 GB and ~1 minute for a million. Dropping the page
# cache (`echo 3 > /proc/sys/vm/drop_caches`) needs root; without it "dropped" runs are warm.
#
# Each run, in this order: a cold start (no index cache, page cache dropped), a restart with
# the index cache (page cache warm), a restart with the index cache and the page cache dropped.
# For each: seconds to the first 200 on /rss.xml; peak (VmHWM) and steady (VmRSS) memory once
# the background read of the authors is done (`authors_unread` 0 in /status) and 5 s have
# passed. Then, on a server started from the cache: write → visible latency (bench/probe.py,
# add/modify/delete, 20 tries), and a `git pull` burst: BURST new seeds (default 10,000,
# generated beside the folder) moved in at once while the probe runs, with the time until
# /status counts them all. Prints median (min–max) over runs; results in
# bench/out/million/results-N.md, every run in runs-N.log.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
N=${N:-1000000}
RUNS=${RUNS:-3}
BURST=${BURST:-10000}
PORT=${PORT:-18541}
OUT=$ROOT/bench/out/million
SEEDS=$OUT/seeds-$N
CACHE=$OUT/cache-$N/index
CONFIG=$OUT/seedfeed-$N.toml

now() { date +%s.%N; }
mb() { awk -v f="$1:" '$1 == f {printf "%.0f", $2 / 1024}' "/proc/$2/status"; }
drop_page_cache() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || echo "(page cache not dropped: not root)" >&2; }
status_field() { curl -sf "http://127.0.0.1:$PORT/status" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# Starts seedfeed; prints "SECONDS_TO_FIRST_200 PEAK_MB STEADY_MB" once the authors are read;
# leaves it running as $SEEDFEED_PID when KEEP=1.
measure_start() {
    local started first
    started=$(now)
    "$BIN" serve --config "$CONFIG" 2>>"$OUT/seedfeed.log" &
    SEEDFEED_PID=$!
    track "$SEEDFEED_PID"
    # A cold start at a million takes minutes: wait as long as the server lives.
    until curl -sf -o /dev/null "http://127.0.0.1:$PORT/rss.xml"; do
        kill -0 "$SEEDFEED_PID" 2>/dev/null || { echo "seedfeed exited; see $OUT/seedfeed.log" >&2; exit 1; }
        sleep 0.02
    done
    first=$(echo "$(now) - $started" | bc)
    # A restart answers before it has checked the folder against the index cache.
    until [ "$(status_field started_from_cache)" != None ]; do sleep 0.5; done
    until [ "$(status_field authors_unread)" = 0 ]; do sleep 0.5; done
    sleep 5
    echo "$first $(mb VmHWM "$SEEDFEED_PID") $(mb VmRSS "$SEEDFEED_PID")"
    [ "${KEEP:-0}" = 1 ] || stop "$SEEDFEED_PID"
}

install_missing bc:bc python3:python3
cargo build --release --quiet --bin seedfeed --example generate
BIN=${BIN:-$ROOT/target/release/seedfeed}
mkdir -p "$OUT"
if [ ! -d "$SEEDS" ]; then
    echo "generating $N seeds into $SEEDS"
    "$ROOT/target/release/examples/generate" --count "$N" --out "$SEEDS.tmp" --layout outlet \
        2>>"$OUT/generate.log"
    mv "$SEEDS.tmp" "$SEEDS"
fi
seedfeed_config "$SEEDS" "$CACHE" >"$CONFIG"
runs=$OUT/runs-$N.log
: >"$runs"
for run in $(seq 1 "$RUNS"); do
    [ "${BURST_ONLY:-0}" = 1 ] && break
    rm -rf "$(dirname "$CACHE")"
    drop_page_cache
    cold=$(measure_start)
    warm=$(measure_start)
    drop_page_cache
    dropped=$(measure_start)
    line="$cold $warm $dropped $(du -m "$CACHE" | cut -f1)"
    echo "$line" >>"$runs"
    echo "N=$N run $run: cold $cold · restart $warm · restart, page cache dropped $dropped · cache ${line##* } MB"
done

# Write → visible, idle and during a burst of BURST new seeds moved in at once.
staging=$OUT/burst-$N
rm -rf "$staging" && mkdir -p "$staging"
"$ROOT/target/release/examples/generate" --count "$BURST" --first "$N" --seed 2 --layout outlet \
    --out "$staging" 2>>"$OUT/generate.log"
KEEP=1 measure_start >/dev/null
idle=$(python3 "$ROOT/bench/probe.py" --url "http://127.0.0.1:$PORT/rss.xml" --dir "$SEEDS" \
    --format seed --tries 20 2>>"$OUT/probe.log")
before=$(status_field entries)
python3 "$ROOT/bench/probe.py" --url "http://127.0.0.1:$PORT/rss.xml" --dir "$SEEDS" \
    --format seed --tries 20 >"$OUT/burst-probe.txt" 2>>"$OUT/probe.log" &
probe_pid=$!
sleep 0.5
burst_started=$(now)
# As `git pull` lands files: each outlet's new month folders appear whole, files renamed into
# place where the folder exists.
(cd "$staging" && find . -type f) >"$OUT/burst-files.txt"
python3 - "$staging" "$SEEDS" "$OUT/burst-files.txt" <<'EOT'
import os, sys
staging, seeds, listing = sys.argv[1:]
for name in open(listing).read().split():
    os.makedirs(os.path.join(seeds, os.path.dirname(name)), exist_ok=True)
    os.rename(os.path.join(staging, name), os.path.join(seeds, name))
EOT
until [ "$(status_field entries)" -ge $((before + BURST)) ]; do sleep 0.05; done
burst_s=$(echo "$(now) - $burst_started" | bc)
wait "$probe_pid"
stop "$SEEDFEED_PID"
# Put the folder back as generated.
while read -r file; do rm -f "$SEEDS/$file"; done <"$OUT/burst-files.txt"

col() { awk -v c="$1" '{print $c}' "$runs"; }
cell() { fmt_range "$1" $(col "$2" | stats); }
{
    echo "$(date -u '+%F %H:%M') UTC, $(nproc) cores, N=$N seeds (outlet folders), $RUNS runs: median (min–max)"
    echo "binary: $BIN"
    echo
    echo "| | first 200 (s) | peak MB | steady MB |"
    echo "|---|---:|---:|---:|"
    echo "| cold start (no index cache, page cache dropped) | $(cell %.1f 1) | $(cell %.0f 2) | $(cell %.0f 3) |"
    echo "| restart with the index cache | $(cell %.1f 4) | $(cell %.0f 5) | $(cell %.0f 6) |"
    echo "| restart, page cache dropped | $(cell %.1f 7) | $(cell %.0f 8) | $(cell %.0f 9) |"
    echo
    echo "index cache on disk: $(cell %.0f 10) MB"
    echo
    echo "write → visible in /rss.xml, median (min–max) ms over 20 tries: idle"
    echo "$idle" | awk '$1 != "load" {printf "  %s %.0f (%.0f–%.0f)\n", $1, $2, $3, $4}'
    echo "the same while $BURST new seeds land at once (all $BURST counted after ${burst_s} s):"
    awk '$1 != "load" {printf "  %s %.0f (%.0f–%.0f)\n", $1, $2, $3, $4}' "$OUT/burst-probe.txt"
} | tee "$OUT/results-$N.md"
