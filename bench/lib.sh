# Shared by the bench scripts: `source "$(dirname "$0")/lib.sh"`.

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
