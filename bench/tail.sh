#!/usr/bin/env bash
# Issue #12's cost at 100,000 seeds in the real archive's layout (one folder per outlet): this
# tree against REV (the last commit before #12's work), in one run, and the long tail's serving.
#
#   bench/tail.sh                          # N=100000, RUNS=3, TRIES=20, against 49a59d7
#   N=10000 RUNS=2 TRIES=5 bench/tail.sh   # quick
#   REV=abc1234 OUTLET=bbc MONTH=2021-03 bench/tail.sh
#
# Builds both in release (REV in a worktree under bench/out/tail/, its own target folder),
# generates N seeds with `examples/generate --layout outlet` (OUTLET/YEAR/MONTH/, deterministic)
# and warms the page cache. Then RUNS times, alternating which binary goes first:
#   REV:       cold start (no index cache) to the first 200 on /rss.xml, peak RSS (VmHWM) 3 s
#              after it, restart with the cache it wrote;
#   this tree: the same, and also the time from process start until /status says
#              "authors_unread": 0 (every index in place), the peak RSS over that whole period,
#              then, in that process, the first request (curl time_total) of
#              /authors/<busiest>/atom.xml (the root page's first author), OUTLET's month archive
#              and the root's month archive, WARM (20) more requests of each and of /atom.xml and
#              /OUTLET/atom.xml (warm = their median), and the peak RSS after all that; the
#              restart with the cache also records authors_unread at its first 200.
# Finally this tree once more (restarted with its cache, authors in place): write → visible
# latency of /rss.xml (probe files in the seeds folder's root) and of /OUTLET/rss.xml (probe
# files in OUTLET/) by bench/probe.py, TRIES times add/modify/delete, idle; then (unless
# LATENCY_REV=0) REV's binary, restarted with its cache, through the same probe on /rss.xml
# (REV has no folder feeds), for a same-run reference.
# Prints median (min–max) over runs and the ratios this tree ÷ REV taken within each run; writes
# bench/out/tail/results.md (raw lines in runs-new, runs-old; probe samples in probe.log).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
REV=${REV:-49a59d7}
N=${N:-100000}
RUNS=${RUNS:-3}
TRIES=${TRIES:-20}
LATENCY_REV=${LATENCY_REV:-1}
WARM=${WARM:-20}
OUTLET=${OUTLET:-nyt}
MONTH=${MONTH:-2023-05}
PORT=${PORT:-18551}
OUT=$ROOT/bench/out/tail
BASE=http://127.0.0.1:$PORT
mkdir -p "$OUT"

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc | awk '{printf "%.3f", $1}'; } # seconds since START
hwm_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
authors_unread() {
    curl -s "$BASE/status" | tr -d ' \n' | grep -o '"authors_unread":[0-9]*' | cut -d: -f2
}

install_missing bc:bc python3:python3 curl:curl
cargo build --release --quiet --bin seedfeed --example generate
NEW=$ROOT/target/release/seedfeed
OLD=$(build_rev "$REV" "$OUT")

seeds=$OUT/seeds-outlet-$N
if [ ! -d "$seeds" ]; then
    "$ROOT/target/release/examples/generate" --count "$N" --out "$seeds.tmp" --layout outlet \
        2>>"$OUT/generate.log"
    mv "$seeds.tmp" "$seeds"
fi
find "$seeds" -name 'probe-*' -delete
[ -d "$seeds/$OUTLET/${MONTH%-*}/${MONTH#*-}" ] || { echo "no $OUTLET/$MONTH in $seeds" >&2; exit 1; }
find "$seeds" -type f -exec cat {} + >/dev/null # the same warm page cache for every start
seedfeed_config "$seeds" "$OUT/cache-old/index" >"$OUT/old.toml"
seedfeed_config "$seeds" "$OUT/cache-new/index" >"$OUT/new.toml"
: >"$OUT/seedfeed.log"

# Starts BINARY with CONFIG, waits for its first 200 on /rss.xml; sets PID, STARTED, STARTUP (s).
start() { # BINARY CONFIG
    STARTED=$(now)
    "$1" serve --config "$2" 2>>"$OUT/seedfeed.log" &
    PID=$!
    track "$PID"
    wait_for_200 "$BASE/rss.xml"
    STARTUP=$(since "$STARTED")
}

