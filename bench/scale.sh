#!/usr/bin/env bash
# seedfeed at 1,000 / 10,000 / 100,000 seeds, and Hugo on the same articles, in one run.
#
#   bench/scale.sh                         # N = 1000 10000 100000; Hugo up to 50000
#   N_LIST="1000 10000" bench/scale.sh
#   HUGO_MAX=100000 bench/scale.sh         # Hugo at 100k too (minutes, many GB)
#
# For each N: generate the seeds (examples/generate.rs, deterministic) and the same articles as
# Hugo content. seedfeed: cold start to first served byte (no index cache), peak and steady
# resident memory, restart with the index cache, write→visible latency for add/modify/delete
# while idle and while 2 clients poll all feeds nonstop (cargo bench --bench latency).
# Hugo (Debian's hugo): full build time and peak memory; and, up to HUGO_SERVER_MAX, how long
# `hugo server` takes to show a new post in its RSS feed. Results in bench/out/scale/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
OUT=$ROOT/bench/out/scale
N_LIST=${N_LIST:-"1000 10000 100000"}
HUGO_MAX=${HUGO_MAX:-50000}
HUGO_SERVER_MAX=${HUGO_SERVER_MAX:-10000}
TRIES=${TRIES:-20}
PORT=${PORT:-18531}
HUGO_PORT=${HUGO_PORT:-18532}

now() { date +%s.%N; }
seconds_since() { echo "$(now) - $1" | bc | awk '{printf "%.2f", $1}'; }
kib_to_mb() { awk '{printf "%.0f", $1 / 1024}'; }

seedfeed_config() { # SEEDS CACHE
    cat <<EOF
[server]
bind = "127.0.0.1:$PORT"
workers = 2
[seeds]
dir = "$1"
timezone = "Asia/Shanghai"
cache = "$2"
[feed]
title = "scale"
description = "generated seeds"
base_url = "http://127.0.0.1:$PORT/"
site_url = "https://cn.nytimes.com/"
language = "zh-CN"
limit = 50
EOF
}

# Starts seedfeed; sets STARTUP (s to first served byte), PEAK_MB and STEADY_MB; stops it.
run_seedfeed() { # CONFIG
    local started pid
    started=$(now)
    "$ROOT/target/release/seedfeed" serve --config "$1" 2>>"$OUT/seedfeed.log" &
    pid=$!
    wait_for_200 "http://127.0.0.1:$PORT/rss.xml"
    STARTUP=$(seconds_since "$started")
    sleep 3
    PEAK_MB=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" | kib_to_mb)
    STEADY_MB=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" | kib_to_mb)
    kill -TERM "$pid"
    wait "$pid" || true
}

# cargo bench output -> "ADD_MEDIAN/ADD_MAX MOD_MEDIAN/MOD_MAX DEL_MEDIAN/DEL_MAX"
latency() { # SEEDS LOAD
    SEEDS=$1 LOAD=$2 TRIES=$TRIES cargo bench --quiet --bench latency 2>/dev/null |
        tee -a "$OUT/latency.log" |
        awk '/^(add|modify|delete) / { printf "%.0f/%.0f ", $3, $9 } END { print "" }'
}

hugo_site() { # N -> site folder with N posts
    local site=$OUT/hugo-$1
    if [ ! -d "$site/content" ]; then
        mkdir -p "$site/layouts/_default"
        cat >"$site/hugo.toml" <<EOF
baseURL = "http://127.0.0.1:$HUGO_PORT/"
title = "scale"
languageCode = "zh-CN"
disableKinds = ["taxonomy", "term"]
[markup.goldmark.renderer]
unsafe = true
[services.rss]
limit = 50
EOF
        echo '<!DOCTYPE html><html><body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>' \
            >"$site/layouts/_default/single.html"
        echo '<!DOCTYPE html><html><body>{{ range first 50 .Pages }}<a href="{{ .Permalink }}">{{ .Title }}</a>{{ end }}</body></html>' \
            >"$site/layouts/_default/list.html"
        "$ROOT/target/release/examples/generate" --count "$1" --markdown \
            --out "$site/content/posts" 2>>"$OUT/generate.log"
    fi
    echo "$site"
}

# Sets HUGO_BUILD (s) and HUGO_PEAK_MB.
hugo_build() { # SITE
    rm -rf "$1/public"
    if ! /usr/bin/time -f '%e %M' -o "$OUT/hugo-time" hugo --quiet -s "$1" >/dev/null 2>>"$OUT/hugo.log"; then
        echo "hugo failed on $1 (see $OUT/hugo.log)" >&2
        HUGO_BUILD="failed" HUGO_PEAK_MB="-"
        return
    fi
    HUGO_BUILD=$(awk '{print $1}' "$OUT/hugo-time")
    HUGO_PEAK_MB=$(awk '{print $2}' "$OUT/hugo-time" | kib_to_mb)
}

# Prints seconds since STARTED once /index.xml of `hugo server` shows (yes) or no longer shows (no) TEXT.
hugo_wait() { # STARTED TEXT yes|no
    local body
    for _ in $(seq 1 6000); do
        body=$(curl -s "http://127.0.0.1:$HUGO_PORT/index.xml" || true)
        if [[ $body == *"$2"* ]]; then
            [ "$3" = yes ] && { seconds_since "$1"; return; }
        else
            [ "$3" = no ] && { seconds_since "$1"; return; }
        fi
        sleep 0.01
    done
    echo "hugo server: gave up waiting for \"$2\" ($3)" >&2
    return 1
}

