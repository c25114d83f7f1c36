#!/usr/bin/env bash
# Installs what bootwatch needs on a Debian 12 machine, idempotently and quickly when done.
#   scripts/setup.sh          system packages for building/booting kernels + npm dependencies + dashboard
#   scripts/setup.sh --test   the same, plus what the tests need (PostgreSQL server, Debian's prebuilt kernel)
#   scripts/setup.sh --deps   the npm dependencies only (CI's lint and type check need no more)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

log() { printf 'setup: %s\n' "$*" >&2; }

# npm dependencies: reinstall only when package-lock.json changed.
install_npm_deps() {
  local stamp=node_modules/.bootwatch-lock-hash hash
  hash=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    log "installing npm dependencies"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$hash" > "$stamp"
  fi
}
if [ "${1:-}" = "--deps" ]; then
  install_npm_deps
  exit 0
fi

SYSTEM_PACKAGES=(
  build-essential flex bison bc libelf-dev libssl-dev cpio ccache xz-utils rsync kmod
  qemu-system-x86 qemu-utils busybox-static linux-source-6.1
  e2fsprogs dosfstools mtools fdisk ovmf systemd-boot-efi debootstrap
  # arm64 and riscv64 guests: cross compilers (with libc for the riscv64 busybox), QEMUs, firmware
  gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu libc6-dev-arm64-cross libc6-dev-riscv64-cross
  qemu-system-arm qemu-system-misc qemu-efi-aarch64 opensbi bzip2
)
# xmllint and promtool validate the JUnit and Prometheus exports in tests.
TEST_PACKAGES=(chromium libxml2-utils prometheus)