# One request of PATH -> its time_total in ms; fails unless it is a 200.
first() { # PATH
    local code seconds
    read -r code seconds < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$BASE$1")
    if [ "$code" != 200 ]; then
        echo "$1: $code, not 200" >&2
        return 1
    fi
    awk -v s="$seconds" 'BEGIN { printf "%.2f", s * 1000 }'
}

# WARM requests of PATH -> the median time_total in ms.
warm() { # PATH
    for _ in $(seq 1 "$WARM"); do first "$1"; echo; done | stats 1 | cut -d' ' -f1
}

# REV: sets RESULT to "COLD PEAK RESTART RESTART_PEAK" (peaks: VmHWM 3 s after the first 200).
old_run() {
    local cold peak peak2
    rm -rf "$OUT/cache-old"
    start "$OLD" "$OUT/old.toml"
    cold=$STARTUP
    sleep 3
    peak=$(hwm_mb "$PID")
    stop "$PID"
    start "$OLD" "$OUT/old.toml"
    sleep 3
    peak2=$(hwm_mb "$PID")
    stop "$PID"
    RESULT="$cold $peak $STARTUP $peak2"
}

# This tree: sets RESULT to "COLD PEAK3 AUTHORS PEAK_ALL RESTART UNREAD_AT_RESTART FIRST_AUTHOR FIRST_OUTLET_ARCHIVE
# FIRST_ROOT_ARCHIVE WARM_AUTHOR WARM_OUTLET_ARCHIVE WARM_ROOT_ARCHIVE WARM_ATOM WARM_OUTLET_ATOM
# PEAK_AFTER RESTART_PEAK"; the author's path goes to $OUT/author.
new_run() {
    local cold peak3="" authors peak_all unread served author line
    rm -rf "$OUT/cache-new"
    start "$NEW" "$OUT/new.toml"
    cold=$STARTUP
    served=$(now)
    while :; do
        unread=$(authors_unread)
        if [ -z "$peak3" ] && [ "$(echo "$(now) - $served >= 3" | bc)" = 1 ]; then
            peak3=$(hwm_mb "$PID")
        fi
        [ "$unread" = 0 ] && break
        sleep 0.05
    done
    authors=$(since "$STARTED")
    if [ -z "$peak3" ]; then
        sleep "$(echo "3 - ($(now) - $served)" | bc | awk '{ print ($1 > 0) ? $1 : 0 }')"
        peak3=$(hwm_mb "$PID")
    fi
    peak_all=$(hwm_mb "$PID")
    author=$(curl -s "$BASE/" | grep -oE 'href="[^"]*/authors/[^"/]+/"' | head -1 |
        sed -E 's|^href="https?://[^/]+||; s|"$||')
    [ -n "$author" ] || { echo "no author on the root page" >&2; return 1; }
    echo "${author}atom.xml" >"$OUT/author"
    line="$cold $peak3 $authors $peak_all"
    local tail_paths=("${author}atom.xml" "/$OUTLET/archive/$MONTH/atom.xml" "/archive/$MONTH/atom.xml")
    local firsts="" warms="" path
    for path in "${tail_paths[@]}"; do firsts+=" $(first "$path")"; done
    for path in "${tail_paths[@]}" /atom.xml "/$OUTLET/atom.xml"; do warms+=" $(warm "$path")"; done
    local peak_after
    peak_after=$(hwm_mb "$PID")
    : >"$OUT/sizes" # what each document holds: "PATH ENTRIES BYTES" (the last run's)
    for path in "${tail_paths[@]}" /atom.xml "/$OUTLET/atom.xml"; do
        curl -s "$BASE$path" | awk -v p="$path" '{ n += gsub(/<entry>/, "&"); b += length($0) + 1 }
            END { print p, n, b }' >>"$OUT/sizes"
    done
    stop "$PID"
    start "$NEW" "$OUT/new.toml"
    unread=$(authors_unread)
    sleep 3
    local restart_peak
    restart_peak=$(hwm_mb "$PID")
    stop "$PID"
    RESULT="$line $STARTUP $unread$firsts$warms $peak_after $restart_peak"
}

