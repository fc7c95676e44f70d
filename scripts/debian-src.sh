#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetch and unpack the upstream source of one Debian source package, from
# the same archive the machine already uses, without touching the system's
# apt sources: apt gets a private configuration (its own source list, state
# and cache directories) holding one deb-src line for SUITE. No binary line
# is ever added (a trixie binary line would upgrade a Debian 12 machine), and
# nothing is vendored into the repository. apt checks the download against
# the archive's signed index.
#
#   scripts/debian-src.sh PACKAGE VERSION SUITE DIR MARKER
#     PACKAGE VERSION  the source package and its exact version (pinned, so CI
#                      builds what was tested)
#     SUITE            bookworm, trixie, ...
#     DIR              where to work; the source tree is DIR/src
#     MARKER           a file inside the tree that proves it is unpacked
#   prints DIR/src on stdout; a second run finds MARKER and costs nothing.
#
# Used by scripts/mbedtls-src.sh (mbedTLS 3.6 from trixie) and
# scripts/cmocka-src.sh (cmocka from bookworm, cross-built for Cortex-M4).
set -euo pipefail

[[ $# -eq 5 ]] || { echo "usage: debian-src.sh PACKAGE VERSION SUITE DIR MARKER" >&2; exit 2; }
PKG=$1 VERSION=$2 SUITE=$3 DIR=$4 MARKER=$5
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

if [[ -f "$DIR/src/$MARKER" ]]; then
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
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $SUITE main" >"$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State=$apt_dir/state" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1)

echo "debian-src: fetching $PKG=$VERSION (source) from $uri $SUITE" >&2
apt-get "${apt_opts[@]}" -q update >&2
(cd "$DIR/dl" && apt-get "${apt_opts[@]}" -q source --download-only "$PKG=$VERSION" >&2)

# The upstream tarball only: the Debian patches are packaging, and
# dpkg-source would need dpkg-dev.
tarball=$(find "$DIR/dl" -maxdepth 1 -name "${PKG}_*.orig.tar.*" | head -n 1)
[[ -n $tarball ]] || { echo "debian-src: no orig tarball of $PKG downloaded" >&2; exit 1; }
rm -rf "$DIR/src.tmp"
mkdir -p "$DIR/src.tmp"
tar -xf "$tarball" -C "$DIR/src.tmp" --strip-components=1
mv "$DIR/src.tmp" "$DIR/src"
echo "$DIR/src"
