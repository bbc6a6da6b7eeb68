#!/usr/bin/env bash
# seedfeed vs nginx serving the very same feed bytes, measured with wrk in one run.
#
#   bench/serve.sh                      # corpus (limit 50) and a generated 10,000-seed folder
#   SCALE=0 bench/serve.sh              # corpus only
#   DURATION=5 ROUNDS=2 bench/serve.sh  # quicker, noisier
#   CASES="gzip 304" bench/serve.sh     # some cases only
#
# For each folder: start the release build, save the exact bytes it serves for /rss.xml
# (identity and gzip), serve those bytes from nginx (gzip_static, its own ETags), then run wrk
# against both, alternating, ROUNDS times per case: identity 200, gzip 200, and 304 for a
# matching If-None-Match. Prints requests/s and p99 latency (median over rounds) and the
# ratio seedfeed / nginx. Installs wrk and nginx (Debian) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
OUT=$ROOT/bench/out/serve
CORPUS=${CORPUS:-$ROOT/tests/corpus}
SCALE=${SCALE:-10000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CASES=${CASES:-identity gzip 304}
CONNECTIONS=${CONNECTIONS:-64}
WORKERS=${WORKERS:-2}
SEEDFEED_PORT=${SEEDFEED_PORT:-18431}
NGINX_PORT=${NGINX_PORT:-18432}

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start_seedfeed() { # SEEDS_DIR
    cat >"$OUT/seedfeed.toml" <<EOF
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
EOF
    SEEDFEED_LOG=warn "$ROOT/target/release/seedfeed" serve --config "$OUT/seedfeed.toml" \
        2>"$OUT/seedfeed.log" &
    SEEDFEED_PID=$!
    PIDS+=("$SEEDFEED_PID")
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

start_nginx() {
    local dir=$OUT/nginx
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<EOF
worker_processes $WORKERS;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    types { application/rss+xml xml; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $OUT/www;
        charset utf-8;
        etag on;
        gzip_static on;
        gzip_vary on;
        add_header Cache-Control "public, max-age=300";
    }
}
EOF
    /usr/sbin/nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    wait_for_200 "http://127.0.0.1:$NGINX_PORT/rss.xml"
}

etag_of() { # URL -> its ETag header value
    curl -s -D - -o /dev/null "$1" | tr -d '\r' | awk 'tolower($1)=="etag:" {print $2}'
}

# wrk's output -> "REQUESTS_PER_SECOND P99_MS"
run_wrk() { # URL, then header args
    local url=$1
    shift
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" | awk '
        /Requests\/sec:/ { rps = $2 }
        $1 == "99%" {
            v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
            ms = (unit == "us") ? v / 1000 : (unit == "s") ? v * 1000 : v
        }
        END { printf "%.0f %.2f\n", rps, ms }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

measure() { # LABEL SEEDS_DIR
    local label=$1 seeds=$2
    start_seedfeed "$seeds"
    local sf=http://127.0.0.1:$SEEDFEED_PORT/rss.xml ng=http://127.0.0.1:$NGINX_PORT/rss.xml
    mkdir -p "$OUT/www"
    curl -s -o "$OUT/www/rss.xml" "$sf"
    curl -s -H 'Accept-Encoding: gzip' -o "$OUT/www/rss.xml.gz" "$sf"
    start_nginx
    cmp "$OUT/www/rss.xml" <(curl -s "$ng")
    cmp "$OUT/www/rss.xml.gz" <(curl -s -H 'Accept-Encoding: gzip' "$ng")
    local sf_etag ng_etag
    sf_etag=$(etag_of "$sf")
    ng_etag=$(etag_of "$ng")
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $sf_etag" "$sf")" = 304 ]
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ng_etag" "$ng")" = 304 ]
    echo "$label: identity $(stat -c %s "$OUT/www/rss.xml") B, gzip $(stat -c %s "$OUT/www/rss.xml.gz") B; same bytes from both servers"

    for case in $CASES; do
        : >"$OUT/$case.seedfeed" && : >"$OUT/$case.nginx"
        for round in $(seq 1 "$ROUNDS"); do
            local order="seedfeed nginx"
            [ $((round % 2)) -eq 0 ] && order="nginx seedfeed"
            for server in $order; do
                local url=$sf etag=$sf_etag
                [ "$server" = nginx ] && url=$ng && etag=$ng_etag
                case $case in
                identity) run_wrk "$url" -H 'Accept-Encoding: identity' ;;
                gzip) run_wrk "$url" -H 'Accept-Encoding: gzip' ;;
                304) run_wrk "$url" -H "If-None-Match: $etag" ;;
                esac >>"$OUT/$case.$server"
            done
        done
        local sf_rps ng_rps sf_p99 ng_p99
        sf_rps=$(cut -d' ' -f1 "$OUT/$case.seedfeed" | median)
        ng_rps=$(cut -d' ' -f1 "$OUT/$case.nginx" | median)
        sf_p99=$(cut -d' ' -f2 "$OUT/$case.seedfeed" | median)
        ng_p99=$(cut -d' ' -f2 "$OUT/$case.nginx" | median)
        printf '| %-16s | %-8s | %10s | %8s | %10s | %8s | %5.2f |\n' "$label" "$case" \
            "$sf_rps" "$sf_p99" "$ng_rps" "$ng_p99" "$(echo "$sf_rps $ng_rps" | awk '{print $1 / $2}')" |
            tee -a "$OUT/results.md"
    done
    kill "$SEEDFEED_PID" "$NGINX_PID"
    wait "$SEEDFEED_PID" "$NGINX_PID" 2>/dev/null || true
}

install_missing wrk:wrk nginx:nginx
cargo build --release --quiet
rm -rf "$OUT" && mkdir -p "$OUT"
{
    echo "wrk -t2 -c$CONNECTIONS -d${DURATION}s, median of $ROUNDS rounds; $WORKERS seedfeed workers, $WORKERS nginx workers; $(nproc) cores"
    echo
    echo "| folder           | case     | seedfeed/s | p99 (ms) |    nginx/s | p99 (ms) | ratio |"
    echo "|------------------|----------|-----------:|---------:|-----------:|---------:|------:|"
} | tee "$OUT/results.md"
measure "corpus ($(find "$CORPUS" -name '*.txt' -o -name '*.md' | grep -vc README) files)" "$CORPUS"
if [ "$SCALE" -gt 0 ]; then
    cargo build --release --quiet --example generate
    "$ROOT/target/release/examples/generate" --count "$SCALE" --out "$OUT/seeds-$SCALE"
    measure "generated ($SCALE)" "$OUT/seeds-$SCALE"
fi
echo "results in $OUT/results.md"
