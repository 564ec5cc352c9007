#!/usr/bin/env bash
# Benchmark `hirundo analyze` against its peers on the same input, in the same
# run: tcpdump, tshark, and the floor `cat FILE > /dev/null`.
#
#   bash bench/analyze.sh            # 2,000,000 simulated packets
#   PACKETS=500000 bash bench/analyze.sh
#
# Everything is pinned to one core (taskset) so "single thread" holds for all.
# Wall time is the best of RUNS runs (tshark, being slow, runs once); peak RSS
# comes from GNU time. Needs tcpdump, tshark and GNU time (Debian: tcpdump,
# tshark, time).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKETS="${PACKETS:-2000000}"
RUNS="${RUNS:-5}"
SEED="${SEED:-7}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hirundo/target}"

for tool in tcpdump tshark /usr/bin/time taskset; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install tcpdump tshark time util-linux)" >&2; exit 2; }
done

cargo build --release --quiet -p hirundo-cli
hirundo="$CARGO_TARGET_DIR/release/hirundo"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
capture="$work/bench.pcap"
"$hirundo" simulate --out "$capture" --packets "$PACKETS" --seed "$SEED" 2>/dev/null
size=$(stat -c %s "$capture")
cat "$capture" > /dev/null # into the page cache, so every tool reads from memory

# best_of RUNS CMD...: prints "seconds peak_rss_kb" of the fastest run.
best_of() {
    local runs=$1; shift
    local best="" rss=0
    for _ in $(seq "$runs"); do
        local start end elapsed
        start=$(date +%s%N)
        /usr/bin/time -f %M -o "$work/rss" taskset -c 0 "$@" > /dev/null 2>"$work/err" || {
            echo "bench: '$*' failed:" >&2; cat "$work/err" >&2; exit 1; }
        end=$(date +%s%N)
        elapsed=$((end - start))
        if [ -z "$best" ] || [ "$elapsed" -lt "$best" ]; then best=$elapsed; fi
        local r; r=$(tail -n 1 "$work/rss")
        if [ "$r" -gt "$rss" ]; then rss=$r; fi
    done
    echo "$best $rss"
}

read -r t_hirundo rss_hirundo < <(best_of "$RUNS" "$hirundo" analyze --format json --no-progress --no-enrich "$capture")
read -r t_enriched rss_enriched < <(best_of "$RUNS" "$hirundo" analyze --format json --no-progress "$capture")
read -r t_cat rss_cat < <(best_of "$RUNS" cat "$capture")
read -r t_tcpdump rss_tcpdump < <(best_of 3 tcpdump -nr "$capture" -q)
read -r t_tshark rss_tshark < <(best_of 1 tshark -r "$capture" -T fields -e tcp.dstport)

echo "Input: $PACKETS simulated packets, $((size / 1000000)) MB ($capture), one core, best of $RUNS"
printf '%-38s %10s %14s %10s %12s\n' tool seconds packets/s RSS_MB "hirundo is"
row() { # name nanos rss_kb
    awk -v name="$1" -v t="$2" -v rss="$3" -v p="$PACKETS" -v h="$t_hirundo" 'BEGIN {
        s = t / 1e9; ratio = t / h;
        label = (name ~ /^hirundo/) ? "-" : sprintf("%.1fx %s", ratio, ratio >= 1 ? "faster" : "slower");
        printf "%-38s %10.3f %14.0f %10.1f %12s\n", name, s, p / s, rss / 1024, label }'
}
row "hirundo analyze --no-enrich" "$t_hirundo" "$rss_hirundo"
row "hirundo analyze (geo, ASN, research)" "$t_enriched" "$rss_enriched"
row "tcpdump -nr FILE -q" "$t_tcpdump" "$rss_tcpdump"
row "tshark -T fields -e tcp.dstport" "$t_tshark" "$rss_tshark"
row "cat FILE (floor)" "$t_cat" "$rss_cat"
awk -v h="$t_hirundo" -v e="$t_enriched" -v c="$t_cat" -v d="$t_tcpdump" -v s="$t_tshark" -v rss="$rss_enriched" 'BEGIN {
    printf "\nGoals: >= 10x tcpdump: %.1fx %s | >= 50x tshark: %.1fx %s | within 3x of cat: %.2fx %s | RSS <= 100 MB: %.1f MB %s\n",
        d / h, (d / h >= 10 ? "met" : "NOT met"), s / h, (s / h >= 50 ? "met" : "NOT met"),
        h / c, (h / c <= 3 ? "met" : "NOT met"), rss / 1024, (rss / 1024 <= 100 ? "met" : "NOT met")
    printf "Enrichment keeps %.0f%% of the speed without it (goal >= 50%%: %s)\n", 100 * h / e, (h / e >= 0.5 ? "met" : "NOT met") }'
