#!/usr/bin/env bash
# Runs CoreBenchmark (C reference vs the CPU backend's matrix product; demo CNN inference / prover / verifier;
# with --backends cpu,opencl the backends side by side),
# building bench/target/benchmarks.jar first when it is missing or older than any source it is built from.
#
#   bash bench/run-core.sh [--size 512] [--batch 256] [--runs 5] [--csv results.csv] ...   (--help for all)
#
# Environment: MVN_FLAGS (default "-B -q -o", offline), JAVA (default java), JAVA_OPTS (extra JVM options).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/bench/target/benchmarks.jar"
sources=("$root/pom.xml" "$root/bench" "$root/engine-java/core" "$root/fallback-cpu" "$root/kernels")

needs_build() {
    [[ ! -f "$jar" ]] && return 0
    local newer
    newer="$(find "${sources[@]}" -path '*/target' -prune -o -type f -newer "$jar" -print -quit 2>/dev/null)"
    [[ -n "$newer" ]]
}

if needs_build; then
    echo "run-core.sh: building $jar" >&2
    # shellcheck disable=SC2086
    (cd "$root" && mvn ${MVN_FLAGS:--B -q -o} -pl bench -am package -DskipTests)
fi

# shellcheck source=../bin/java-env.sh
. "$root/bin/java-env.sh"
safetynets_chain_signals "${JAVA:-java}"

# shellcheck disable=SC2086
exec "${JAVA:-java}" $(safetynets_vector_opts "${JAVA:-java}") $(safetynets_jit_opts "${JAVA:-java}") ${JAVA_OPTS:-} -cp "$jar" org.safetynets.bench.CoreBenchmark "$@"
