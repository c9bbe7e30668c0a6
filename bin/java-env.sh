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

# safetynets_jit_opts JAVA: prints "-XX:-TieredCompilation" when the runtime at JAVA is older than JDK 25 (its release
# file's JAVA_VERSION). For the long-running commands (serve, evaluate, bench, the Spark jobs, bench/run-core.sh).
# Why: with tiered compilation, a JDK 17 process often compiles the CPU backend's SIMD kernels (SquareLaneLoops) with
# too little type profile for the Vector API's own methods (C2's inlining log says "no static binding" for
# LongVector::lanewise and ::vspecies, then "VectorSupport::store failed to inline (intrinsic)"); every vector of that
# kernel is then an object, and the x^2 sum-check runs 3-5 times slower for the rest of the process. Which process it
# hits depends on what the JIT compiled first: 5 of 8 and 3 of 6 runs of the demo CNN's prover at batch 256 in two
# sittings (median 105-134 ms against 58-72 ms). Without tiers C2 compiles from the interpreter's complete profiles:
# 14 runs of 14 were fast at batch 256. Not so at 4096: about half the processes are still slow without tiers, and
# with them every one ran 10-30% slower than a good one; prefer JDK 25 for a prover. The cost is start-up (a cold
# `prove` of 64 samples: median 0.98 s against 0.70 s), which is why a one-shot prove or demo keeps the tiers: it runs
# the scalar kernels only until it has handed the backend 8 Mi table elements (KernelChoice), so a small one never
# meets the hazard. JDK 25 showed no slow process (6 of 6); 18-24 were not measured and get the option, as 17 does.
# SAFETYNETS_JAVA_OPTS (JAVA_OPTS for run-core.sh) =-XX:+TieredCompilation comes later and wins. bench/README.md, "A
# JDK 17 hazard".
safetynets_jit_opts() {
  local java_home version
  java_home="$(safetynets_java_home "$1")"
  [ -n "$java_home" ] || return 0
  version="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$java_home/release" 2>/dev/null)"
  if [ -n "$version" ] && [ "$version" -lt 25 ]; then
    printf '%s' "-XX:-TieredCompilation"
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
