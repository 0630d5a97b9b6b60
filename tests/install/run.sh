#!/usr/bin/env bash
# make test-install: `make install` / `make uninstall` for two PHPs.
#
#  1. this machine's PHP (php-config, Debian 12's 8.2) into a scratch DESTDIR:
#     the .so in its extension folder, mods-available/vfstock.ini and the
#     links and marks phpenmod would make for cli and fpm; `php -m` with those
#     files lists vfstock; uninstall leaves no file behind.
#  2. Debian 13's PHP 8.4 (the root of scripts/php84-root.sh) with DESTDIR =
#     that root: afterwards its php8.4 and php-fpm8.4 list vfstock with no
#     flag at all; after uninstall they do not.
#  3. PHP=... picks that PHP's php-config; mistakes are refused in one line
#     and install nothing: a PHP that does not exist, a PHP and a PHP_CONFIG
#     of different versions, a missing php-config, a missing cargo.
#  4. `make install` runs no `make setup` (it installs no packages).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/checks.sh
repo=$(pwd -P)
started=$SECONDS
root_home="$repo/target/php84-root"
root="$root_home/root"
pc84="$root_home/bin/php-config"
version=$(crate_version)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/vfstock-install-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

files_under() { (cd "$1" && find . \( -type f -o -type l \) | sort); }

# --- 1. this machine's PHP into a DESTDIR -------------------------------------
echo "test-install: this machine's PHP ($(php-config --version)) into a DESTDIR"
d="$scratch/php82"
make -s install DESTDIR="$d" >"$scratch/log" 2>&1 || {
  cat "$scratch/log"
  bad "make install DESTDIR=$d"
}
ext_dir=$(php-config --extension-dir)
v=$(php-config --version | cut -d. -f1,2)
check "the extension is $ext_dir/vfstock.so, the build itself" cmp -s "$d$ext_dir/vfstock.so" target/release/libvfstock.so
check "mods-available/vfstock.ini says extension=vfstock" grep -qx 'extension=vfstock' "$d/etc/php/$v/mods-available/vfstock.ini"
for s in cli fpm; do
  check "$s/conf.d/20-vfstock.ini links to /etc/php/$v/mods-available/vfstock.ini" \
    test "$(readlink "$d/etc/php/$v/$s/conf.d/20-vfstock.ini")" = "/etc/php/$v/mods-available/vfstock.ini"
  check "phpenmod's mark: var/lib/php/modules/$v/$s/enabled_by_admin/vfstock" test -f "$d/var/lib/php/modules/$v/$s/enabled_by_admin/vfstock"
done
expected=$(printf '%s\n' ".$ext_dir/vfstock.so" "./etc/php/$v/cli/conf.d/20-vfstock.ini" "./etc/php/$v/fpm/conf.d/20-vfstock.ini" \
  "./etc/php/$v/mods-available/vfstock.ini" "./var/lib/php/modules/$v/cli/enabled_by_admin/vfstock" \
  "./var/lib/php/modules/$v/fpm/enabled_by_admin/vfstock" | sort)
check "nothing else was written" test "$(files_under "$d")" = "$expected"
# The conf.d link, resolved inside DESTDIR, as the CLI's only scan folder.
link_target="$d$(readlink "$d/etc/php/$v/cli/conf.d/20-vfstock.ini")"
m=$(PHP_INI_SCAN_DIR="$(dirname "$link_target")" php -d extension_dir="$d$ext_dir" -m 2>&1)
check "php -m with the installed ini and extension lists vfstock" grep -qx vfstock <<<"$m"
loaded=$(PHP_INI_SCAN_DIR="$(dirname "$link_target")" php -d extension_dir="$d$ext_dir" -r 'echo phpversion("vfstock");' 2>&1)
check "it is vfstock $version (got: $loaded)" test "$loaded" = "$version"
make -s install DESTDIR="$d" >"$scratch/log" 2>&1
check "a second install over the first changes nothing" test "$(files_under "$d")" = "$expected"
make -s uninstall DESTDIR="$d" >"$scratch/log" 2>&1 || cat "$scratch/log"
check "make uninstall removes every file and link" test -z "$(files_under "$d")"

