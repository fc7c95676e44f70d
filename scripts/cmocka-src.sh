#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetch the source of cmocka from Debian 12's own archive (the "bookworm"
# source package, the one libcmocka-dev is built from), for the Cortex-M4
# unit tests: Debian ships no cmocka for arm-none-eabi, so
# scripts/m4-unit.sh cross-compiles this source. apt gets a private
# configuration (its own source list, state and cache) holding one deb-src
# line, exactly as scripts/mbedtls-src.sh does; the system's sources are
# never touched and nothing is vendored.
#
#   scripts/cmocka-src.sh [DIR]    unpack into DIR (default build/cmocka-src),
#                                  print the source tree's path on stdout
#
# A second run finds DIR/src already unpacked and costs nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-$ROOT/build/cmocka-src}
VERSION=${MQTLS_CMOCKA_VERSION:-1.1.5-2.1}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

if [[ -f "$DIR/src/include/cmocka.h" ]]; then
  echo "$DIR/src"
  exit 0
fi

# The archive's URI, as the system's own sources name it (deb822 or one-line).
uri=""
for f in /etc/apt/sources.list.d/*.sources; do
  [[ -f $f ]] || continue
  uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /debian\/?$/ && $i !~ /security/) { print $i; exit } }' "$f")
  [[ -n $uri ]] && break
done
if [[ -z $uri && -f /etc/apt/sources.list ]]; then
  uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
fi
uri=${uri:-http://deb.debian.org/debian}

apt_dir=$DIR/apt
mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$DIR/dl"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri bookworm main" >"$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State=$apt_dir/state" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1)

echo "cmocka-src: fetching cmocka=$VERSION (source) from $uri bookworm" >&2
apt-get "${apt_opts[@]}" -q update >&2
(cd "$DIR/dl" && apt-get "${apt_opts[@]}" -q source --download-only "cmocka=$VERSION" >&2)

# The upstream tarball only; the Debian patches are packaging.
tarball=$(find "$DIR/dl" -maxdepth 1 -name 'cmocka_*.orig.tar.*' | head -n 1)
[[ -n $tarball ]] || { echo "cmocka-src: no orig tarball downloaded" >&2; exit 1; }
rm -rf "$DIR/src.tmp"
mkdir -p "$DIR/src.tmp"
tar -xf "$tarball" -C "$DIR/src.tmp" --strip-components=1
mv "$DIR/src.tmp" "$DIR/src"
echo "$DIR/src"