# bench/probe.py -> "add MED MIN MAX" lines etc.; samples to probe.log.
# shellcheck disable=SC2094 # probe.log is only appended to
probe() { # URL DIR
    echo "== probe $*" >>"$OUT/probe.log"
    python3 "$ROOT/bench/probe.py" --url "$1" --dir "$2" --format seed --tries "$TRIES" \
        2>>"$OUT/probe.log" | tee -a "$OUT/probe.log"
}
latency_cell() { # probe output -> "add M (A–B) · modify … · delete …" (ms)
    awk '$1 != "load" { printf "%s%s %.1f (%.1f–%.1f)", sep, $1, $2, $3, $4; sep = " · " } END { print "" }'
}

: >"$OUT/runs-old"
: >"$OUT/runs-new"
: >"$OUT/probe.log"
START_LOAD=$(loadavg)
START_TIME=$(date -u '+%F %H:%M')
echo "N=$N (outlet layout), this tree $(git rev-parse --short HEAD) vs $REV, $RUNS runs, load average $START_LOAD"
for run in $(seq 1 "$RUNS"); do
    # Each run's servers start and stop in this shell, so the EXIT trap stops whatever is left.
    if [ $((run % 2)) = 1 ]; then
        old_run && old=$RESULT
        new_run && new=$RESULT
    else
        new_run && new=$RESULT
        old_run && old=$RESULT
    fi
    echo "$old" >>"$OUT/runs-old"
    echo "$new" >>"$OUT/runs-new"
    echo "run $run (load $(loadavg)): $REV: $old | this tree: $new"
done

start "$NEW" "$OUT/new.toml"
until [ "$(authors_unread)" = 0 ]; do sleep 0.1; done
root_latency=$(probe "$BASE/rss.xml" "$seeds")
outlet_latency=$(probe "$BASE/$OUTLET/rss.xml" "$seeds/$OUTLET")
stop "$PID"
old_latency=""
if [ "$LATENCY_REV" = 1 ]; then
    start "$OLD" "$OUT/old.toml"
    old_latency=$(probe "$BASE/rss.xml" "$seeds")
    stop "$PID"
fi
END_LOAD=$(loadavg)