# --- 2. Debian 13's PHP 8.4, into the root ----------------------------------------
echo "test-install: Debian 13's PHP $("$pc84" --version) into its root (DESTDIR=${root#"$repo"/})"
in_root() { bash scripts/php84-root.sh run "$@"; }
ext84=$("$pc84" --extension-dir)
make -s uninstall PHP_CONFIG="$pc84" DESTDIR="$root" >/dev/null 2>&1 || true # a run cut short
make -s install PHP_CONFIG="$pc84" DESTDIR="$root" >"$scratch/log" 2>&1 || {
  cat "$scratch/log"
  bad "make install PHP_CONFIG=$pc84 DESTDIR=$root"
}
check "the build for 8.4 is its own (target/php-8.4)" cmp -s "$root$ext84/vfstock.so" target/php-8.4/release/libvfstock.so
check "the 8.2 build was not installed into 8.4" test "$(md5sum <"$root$ext84/vfstock.so")" != "$(md5sum <target/release/libvfstock.so)"
check "php8.4 -m (no flags: the root's own ini files) lists vfstock" grep -qx vfstock <<<"$(in_root php8.4 -m 2>&1)"
check "php-fpm8.4 -m (the FPM SAPI's ini files) lists vfstock" grep -qx vfstock <<<"$(in_root php-fpm8.4 -m 2>&1)"
check "no startup warning in the root" test -z "$(in_root php8.4 -r '' 2>&1)"
loaded=$(in_root php8.4 -r 'echo phpversion("vfstock"), " ", PHP_VERSION;' 2>&1)
check "it is vfstock $version on PHP 8.4 (got: $loaded)" grep -qx "$version 8\.4\.[0-9]*" <<<"$loaded"
check "phpquery (Debian's own tool) sees it enabled for fpm" in_root phpquery -q -v 8.4 -s fpm -m vfstock
make -s uninstall PHP_CONFIG="$pc84" DESTDIR="$root" >"$scratch/log" 2>&1 || cat "$scratch/log"
check "after uninstall php8.4 -m no longer lists it" test -z "$(in_root php8.4 -m 2>&1 | grep -x vfstock)"
check "after uninstall no vfstock file is left in the root" \
  test -z "$(find "$root/etc/php" "$root$ext84" "$root/var/lib/php" -name '*vfstock*' 2>/dev/null)"

# --- 3. choosing the PHP, and the refusals ---------------------------------------
echo "test-install: choosing the PHP, and mistakes"
d="$scratch/by-php"
make -s install PHP="$root_home/bin/php" DESTDIR="$d" >"$scratch/log" 2>&1 || cat "$scratch/log"
check "PHP=<8.4's php> installs for 8.4 (its php-config beside it)" test -f "$d$ext84/vfstock.so" -a -f "$d/etc/php/8.4/mods-available/vfstock.ini"
check "... and nothing for 8.2" test ! -e "$d$ext_dir"

refused() { # description, expected message part, make arguments...
  local what=$1 expect=$2
  shift 2
  local out rc=0 d="$scratch/refused"
  rm -rf "$d"
  out=$(make -s install DESTDIR="$d" "$@" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ]; then
    bad "$what: make install succeeded"
  elif [ -e "$d" ] && [ -n "$(files_under "$d")" ]; then
    bad "$what: it installed files"
  elif ! grep -q -- "$expect" <<<"$out"; then
    bad "$what: the message does not say '$expect': $out"
  else
    ok "$what: $(grep -m1 -- "$expect" <<<"$out")"
  fi
}
absent=php8.3
command -v "$absent" >/dev/null 2>&1 && absent=php9.9
refused "PHP=$absent where there is none" "PHP_CONFIG=" PHP="$absent"
refused "PHP and PHP_CONFIG of two versions" "is PHP 8.4" PHP=php PHP_CONFIG="$pc84"
refused "a PHP_CONFIG that does not exist" "php-config was not found" PHP_CONFIG=/nonexistent/php-config
if PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v cargo >/dev/null 2>&1; then
  echo "  (cargo is in /usr/bin here: the missing-cargo case is not tried)"
else
  refused "no cargo and no build for this PHP" "cargo was not found" CARGO_TARGET_DIR="$scratch/no-build" PATH=/usr/sbin:/usr/bin:/sbin:/bin
fi

# --- 4. install installs no packages ----------------------------------------------
plan=$(make -n install 2>&1)
check "make install does not run make setup" test -z "$(grep -e setup.sh -e apt-get <<<"$plan")"

checks_done test-install
