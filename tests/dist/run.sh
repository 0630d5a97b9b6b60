#!/usr/bin/env bash
# make test-dist: the release files `make dist` left in dist/.
#
#  - exactly the files a release has: one .so per PHP (this machine's PHP and
#    Debian 13's 8.4), the addon zip, LICENSE, SHA256SUMS, named after the
#    crate's version; the checksums verify and cover every other file;
#  - each .so needs glibc 2.17 at most (its highest GLIBC_ symbol version, by
#    objdump -T) and no library beyond glibc's own;
#  - each .so loads into its PHP (php -n -d extension=... -m), reports the
#    crate's version, and passes the extension's suites there (8.2 with this
#    machine's PHPUnit, 8.4 inside the Debian 13 root with Debian 13's);
#  - the zip holds modules/addons/vfstock/... exactly as the repository has it,
#    the CLI still executable.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/checks.sh
repo=$(pwd -P)
started=$SECONDS
version=$(crate_version)
GLIBC_MAX=2.17

in_root() { bash scripts/php84-root.sh run "$@"; }

[ -d dist ] || {
  echo "test-dist: no dist/: make dist" >&2
  exit 1
}
host_xy=$(php-config --version | cut -d. -f1,2)
so82="vfstock-$version-php$host_xy-nts-linux-x86_64.so"
so84="vfstock-$version-php8.4-nts-linux-x86_64.so"
zip="vfstock-addon-$version.zip"

echo "test-dist: the files of vfstock $version"
expected=$(printf '%s\n' "$so82" "$so84" "$zip" LICENSE SHA256SUMS | sort -u)
check "dist/ holds $(paste -sd' ' <<<"$expected")" test "$(ls dist | sort)" = "$expected"
check "SHA256SUMS verifies" bash -c 'cd dist && sha256sum --quiet -c SHA256SUMS'
check "SHA256SUMS covers every other file" test "$(awk '{print $2}' dist/SHA256SUMS | sort)" = "$(grep -vx SHA256SUMS <<<"$expected")"
check "LICENSE is the repository's MIT licence" bash -c 'cmp -s dist/LICENSE LICENSE && grep -q "^MIT License" LICENSE'

echo "test-dist: the addon zip"
entries=$(unzip -Z1 "dist/$zip" | grep -v '/$' | sort)
check "every entry is under modules/addons/vfstock/" test -z "$(grep -v '^modules/addons/vfstock/' <<<"$entries")"
check "it holds exactly the addon's files" test "$entries" = "$(cd php && find modules/addons/vfstock -type f ! -name '*~' ! -name '*.swp' ! -name .DS_Store | sort)"
for f in vfstock.php hooks.php bin/vfstock; do
  check "it has modules/addons/vfstock/$f" grep -qx "modules/addons/vfstock/$f" <<<"$entries"
done
check "bin/vfstock is still executable" grep -q '^-rwx.* modules/addons/vfstock/bin/vfstock$' <<<"$(unzip -Z "dist/$zip")"

for so in "$so82" "$so84"; do
  echo "test-dist: $so"
  f="dist/$so"
  needed=$(objdump -T "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n 1)
  check "the highest glibc symbol version it needs is $needed, at most $GLIBC_MAX" \
    test "$(printf '%s\n%s\n' "$needed" "$GLIBC_MAX" | sort -V | tail -n 1)" = "$GLIBC_MAX"
  libs=$(objdump -p "$f" | awk '$1 == "NEEDED" { print $2 }' | sort | paste -sd' ')
  check "it needs only glibc's own libraries ($libs)" \
    test -z "$(tr ' ' '\n' <<<"$libs" | grep -v -E '^$|^(libc|libm|libdl|libpthread|librt|ld-linux-x86-64)\.so\.[0-9]+$')"
done

echo "test-dist: each .so in its PHP"
m=$(php -n -d extension="$repo/dist/$so82" -m 2>&1)
check "php $host_xy -n -d extension=dist/$so82 -m lists vfstock" grep -qx vfstock <<<"$m"
got=$(php -n -d extension="$repo/dist/$so82" -r 'echo phpversion("vfstock");' 2>&1)
check "it is vfstock $version (got: $got)" test "$got" = "$version"
m=$(in_root php8.4 -n -d extension="$repo/dist/$so84" -m 2>&1)
check "Debian 13's php8.4 -n -d extension=dist/$so84 -m lists vfstock" grep -qx vfstock <<<"$m"
got=$(in_root php8.4 -n -d extension="$repo/dist/$so84" -r 'echo phpversion("vfstock");' 2>&1)
check "it is vfstock $version (got: $got)" test "$got" = "$version"

echo "test-dist: the extension's suites with dist/$so82 on PHP $host_xy"
if VFSTOCK_EXT="$repo/dist/$so82" php -d extension="$repo/dist/$so82" -d memory_limit=1G /usr/bin/phpunit \
  -c tests/php84/phpunit.xml; then
  ok "the suites pass with the release build for PHP $host_xy"
else
  bad "the suites with the release build for PHP $host_xy"
fi
echo "test-dist: the extension's suites with dist/$so84 on Debian 13's PHP 8.4"
if bash tests/php84/run.sh "dist/$so84"; then
  ok "the suites pass with the release build for PHP 8.4"
else
  bad "the suites with the release build for PHP 8.4"
fi

checks_done test-dist
