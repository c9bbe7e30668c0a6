#!/usr/bin/env bash
# The Spark jobs against the single-process prover on the same machine (bench/README.md, "Spark: a data set in local
# mode"): the whole MNIST test set with the shipped model in batches of 256, proven by the prove job with 1 and with 2
# task slots (local[1], local[2]), verified by the verify job, and proven and verified by `safetynets evaluate` with
# 1 and 2 CPU threads. Prints the load (uptime) before each run: other jobs on the machine change every figure.
#   bash bench/run-spark.sh [MNIST_DIR] [WORK_DIR]     (defaults: ../shared/data/mnist, a new temporary directory)
# Needs `mvn -B -ntp -q package -DskipTests` first.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
data="$(cd "${1:-../shared/data/mnist}" && pwd)"
work="${2:-$(mktemp -d)}"
model="$repo/engine-java/cli/src/main/resources/org/safetynets/cli/mnist-cnn.snm"
spark="$repo/bin/safetynets-spark"
mkdir -p "$work" && cd "$work"
rm -rf inputs proven-1 proven-2 verified
quiet() { grep -v '^WARNING: Using incubator modules' || true; }
seconds() { local start=$1; echo "$(date +%s.%N) - $start" | bc; }

"$spark" import-mnist -M "$model" --data "$data" -O inputs 2>&1 | quiet
for cores in 1 2; do
  echo "== local[$cores], $(uptime)"
  start=$(date +%s.%N)
  "$spark" prove --master "local[$cores]" -M "$model" -D inputs --batch 256 -O "proven-$cores" 2>&1 | quiet
  echo "wall, JVM and session start included: $(seconds "$start") s"
done
echo "== verify, local[2], $(uptime)"
start=$(date +%s.%N)
"$spark" verify --master "local[2]" -M "$model" -D inputs -P proven-2 --batch 256 -O verified 2>&1 | quiet
echo "wall, JVM and session start included: $(seconds "$start") s"
for threads in 1 2; do
  echo "== evaluate --threads $threads, $(uptime)"
  start=$(date +%s.%N)
  "$repo/bin/safetynets" evaluate --model "$model" --data "$data" --batch 256 --backend cpu --threads "$threads" --no-progress 2>&1 \
    | grep -E 'batches verified|prover time|verifier time' || true
  echo "wall, JVM start and verification included: $(seconds "$start") s"
done
echo "(work directory: $work)"
