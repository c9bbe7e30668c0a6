#!/usr/bin/env bash
# Checks that the build and the command line print only what they mean to (issue 13, items 7 and 9). .ci/run runs
# it after the tests, with mvn verify's log; it needs the jars that verify built.
#   1. mvn verify's log (the first argument, if given) holds no Jazzer or libFuzzer lines (ci/FUZZING.md).
#   2. `mvn -q package` prints nothing: no escape codes (.mvn/jvm.config), no build-kernels.sh line.
#   3. A command on auto says nothing about CUDA where there is no NVIDIA driver, and JOCL prints no
#      "Could not load libOpenCL.so" lines, here and (where a mount namespace can be made, as root) with the
#      OpenCL ICD loader hidden.
set -euo pipefail
cd "$(dirname "$0")/.."
failures=0
fail() {
  echo "check-quiet: FAIL: $1" >&2
  shift
  printf '  | %s\n' "$@" >&2
  failures=$((failures + 1))
}

if [ $# -ge 1 ]; then
  noise="$(grep -E '^#[0-9]+[[:space:]]+(INITED|NEW|REDUCE|pulse|DONE)|^INFO: (Loaded [0-9]+ hooks|Instrumented|Seed:|Running with)' "$1" | head -n 5 || true)"
  [ -z "$noise" ] || fail "fuzzer output in the mvn verify log $1" "$noise"
fi

package_output="$(mvn -q -ntp package -DskipTests 2>&1)"
[ -z "$package_output" ] || fail "mvn -q package printed something" "$(printf '%s' "$package_output" | cat -v | head -n 5)"

# The demo on auto (the default) with the random model: quick, and it opens a backend.
demo() {
  bin/safetynets demo --model random --batch 2 > "$tmp/out" 2> "$tmp/err" || fail "demo failed" "$(cat "$tmp/err")"
}
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
demo
if grep -qi cuda "$tmp/err"; then fail "auto mentions CUDA on stderr" "$(grep -i cuda "$tmp/err")"; fi
if grep -q "Could not load" "$tmp/out" "$tmp/err"; then fail "JOCL printed library errors" "$(grep -h "Could not load" "$tmp/out" "$tmp/err")"; fi

icd="$(ldconfig -p 2>/dev/null | awk '/libOpenCL\.so\.1 /{print $NF; exit}')"
if [ -n "$icd" ] && [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
  # Hide the ICD loader in a private mount namespace: only this check sees it gone.
  hidden="$(readlink -f "$icd")"
  unshare -m bash -c "mount --bind /dev/null '$hidden' && bin/safetynets backends" > "$tmp/out" 2> "$tmp/err" || true
  if grep -q "Could not load" "$tmp/out" "$tmp/err"; then fail "JOCL printed library errors without the ICD loader" "$(grep -h "Could not load" "$tmp/out" "$tmp/err")"; fi
  grep -q "opencl .*unavailable: the OpenCL library cannot be loaded" "$tmp/out" || fail "backends without the ICD loader" "$(cat "$tmp/out" "$tmp/err")"
else
  echo "check-quiet: skipped the run without the OpenCL ICD loader (needs root and unshare)" >&2
fi

if [ "$failures" -gt 0 ]; then
  echo "check-quiet: $failures check(s) failed" >&2
  exit 1
fi
echo "check-quiet: ok"
