#!/usr/bin/env bash
# Benchmark the dashboard on the store the issue names: 30 days of 4
# sensors' simulated traffic at 50 packets/s each (518 million packets).
#
#   bash bench/dashboard.sh               # builds the store once (about 20 min), then times the pages
#   DAYS=7 PPS=10 bash bench/dashboard.sh # a smaller one, in its own folder
#
# The days are the DAYS before today (the dashboard shows the last day,
# week and month), and the store is kept in $DATA (default
# ~/.cache/hirundo/bench-dashboard-<DAYS>d-<PPS>pps-<first day>) for later
# runs on the same day. Each page is fetched over HTTPS with curl,
# logged in, once to warm up and then RUNS times (default 5); the median
# and the slowest are printed. There is no peer tool that serves a
# dashboard; for scale, the same run times tshark listing one sensor-day's
# destination ports (`-z ptype,tree`), which is what a page answers for
# thirty days of four sensors. Needs curl and tshark.
set -euo pipefail
cd "$(dirname "$0")/.."

DAYS="${DAYS:-30}"
PPS="${PPS:-50}"
RUNS="${RUNS:-5}"
SENSORS=(jp-1:JP jp-2:JP br-1:BR mx-1:MX)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hirundo/target}"
FIRST="$(date -u -d "today - $DAYS days" +%Y-%m-%d)"
LAST="$(date -u -d "today - 1 day" +%Y-%m-%d)"
DATA="${DATA:-$HOME/.cache/hirundo/bench-dashboard-${DAYS}d-${PPS}pps-$FIRST}"
for tool in curl tshark; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 2; }
done
cargo build --release --quiet -p hirundo-cli
hirundo="$CARGO_TARGET_DIR/release/hirundo"
work="$(mktemp -d)"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
start_server() {
    "$hirundo" serve --data "$DATA" --listen "127.0.0.1:$port" --home JP >"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do
        curl -sk "https://127.0.0.1:$port/login" -o /dev/null && return
        sleep 0.1
    done
    echo "bench: the server did not start:" >&2
    cat "$work/serve.log" >&2
    exit 1
}

packets_per_day=$((PPS * 86400))
if [ ! -f "$DATA/complete" ]; then
    rm -rf "$DATA"
    mkdir -p "$DATA"
    start_server
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
    i=0
    for s in "${SENSORS[@]}"; do
        "$hirundo" sensor add "${s%%:*}" --country "${s##*:}" --network-type datacenter \
            --addresses "198.51.$((100 + i)).0/24" --data "$DATA" >/dev/null
        i=$((i + 1))
    done
    built=$(date +%s)
    for day in $(seq 0 $((DAYS - 1))); do
        date="$(date -u -d "$FIRST + $day days" +%Y-%m-%dT00:00:00Z)"
        i=0
        for s in "${SENSORS[@]}"; do
            "$hirundo" simulate --out "$work/day.pcap" --packets "$packets_per_day" --days 1 \
                --start "$date" --seed $((1000 * i + day + 1)) >/dev/null 2>&1
            "$hirundo" import --sensor "${s%%:*}" --data "$DATA" "$work/day.pcap" >/dev/null
            i=$((i + 1))
        done
        echo "bench: day $((day + 1)) of $DAYS stored ($(( $(date +%s) - built )) s)"
    done
    cp "$work/day.pcap" "$DATA/last-sensor-day.pcap"
    scan_start=$(date +%s%N)
    "$hirundo" alerts scan --data "$DATA" --period "$FIRST..$LAST"
    echo "bench: surge detection over the month: $(( ($(date +%s%N) - scan_start) / 1000000 )) ms"
    touch "$DATA/complete"
fi
echo "bench: store $(du -sh "$DATA" | cut -f1) for $((DAYS * ${#SENSORS[@]} * packets_per_day)) packets"

password="bench-password-$(date +%s)"
printf '%s\n' "$password" | "$hirundo" user add bench --password-stdin --data "$DATA" >/dev/null 2>&1 ||
    printf '%s\n' "$password" | "$hirundo" user passwd bench --password-stdin --data "$DATA" >/dev/null
start_server
url="https://127.0.0.1:$port"
jar="$work/jar"
csrf="$(curl -sk -c "$jar" "$url/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)"
status="$(curl -sk -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}' \
    --data-urlencode name=bench --data-urlencode "password=$password" \
    --data-urlencode "csrf=$csrf" "$url/login")"
[ "$status" = 303 ] || { echo "bench: logging in answered $status" >&2; exit 1; }

source_ip="$(curl -sk -b "$jar" "$url/port/tcp/23" | { grep -o 'href="/source/[^"]*"' || true; } | head -1 | sed 's/href="\/source\///; s/"//')"
pages=(
    "/" "/?days=1" "/?days=30" "/?days=30&research=exclude"
    "/port/tcp/23" "/port/tcp/445" "/country/US" "/country/BR"
    "/source/$source_ip" "/sensors" "/alerts" "/alerts/1" "/reports" "/public"
    "/api/v1/top?dim=port&days=30&limit=10" "/api/v1/series?what=port:tcp/23&grain=day"
    "/reports/view?period=$FIRST..$LAST"
)
printf '%-48s %10s %10s\n' page "median ms" "max ms"
for page in "${pages[@]}"; do
    times=()
    code="$(curl -sk -b "$jar" -o /dev/null -w '%{http_code}' "$url$page")"
    for _ in $(seq "$RUNS"); do
        times+=("$(curl -sk -b "$jar" -o /dev/null -w '%{time_total}' "$url$page")")
    done
    sorted="$(printf '%s\n' "${times[@]}" | sort -n)"
    median="$(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")"
    max="$(echo "$sorted" | tail -1)"
    printf '%-48s %10.0f %10.0f   (HTTP %s)\n' "$page" "$(echo "$median * 1000" | bc)" "$(echo "$max * 1000" | bc)" "$code"
done

peer_start=$(date +%s%N)
tshark -r "$DATA/last-sensor-day.pcap" -q -z ptype,tree >/dev/null 2>&1
peer_ms=$(( ($(date +%s%N) - peer_start) / 1000000 ))
echo "peer: tshark -z ptype,tree over one sensor-day ($packets_per_day packets): $peer_ms ms"
