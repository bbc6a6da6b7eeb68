#!/usr/bin/env bash
# seedfeed alone vs nginx serving the very same feed bytes as static files vs nginx as a caching
# proxy in front of seedfeed, measured with wrk in one run.
#
#   bench/serve.sh                      # corpus (limit 50) and a generated 10,000-seed folder
#   SCALE=0 bench/serve.sh              # corpus only
#   DURATION=5 ROUNDS=3 bench/serve.sh  # quicker, noisier
#   CASES="gzip 304" bench/serve.sh     # some cases only
#
# For each folder: start the release build, save the exact bytes it serves for /rss.xml
# (identity and gzip), serve those bytes from nginx (sendfile, open_file_cache, gzip_static for
# the precompressed copy, its own ETags), check both answer the same bytes and 304s. Then, per
# case (identity 200, gzip 200, 304 for a matching If-None-Match): one untimed warm-up run of
# WARMUP s against each server, then ROUNDS rounds of wrk against both, alternating which goes
# first. A run is void when wrk saw any socket error (connect, read, write, timeout), any
# status >= 400, or bytes that do not add up to requests × the right response (200 with the
# saved body, or 304: this catches a 304 where a 200 was due, the reverse, and a body in the
# wrong coding); a round is void when any run is. The proxy is nginx with proxy_cache and
# proxy_cache_revalidate in front of seedfeed, as README "Behind a cache" sets it up: its
# copies are fresh for seedfeed's max-age (300 s), so a round is served from its cache.
# Prints, per case, median (min–max) over the valid rounds of requests/s and p99 latency, and
# the ratios seedfeed / nginx and proxy / seedfeed taken within each round; every run is listed
# in raw.md.
# Installs wrk and nginx (Debian) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
OUT=$ROOT/bench/out/serve
CORPUS=${CORPUS:-$ROOT/tests/corpus}
SCALE=${SCALE:-10000}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
ROUNDS=${ROUNDS:-5}
CASES=${CASES:-identity gzip 304}
CONNECTIONS=${CONNECTIONS:-64}
WORKERS=${WORKERS:-2}
SEEDFEED_PORT=${SEEDFEED_PORT:-18431}
NGINX_PORT=${NGINX_PORT:-18432}
PROXY_PORT=${PROXY_PORT:-18433}

start_seedfeed() { # SEEDS_DIR
    cat >"$OUT/seedfeed.toml" <<EOT
[server]
bind = "127.0.0.1:$SEEDFEED_PORT"
workers = $WORKERS
[seeds]
dir = "$1"
timezone = "Asia/Shanghai"
[feed]
title = "seedfeed benchmark"
description = "The corpus served for the benchmark"
base_url = "http://127.0.0.1:$SEEDFEED_PORT/"
site_url = "https://cn.nytimes.com/"
language = "zh-CN"
limit = 50
EOT
    SEEDFEED_LOG=warn "$ROOT/target/release/seedfeed" serve --config "$OUT/seedfeed.toml" \
        2>"$OUT/seedfeed.log" &
    SEEDFEED_PID=$!
    track "$SEEDFEED_PID"
    local started=$SECONDS
    wait_for_200 "http://127.0.0.1:$SEEDFEED_PORT/rss.xml"
    # The compressor runs right after start; wait until gzip is being served.
    for _ in $(seq 1 300); do
        curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$SEEDFEED_PORT/rss.xml" |
            grep -qi '^content-encoding: gzip' && break
        sleep 0.1
    done
    echo "seedfeed up on $1 in $((SECONDS - started)) s"
}

# What every nginx here shares: its own folder DIR for the pid, the log and the temp files, the
# same worker count as seedfeed, no access log, long keep-alive. Prints the config's head and
# the start of its http block.
nginx_common() { # DIR
    cat <<EOT
worker_processes $WORKERS;
error_log $1/error.log warn;
pid $1/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path $1/tmp/body;
    proxy_temp_path $1/tmp/proxy;
    fastcgi_temp_path $1/tmp/fastcgi;
    uwsgi_temp_path $1/tmp/uwsgi;
    scgi_temp_path $1/tmp/scgi;
EOT
}

