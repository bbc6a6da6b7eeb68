#!/usr/bin/env bash
# seedfeed at 1,000 / 10,000 / 100,000 seeds, and Hugo on the same articles, in one run.
#
#   bench/scale.sh                         # N = 1000 10000 100000 (Hugo's full build up to 10000)
#   N_LIST="1000 10000" bench/scale.sh
#   HUGO_FULL_MAX=100000 bench/scale.sh    # Hugo's full site build at 100k too (many minutes, >5 GB)
#   RUNS=5 TRIES=30 bench/scale.sh         # more runs of the starts/builds, more latency tries
#
# For each N: generate the seeds (examples/generate.rs, deterministic) and the same articles as
# Hugo content, and warm the page cache over both. RUNS times, alternating: seedfeed cold start
# to the first 200 on /rss.xml (no index cache) with peak and steady resident memory, seedfeed
# restart with the index cache, and the Hugo builds (/usr/bin/time: wall time and peak memory):
# one rendering only the home RSS feed (the work seedfeed does: every article's front matter
# read, the newest 50 rendered with their content; up to HUGO_MAX) and the default full site
# build (every page rendered too; up to HUGO_FULL_MAX). Then write→visible latency of
# add/modify/delete for seedfeed and for `hugo server` (same RSS-only site, up to
# HUGO_SERVER_MAX), idle and while 2 clients fetch the server's feeds nonstop, both measured
# by the same probe (bench/probe.py: one persistent HTTP connection, a HEAD every 1 ms and a
# GET of the whole feed when its validators change). Prints median (min–max) over runs
# (starts, builds, memory) or over tries (latency), and ratios Hugo ÷ seedfeed taken within
# the same run. Results in bench/out/scale/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
OUT=$ROOT/bench/out/scale
N_LIST=${N_LIST:-"1000 10000 100000"}
HUGO_MAX=${HUGO_MAX:-100000}
HUGO_FULL_MAX=${HUGO_FULL_MAX:-10000}
HUGO_SERVER_MAX=${HUGO_SERVER_MAX:-10000}
RUNS=${RUNS:-3}
TRIES=${TRIES:-20}
LOAD=${LOAD:-2}
PORT=${PORT:-18531}
HUGO_PORT=${HUGO_PORT:-18532}

now() { date +%s.%N; }
seconds_since() { echo "$(now) - $1" | bc | awk '{printf "%.2f", $1}'; }
kib_to_mb() { awk '{printf "%.0f", $1 / 1024}'; }

# Starts seedfeed and waits for its first 200 on /rss.xml; sets STARTUP (s) and SEEDFEED_PID.
start_seedfeed() { # CONFIG
    local started
    started=$(now)
    "$ROOT/target/release/seedfeed" serve --config "$1" 2>>"$OUT/seedfeed.log" &
    SEEDFEED_PID=$!
    track "$SEEDFEED_PID"
    wait_for_200 "http://127.0.0.1:$PORT/rss.xml"
    STARTUP=$(seconds_since "$started")
}

# Starts and stops seedfeed; sets STARTUP (s to first served 200), PEAK_MB and STEADY_MB (3 s on).
run_seedfeed() { # CONFIG
    start_seedfeed "$1"
    sleep 3
    PEAK_MB=$(awk '/VmHWM/ {print $2}' "/proc/$SEEDFEED_PID/status" | kib_to_mb)
    STEADY_MB=$(awk '/VmRSS/ {print $2}' "/proc/$SEEDFEED_PID/status" | kib_to_mb)
    stop "$SEEDFEED_PID"
}

# bench/probe.py output -> "add MED MIN MAX\nmodify ...\ndelete ...\nload RATE", raw samples to probe.log.
probe() { # URL DIR FORMAT LOAD LOAD_PATHS
    echo "== probe $*" >>"$OUT/probe.log"
    python3 "$ROOT/bench/probe.py" --url "$1" --dir "$2" --format "$3" --tries "$TRIES" \
        --load "$4" --load-paths "$5" 2>>"$OUT/probe.log" | tee -a "$OUT/probe.log"
}

# probe output -> "add M (A–B) · modify … · delete …" in ms
latency_cell() {
    awk '$1 != "load" { printf "%s%s %.0f (%.0f–%.0f)", sep, $1, $2, $3, $4; sep = " · " } END { print "" }'
}