# The "MEDIAN MIN MAX" of stats are split into fmt_range's arguments on purpose (SC2046).
col() { awk -v c="$2" '{ print $c }' "$1"; }                  # FILE COLUMN
# shellcheck disable=SC2046
cell() { fmt_range "$1" $(col "$2" "$3" | stats 1); }              # FORMAT FILE COLUMN
# shellcheck disable=SC2046
ratio() { # FORMAT OLD_COLUMN NEW_COLUMN: this tree ÷ REV, run by run
    fmt_range "$1" $(paste -d' ' "$OUT/runs-old" "$OUT/runs-new" |
        awk -v o="$2" -v n="$(($3 + 4))" '{ print $n / $o }' | stats 1)
}
# shellcheck disable=SC2046
wratio() { # FORMAT COLUMN_A COLUMN_B of runs-new: A ÷ B, run by run
    fmt_range "$1" $(awk -v a="$2" -v b="$3" '{ print $a / $b }' "$OUT/runs-new" | stats 1)
}
size() { awk -v p="$1" '$1 == p { printf "%d, %d", $2, $3 }' "$OUT/sizes"; }
median() { echo "$1" | awk -v op="$2" '$1 == op { print $2 }'; }
author=$(cat "$OUT/author")
{
    echo "$START_TIME UTC, $(nproc) cores, N=$N seeds in the outlet layout, $RUNS runs alternating;"
    echo "this tree $(git rev-parse --short HEAD) against $REV; load average (1, 5, 15 min) at the start $START_LOAD, at the end $END_LOAD."
    echo "median (min–max) over runs; ratios taken within each run."
    echo
    echo "| | $REV | this tree | this tree ÷ $REV |"
    echo "|---|---|---|---|"
    echo "| cold start to first 200 on /rss.xml (s) | $(cell %.2f "$OUT/runs-old" 1) | $(cell %.2f "$OUT/runs-new" 1) | $(ratio %.3f 1 1) |"
    echo "| restart with the index cache (s) | $(cell %.2f "$OUT/runs-old" 3) | $(cell %.2f "$OUT/runs-new" 5) | $(ratio %.3f 3 5) |"
    echo "| peak MB 3 s after the first 200 | $(cell %.0f "$OUT/runs-old" 2) | $(cell %.0f "$OUT/runs-new" 2) | $(ratio %.3f 2 2) |"
    echo "| peak MB 3 s after the restart's first 200 | $(cell %.0f "$OUT/runs-old" 4) | $(cell %.0f "$OUT/runs-new" 16) | $(ratio %.3f 4 16) |"
    echo "| start until authors_unread = 0 (s) | | $(cell %.2f "$OUT/runs-new" 3) | |"
    echo "| peak MB from start until authors_unread = 0 | | $(cell %.0f "$OUT/runs-new" 4) | |"
    echo "| peak MB after the tail requests below | | $(cell %.0f "$OUT/runs-new" 15) | |"
    echo "| authors_unread at the restart's first 200 | | $(cell %.0f "$OUT/runs-new" 6) | |"
    echo
    echo "This tree, in the cold-started process once authors_unread = 0: curl time_total in ms,"
    echo "first request, then the median of $WARM more (median (min–max) over runs of those)."
    echo
    echo "| document | entries, bytes | first request | warm | first ÷ warm /atom.xml, per run | warm ÷ warm /atom.xml, per run |"
    echo "|---|---|---|---|---|---|"
    echo "| $author (busiest author) | $(size "$author") | $(cell %.1f "$OUT/runs-new" 7) | $(cell %.1f "$OUT/runs-new" 10) | $(wratio %.1f× 7 13) | $(wratio %.2f× 10 13) |"
    echo "| /$OUTLET/archive/$MONTH/atom.xml | $(size "/$OUTLET/archive/$MONTH/atom.xml") | $(cell %.1f "$OUT/runs-new" 8) | $(cell %.1f "$OUT/runs-new" 11) | $(wratio %.1f× 8 13) | $(wratio %.2f× 11 13) |"
    echo "| /archive/$MONTH/atom.xml | $(size "/archive/$MONTH/atom.xml") | $(cell %.1f "$OUT/runs-new" 9) | $(cell %.1f "$OUT/runs-new" 12) | $(wratio %.1f× 9 13) | $(wratio %.2f× 12 13) |"
    echo "| /atom.xml | $(size /atom.xml) | | $(cell %.1f "$OUT/runs-new" 13) | | |"
    echo "| /$OUTLET/atom.xml | $(size "/$OUTLET/atom.xml") | | $(cell %.1f "$OUT/runs-new" 14) | | $(wratio %.2f× 14 13) |"
    echo
    echo "Write → visible, this tree restarted with its cache, idle: median (min–max) ms over $TRIES tries (bench/probe.py)."
    echo
    echo "| feed | latency |"
    echo "|---|---|"
    echo "| /rss.xml | $(echo "$root_latency" | latency_cell) |"
    echo "| /$OUTLET/rss.xml | $(echo "$outlet_latency" | latency_cell) |"
    if [ -n "$old_latency" ]; then
        echo "| $REV's /rss.xml, same probe, just after | $(echo "$old_latency" | latency_cell) |"
        echo "| this tree ÷ $REV, /rss.xml (medians) | $(paste -d' ' <(echo "$root_latency") <(echo "$old_latency") |
            awk '$1 != "load" { printf "%s%s %.2f", sep, $1, $2 / $6; sep = " · " } END { print "" }') |"
    fi
    echo
    echo "Targets (issue #12): cold start and restart ratios ≤ 1.15; peak ≤ 250 MB; write → visible"
    echo "median ≤ 20 ms (root add $(median "$root_latency" add), $OUTLET add $(median "$outlet_latency" add));"
    echo "author feed and month archive first request ≤ 50 ms, then at the plain feeds' speed."
} | tee "$OUT/results.md"
echo "results in $OUT/results.md; raw runs in $OUT/runs-old and $OUT/runs-new, latency samples in $OUT/probe.log"