# Starts nginx on DIR/nginx.conf (tracked, so stopped at exit); sets NGINX_STARTED to its PID
# once URL answers 200.
run_nginx() { # DIR URL
    /usr/sbin/nginx -e "$1/error.log" -p "$1" -c "$1/nginx.conf" -g 'daemon off;' &
    NGINX_STARTED=$!
    track "$NGINX_STARTED"
    wait_for_200 "$2"
}

# A static-file nginx as one would set it up for this: sendfile, tcp_nopush, open_file_cache,
# no access log, the precompressed copy served by gzip_static (no compression on the fly, as
# seedfeed compresses once per change), the same worker count as seedfeed.
start_nginx() {
    local dir=$OUT/nginx
    mkdir -p "$dir/tmp"
    {
        nginx_common "$dir"
        cat <<EOT
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_min_uses 1;
    open_file_cache_errors on;
    types { application/rss+xml xml; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $OUT/www;
        charset utf-8;
        etag on;
        gzip off;
        gzip_static on;
        gzip_vary on;
        add_header Cache-Control "public, max-age=300";
    }
}
EOT
    } >"$dir/nginx.conf"
    run_nginx "$dir" "http://127.0.0.1:$NGINX_PORT/rss.xml"
    NGINX_PID=$NGINX_STARTED
}

# nginx as a caching reverse proxy in front of seedfeed: the codings cached apart (seedfeed
# says Vary: Accept-Encoding), a stale copy revalidated with a conditional request.
start_proxy() {
    local dir=$OUT/proxy
    mkdir -p "$dir/tmp" "$dir/cache"
    {
        # As root the workers would run as nobody, who cannot write the cache here.
        echo "user $(id -un);"
        nginx_common "$dir"
        cat <<EOT
    proxy_cache_path $dir/cache levels=1:2 keys_zone=feeds:10m max_size=1g inactive=1h use_temp_path=off;
    upstream seedfeed { server 127.0.0.1:$SEEDFEED_PORT; keepalive 16; }
    server {
        listen 127.0.0.1:$PROXY_PORT;
        location / {
            proxy_pass http://seedfeed;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache feeds;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_cache_use_stale updating error timeout;
        }
    }
}
EOT
    } >"$dir/nginx.conf"
    run_nginx "$dir" "http://127.0.0.1:$PROXY_PORT/rss.xml"
    PROXY_PID=$NGINX_STARTED
}

etag_of() { # URL -> its ETag header value
    curl -s -D - -o /dev/null "$1" | tr -d '\r' | awk 'tolower($1)=="etag:" {print $2}'
}

# The request headers of CASE for SERVER, one per line.
case_headers() { # CASE SERVER
    case $1 in
    identity) echo 'Accept-Encoding: identity' ;;
    gzip) echo 'Accept-Encoding: gzip' ;;
    304) if [ "$2" = nginx ]; then echo "If-None-Match: $NG_ETAG"; else echo "If-None-Match: $SF_ETAG"; fi ;;
    esac
}

