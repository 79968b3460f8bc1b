#!/usr/bin/env bash
# Instructions counted by callgrind, which noise cannot blur.
#
# Success path: each subject runs twice (N1 and N2 calls); the difference of the
# two totals divided by N2 - N1 is the cost of one call, start-up and loop
# cancelled out (the loop's few instructions are in every subject alike).
#
# One zero-wait retry: N1 calls that fail 9 times then succeed, minus N1 calls
# that succeed at once, divided by 9 * N1.
#
# The tower layer's success path (table 3): an always-ready service with no
# layer, under tower's retry::Retry, under retry_core's RetryLayer.
#
# The retrying Redis connection (table 4, needs redis-server): the client's
# instructions per GET through redis-rs's bare connection and through ours.
#
#   bash benches/callgrind.sh          # all four tables
#   bash benches/callgrind.sh tower    # the tower table only
#   bash benches/callgrind.sh redis    # the Redis table only
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
cargo build -q -p retry-benches --release --bin instructions
bin=${CARGO_TARGET_DIR:-target}/release/instructions
n1=10000
n2=110000

count() { # subject n -> total instructions
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

per_call() { # subject -> instructions of one call
    local a b
    a=$(count "$1" $n1)
    b=$(count "$1" $n2)
    awk -v a="$a" -v b="$b" -v n=$((n2 - n1)) 'BEGIN { printf "%.1f", (b - a) / n }'
}

tower_table() {
    printf '\n| tower service | instructions per call | over no layer |\n|---|---:|---:|\n'
    plain=$(per_call plain_tower)
    for subject in plain_tower tower_tower ours_tower ours_static_tower tower_budget_tower ours_budget_tower; do
        per=$(per_call "$subject")
        over=$(awk -v p="$per" -v q="$plain" 'BEGIN { printf "%+.1f", p - q }')
        printf '| %s | %s | %s |\n' "$subject" "$per" "$over"
    done
}

redis_table() {
    # The retrying Redis connection: the client's instructions per GET on a real
    # loopback redis-server (10,000 GETs, minus the same start-up without them).
    if ! command -v redis-server >/dev/null; then
        echo "(redis-server not installed: no Redis connection table)"
        return
    fi
    cargo build -q -p retry-benches --release --bin redis_cost
    local redis=${CARGO_TARGET_DIR:-target}/release/redis_cost
    per_get() {
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$redis" "$1" 2>&1 \
            | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
    }
    local none bare="" total per
    none=$(per_get none)
    printf '\n| connection | client instructions per GET | over bare |\n|---|---:|---:|\n'
    for subject in bare retrying; do
        total=$(per_get "$subject")
        per=$(awk -v t="$total" -v z="$none" 'BEGIN { printf "%.0f", (t - z) / 10000 }')
        [ -z "$bare" ] && bare=$per
        printf '| %s | %s | %+d |\n' "$subject" "$per" $((per - bare))
    done
}

if [ "${1:-}" = tower ]; then
    tower_table
    exit 0
fi
if [ "${1:-}" = redis ]; then
    redis_table
    exit 0
fi

printf '| subject | instructions per call | over plain |\n|---|---:|---:|\n'
for kind in sync pure_sync call_sync policy_sync async ready_async; do
    plain=""
    for lib in plain ours backon tokio_retry2 plain_unfolded; do
        subject="${lib}_${kind}"
        case "$subject" in
            # Peers without that shape of subject; the control only for the ready body.
            tokio_retry2_sync | tokio_retry2_pure_sync | tokio_retry2_call_sync | tokio_retry2_policy_sync | tokio_retry2_ready_async) continue ;;
            backon_pure_sync | backon_call_sync | backon_policy_sync | backon_ready_async) continue ;;
            plain_unfolded_ready_async) ;;
            plain_unfolded_*) continue ;;
        esac
        a=$(count "$subject" $n1)
        b=$(count "$subject" $n2)
        per=$(awk -v a="$a" -v b="$b" -v n=$((n2 - n1)) 'BEGIN { printf "%.1f", (b - a) / n }')
        [ -z "$plain" ] && plain=$per
        over=$(awk -v p="$per" -v q="$plain" 'BEGIN { printf "%+.1f", p - q }')
        printf '| %s | %s | %s |\n' "$subject" "$per" "$over"
    done
done

# One retry with a zero wait: (a call failing 9 times - a call not failing) / 9.
printf '\n| subject | instructions per retry |\n|---|---:|\n'
for lib in ours backon ours_async; do
    a=$(count "${lib}_retry0" $n1)
    b=$(count "${lib}_retry9" $n1)
    per=$(awk -v a="$a" -v b="$b" -v n=$((n1 * 9)) 'BEGIN { printf "%.1f", (b - a) / n }')
    printf '| %s | %s |\n' "$lib" "$per"
done
printf '| jitter_draw (one default wait, drawn) | %s |\n' "$(per_call jitter_draw)"

tower_table
redis_table
