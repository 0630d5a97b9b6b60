#!/usr/bin/env bash
# make dist: a release in dist/.
#
#   vfstock-VERSION-phpX.Y-nts-linux-x86_64.so  one per PHP built for, linked
#                                               for glibc 2.17 (EL7, CloudLinux 7,
#                                               Ubuntu 18.04, Debian 9 and later)
#   vfstock-addon-VERSION.zip                   the addon, as WHMCS addons ship:
#                                               modules/addons/vfstock/...
#   LICENSE, SHA256SUMS
#
# VERSION is the crate's (Cargo.toml). The PHPs are the php-configs in
# DIST_PHP_CONFIGS (default: this machine's php-config, and Debian 13's PHP
# 8.4 from the root scripts/php84-root.sh makes).
#
# The old-glibc link is cargo-zigbuild's: zig links against glibc 2.17's
# symbol versions. Both come from the Python package index into a venv, with
# libclang for bindgen: ziglang 0.13 carries clang 18's headers, which bindgen
# must parse with a libclang of the same age (Debian 12's libclang 14 cannot
# read newer ones), hence the three pinned together. The venv lives outside
# the repository (~/.cache/vfstock/zig-tools): zig names its headers relative
# to the working directory when it can, and bindgen, which runs elsewhere,
# would not find them.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd -P)
started=$SECONDS

die() {
  echo "make dist: $*" >&2
  exit 1
}
say() { echo "make dist: $*" >&2; }

GLIBC_MAX=2.17
ZIG_TARGET=x86_64-unknown-linux-gnu.$GLIBC_MAX
TOOLS=(cargo-zigbuild==0.24.1 ziglang==0.13.0 libclang==18.1.1)
tools="${XDG_CACHE_HOME:-$HOME/.cache}/vfstock/zig-tools"
root_config="$repo/target/php84-root/bin/php-config"
read -r -a configs <<<"${DIST_PHP_CONFIGS:-php-config $root_config}"

version=$(awk -F'"' '/^\[/ { p = ($0 == "[package]") } p && /^version *=/ { print $2; exit }' Cargo.toml)
[ -n "$version" ] || die "no version in Cargo.toml"

command -v cargo >/dev/null 2>&1 || die "cargo was not found: install Rust (rustup)"
command -v objdump >/dev/null 2>&1 || die "objdump was not found: make setup (binutils)"
command -v zip >/dev/null 2>&1 || die "zip was not found: make setup"

# --- the tools --------------------------------------------------------------
if [ "$(cat "$tools/.vfstock-tools" 2>/dev/null)" != "${TOOLS[*]}" ]; then
  say "installing ${TOOLS[*]} into $tools"
  rm -rf "$tools"
  python3 -m venv "$tools" || die "python3 -m venv failed: make setup (python3-venv)"
  "$tools/bin/pip" install --quiet --disable-pip-version-check "${TOOLS[@]}"
  echo "${TOOLS[*]}" >"$tools/.vfstock-tools"
fi
libclang_dir=$(dirname "$(find "$tools/lib" -path '*/clang/native/libclang.so' -print -quit)")
[ -f "$libclang_dir/libclang.so" ] || die "the venv has no libclang.so"

# --- the extension, per PHP ---------------------------------------------------
rm -rf dist
mkdir dist
seen=()
for pc in "${configs[@]}"; do
  if [ "$pc" = "$root_config" ]; then bash scripts/php84-root.sh ensure; fi
  pc_path=$(command -v -- "$pc") || die "php-config $pc was not found"
  php_bin=$("$pc_path" --php-binary)
  php_version=$("$pc_path" --version)
  [[ $php_version =~ ^([0-9]+)\.([0-9]+) ]] || die "$pc_path --version answered '$php_version'"
  xy="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
  ts=nts
  [ "$("$php_bin" -n -r 'echo PHP_ZTS;')" = 1 ] && ts=zts
  name="vfstock-$version-php$xy-$ts-linux-x86_64.so"
  [[ " ${seen[*]} " != *" $name "* ]] || die "two php-configs for PHP $xy $ts in DIST_PHP_CONFIGS"
  seen+=("$name")

  say "building $name against PHP $php_version ($pc_path)"
  env PATH="$tools/bin:$PATH" LIBCLANG_PATH="$libclang_dir" PHP="$php_bin" PHP_CONFIG="$pc_path" \
    CARGO_TARGET_DIR="$repo/target/zig" \
    cargo zigbuild --release --lib -p vfstock --target "$ZIG_TARGET"
  cp "target/zig/x86_64-unknown-linux-gnu/release/libvfstock.so" "dist/$name"

  needed=$(objdump -T "dist/$name" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n 1)
  if [ "$(printf '%s\n%s\n' "$needed" "$GLIBC_MAX" | sort -V | tail -n 1)" != "$GLIBC_MAX" ]; then
    die "$name needs glibc $needed, more than $GLIBC_MAX"
  fi
  say "$name needs glibc $needed at most"
done

# --- the addon, LICENSE, checksums ---------------------------------------------
(cd php && zip -q -r -X "$repo/dist/vfstock-addon-$version.zip" modules/addons/vfstock -x '*~' '*.swp' '*/.DS_Store')
cp LICENSE dist/LICENSE
(
  cd dist
  sha256sum -- * >../target/SHA256SUMS.new
)
mv target/SHA256SUMS.new dist/SHA256SUMS

say "done in $((SECONDS - started)) s:"
(cd dist && ls -l) >&2