# One wrk run of SECONDS against SERVER for CASE -> one line:
# "VERDICT RPS P50_MS P99_MS REQUESTS ERRORS BYTES_OFF" where VERDICT is ok or void, ERRORS is
# socket + status errors, and BYTES_OFF the bytes read beyond requests × EXPECTED, the size of
# the one right response (in-flight responses cut off at the end may add up to CONNECTIONS ×
# EXPECTED; anything else is void). The right response: 200 with the saved identity or gzip
# body, or 304 with none; curl checks the status and body size and gives the head's size.
run_wrk() { # SERVER CASE SECONDS
    local url=$SF_URL port=$SEEDFEED_PORT header args=() want=200 body=0
    [ "$1" = nginx ] && url=$NG_URL port=$NGINX_PORT
    [ "$1" = proxy ] && url=$PX_URL port=$PROXY_PORT
    while IFS= read -r header; do args+=(-H "$header"); done < <(case_headers "$2" "$1")
    case $2 in
    identity) body=$(stat -c %s "$OUT/www/rss.xml") ;;
    gzip) body=$(stat -c %s "$OUT/www/rss.xml.gz") ;;
    304) want=304 ;;
    esac
    local expected # bytes of the right response, head and body, as wrk reads them; 0 if curl got another
    expected=$(curl -s -o /dev/null -w '%{http_code} %{size_header} %{size_download}' "${args[@]}" "$url" |
        awk -v want="$want" -v body="$body" '{ print ($1 == want && $3 == body) ? $2 + $3 : 0 }')
    wrk -t2 -c"$CONNECTIONS" -d"${3}s" --latency -s "$ROOT/bench/wrk-summary.lua" "${args[@]}" "$url" |
        tee -a "$OUT/wrk.log" |
        awk -v expected="$expected" -v conns="$CONNECTIONS" '
            $1 == "WRK" {
                for (i = 2; i <= NF; i++) { split($i, kv, "="); w[kv[1]] = kv[2] }
                errors = w["connect"] + w["read"] + w["write"] + w["timeout"] + w["status"]
                off = w["bytes"] - w["requests"] * expected
                verdict = (errors == 0 && expected > 0 && w["requests"] > 0 && off >= 0 && off <= conns * expected) ? "ok" : "void"
                printf "%s %.0f %.2f %.2f %d %d %.0f\n", verdict, w["requests"] / (w["duration_us"] / 1e6),
                    w["p50_us"] / 1000, w["p99_us"] / 1000, w["requests"], errors, off
                found = 1
            }
            END { if (!found) print "void 0 0 0 0 -1 0" }'
    echo "$1 $2 port $port: expected $expected B per response" >>"$OUT/wrk.log"
}

