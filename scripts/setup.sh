#!/usr/bin/env bash
# Installs what vfstock's developers and CI need on a Debian machine (build
# and test tools; `make install` never runs it), idempotently: only the
# packages that are missing, and apt-get update only when something is.
# mmdebstrap makes the Debian 13 root of the PHP 8.4 tests; binutils (objdump),
# python3-venv (cargo-zigbuild, ziglang), zip and unzip serve `make dist`;
# strace lets `make bench` count the threads a warm cart refresh starts.
set -euo pipefail

packages=(
  php8.2-cli php8.2-dev php8.2-sqlite3 php8.2-mysql php8.2-mbstring php8.2-xml
  libclang-dev clang pkg-config
  phpunit php-illuminate-database
  mariadb-server mariadb-client
  chromium valgrind libjs-bootstrap libjs-jquery
  mmdebstrap binutils python3-venv zip unzip strace
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is missing: install Rust with rustup first" >&2
  exit 1
fi
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$component"
  fi
done
echo "setup: everything is installed"
