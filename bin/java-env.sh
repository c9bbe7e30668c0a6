# Sourced by bin/safetynets, bench/run-core.sh and ci/gpu-check.sh before they start a JVM.
#
# safetynets_chain_signals JAVA: preloads the JVM's libjsig (signal chaining) for the java at JAVA, when it has one.
# Why: the JVM takes SIGSEGV for its own use (safepoint polls, implicit null checks), and some native libraries
# the backends load install their own SIGSEGV handler over it: POCL does (through LLVM) when it compiles the OpenCL
# kernels. Without chaining, the next safepoint poll in any Java thread then kills the process with a bare
# "Segmentation fault" and no hs_err file. libjsig keeps the JVM's handler first and chains to the library's.
safetynets_chain_signals() {
  local java_path java_home
  java_path="$(command -v "$1" 2>/dev/null)" || return 0
  java_home="$(dirname "$(dirname "$(readlink -f "$java_path")")")"
  if [ -f "$java_home/lib/libjsig.so" ]; then
    export LD_PRELOAD="$java_home/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
  fi
}