measure() { # LABEL SEEDS_DIR
    local label=$1 seeds=$2
    start_seedfeed "$seeds"
    SF_URL=http://127.0.0.1:$SEEDFEED_PORT/rss.xml NG_URL=http://127.0.0.1:$NGINX_PORT/rss.xml
    PX_URL=http://127.0.0.1:$PROXY_PORT/rss.xml
    rm -rf "$OUT/www" && mkdir -p "$OUT/www"
    curl -s -o "$OUT/www/rss.xml" "$SF_URL"
    curl -s -H 'Accept-Encoding: gzip' -o "$OUT/www/rss.xml.gz" "$SF_URL"
    start_nginx
    start_proxy
    local url
    for url in "$NG_URL" "$PX_URL"; do
        cmp "$OUT/www/rss.xml" <(curl -s "$url")
        cmp "$OUT/www/rss.xml.gz" <(curl -s -H 'Accept-Encoding: gzip' "$url")
    done
    SF_ETAG=$(etag_of "$SF_URL")
    NG_ETAG=$(etag_of "$NG_URL")
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $SF_ETAG" "$SF_URL")" = 304 ]
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $NG_ETAG" "$NG_URL")" = 304 ]
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $SF_ETAG" "$PX_URL")" = 304 ]
    [ "$(etag_of "$PX_URL")" = "$SF_ETAG" ]
    local sizes
    sizes="$(stat -c %s "$OUT/www/rss.xml" | awk '{printf "%.0f KB", $1 / 1000}') / $(stat -c %s "$OUT/www/rss.xml.gz" | awk '{printf "%.0f KB", $1 / 1000}') gzip"
    echo "$label: $sizes; same bytes and 304s from all three"

    for case in $CASES; do
        local server round order line
        for server in seedfeed nginx proxy; do
            line=$(run_wrk "$server" "$case" "$WARMUP")
            echo "| $label | $case | warm-up | $server | $line |" >>"$OUT/raw.md"
        done
        : >"$OUT/rounds"
        for round in $(seq 1 "$ROUNDS"); do
            # Each server first in turn.
            case $((round % 3)) in
            1) order="seedfeed nginx proxy" ;;
            2) order="nginx proxy seedfeed" ;;
            0) order="proxy seedfeed nginx" ;;
            esac
            local sf="" ng="" px=""
            for server in $order; do
                line=$(run_wrk "$server" "$case" "$DURATION")
                echo "| $label | $case | $round | $server | $line |" >>"$OUT/raw.md"
                case $server in
                seedfeed) sf=$line ;;
                nginx) ng=$line ;;
                proxy) px=$line ;;
                esac
            done
            echo "$sf $ng $px" >>"$OUT/rounds"
        done
        # rounds: 1 verdict 2 rps 3 p50 4 p99 5 requests 6 errors 7 off (seedfeed), then 8-14
        # (nginx), 15-21 (proxy)
        local valid void
        valid=$(awk '$1 == "ok" && $8 == "ok" && $15 == "ok"' "$OUT/rounds")
        void=$(awk '$1 != "ok" || $8 != "ok" || $15 != "ok" { printf "%s%d", sep, NR; sep = "," }' "$OUT/rounds")
        col() { echo "$valid" | awk -v c="$1" 'NF {print $c}'; }
        local sf_rps ng_rps px_rps sf_p99 ng_p99 px_p99 ratio proxy_ratio
        sf_rps=$(fmt_range %.0f $(col 2 | stats))
        sf_p99=$(fmt_range %.1f $(col 4 | stats))
        ng_rps=$(fmt_range %.0f $(col 9 | stats))
        ng_p99=$(fmt_range %.1f $(col 11 | stats))
        px_rps=$(fmt_range %.0f $(col 16 | stats))
        px_p99=$(fmt_range %.1f $(col 18 | stats))
        ratio=$(fmt_range %.2f $(echo "$valid" | awk 'NF {print $2 / $9}' | stats))
        proxy_ratio=$(fmt_range %.2f $(echo "$valid" | awk 'NF {print $16 / $2}' | stats))
        [ -z "$valid" ] && sf_rps=void ng_rps=void px_rps=void ratio=void proxy_ratio=void
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$case" \
            "$sf_rps" "$sf_p99" "$ng_rps" "$ng_p99" "$px_rps" "$px_p99" "$ratio" "$proxy_ratio" \
            "${void:-none}" | tee -a "$OUT/results.md"
    done
    stop "$SEEDFEED_PID" "$NGINX_PID" "$PROXY_PID"
}

install_missing wrk:wrk nginx:nginx
cargo build --release --quiet
rm -rf "$OUT" && mkdir -p "$OUT"
{
    echo "| folder | case | round | server | verdict rps p50_ms p99_ms requests errors bytes_off |"
    echo "|---|---|---|---|---|"
} >"$OUT/raw.md"
{
    echo "$(date -u '+%F %H:%M') UTC, $(nproc) cores; wrk -t2 -c$CONNECTIONS, ${WARMUP} s warm-up per server and case, then $ROUNDS rounds of ${DURATION} s;"
    echo "median (min–max) over the valid rounds; ratios within each round; $WORKERS workers each;"
    echo "nginx: the same bytes as static files; proxy: nginx proxy_cache in front of seedfeed;"
    echo "machine load average (1, 5, 15 min) at start: $(loadavg)"
    echo
    echo "| folder | case | seedfeed req/s | p99 ms | nginx static req/s | p99 ms | nginx proxy req/s | p99 ms | seedfeed / static | proxy / seedfeed | void rounds |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} | tee "$OUT/results.md"
measure "corpus ($(find "$CORPUS" -name '*.txt' -o -name '*.md' | grep -vc README) files)" "$CORPUS"
if [ "$SCALE" -gt 0 ]; then
    cargo build --release --quiet --example generate
    "$ROOT/target/release/examples/generate" --count "$SCALE" --out "$OUT/seeds-$SCALE"
    measure "generated ($SCALE)" "$OUT/seeds-$SCALE"
fi
echo "machine load average at the end: $(loadavg)" | tee -a "$OUT/results.md"
echo "results in $OUT/results.md, every run in $OUT/raw.md"