hugo_site() { # N -> site folder with N posts
    local site=$OUT/hugo-$1
    if [ ! -d "$site/content" ]; then
        mkdir -p "$site/layouts/_default"
        "$ROOT/target/release/examples/generate" --count "$1" --markdown \
            --out "$site/content/posts" 2>>"$OUT/generate.log"
    fi
    # RSS only: the home page's RSS feed is the one output; articles are read and listed but
    # not rendered to pages of their own (render = "never").
    cat >"$site/hugo.toml" <<EOT
baseURL = "http://127.0.0.1:$HUGO_PORT/"
title = "scale"
languageCode = "zh-CN"
disableKinds = ["section", "taxonomy", "term", "sitemap", "robotsTXT", "404"]
[outputs]
home = ["RSS"]
[markup.goldmark.renderer]
unsafe = true
[[cascade]]
[cascade._build]
render = "never"
[cascade._target]
path = "/posts/**"
EOT
    # Full site: every article rendered to its own page, list pages, the default outputs.
    cat >"$site/full.toml" <<EOT
baseURL = "http://127.0.0.1:$HUGO_PORT/"
title = "scale"
languageCode = "zh-CN"
disableKinds = ["taxonomy", "term"]
[markup.goldmark.renderer]
unsafe = true
EOT
    # The home RSS feed like seedfeed's: the newest 50, each with its summary and whole content.
    cat >"$site/layouts/index.rss.xml" <<'EOT'
{{- printf "<?xml version=\"1.0\" encoding=\"utf-8\"?>" | safeHTML }}
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>{{ .Site.Title }}</title><link>{{ .Site.BaseURL }}</link><description>generated</description>
{{- range first 50 .Site.RegularPages.ByDate.Reverse }}
<item><title>{{ .Title }}</title><link>{{ .Params.link }}</link><guid>{{ .Params.link }}</guid><pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate><description>{{ .Summary | html }}</description><content:encoded>{{ .Content | html }}</content:encoded></item>
{{- end }}
</channel></rss>
EOT
    echo '<!DOCTYPE html><html><body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>' \
        >"$site/layouts/_default/single.html"
    echo '<!DOCTYPE html><html><body>{{ range first 50 .Pages }}<a href="{{ .Permalink }}">{{ .Title }}</a>{{ end }}</body></html>' \
        >"$site/layouts/_default/list.html"
    echo "$site"
}

# One Hugo build -> "SECONDS PEAK_MB", or "failed -".
hugo_build() { # SITE CONFIG
    rm -rf "$1/public"
    if ! /usr/bin/time -f '%e %M' -o "$OUT/hugo-time" hugo --quiet -s "$1" --config "$2" >/dev/null 2>>"$OUT/hugo.log"; then
        echo "hugo failed on $1 (see $OUT/hugo.log)" >&2
        echo "failed -"
        return
    fi
    awk '{printf "%s %.0f\n", $1, $2 / 1024}' "$OUT/hugo-time"
}

