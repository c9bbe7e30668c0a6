#!/usr/bin/env bash
# Cold start of `bin/safetynets prove` as whole processes: each configuration runs once per round, rounds
# interleaved, so drift in the machine's load touches every configuration alike; prints the median, min and max
# wall time of each (bench/README.md, "Cold start"). Needs the built jar and an input file of the model's shape:
#   bin/safetynets demo --batch 64 --save /tmp/d64
#   bash bench/cold-start.sh --runs 9 -M /tmp/d64/model.snm -D /tmp/d64/input.json
# Configurations: "before" is the launcher without its CDS archive and with SIMD kernels on every call (the
# defaults until the choice by work size); "no-cds" the kernel choice alone; "after" the defaults (the archive is
# built by an untimed first run). Every configuration proves into a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=9
model=""
input=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    -M) model="$2"; shift 2 ;;
    -D) input="$2"; shift 2 ;;
    *) echo "cold-start.sh: unknown option $1 (--runs N -M MODEL -D INPUT)" >&2; exit 2 ;;
  esac
done
if [ -z "$model" ] || [ -z "$input" ]; then
  echo "cold-start.sh: needs -M MODEL -D INPUT" >&2
  exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export SAFETYNETS_CACHE="$tmp/cache"
names=(before no-cds after)
envs=("SAFETYNETS_CDS=off SAFETYNETS_JAVA_OPTS=-Dsafetynets.cpu.simd=on" "SAFETYNETS_CDS=off" "")
bin/safetynets prove -M "$model" -D "$input" -O "$tmp/proof.bin" > /dev/null 2>&1 # builds the archive, untimed
echo "load before: $(uptime)"
for ((round = 0; round < runs; round++)); do
  for i in "${!names[@]}"; do
    start=$(date +%s%N)
    # shellcheck disable=SC2086 # the configuration's variables, split on purpose
    env ${envs[$i]} bin/safetynets prove -M "$model" -D "$input" -O "$tmp/proof.bin" > /dev/null 2>&1
    echo "$(( ($(date +%s%N) - start) / 1000000 ))" >> "$tmp/${names[$i]}.ms"
  done
done
echo "load after:  $(uptime)"
for name in "${names[@]}"; do
  sort -n "$tmp/$name.ms" | awk -v name="$name" '{ t[NR] = $1 } END {
    median = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
    printf "%-8s median %5.2f s  min %5.2f s  max %5.2f s  (%d runs)\n", name, median / 1000, t[1] / 1000, t[NR] / 1000, NR }'
done
