#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install, with apt, every Debian 12 package that building, the demo and the
# tests need -- and only if something is missing, so a second run costs a
# few dpkg queries and never touches the network.
#
#   scripts/deps.sh            install what is missing (as root, or via sudo)
#   . scripts/deps.sh          only define MQTLS_APT_PACKAGES (.ci/run does
#                              this: the list lives in exactly one place)
#
# --no-install-recommends keeps a fresh machine lean; the price is that every
# package we really use has to be named here (e.g. libc6-dev, which gcc only
# recommends). Nothing here stops or reconfigures the system's own mosquitto
# service (Debian starts one on port 1883): our scripts never use 1883.

MQTLS_APT_PACKAGES=(
  # build
  cmake make gcc libc6-dev clang pkg-config git ca-certificates clang-format
  # Debian packages of mqtls (cpack -G DEB needs dpkg-shlibdeps), their check
  dpkg-dev lintian
  # sanitizers and libFuzzer for clang (clang-14 itself does not pull them)
  libclang-rt-14-dev
  # unit tests, coverage
  libcmocka-dev gcovr
  # Cortex-M4 cross build of the core (scripts/core-size.sh)
  gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
  # integration tests and demo: a private broker; ss to find free ports; ps/kill
  mosquitto mosquitto-clients iproute2 procps python3
  # Cortex-M4 emulation (firmware and core unit tests under QEMU)
  qemu-system-arm
  # benchmark peer (Paho C) and the TLS backends
  libpaho-mqtt-dev libmbedtls-dev libssl-dev openssl jq
  # instruction counts in bench/ (callgrind)
  valgrind
)

# Print the packages of MQTLS_APT_PACKAGES that are not installed, one a line.
mqtls_deps_missing() {
  local p status
  for p in "${MQTLS_APT_PACKAGES[@]}"; do
    # dpkg -s also succeeds for a removed package whose config files remain;
    # only "install ok installed" means usable.
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
      printf '%s\n' "$p"
    fi
  done
}

mqtls_deps_install() {
  local missing
  mapfile -t missing < <(mqtls_deps_missing)
  if ((${#missing[@]} == 0)); then
    echo "deps: all ${#MQTLS_APT_PACKAGES[@]} packages present"
    return 0
  fi
  echo "deps: installing ${missing[*]}"
  local -a as_root=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      as_root=(sudo)
    else
      echo "deps: missing packages and not root (no sudo): ${missing[*]}" >&2
      return 1
    fi
  fi
  # A fresh machine has empty package lists, so update before installing.
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Executed (not sourced): do the installation.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  mqtls_deps_install
fi
