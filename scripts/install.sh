#!/usr/bin/env bash
# The extension for one PHP: `make ext`, `make install`, `make uninstall`.
#
#   scripts/install.sh ext        build vfstock.so for that PHP, print its path
#   scripts/install.sh install    build it, then install it and its vfstock.ini
#   scripts/install.sh uninstall  remove both again (nothing is built)
#
# Which PHP: the one PHP_CONFIG names (default `php-config`). PHP_GIVEN is the
# PHP= the caller gave make, if any: its php-config is the one beside it
# (php8.3 -> php-config8.3, /opt/x/bin/php -> /opt/x/bin/php-config), and a
# PHP_CONFIG of another PHP version is refused, so that `make install
# PHP=php8.3` never installs into some other PHP. DESTDIR is honoured.
#
# It installs no packages and never runs `make setup`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
action=${1:-}
case "$action" in ext | install | uninstall) ;; *)
  echo "usage: $0 ext|install|uninstall" >&2
  exit 2
  ;;
esac

die() {
  echo "make $action: $*" >&2
  exit 1
}
say() { echo "make $action: $*" >&2; }

dest=${DESTDIR:-}
dest=${dest%/}
[ -z "$dest" ] || [[ $dest == /* ]] || dest="$repo/$dest"

# --- which PHP --------------------------------------------------------------
php_given=${PHP_GIVEN:-}
pc=${PHP_CONFIG:-}
php_given_path=
if [ -n "$php_given" ]; then
  php_given_path=$(command -v -- "$php_given") ||
    die "PHP=$php_given: no such command; say which PHP with its php-config: make $action PHP_CONFIG=/path/to/php-config"
  if [ -z "$pc" ]; then
    base=$(basename -- "$php_given_path")
    candidate=
    case "$base" in php*) candidate="$(dirname -- "$php_given_path")/php-config${base#php}" ;; esac
    [ -n "$candidate" ] && [ -x "$candidate" ] ||
      die "PHP=$php_given: there is no php-config beside it${candidate:+ ($candidate)}; install that PHP's development files, or say which with PHP_CONFIG=/path/to/php-config"
    pc=$candidate
  fi
fi
pc=${pc:-php-config}
pc_path=$(command -v -- "$pc") ||
  die "php-config was not found (PHP_CONFIG=$pc): install the development files of the PHP that serves WHMCS (Debian/Ubuntu: php8.2-dev; cPanel: ea-php82-php-devel; Plesk: plesk-php82-dev; alt-php: alt-php82-devel), or set PHP_CONFIG=/path/to/php-config"
[[ $pc_path == /* ]] || pc_path="$PWD/$pc_path"

ask() { # one php-config answer, on one line; nothing when it has no such option
  local out
  out=$("$pc_path" "$1" 2>/dev/null) || return 0
  printf '%s' "${out//$'\n'/}"
}
version=$(ask --version)
[[ $version =~ ^([0-9]+)\.([0-9]+) ]] || die "$pc_path --version answered '$version', not a PHP version: is PHP_CONFIG a php-config?"
php_xy="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
ext_dir=$(ask --extension-dir)
ini_dir=$(ask --ini-dir)
[ -n "$ext_dir" ] || die "$pc_path --extension-dir answered nothing"

php_bin=$(ask --php-binary)
if [ -z "$php_bin" ] || [ "$php_bin" = NONE ] || [ ! -x "$php_bin" ]; then
  php_bin=$php_given_path
fi
if [ -n "$php_given_path" ]; then
  given_version=$("$php_given_path" -n -r 'echo PHP_VERSION;' 2>/dev/null) || given_version='?'
  [ "$given_version" = "$version" ] ||
    die "PHP=$php_given is PHP $given_version but $pc_path is PHP $version's php-config; give one of them only, or a matching pair"
fi

# --- where its build lives ----------------------------------------------------
# The default PHP (php-config and php on PATH) builds in target/, exactly as
# `make build` does, so nothing is rebuilt; any other PHP gets its own folder,
# so that switching between PHPs never rebuilds the other's extension.
target_base=${CARGO_TARGET_DIR:-$repo/target}
is_default=no
default_pc=$(command -v php-config 2>/dev/null || true)
default_php=$(command -v php 2>/dev/null || true)
if [ -n "$default_pc" ] && [ "$(readlink -f "$default_pc")" = "$(readlink -f "$pc_path")" ] &&
  [ -n "$default_php" ] && [ -n "$php_bin" ] && [ "$(readlink -f "$default_php")" = "$(readlink -f "$php_bin")" ]; then
  is_default=yes
fi
zts=
if [ -n "$php_bin" ] && [ "$("$php_bin" -n -r 'echo PHP_ZTS;' 2>/dev/null)" = 1 ]; then zts=-zts; fi
if [ "$is_default" = yes ]; then
  target_dir=$target_base
else
  target_dir="$target_base/php-$php_xy$zts"
fi
so="$target_dir/release/libvfstock.so"

libclang_present() {
  # The folders bindgen (clang-sys) searches on Linux, as build.rs checks them.
  local d
  local dirs=("${LIBCLANG_PATH:-}" /usr/lib /usr/lib64 /usr/local/lib /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu)
  for d in /usr/lib/llvm*/lib; do dirs+=("$d"); done
  for d in "${dirs[@]}"; do
    [ -n "$d" ] && compgen -G "$d/libclang*" >/dev/null && return 0
  done
  return 1
}

build_is_fresh() {
  [ -f "$so" ] && [ -z "$(find src build.rs Cargo.toml Cargo.lock -newer "$so" -print -quit 2>/dev/null)" ]
}

build() {
  if ! command -v cargo >/dev/null 2>&1; then
    if build_is_fresh; then
      say "cargo is not on PATH: installing the build made $(date -r "$so" '+%F %T') for PHP $version"
      return
    fi
    die "cargo was not found: install Rust 1.85 or later (rustup), or build as yourself first (make ext PHP_CONFIG=$pc) and then run sudo make install PHP_CONFIG=$pc"
  fi
  local cargo_version
  cargo_version=$(cargo --version 2>/dev/null | awk '{print $2}')
  if [[ $cargo_version =~ ^1\.([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -lt 85 ]; then
    die "cargo $cargo_version is too old: vfstock needs Rust 1.85 or later (rustup update)"
  fi
  libclang_present ||
    die "libclang was not found; it generates PHP's bindings: install it (Debian/Ubuntu: libclang-dev; EL/CloudLinux: clang-devel), or set LIBCLANG_PATH to the folder holding libclang.so"
  if [ "$is_default" = no ] && [ ! -d "$target_dir/release" ] && [ -d "$target_base/release/deps" ]; then
    # A first build for another PHP starts from the default one: only
    # ext-php-rs and vfstock depend on the PHP, the rest is reused as it is.
    say "seeding ${target_dir#"$repo"/} from ${target_base#"$repo"/}/release"
    mkdir -p -- "$target_dir"
    cp -a -- "$target_base/release" "$target_dir/release" 2>/dev/null || true
    rm -f -- "$so" # the other PHP's extension: never to be taken for this one's
  fi
  say "building vfstock for PHP $version ($pc_path) in ${target_dir#"$repo"/}"
  if [ "$is_default" = yes ]; then
    # The same environment as `make build`: cargo then finds nothing to redo.
    env -u PHP -u PHP_CONFIG CARGO_TARGET_DIR="$target_dir" cargo build --release --lib -p vfstock
  else
    env PHP="$php_bin" PHP_CONFIG="$pc_path" CARGO_TARGET_DIR="$target_dir" cargo build --release --lib -p vfstock
  fi
  [ -f "$so" ] || die "the build left no $so"
}

# --- the Debian layout (mods-available + phpenmod) ------------------------------
debian_version=
if [[ $ini_dir =~ ^/etc/php/([0-9]+\.[0-9]+)/[^/]+/conf\.d$ ]]; then
  debian_version=${BASH_REMATCH[1]}
fi
DEBIAN_SAPIS=(cli fpm)      # always, as phpenmod would for these two
OPTIONAL_SAPIS=(apache2)    # enabled too where installed (mod_php hosts)

ini_text() {
  cat <<'EOF'
; vfstock: keeps WHMCS stock (tblproducts.qty) true to a VirtFusion fleet.
; priority=20
extension=vfstock
EOF
}

write_file() { # path, from stdin
  mkdir -p -- "$(dirname -- "$1")"
  cat >"$1.vfstock-new" && mv -f -- "$1.vfstock-new" "$1"
  say "wrote $1"
}

install_so() {
  local to="$dest$ext_dir/vfstock.so"
  mkdir -p -- "$dest$ext_dir" 2>/dev/null || true
  if [ ! -w "$dest$ext_dir" ]; then
    die "cannot write to $dest$ext_dir: run it as root (sudo make install${PHP_CONFIG:+ PHP_CONFIG=$PHP_CONFIG}), or give DESTDIR"
  fi
  # A new file renamed over the old one: PHP processes still running keep the
  # copy they mapped, instead of crashing on a file rewritten under them.
  install -m 0644 -- "$so" "$to.vfstock-new"
  mv -f -- "$to.vfstock-new" "$to"
  say "installed $to (PHP $version, extension API $(ask --phpapi))"
}

# What phpenmod does for one SAPI, written under DESTDIR (without running it
# against this machine): the conf.d link and the "enabled by the admin" mark.
debian_link() { # sapi
  local v=$debian_version s=$1
  mkdir -p -- "$dest/etc/php/$v/$s/conf.d" "$dest/var/lib/php/modules/$v/$s/enabled_by_admin"
  ln -sfn "/etc/php/$v/mods-available/vfstock.ini" "$dest/etc/php/$v/$s/conf.d/20-vfstock.ini"
  rm -f -- "$dest/var/lib/php/modules/$v/$s/disabled_by_admin/vfstock" "$dest/var/lib/php/modules/$v/$s/disabled_by_maint/vfstock"
  : >"$dest/var/lib/php/modules/$v/$s/enabled_by_admin/vfstock"
  say "enabled for $s: $dest/etc/php/$v/$s/conf.d/20-vfstock.ini -> /etc/php/$v/mods-available/vfstock.ini"
}

install_ini() {
  if [ -n "$debian_version" ]; then
    local v=$debian_version s
    ini_text | write_file "$dest/etc/php/$v/mods-available/vfstock.ini"
    if [ -z "$dest" ] && command -v phpenmod >/dev/null 2>&1; then
      for s in "${DEBIAN_SAPIS[@]}" "${OPTIONAL_SAPIS[@]}"; do
        if [ -d "/etc/php/$v/$s/conf.d" ]; then
          phpenmod -v "$v" -s "$s" vfstock
          say "enabled for $s (phpenmod -v $v -s $s vfstock)"
        elif [[ " ${DEBIAN_SAPIS[*]} " == *" $s "* ]]; then
          say "PHP $v's $s is not installed here; once it is: phpenmod -v $v -s $s vfstock"
        fi
      done
    else
      for s in "${DEBIAN_SAPIS[@]}"; do debian_link "$s"; done
      for s in "${OPTIONAL_SAPIS[@]}"; do
        if [ -d "$dest/etc/php/$v/$s/conf.d" ]; then debian_link "$s"; fi
      done
    fi
  elif [ -n "$ini_dir" ]; then
    ini_text | grep -v '^; priority' | write_file "$dest$ini_dir/vfstock.ini"
  else
    say "this PHP reads no configuration folder: add the line extension=vfstock to $(ask --ini-path)/php.ini"
  fi
}

uninstall_all() {
  local removed=0 f
  if [ -e "$dest$ext_dir/vfstock.so" ]; then
    rm -f -- "$dest$ext_dir/vfstock.so"
    say "removed $dest$ext_dir/vfstock.so"
    removed=1
  fi
  if [ -n "$debian_version" ]; then
    local v=$debian_version conf
    if [ -z "$dest" ] && command -v phpdismod >/dev/null 2>&1 && [ -f "/etc/php/$v/mods-available/vfstock.ini" ]; then
      for conf in /etc/php/"$v"/*/conf.d; do
        [ -d "$conf" ] || continue
        phpdismod -p -v "$v" -s "$(basename -- "$(dirname -- "$conf")")" vfstock || true
      done
    fi
    for f in "$dest"/etc/php/"$v"/*/conf.d/*-vfstock.ini; do
      [ -L "$f" ] || continue
      rm -f -- "$f"
      say "removed $f"
      removed=1
    done
    for f in "$dest"/var/lib/php/modules/"$v"/*/{enabled,disabled}_by_{admin,maint}/vfstock; do
      [ -e "$f" ] && rm -f -- "$f"
    done
    f="$dest/etc/php/$v/mods-available/vfstock.ini"
    if [ -e "$f" ]; then
      rm -f -- "$f"
      say "removed $f"
      removed=1
    fi
  elif [ -n "$ini_dir" ] && [ -e "$dest$ini_dir/vfstock.ini" ]; then
    rm -f -- "$dest$ini_dir/vfstock.ini"
    say "removed $dest$ini_dir/vfstock.ini"
    removed=1
  fi
  if [ "$removed" = 0 ]; then
    say "vfstock was not installed for PHP $version ($pc_path${dest:+, DESTDIR=$dest})"
  elif [ -z "$dest" ]; then
    say "done: restart PHP-FPM (or Apache) so that running workers drop it"
  fi
}

after_install() {
  if [ -n "$dest" ]; then
    say "done (DESTDIR=$dest)"
    return
  fi
  if [ -n "$php_bin" ] && "$php_bin" -m 2>/dev/null | grep -qx vfstock; then
    say "ok: $php_bin (the CLI, which runs the WHMCS cron) loads vfstock $("$php_bin" -r 'echo phpversion("vfstock");' 2>/dev/null)"
  else
    say "warning: $php_bin -m does not list vfstock: check php --ini for the file holding extension=vfstock"
  fi
  if [ -n "$debian_version" ]; then
    say "now reload PHP-FPM (systemctl reload php$debian_version-fpm) or Apache; the addon's admin page and 'vfstock check' say which PHP and SAPI they run in"
  else
    say "now restart PHP-FPM (or Apache) so web requests load it; the addon's admin page and 'vfstock check' say which PHP and SAPI they run in"
  fi
}

case "$action" in
  ext)
    build
    echo "$so"
    ;;
  install)
    build
    install_so
    install_ini
    after_install
    ;;
  uninstall)
    uninstall_all
    ;;
esac
