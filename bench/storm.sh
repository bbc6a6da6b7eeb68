#!/usr/bin/env bash
# Issue #18: a storm of long-tail requests — memory, shedding, and live changes meanwhile —
# this tree against REV (the last commit before #18's work), in one run.
#
#   bench/storm.sh                              # the archive sample, RUNS=3, against d4edb88
#   RUNS=1 STORM=20 bench/storm.sh              # quick
#   SEEDS=bench/out/tail/seeds-outlet-100000 bench/storm.sh
#
# Builds both in release (REV in a worktree under bench/out/storm/, its own target folder).
# The seeds (SEEDS, default tests/archive-sample/articles) are copied once to bench/out/storm/
# seeds-<name of SEEDS> (the probe writes there). Then RUNS times, alternating which binary goes first, each
# binary with the default config (no memory settings) on those seeds:
#   - start, wait for the first 200 and for "authors_unread": 0, warm up with 3 probe changes
#     (a server that has applied changes holds a few MB more than one just started), rest 3 s:
#     the steady RSS;
#   - bench/storm.py for STORM seconds: 8 clients asking distinct filtered views, month
#     archives and author and section feeds, plus a crawler following every link from `/`
#     (stopped early if the server passes RSS_CAP_MB); its peak RSS, requests and statuses;
#   - meanwhile, after 2 s, bench/probe.py: TRIES × add/modify/delete of a seed in the folder's
#     root, each timed until /rss.xml shows it (write → visible during the storm);
#   - 30 s after the storm: the RSS again, and its ratio to the steady RSS.
# Prints median (min–max) over runs per binary; writes bench/out/storm/results.md (raw lines in
# runs.log, probe samples in probe.log, server logs in seedfeed.log).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
REV=${REV:-d4edb88}
RUNS=${RUNS:-3}
STORM=${STORM:-40}
TRIES=${TRIES:-10}
AFTER=${AFTER:-30}
RSS_CAP_MB=${RSS_CAP_MB:-8000}
SEEDS=${SEEDS:-$ROOT/tests/archive-sample/articles}
PORT=${PORT:-18561}
OUT=$ROOT/bench/out/storm
BASE=http://127.0.0.1:$PORT
mkdir -p "$OUT"

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
authors_unread() {
    curl -s "$BASE/status" | tr -d ' \n' | grep -o '"authors_unread":[0-9]*' | cut -d: -f2
}

install_missing python3:python3 curl:curl
cargo build --release --quiet --bin seedfeed
NEW=$ROOT/target/release/seedfeed
OLD=$(build_rev "$REV" "$OUT")

seeds=$OUT/seeds-$(basename "$SEEDS")
if [ ! -d "$seeds" ]; then
    cp -r "$SEEDS" "$seeds.tmp"
    mv "$seeds.tmp" "$seeds"
fi
seedfeed_config "$seeds" "" >"$OUT/seedfeed.toml"
: >"$OUT/seedfeed.log"
: >"$OUT/probe.log"
: >"$OUT/runs.log"

# One run of BINARY (named NAME): appends "NAME key value" lines to runs.log.
run() { # NAME BINARY
    local name=$1 pid storm_out="$OUT/storm-$1.out"
    find "$seeds" -name 'probe-*' -delete
    "$2" serve --config "$OUT/seedfeed.toml" 2>>"$OUT/seedfeed.log" &
    pid=$!
    track "$pid"
    wait_for_200 "$BASE/rss.xml"
    for _ in $(seq 1 600); do
        [ "$(authors_unread)" = 0 ] && break
        sleep 0.1
    done
    python3 "$ROOT/bench/probe.py" --url "$BASE/rss.xml" --dir "$seeds" --format seed --tries 3 \
        >/dev/null 2>>"$OUT/probe.log"
    sleep 3
    local steady
    steady=$(rss_mb "$pid")
    python3 "$ROOT/bench/storm.py" --base "$BASE" --pid "$pid" --seconds "$STORM" \
        --rss-cap-mb "$RSS_CAP_MB" --stop-file "$OUT/stop" >"$storm_out" &
    local storm=$!
    sleep 2
    local probe
    probe=$(python3 "$ROOT/bench/probe.py" --url "$BASE/rss.xml" --dir "$seeds" --format seed \
        --tries "$TRIES" --pause-ms 300 --timeout-s 120 2>>"$OUT/probe.log" || echo "add - - -")
    wait "$storm"
    rm -f "$OUT/stop"
    sleep "$AFTER"
    local after
    after=$(rss_mb "$pid")
    stop "$pid"
    {
        echo "$name steady_mb $steady"
        sed "s/^/$name /" "$storm_out"
        echo "$name after_mb $after"
        echo "$name after_ratio $(echo "$after / $steady" | bc -l)"
        echo "$probe" | sed "s/^/$name latency_/"
    } >>"$OUT/runs.log"
    echo "$name: steady $steady MB, peak $(grep rss_peak_mb "$storm_out" | cut -d' ' -f2) MB," \
        "after ${AFTER}s $after MB; $(grep -c . "$storm_out") storm lines; probe: $(echo "$probe" | tr '\n' ' ')"
}

echo "# storm: $(date -u '+%F %T') load $(loadavg); seeds $SEEDS; STORM=${STORM}s RUNS=$RUNS"
for i in $(seq 1 "$RUNS"); do
    if [ $((i % 2)) = 1 ]; then
        run new "$NEW"
        run old "$OLD"
    else
        run old "$OLD"
        run new "$NEW"
    fi
done

# Median (min–max) over runs of KEY for NAME, with printf FORMAT.
summary() { # NAME KEY FORMAT [COLUMN]
    awk -v n="$1" -v k="$2" -v c="${4:-3}" '$1 == n && $2 == k { print $c }' "$OUT/runs.log" |
        stats | { read -r m lo hi; fmt_range "$3" "$m" "$lo" "$hi"; }
}
{
    echo "# Storm benchmark ($(date -u '+%F %T'), load $(loadavg))"
    echo
    echo "Seeds: \`$SEEDS\`; storm ${STORM} s of 8 clients + a crawler; $RUNS runs; REV $REV."
    echo
    echo "| | $REV (before) | this tree |"
    echo "|---|---:|---:|"
    row() { # LABEL KEY FORMAT [COLUMN]
        echo "| $1 | $(summary old "$2" "$3" "${4:-3}") | $(summary new "$2" "$3" "${4:-3}") |"
    }
    row "steady RSS (MB)" steady_mb "%.0f"
    row "peak RSS in the storm (MB)" rss_peak_mb "%.0f"
    row "RSS ${AFTER} s after (MB)" after_mb "%.0f"
    row "after ÷ steady" after_ratio "%.2f"
    row "storm requests" requests "%.0f"
    row "requests/s" per_second "%.0f"
    row "200s" status_200 "%.0f"
    row "503s" status_503 "%.0f"
    row "stopped at the RSS cap (runs)" rss_capped "%.0f"
    row "write → visible, add (median ms)" latency_add "%.1f"
    row "write → visible, add (max ms)" latency_add "%.1f" 5
    row "write → visible, modify (median ms)" latency_modify "%.1f"
    row "write → visible, delete (median ms)" latency_delete "%.1f"
} | tee "$OUT/results.md"
