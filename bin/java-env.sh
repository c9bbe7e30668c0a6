# Sourced by bin/safetynets, bench/run-core.sh and ci/gpu-check.sh before they start a JVM.
#
# safetynets_java_home JAVA: the home directory of the java at JAVA (empty if JAVA is not found).
safetynets_java_home() {
  local java_path
  java_path="$(command -v "$1" 2>/dev/null)" || return 0
  dirname "$(dirname "$(readlink -f "$java_path")")"
}
#
# safetynets_chain_signals JAVA: preloads the JVM's libjsig (signal chaining) for the java at JAVA, when it has one.
# Why: the JVM takes SIGSEGV for its own use (safepoint polls, implicit null checks), and some native libraries
# the backends load install their own SIGSEGV handler over it: POCL does (through LLVM) when it compiles the OpenCL
# kernels. Without chaining, the next safepoint poll in any Java thread then kills the process with a bare
# "Segmentation fault" and no hs_err file. libjsig keeps the JVM's handler first and chains to the library's.
safetynets_chain_signals() {
  local java_home
  java_home="$(safetynets_java_home "$1")"
  if [ -n "$java_home" ] && [ -f "$java_home/lib/libjsig.so" ]; then
    export LD_PRELOAD="$java_home/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
  fi
}

# safetynets_vector_opts JAVA: prints "--add-modules jdk.incubator.vector" when the runtime at JAVA has that module
# (its release file lists it; a jlink image without it would refuse to start with the option). The CPU backend's
# SIMD kernels need it; without it they fall back to scalar code. The JVM then prints one line,
# "WARNING: Using incubator modules: jdk.incubator.vector", on standard error.
safetynets_vector_opts() {
  local java_home
  java_home="$(safetynets_java_home "$1")"
  if [ -n "$java_home" ] && grep -qs '^MODULES=.*jdk\.incubator\.vector' "$java_home/release"; then
    printf '%s' "--add-modules jdk.incubator.vector"
  fi
}

# safetynets_heap_opts: the heap options of the commands that prove (prove, demo, evaluate, bench, serve). The heap may
# grow to 75% of the machine's memory, which the JVM reads at start (the cgroup limit in a container), instead of its
# default quarter: the shipped MNIST CNN's prover holds about 200 KB a sample at its peak, so batch 65,536 needs about
# 13 GB. With that much room G1 would rather grow the heap than collect (its default GCTimeRatio=12 allows 8% of the
# time for collection), and the big tables the prover drops stay resident until it does: GCTimeRatio=4 (20%) keeps the
# resident peak near the live data (batch 16,384: 5.2 GB resident, against 6.7 GB with the default ratio). Options in
# SAFETYNETS_JAVA_OPTS come later and win (-Xmx overrides the percentage).
safetynets_heap_opts() {
  printf '%s' "-XX:MaxRAMPercentage=75 -XX:GCTimeRatio=4"
}
