#!/usr/bin/env bash
# Builds a static busybox for another architecture from Debian's busybox source package
# (fetched from Debian's archive through a deb-src entry of our own), with Debian's cross
# toolchain. Usage: scripts/build-busybox.sh CROSS_PREFIX OUTPUT_FILE
set -euo pipefail
cross=$1 out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

# apt-get source needs a deb-src index: a list of our own next to Debian's, same mirror.
src_list=/etc/apt/sources.list.d/bootwatch-deb-src.sources
if [ ! -f "$src_list" ]; then
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
    $SUDO tee "$src_list" >/dev/null
  $SUDO apt-get update -qq
fi
cd "$work"
apt-get source --download-only -qq busybox >/dev/null 2>&1 || { $SUDO apt-get update -qq && apt-get source --download-only -qq busybox >/dev/null; }
tar xf busybox_*.orig.tar.*
cd busybox-*/
make -s CROSS_COMPILE="$cross" defconfig >/dev/null
# Static; tc needs kernel headers older than Debian 12's; no network filesystems via RPC.
sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' -e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' \
  -e 's/^CONFIG_FEATURE_TC_INGRESS=y/# CONFIG_FEATURE_TC_INGRESS is not set/' .config
make -s CROSS_COMPILE="$cross" oldconfig </dev/null >/dev/null
make -s CROSS_COMPILE="$cross" -j"$(nproc)" busybox >/dev/null 2>build.err || { tail -20 build.err >&2; exit 1; }
mkdir -p "$(dirname "$out")"
install -m 0755 busybox "$out"
