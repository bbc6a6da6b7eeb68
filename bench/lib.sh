# Shared by the bench scripts: `source "$(dirname "$0")/lib.sh"`.

# Background processes (servers) to stop when the script exits, however it exits:
# `server ... & track $!`, and `stop PID...` to stop some earlier (SIGTERM, then wait). A PID
# leaves the list once waited for, so an exit never signals a PID the system has reused.
PIDS=()
track() { PIDS+=("$1"); }
stop() { # PID...
    local pid kept=()
    kill -TERM "$@" 2>/dev/null || true
    wait "$@" 2>/dev/null || true
    for pid in "${PIDS[@]}"; do [[ " $* " == *" $pid "* ]] || kept+=("$pid"); done
    PIDS=("${kept[@]}")
}
stop_all() { [ ${#PIDS[@]} -eq 0 ] || stop "${PIDS[@]}"; }
trap stop_all EXIT

# Installs the Debian packages for the commands that are missing: NEED is "command:package"
# pairs; a command is found on PATH or in /usr/sbin.
install_missing() { # NEED...
    local missing=() need
    for need in "$@"; do
        type -P "${need%%:*}" >/dev/null || [ -x "/usr/sbin/${need%%:*}" ] || missing+=("${need#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
}

# Waits until URL answers 200 (extra curl arguments may follow). It first waits for the port
# to accept connections, which costs no new process, so a start is timed to within ~5 ms.
wait_for_200() { # URL [CURL_ARG...]
    local hostport=${1#http://}
    hostport=${hostport%%/*}
    for _ in $(seq 1 20000); do
        (exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}") 2>/dev/null && break
        sleep 0.005
    done
    for _ in $(seq 1 6000); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "${@:2}" "$1" 2>/dev/null)" = 200 ] && return 0
        sleep 0.01
    done
    echo "no answer from $1" >&2
    return 1
}

# The machine's load average over 1, 5 and 15 minutes: the benchmarks share the machine.
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# Numbers, one per line on stdin -> "MEDIAN MIN MAX" (the median of an even count is the mean
# of the middle two); "- - -" when there are none. SCALE multiplies every value (default 1).
stats() { # [SCALE]
    sort -g | awk -v s="${1:-1}" '{ a[NR] = $1 * s }
        END {
            if (NR == 0) { print "- - -"; exit }
            m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            print m, a[1], a[NR]
        }'
}

# "MEDIAN MIN MAX" -> "MEDIAN (MIN–MAX)" with printf FORMAT for each number; "-" when empty.
fmt_range() { # FORMAT MEDIAN MIN MAX
    if [ $# -lt 4 ] || [ "$2" = - ]; then echo "-"; return; fi
    # shellcheck disable=SC2059
    printf "$1 ($1–$1)" "$2" "$3" "$4"
}

# seedfeed's config for generated seeds in SEEDS, listening on $PORT, index cache at CACHE ("" = none).
seedfeed_config() { # SEEDS CACHE
    cat <<EOT
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
EOT
}

# Builds revision REV's seedfeed in release, in a worktree under OUT with its own target folder
# (the first build takes minutes; later ones are incremental), and prints the binary's path.
build_rev() { # REV OUT
    local src=$2/src-$1
    [ -d "$src" ] || git worktree add --detach "$src" "$1" >/dev/null
    CARGO_TARGET_DIR=$2/target-$1 cargo build --release --quiet --bin seedfeed \
        --manifest-path "$src/Cargo.toml" >&2
    echo "$2/target-$1/release/seedfeed"
}