median_max_ms() { # seconds, one per line on stdin -> "MEDIAN/MAX" in ms
    sort -n | awk '{ a[NR] = $1 } END { printf "%.0f/%.0f", a[int((NR + 1) / 2)] * 1000, a[NR] * 1000 }'
}

# Write -> visible in `hugo server`'s RSS for add, modify and delete of a post, like the latency
# bench does for seedfeed: "ADD_MEDIAN/ADD_MAX MOD_MEDIAN/MOD_MAX DEL_MEDIAN/DEL_MAX" in ms.
hugo_server_latency() { # SITE
    local site=$1 pid adds=() mods=() dels=() started post
    hugo server -s "$site" --port "$HUGO_PORT" --bind 127.0.0.1 --disableFastRender \
        --baseURL "http://127.0.0.1:$HUGO_PORT/" >>"$OUT/hugo.log" 2>&1 &
    pid=$!
    wait_for_200 "http://127.0.0.1:$HUGO_PORT/index.xml"
    for i in $(seq 1 "$TRIES"); do
        post=$site/content/posts/probe-$i.md
        # Newer than every generated post but not in the future: Hugo does not publish future posts.
        started=$(now)
        printf -- '---\ntitle: "probe %s added"\ndate: 2026-01-01T00:00:%02dZ\n---\n<p>probe</p>\n' "$i" "$i" >"$post"
        adds+=("$(hugo_wait "$started" "probe $i added" yes)")
        sleep 0.3
        started=$(now)
        printf -- '---\ntitle: "probe %s modified"\ndate: 2026-01-01T00:00:%02dZ\n---\n<p>probe</p>\n' "$i" "$i" >"$post"
        mods+=("$(hugo_wait "$started" "probe $i modified" yes)")
        sleep 0.3
        started=$(now)
        rm "$post"
        dels+=("$(hugo_wait "$started" "probe $i modified" no)")
        sleep 0.3
    done
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$(printf '%s\n' "${adds[@]}" | median_max_ms) $(printf '%s\n' "${mods[@]}" | median_max_ms) $(printf '%s\n' "${dels[@]}" | median_max_ms)"
}

install_missing hugo:hugo time:time bc:bc
cargo build --release --quiet
cargo build --release --quiet --example generate
mkdir -p "$OUT"
: >"$OUT/seedfeed.log"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "-"; else printf "%.0f×", a / b }'; }
dots() { echo "$1" | sed 's/ *$//; s/ / · /g'; }
{
    echo "$(nproc) cores, $(date -u +%F); latency = write → visible in the RSS feed, median/max ms over $TRIES tries"
    echo "(add · modify · delete); load = 2 clients polling all feeds nonstop; Hugo = Debian's $(hugo version | cut -d' ' -f2)"
    echo
    echo "| N | seedfeed cold start (s) | restart with cache (s) | peak / steady MB | latency idle | latency under load | Hugo build (s) | Hugo peak MB | hugo server latency |"
    echo "|---:|---:|---:|---:|---|---|---:|---:|---|"
} | tee "$OUT/results.md"
ratios="| N | start: Hugo build ÷ seedfeed cold start | memory: Hugo peak ÷ seedfeed peak | add latency: hugo server ÷ seedfeed (median) |
|---:|---:|---:|---:|"
for n in $N_LIST; do
    seeds=$OUT/seeds-$n
    [ -d "$seeds" ] || "$ROOT/target/release/examples/generate" --count "$n" --out "$seeds" 2>>"$OUT/generate.log"
    cache=$OUT/cache-$n/index
    rm -rf "$OUT/cache-$n"
    seedfeed_config "$seeds" "$cache" >"$OUT/seedfeed-$n.toml"
    find "$seeds" -type f -exec cat {} + >/dev/null # the same warm page cache for every run
    run_seedfeed "$OUT/seedfeed-$n.toml"
    cold=$STARTUP peak=$PEAK_MB steady=$STEADY_MB
    run_seedfeed "$OUT/seedfeed-$n.toml"
    restart=$STARTUP
    idle=$(latency "$seeds" 0)
    loaded=$(latency "$seeds" 2)
    hugo_build_s="-" hugo_peak="-" hugo_latency="-"
    if [ "$n" -le "$HUGO_MAX" ]; then
        site=$(hugo_site "$n")
        find "$site/content" -type f -exec cat {} + >/dev/null
        hugo_build "$site"
        hugo_build_s=$HUGO_BUILD hugo_peak=$HUGO_PEAK_MB
        if [ "$n" -le "$HUGO_SERVER_MAX" ]; then
            hugo_latency=$(hugo_server_latency "$site")
        fi
    fi
    printf '| %s | %s | %s | %s / %s | %s | %s | %s | %s | %s |\n' "$n" "$cold" "$restart" \
        "$peak" "$steady" "$(dots "$idle")" "$(dots "$loaded")" "$hugo_build_s" "$hugo_peak" \
        "$(dots "$hugo_latency")" | tee -a "$OUT/results.md"
    hugo_add=$(echo "$hugo_latency" | cut -d/ -f1) seedfeed_add=$(echo "$idle" | cut -d/ -f1)
    ratios+="
| $n | $(ratio "$hugo_build_s" "$cold") | $(ratio "$hugo_peak" "$peak") | $(ratio "$hugo_add" "$seedfeed_add") |"
done
printf '\n%s\n' "$ratios" | tee -a "$OUT/results.md"
echo "results in $OUT/results.md"
