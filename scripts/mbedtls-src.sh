#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetch the source of mbedTLS 3.6 LTS from Debian's own archive -- the
# "trixie" (Debian 13) source package -- without touching the system's apt
# sources: apt gets a private configuration (its own source list, state and
# cache directories) that holds only a deb-src line. No trixie binary line is
# ever added, so the machine is never upgraded; nothing is vendored.
#
#   scripts/mbedtls-src.sh [DIR]    unpack into DIR (default build/mbedtls-3.6),
#                                   print the source tree's path on stdout
#
# A second run finds DIR/src already unpacked and costs nothing. The version is
# pinned (MQTLS_MBEDTLS36_VERSION) so CI builds what was tested.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-$ROOT/build/mbedtls-3.6}
VERSION=${MQTLS_MBEDTLS36_VERSION:-3.6.6-0.1~deb13u1}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

if [[ -f "$DIR/src/include/mbedtls/build_info.h" ]]; then
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
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main" >"$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State=$apt_dir/state" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1)

echo "mbedtls-src: fetching mbedtls=$VERSION (source) from $uri trixie" >&2
apt-get "${apt_opts[@]}" -q update >&2
(cd "$DIR/dl" && apt-get "${apt_opts[@]}" -q source --download-only "mbedtls=$VERSION" >&2)

# Unpack the upstream tarball only (the Debian patches are packaging and
# are not needed to build the library); dpkg-source would need dpkg-dev.
tarball=$(find "$DIR/dl" -maxdepth 1 -name 'mbedtls_*.orig.tar.*' | head -n 1)
[[ -n $tarball ]] || { echo "mbedtls-src: no orig tarball downloaded" >&2; exit 1; }
rm -rf "$DIR/src.tmp"
mkdir -p "$DIR/src.tmp"
tar -xf "$tarball" -C "$DIR/src.tmp" --strip-components=1
mv "$DIR/src.tmp" "$DIR/src"
echo "$DIR/src"