install_missing hugo:hugo time:time bc:bc python3:python3
cargo build --release --quiet
cargo build --release --quiet --example generate
mkdir -p "$OUT"
: >"$OUT/seedfeed.log"
: >"$OUT/probe.log"
: >"$OUT/runs.log"
col() { awk -v c="$1" '$c ~ /^[0-9.]+$/ {print $c}' "$2"; } # numeric column C of FILE
cell() { fmt_range "$1" $(col "$2" "$3" | stats); }             # FORMAT COLUMN FILE
ratios() { awk -v a="$1" -v b="$2" '$a ~ /^[0-9.]+$/ && $b > 0 {print $a / $b}' "$3" | stats; }
{
    echo "$(date -u '+%F %H:%M') UTC, $(nproc) cores; $RUNS runs (starts, builds, memory: median (min–max) over runs);"
    echo "latency = write → visible in the RSS feed, median (min–max) ms over $TRIES tries, probe bench/probe.py for both;"
    echo "load = $LOAD clients fetching the server's feeds nonstop; Hugo = Debian's $(hugo version | cut -d' ' -f2);"
    echo "machine load average (1, 5, 15 min) at start: $(loadavg)"
} | tee "$OUT/results.md"
seedfeed_rows="| N | cold start (s) | restart with cache (s) | peak MB | steady MB | latency idle (ms) | latency under load (ms) |
|---:|---:|---:|---:|---:|---|---|"
hugo_rows="| N | RSS-only build (s) | peak MB | full site build (s) | peak MB | \`hugo server\` latency idle (ms) | under load (ms) |
|---:|---:|---:|---:|---:|---|---|"
ratio_rows="| N | start: Hugo RSS-only build ÷ seedfeed cold start | memory: Hugo RSS-only peak ÷ seedfeed peak | add latency idle: \`hugo server\` ÷ seedfeed (medians) |
|---:|---:|---:|---:|"
for n in $N_LIST; do
    seeds=$OUT/seeds-$n
    [ -d "$seeds" ] || "$ROOT/target/release/examples/generate" --count "$n" --out "$seeds" 2>>"$OUT/generate.log"
    find "$seeds" -name 'probe-*' -delete
    cache=$OUT/cache-$n/index
    seedfeed_config "$seeds" "$cache" >"$OUT/seedfeed-$n.toml"
    find "$seeds" -type f -exec cat {} + >/dev/null # the same warm page cache for every run
    site="" hugo=no
    if [ "$n" -le "$HUGO_MAX" ]; then
        hugo=yes
        site=$(hugo_site "$n")
        find "$site/content" -name 'probe-*' -delete
        find "$site/content" -type f -exec cat {} + >/dev/null
    fi
    # One line per run: cold peak steady restart hugo_rss_s hugo_rss_mb hugo_full_s hugo_full_mb
    runs=$OUT/runs-$n
    : >"$runs"
    for run in $(seq 1 "$RUNS"); do
        rm -rf "$OUT/cache-$n"
        run_seedfeed "$OUT/seedfeed-$n.toml"
        line="$STARTUP $PEAK_MB $STEADY_MB"
        run_seedfeed "$OUT/seedfeed-$n.toml"
        line+=" $STARTUP"
        if [ $hugo = yes ]; then
            line+=" $(hugo_build "$site" "$site/hugo.toml")"
            if [ "$n" -le "$HUGO_FULL_MAX" ]; then line+=" $(hugo_build "$site" "$site/full.toml")"; else line+=" - -"; fi
        else
            line+=" - - - -"
        fi
        echo "$line" | tee -a "$OUT/runs.log" >>"$runs"
        echo "N=$n run $run: $line"
    done
    start_seedfeed "$OUT/seedfeed-$n.toml"
    idle=$(probe "http://127.0.0.1:$PORT/rss.xml" "$seeds" seed 0 /rss.xml)
    loaded=$(probe "http://127.0.0.1:$PORT/rss.xml" "$seeds" seed "$LOAD" /rss.xml,/atom.xml,/feed.json,/)
    stop "$SEEDFEED_PID"
    hugo_idle="" hugo_loaded=""
    if [ $hugo = yes ] && [ "$n" -le "$HUGO_SERVER_MAX" ]; then
        hugo server -s "$site" --port "$HUGO_PORT" --bind 127.0.0.1 --disableFastRender \
            --baseURL "http://127.0.0.1:$HUGO_PORT/" >>"$OUT/hugo.log" 2>&1 &
        hugo_pid=$!
        track "$hugo_pid"
        wait_for_200 "http://127.0.0.1:$HUGO_PORT/index.xml"
        hugo_idle=$(probe "http://127.0.0.1:$HUGO_PORT/index.xml" "$site/content/posts" hugo 0 /index.xml)
        hugo_loaded=$(probe "http://127.0.0.1:$HUGO_PORT/index.xml" "$site/content/posts" hugo "$LOAD" /index.xml)
        stop "$hugo_pid"
    fi
    load_rate() { echo "$1" | awk '$1 == "load" {print $2}'; }
    seedfeed_rows+="
| $n | $(cell %.2f 1 "$runs") | $(cell %.2f 4 "$runs") | $(cell %.0f 2 "$runs") | $(cell %.0f 3 "$runs") | $(echo "$idle" | latency_cell) | $(echo "$loaded" | latency_cell) ($(load_rate "$loaded") req/s) |"
    hugo_add=- sf_add=$(echo "$idle" | awk '$1 == "add" {print $2}')
    if [ $hugo = yes ]; then
        hugo_server_idle=- hugo_server_loaded=-
        if [ -n "$hugo_idle" ]; then
            hugo_server_idle=$(echo "$hugo_idle" | latency_cell)
            hugo_server_loaded="$(echo "$hugo_loaded" | latency_cell) ($(load_rate "$hugo_loaded") req/s)"
            hugo_add=$(echo "$hugo_idle" | awk '$1 == "add" {print $2}')
        fi
        hugo_rows+="
| $n | $(cell %.2f 5 "$runs") | $(cell %.0f 6 "$runs") | $(cell %.2f 7 "$runs") | $(cell %.0f 8 "$runs") | $hugo_server_idle | $hugo_server_loaded |"
    fi
    add_ratio=-
    [ "$hugo_add" != - ] && add_ratio=$(awk -v a="$hugo_add" -v b="$sf_add" 'BEGIN { printf "%.0f×", a / b }')
    ratio_rows+="
| $n | $(fmt_range %.1f× $(ratios 5 1 "$runs")) | $(fmt_range %.1f× $(ratios 6 2 "$runs")) | $add_ratio |"
done
echo "machine load average at the end: $(loadavg)" | tee -a "$OUT/results.md"
printf '\nseedfeed (release, limit = 50)\n\n%s\n\nHugo, the same articles\n\n%s\n\nHugo ÷ seedfeed, per run\n\n%s\n' \
    "$seedfeed_rows" "$hugo_rows" "$ratio_rows" | tee -a "$OUT/results.md"
echo "results in $OUT/results.md; every run in $OUT/runs.log, every latency sample in $OUT/probe.log"
