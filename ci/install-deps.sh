#!/usr/bin/env bash
# Installs the build's system dependencies when they are missing (CI machines start bare).
# JDK 17+ and Maven build everything; gcc lets the benchmark's C reference build (optional for tests);
# POCL gives the OpenCL backend a device, which CI requires (SAFETYNETS_REQUIRE_OPENCL=1 in .ci/run).
# fontconfig and a font let bench compare draw its plots (its CLI test checks the PNG).
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
# The OpenCL backend's tests run for real on POCL (OpenCL on the CPU): the ICD loader and the POCL driver.
for package in ocl-icd-libopencl1 pocl-opencl-icd; do
  dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
# bench compare's PNG plots draw text: the headless JDK needs fontconfig and at least one font.
command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list 2>/dev/null)" ] || need+=(fontconfig fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing ${need[*]}: install them (needs root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
# Print the versions in use; read whole outputs so no pipe closes early (SIGPIPE fails under pipefail).
java_version=$(java -version 2>&1)
mvn_version=$(mvn -v 2>/dev/null)
echo "${java_version%%$'\n'*}"
echo "${mvn_version%%$'\n'*}"
