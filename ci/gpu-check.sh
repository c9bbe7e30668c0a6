#!/usr/bin/env bash
# The CUDA backend's checks that need a GPU, in two halves (kernels/README.md, "Checking on a GPU host"):
#
#   ci/gpu-check.sh pack   here, with a JDK and Maven: builds the project and fills .device/ through
#                          ../shared/tools/device-pack (a jlink Java runtime and the jars below); run it in a plain
#                          clone, since device-pack writes .git/info/exclude, which a git worktree does not have
#   ci/gpu-check.sh run    on the GPU host, in the repository root with .device/ beside it (no JDK or Maven
#                          needed): the CUDA tests with SAFETYNETS_REQUIRE_CUDA=1 (the contract suite, the device
#                          kernel tests, byte-identical proofs against the CPU backend, and the GPU-less checks),
#                          then `bench compare --backends cpu,cuda`, then CoreBenchmark's matrix product on the
#                          cuda backend at 1024^3 (checked against the C reference) and 4096^3.
#
# Results go to $OUT when it is set (the device tool's folder that comes back), else to gpu-check-results/.
# Environment for run: GPU_CHECK_BATCHES (bench compare's batches, default 1,64,1024), GPU_CHECK_SKIP_BENCH=1 (tests
# only), SAFETYNETS_REQUIRE_CUDA (default 1; 0 lets the GPU tests skip, for checking the plumbing without a GPU).
set -euo pipefail

usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

root="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
device_pack="${DEVICE_PACK:-$root/../shared/tools/device-pack}"
[ -x "$device_pack" ] || device_pack=/work/shared/tools/device-pack
device_pack="$(cd -P "$(dirname "$device_pack")" 2>/dev/null && pwd)/$(basename "$device_pack")"

pack() {
  if [ ! -d .git ]; then
    cat >&2 <<EOF
gpu-check pack: $root is a git worktree (.git is a file), and device-pack writes .git/info/exclude.
Pack from a plain clone of this branch instead:
  git clone --branch "$(git rev-parse --abbrev-ref HEAD)" "$(git rev-parse --path-format=absolute --git-common-dir)" /tmp/safetynets-gpu
  cd /tmp/safetynets-gpu && DEVICE_PACK=$device_pack ci/gpu-check.sh pack
EOF
    exit 2
  fi
  command -v mvn >/dev/null || { echo "gpu-check pack: needs Maven and a JDK" >&2; exit 2; }
  # Offline when the local repository has everything (MVN_OFFLINE=0 to let Maven download).
  offline=-o
  [ "${MVN_OFFLINE:-1}" = 1 ] || offline=
  # One pass: the jars, and JUnit's engine and launcher for GpuCheckMain (every module's test-scoped JUnit jars, one
  # version through the BOM; the project's own classes and JCuda come in the shaded CLI jar). Maven resolves the
  # project's modules only within one reactor run, so the copy cannot be a separate -pl call.
  junit_dir="$(mktemp -d)"
  # shellcheck disable=SC2086 # $offline is an option or nothing
  mvn -B -ntp -q $offline package -DskipTests dependency:copy-dependencies -DincludeScope=test \
      -DincludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian -DoutputDirectory="$junit_dir"
  rm -rf .device/lib
  "$device_pack" \
      engine-java/cli/target/safetynets.jar \
      bench/target/safetynets-bench-0.1.0-SNAPSHOT.jar \
      engine-java/core/target/safetynets-core-0.1.0-SNAPSHOT-tests.jar \
      kernels/common/target/safetynets-kernels-common-0.1.0-SNAPSHOT-tests.jar \
      kernels/cuda/target/safetynets-cuda-0.1.0-SNAPSHOT-tests.jar \
      "$junit_dir"
  rm -rf "$junit_dir"
  echo "gpu-check pack: .device/ is ready; on the GPU host run ci/gpu-check.sh run in the repository root"
  echo "  (with the device tool: carry [\".device\"], command \"ci/gpu-check.sh run\")"
}

run() {
  [ -f .device/jrt.tar.xz ] && [ -d .device/lib ] || { echo "gpu-check run: no .device/ here; run ci/gpu-check.sh pack first" >&2; exit 2; }
  results="${OUT:-$root/gpu-check-results}"
  mkdir -p "$results"
  if [ -x /tmp/jrt/bin/java ]; then :; else tar xJf .device/jrt.tar.xz -C /tmp; fi
  java=/tmp/jrt/bin/java
  # shellcheck source=../bin/java-env.sh
  . "$root/bin/java-env.sh"
  safetynets_chain_signals "$java"
  lib="$root/.device/lib"
  cli=("$java" -cp "$lib/safetynets.jar" org.safetynets.cli.Main)
  export SAFETYNETS_REQUIRE_CUDA="${SAFETYNETS_REQUIRE_CUDA:-1}"
  status=0

  {
    echo "== host"
    uname -a
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1 || echo "nvidia-smi: not available"
    "$java" -version 2>&1
    echo
    echo "== backends"
    "${cli[@]}" backends
  } 2>&1 | tee "$results/host.txt"

  echo "== CUDA tests (SAFETYNETS_REQUIRE_CUDA=$SAFETYNETS_REQUIRE_CUDA)"
  # The tests read the kernel sources to check the committed images against them.
  set +e
  "$java" -Dsafetynets.kernels.src="$root/kernels/src" -cp "$lib/*" org.safetynets.cuda.GpuCheckMain 2>&1 | tee "$results/tests.txt"
  tests_status=${PIPESTATUS[0]}
  set -e
  [ "$tests_status" -eq 0 ] || status=1
  if [ "${GPU_CHECK_SKIP_BENCH:-0}" = 1 ]; then
    exit "$status"
  fi

  echo "== bench compare --backends cpu,cuda"
  set +e
  "${cli[@]}" bench compare --backends cpu,cuda --batches "${GPU_CHECK_BATCHES:-1,64,1024}" --matrix-size 1024 \
      --warmup 1 --warmup-time 5 --runs 3 --no-plot -O "$results/compare" 2>&1 | tee "$results/compare.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1

  bench=("$java" -cp "$lib/safetynets.jar:$lib/safetynets-bench-0.1.0-SNAPSHOT.jar" org.safetynets.bench.CoreBenchmark)
  echo "== CoreBenchmark matmul 1024^3 on cuda (checksum against the C reference when a C compiler is here)"
  "${bench[@]}" --backend cuda --only matmul --size 1024 --threads 1 --c-reps 1 --warmup 2 --runs 5 \
      2>&1 | tee "$results/matmul-1024.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  echo "== CoreBenchmark matmul 4096^3 on cuda (no C reference: about a minute per single-core run)"
  "${bench[@]}" --backend cuda --only matmul --size 4096 --threads 1 --cc /nonexistent/cc --warmup 1 --runs 3 \
      2>&1 | tee "$results/matmul-4096.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  set -e
  echo "gpu-check run: $([ "$status" -eq 0 ] && echo PASSED || echo FAILED); results in $results"
  exit "$status"
}

case "${1:-}" in
  pack) pack ;;
  run) run ;;
  *) usage ;;
esac
