#!/usr/bin/env bash
# make test-php84: vfstock built against Debian 13's PHP 8.4 (headers and
# php-config of a Debian 13 root made from Debian's own packages), then the
# extension's PHPUnit suites run on that PHP, inside the root, with Debian
# 13's own PHPUnit. The simulator is the host's target/release/vfsim (it only
# listens on 127.0.0.1, and the root sees the repository at its own path).
#
#   tests/php84/run.sh [EXTENSION.so]   default: the build `make ext` makes for it
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd -P)
started=$SECONDS

[ -x target/release/vfsim ] || {
  echo "test-php84: target/release/vfsim is missing: make build" >&2
  exit 1
}
bash scripts/php84-root.sh ensure
if [ $# -gt 0 ]; then
  so=$(readlink -f "$1")
else
  so=$(PHP_CONFIG="$repo/target/php84-root/bin/php-config" bash scripts/install.sh ext | tail -n 1)
fi
echo "test-php84: $so on Debian 13's PHP 8.4"

root_run() { bash scripts/php84-root.sh run "$@"; }
built_for=$(root_run php8.4 -n -d extension="$so" -r 'echo (new ReflectionExtension("vfstock"))->getVersion(), " ", PHP_VERSION;')
echo "test-php84: loads as vfstock $built_for"
root_run env VFSTOCK_EXT="$so" VFSIM_BIN="$repo/target/release/vfsim" \
  php8.4 -d extension="$so" -d memory_limit=1G /usr/bin/phpunit -c tests/php84/phpunit.xml
echo "test-php84: passed in $((SECONDS - started)) s"