missing=()
check() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || missing+=("$1"); }
for p in "${SYSTEM_PACKAGES[@]}"; do check "$p"; done
if [ "$want_test" = 1 ]; then
  for p in "${TEST_PACKAGES[@]}"; do check "$p"; done
  # Tests start a throwaway PostgreSQL: use /usr/local/bin's when present, else Debian's.
  [ -x /usr/local/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's postgresql package starts a cluster we do not use; tests run their own.
  if printf '%s\n' "${missing[@]}" | grep -qx postgresql; then
    $SUDO systemctl disable --now postgresql >/dev/null 2>&1 || $SUDO service postgresql stop >/dev/null 2>&1 || true
  fi
  # Only its promtool is used: no Prometheus server of ours should run.
  if printf '%s\n' "${missing[@]}" | grep -qx prometheus; then
    $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || $SUDO service prometheus stop >/dev/null 2>&1 || true
  fi
fi

install_npm_deps

# The dashboard is served as static files: build it when its sources are newer than the build.
if [ -f dashboard/vite.config.ts ]; then
  if [ ! -f dashboard/dist/index.html ] || [ -n "$(find dashboard/src dashboard/index.html dashboard/vite.config.ts -newer dashboard/dist/index.html 2>/dev/null | head -1)" ]; then
    log "building the dashboard"
    npm run --silent build:dashboard >/dev/null
  fi
fi

# The CLI, collector and runners as JavaScript (bin/bootwatch runs it while it is current).
if [ ! -f dist/bootwatch.js ] || [ -n "$(find bin common collector runners bench test/helpers package-lock.json -newer dist/bootwatch.js 2>/dev/null | head -1)" ]; then
  log "building the CLI"
  npm run --silent build
fi

# Each guest arch's static busybox, in the cache where runners/images/busybox.ts looks.
multiarch="${BOOTWATCH_CACHE:-$HOME/.cache/bootwatch}/multiarch"
# One file out of Debian's own arm64 package (multiarch): no download from outside the archive.
fetch_arm64_file() { # PACKAGE PATH_IN_PACKAGE DEST MODE
  local pkg=$1 path=$2 dest=$3 mode=$4 tmp SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -qq
  fi
  tmp=$(mktemp -d)
  (cd "$tmp" && { apt-get download -qq "$pkg:arm64" 2>/dev/null || { $SUDO apt-get update -qq && apt-get download -qq "$pkg:arm64"; }; } && dpkg -x ./"$pkg"_*.deb root)
  mkdir -p "$(dirname "$dest")"
  install -m "$mode" "$tmp/root/$path" "$dest"
  rm -rf "$tmp"
}
multiarch_userspace() {
  if [ ! -x "$multiarch/arm64/busybox" ]; then
    log "fetching Debian's arm64 busybox-static"
    fetch_arm64_file busybox-static bin/busybox "$multiarch/arm64/busybox" 0755
  fi
  if [ ! -f "$multiarch/arm64/linuxaa64.efi.stub" ]; then
    # systemd's arm64 EFI stub: Graviton images carry a UKI made from it (runners/images/uki.ts).
    log "fetching Debian's arm64 systemd-boot-efi stub"
    fetch_arm64_file systemd-boot-efi usr/lib/systemd/boot/efi/linuxaa64.efi.stub "$multiarch/arm64/linuxaa64.efi.stub" 0644
  fi
  if [ ! -x "$multiarch/riscv64/busybox" ]; then
    # Debian 12 has no riscv64 archive: build Debian's busybox source with the cross toolchain.
    log "building a static riscv64 busybox from Debian's source (once, ~2 min)"
    scripts/build-busybox.sh riscv64-linux-gnu- "$multiarch/riscv64/busybox"
  fi
}
# The tests need every arch; the x86_64 demo does not, so there a failure only warns.
if ! (multiarch_userspace); then
  [ "$want_test" = 1 ] && exit 1
  log "warning: arm64/riscv64 guest userspace unavailable (rerun scripts/setup.sh to retry); x86_64 is unaffected"
fi

# The seed ladder's top rung boots Debian with sysvinit: debootstrap it once from apt's archive
# (bin/bootwatch images finds it in the cache when it is there).
debian_root() {
  bin/bootwatch images examples/seed-ladder.yaml --only 09-debian >/dev/null
}
if ! ls "${BOOTWATCH_CACHE:-$HOME/.cache/bootwatch}"/images/debootstrap-bookworm-*.ext4 >/dev/null 2>&1; then
  log "making the Debian 12 (sysvinit) root of the seed ladder's 09-debian (once, a few minutes)"
fi
if ! debian_root; then
  [ "$want_test" = 1 ] && exit 1
  log "warning: the Debian root could not be made (is the Debian archive reachable?); 09-debian will fail, the rest is unaffected"
fi

if [ "$want_test" = 1 ]; then
  # A prebuilt distro kernel boots in seconds under QEMU: most boot tests use it (arm64's
  # under TCG, for the arm64 boot path without a cross build).
  fetch_debian_kernel() { # DEBIAN_ARCH PACKAGE_REGEX CACHE_DIR
    local arch=$1 re=$2 cache=$3 pkg
    ls "$cache"/root/boot/vmlinuz-* >/dev/null 2>&1 && return 0
    log "fetching Debian's prebuilt $arch kernel for boot tests"
    mkdir -p "$cache"
    find_pkg() { apt-cache search --names-only "$re" | sort -V | tail -1 | cut -d' ' -f1; }
    pkg=$(find_pkg)
    if [ -z "$pkg" ]; then
      apt-get update -qq
      pkg=$(find_pkg)
    fi
    (cd "$cache" && apt-get download -qq "$pkg:$arch" 2>/dev/null && dpkg -x ./"${pkg//:/%3a}"_*.deb root)
  }
  cache_root="${BOOTWATCH_CACHE:-$HOME/.cache/bootwatch}"
  fetch_debian_kernel amd64 '^linux-image-6\.1\.0-[0-9]+-amd64$' "$cache_root/debian-kernel"
  fetch_debian_kernel arm64 '^linux-image-6\.1\.0-[0-9]+-arm64-unsigned$' "$cache_root/debian-kernel-arm64"
fi
log "ready"
