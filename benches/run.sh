#!/usr/bin/env bash
# Every measurement of docs/performance.md, in one run (about 4 minutes on 2 cores):
#
#   bash benches/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "# machine"
echo "$(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(rustc --version)"

echo; echo "# 1, 3: criterion (success path, per retry)"
cargo bench -q -p retry-benches --bench success --bench per_retry >/dev/null 2>&1
cargo run -q -p retry-benches --release --bin report

echo; echo "# 2: instructions per call (callgrind)"
bash benches/callgrind.sh

echo; echo "# 4: memory"
cargo run -q -p retry-benches --release --bin memory

echo; echo "# 5: scale"
cargo run -q -p retry-benches --release --bin scale -- ours
cargo run -q -p retry-benches --release --bin scale -- backon

echo; echo "# 7: the tower layer's success path (criterion; its callgrind table is the last of # 2)"
cargo bench -q -p retry-benches --bench tower_layer 2>/dev/null | grep -E "^tower_success|time:"

echo; echo "# 6: compile cost"
cargo run -q -p retry-benches --release --bin compile_cost

echo; echo "# 7: the retrying Redis connection (needs redis-server)"
cargo run -q -p retry-benches --release --bin redis_cost
